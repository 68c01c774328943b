//! Hostile clients, one kind per test, each beside an honest two-peer room
//! (`support::Honest`) that must go on relaying throughout: the server holds
//! its limits against anyone on the network.

mod crowds;
mod floods;
mod impostors;
mod slowloris;
