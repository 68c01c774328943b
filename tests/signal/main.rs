//! Integration tests of the signaling server: a real server on 127.0.0.1:0,
//! real WebSocket clients. One test binary, so the app's dependency tree is
//! linked once.

#[path = "../common/server.rs"]
mod server;
mod support;

mod corpus;
mod discovery;
mod extensions;
mod headers;
mod heartbeat;
mod hostile;
mod limits;
mod lobby;
mod origin;
mod room_props;
mod seed_flow;
mod shutdown;
mod tls;
