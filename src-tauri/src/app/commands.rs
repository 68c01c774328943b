//! Commands the client calls through Tauri's IPC.

use serde::Serialize;

use super::HostedServer;
use crate::signal::lan;

/// Where this app's own server listens.
#[derive(Serialize)]
pub struct ServerInfo {
    pub port: u16,
    /// The client in this window connects here.
    pub ws_url: String,
    /// Where others on the LAN reach this host (`http://ADDR:PORT/`), best
    /// first; the client builds invite links from the first.
    pub lan_urls: Vec<String>,
}

#[tauri::command]
pub fn server_info(server: tauri::State<'_, HostedServer>) -> ServerInfo {
    let port = server.addr().port();
    let lan_urls = lan::addresses().iter().map(|ip| format!("http://{ip}:{port}/")).collect();
    ServerInfo { port, ws_url: format!("ws://127.0.0.1:{port}/ws"), lan_urls }
}
