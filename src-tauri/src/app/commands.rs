//! Commands the client calls through Tauri's IPC. Each is small: the work
//! lives in the module it belongs to (hosting, settings, launch).

use std::path::PathBuf;

use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State, WebviewWindow};

use super::error::{Error, Result};
use super::launch::Launch;
use super::settings::Settings;
use super::host::Status;
use super::tray::{Tray, TrayText};
use super::Hosting;
use crate::signal::lan;

/// Longest text made into a QR code: an invite link is far shorter, and the
/// code stays scannable from a screen.
const MAX_QR_CHARS: usize = 1024;
/// Longest window title kept.
const MAX_TITLE_CHARS: usize = 200;

/// Where this app's own server listens.
#[derive(Debug, Serialize)]
pub struct ServerInfo {
    pub port: u16,
    /// The client in this window connects here.
    pub ws_url: String,
    /// Where others on the LAN reach this host (`http://ADDR:PORT/`), best
    /// first; the client builds invite links from the first.
    pub lan_urls: Vec<String>,
    /// People in the server's rooms, this window's client included.
    pub peers: usize,
    /// SHA-256 of the host's certificate when it speaks HTTPS (then the LAN
    /// pages are `https://`), for guests to compare with their browser's
    /// warning.
    pub tls_fingerprint: Option<String>,
    /// Joining with this key makes the window's client a host of its room
    /// (past the waiting room and the lock). Fresh each time hosting starts;
    /// never shown to guests.
    pub host_key: String,
    /// The server's rooms have a waiting room.
    pub waiting_room: bool,
}

impl ServerInfo {
    fn of(status: Status) -> ServerInfo {
        let port = status.addr.port();
        // This window stays on loopback; LAN guests get https when there is
        // a certificate.
        let lan_urls = lan::lan_pages(port, status.fingerprint.is_some());
        ServerInfo {
            port,
            ws_url: format!("ws://127.0.0.1:{port}/ws"),
            lan_urls,
            peers: status.peers,
            tls_fingerprint: status.fingerprint,
            host_key: status.host_key,
            waiting_room: status.waiting_room,
        }
    }
}

/// What the command line asked for (`lancall host`, `lancall join`).
#[tauri::command]
pub fn launch(launch: State<'_, Launch>) -> Launch {
    launch.inner().clone()
}

/// Start hosting (or keep hosting) and say where. `name` is what the LAN's
/// host lists show; `waiting_room` (JS `waitingRoom`) the host panel's
/// switch, else the app's default (on, unless `lancall host
/// --no-waiting-room`). Off the GUI thread: making a first certificate and
/// starting the announcement take a moment.
#[tauri::command]
pub async fn host_start<R: Runtime>(
    app: AppHandle<R>,
    port: Option<u16>,
    name: Option<String>,
    waiting_room: Option<bool>,
) -> Result<ServerInfo> {
    tauri::async_runtime::spawn_blocking(move || {
        app.state::<Hosting>().start(port, name.as_deref(), waiting_room).map(ServerInfo::of)
    })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
}

/// Stop hosting; peers are told before this returns. Off the GUI thread,
/// since the server gets a grace period to close every socket.
#[tauri::command]
pub async fn host_stop<R: Runtime>(app: AppHandle<R>) -> Result<()> {
    tauri::async_runtime::spawn_blocking(move || app.state::<Hosting>().stop())
        .await
        .map_err(|e| Error::Task(e.to_string()))
}

/// Where the server listens, or null when not hosting.
#[tauri::command]
pub fn server_info(hosting: State<'_, Hosting>) -> Option<ServerInfo> {
    hosting.status().map(ServerInfo::of)
}

pub(crate) fn settings_path<R: Runtime>(app: &AppHandle<R>) -> Result<PathBuf> {
    let dir = app.path().app_config_dir().map_err(|e| Error::NoConfigDir(e.to_string()))?;
    Ok(dir.join("settings.json"))
}

/// The stored settings, or the defaults.
#[tauri::command]
pub fn settings_load<R: Runtime>(app: AppHandle<R>) -> Result<Settings> {
    Ok(Settings::load(&settings_path(&app)?))
}

/// Store the settings the client holds; the fields the app keeps itself
/// (the screen portal's restore token) stay as stored.
#[tauri::command]
pub fn settings_save<R: Runtime>(app: AppHandle<R>, settings: Settings) -> Result<()> {
    Settings::update(&settings_path(&app)?, |stored| {
        let token = stored.screen_restore_token.take();
        *stored = Settings { screen_restore_token: token, ..settings };
    })?;
    Ok(())
}

/// A fresh room name, easy to say aloud (the server's `/room-name` for pages
/// a host serves).
#[tauri::command]
pub fn room_name() -> String {
    crate::signal::room_name::spoken()
}

/// `text` as a QR code, in SVG.
#[tauri::command]
pub fn invite_qr(text: String) -> Result<String> {
    qr_svg(&text)
}

/// The window's title (the room, while in a call).
#[tauri::command]
pub fn set_window_title<R: Runtime>(window: WebviewWindow<R>, title: String) -> Result<()> {
    let title: String = title.chars().filter(|c| !c.is_control()).take(MAX_TITLE_CHARS).collect();
    window.set_title(&title).map_err(|e| Error::Window(e.to_string()))
}

/// Show the tray icon while hosting, with the page's words (or change them).
/// A desktop with no tray is an error the page shows no one: closing the
/// window then quits, as before.
#[tauri::command]
pub fn tray_set<R: Runtime>(app: AppHandle<R>, tray: State<'_, Tray<R>>, text: TrayText) -> Result<()> {
    tray.set(&app, text).map_err(|e| Error::Tray(e.to_string()))
}

/// Take the tray icon down (hosting stopped).
#[tauri::command]
pub fn tray_clear<R: Runtime>(app: AppHandle<R>, tray: State<'_, Tray<R>>) {
    tray.clear(&app);
}

/// The person closed the window while hosting and chose to keep hosting:
/// the window hides, the tray icon brings it back. Refused with no icon up,
/// which would leave no way back to the window.
#[tauri::command]
pub fn keep_hosting_in_tray<R: Runtime>(window: WebviewWindow<R>, tray: State<'_, Tray<R>>) -> Result<()> {
    if !tray.is_up() {
        return Err(Error::Tray("no tray icon to come back from".into()));
    }
    window.hide().map_err(|e| Error::Window(e.to_string()))
}

/// Quit, through the app's exit (which stops hosting and tells the guests).
#[tauri::command]
pub fn quit<R: Runtime>(app: AppHandle<R>) {
    app.exit(0);
}

pub fn qr_svg(text: &str) -> Result<String> {
    let chars = text.chars().count();
    if chars > MAX_QR_CHARS {
        return Err(Error::QrTooLong { chars, max: MAX_QR_CHARS });
    }
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| Error::Qr(e.to_string()))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An invite link becomes an SVG QR code; an over-long text is refused.
    #[test]
    fn qr_codes() {
        let svg = qr_svg("http://192.168.1.5:8070/#room=calm-otter-42").unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
        assert!(svg.len() > 500, "a real code has many modules");
        assert!(matches!(qr_svg(&"x".repeat(MAX_QR_CHARS + 1)), Err(Error::QrTooLong { .. })));
    }

    /// Server info gives a loopback socket for the window and LAN pages for others.
    #[test]
    fn server_info_addresses() {
        let status = |fingerprint: Option<&str>| Status {
            addr: "0.0.0.0:8071".parse().unwrap(),
            peers: 2,
            fingerprint: fingerprint.map(str::to_owned),
            host_key: "k".repeat(32),
            waiting_room: true,
        };
        let info = ServerInfo::of(status(None));
        assert_eq!(info.peers, 2);
        assert_eq!((info.host_key.as_str(), info.waiting_room), ("k".repeat(32).as_str(), true));
        assert_eq!(info.tls_fingerprint, None);
        assert_eq!(info.port, 8071);
        assert_eq!(info.ws_url, "ws://127.0.0.1:8071/ws");
        for url in &info.lan_urls {
            assert!(url.starts_with("http://") && url.ends_with(":8071/"), "{url}");
        }
        let tls = ServerInfo::of(status(Some("AB:CD")));
        assert_eq!(tls.ws_url, "ws://127.0.0.1:8071/ws", "the window itself stays on plain loopback");
        assert!(tls.lan_urls.iter().all(|u| u.starts_with("https://")), "{:?}", tls.lan_urls);
    }
}
