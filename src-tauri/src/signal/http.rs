//! HTTP routes: the WebSocket endpoint behind the Origin check, `/healthz`,
//! `/room-name`,
//! and the client pages from `ui/`, embedded in the binary so an installed
//! app or `lancall serve` works from any directory. Every answer carries
//! the security headers of [`super::headers`].

use std::sync::Arc;

use axum::extract::connect_info::ConnectInfo;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Serialize;

use super::connection;
use super::guard::PeerAddr;
use super::protocol::PROTOCOL_VERSION;
use super::shared::Shared;

/// The client, as it was when this binary was built.
#[derive(rust_embed::Embed)]
#[folder = "ui/"]
struct Assets;

/// All routes of the server; tests build it too.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/ws", get(upgrade))
        .route("/healthz", get(healthz))
        .route("/room-name", get(room_name))
        .fallback(get(asset))
        .layer(axum::middleware::from_fn(super::headers::add))
        .with_state(shared)
}

async fn upgrade(
    State(shared): State<Arc<Shared>>,
    // Absent only when the router is served without `signal::serve`'s listener.
    peer: Option<Extension<ConnectInfo<PeerAddr>>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let ip = peer.map(|Extension(ConnectInfo(PeerAddr(addr)))| addr.ip());
    let origin = headers.get(header::ORIGIN).map(|v| v.to_str().unwrap_or("(not text)"));
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if !shared.origins.allows(origin, host) {
        tracing::info!(origin = origin.unwrap_or_default(), "refused: origin not allowed");
        let body = "This page's origin may not open a lancall socket. \
                    The host can allow it with --allow-origin.";
        return (StatusCode::FORBIDDEN, body).into_response();
    }
    let max = shared.config.max_frame_bytes;
    let ws = ws
        .max_message_size(max)
        .max_frame_size(max)
        // Small buffers: most connections carry a few KiB a minute, and at
        // ten thousand sockets the default 128 KiB each would dominate. The
        // writer flushes after each batch, so frames wait in the write buffer
        // only until then.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(16 * 1024);
    match shared.try_connect() {
        Some(slot) => {
            let tracker = shared.tracker.clone();
            ws.on_upgrade(move |socket| tracker.track_future(connection::serve(socket, shared, slot, ip)))
        }
        None => {
            tracing::warn!(max = shared.config.max_connections, "refused: connection cap reached");
            let max = shared.config.max_connections;
            ws.on_upgrade(move |socket| connection::refuse_full(socket, max))
        }
    }
}

/// Liveness and load, for people and monitors.
#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    protocol: u32,
    rooms: usize,
    peers: usize,
    connections: usize,
    uptime_secs: u64,
}

async fn healthz(State(shared): State<Arc<Shared>>) -> Json<Health> {
    let stats = shared.stats();
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        protocol: PROTOCOL_VERSION,
        rooms: stats.rooms,
        peers: stats.peers,
        connections: shared.connections(),
        uptime_secs: shared.uptime().as_secs(),
    })
}

/// A fresh room name for the client's lobby (see [`super::room_name`]).
async fn room_name() -> Response {
    #[derive(Serialize)]
    struct Name {
        room: String,
    }
    ([(header::CACHE_CONTROL, "no-store")], Json(Name { room: super::room_name::spoken() })).into_response()
}

async fn asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() || path.ends_with('/') { format!("{path}index.html") } else { path.to_owned() };
    match Assets::get(&path) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, file.metadata.mimetype().to_owned()),
                // The client changes with the binary; never serve a stale one.
                (header::CACHE_CONTROL, "no-cache".to_owned()),
            ],
            file.data,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
