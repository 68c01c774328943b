//! The server's own count of rooms, peers and connections, from `/healthz`,
//! over a plain HTTP/1.1 request (no client library for one GET).

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What `/healthz` reports about load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Health {
    pub rooms: u64,
    pub peers: u64,
    pub connections: u64,
}

impl Health {
    pub fn is_empty(self) -> bool {
        self == Health::default()
    }
}

/// GET `/healthz` from `addr` (host:port); `None` if the server did not answer.
pub async fn fetch(addr: &str) -> Option<Health> {
    tokio::time::timeout(Duration::from_secs(5), get(addr)).await.ok().flatten()
}

async fn get(addr: &str) -> Option<Health> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let head = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.ok()?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.ok()?;
    let reply = String::from_utf8_lossy(&reply);
    let body = reply.split_once("\r\n\r\n")?.1;
    let v: Value = serde_json::from_str(body).ok()?;
    Some(Health { rooms: v["rooms"].as_u64()?, peers: v["peers"].as_u64()?, connections: v["connections"].as_u64()? })
}
