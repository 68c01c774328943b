//! The `lancall` binary as people run it: `lancall serve` headless and the
//! app in a real window under Xvfb, each stopped by a signal.

mod app_window;
mod hosting;
mod media_permissions;
mod serve_cli;
mod support;
