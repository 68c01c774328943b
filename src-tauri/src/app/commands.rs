//! Commands the client calls through Tauri's IPC.

use serde::Serialize;

use super::HostedServer;

/// Where this app's own server listens, for the client to connect to.
#[derive(Serialize)]
pub struct ServerInfo {
    pub port: u16,
    /// The client in this window connects here.
    pub ws_url: String,
}

#[tauri::command]
pub fn server_info(server: tauri::State<'_, HostedServer>) -> ServerInfo {
    let port = server.addr().port();
    ServerInfo { port, ws_url: format!("ws://127.0.0.1:{port}/ws") }
}
