//! Launches that reach the app while it runs: a clicked `lancall://` link or
//! a second `lancall join|host …`. One instance runs per person
//! (tauri-plugin-single-instance): a second start hands its arguments to the
//! first and exits. The window is brought forward and the page is told; the
//! page asks for the launch (`launch_next`) and acts on it, asking first if
//! it is in a call.
//!
//! Where links come from, per OS: Linux and Windows start the program with
//! the link as its only argument, so a link reaches a running app through
//! the single-instance plugin's arguments (handled here, malformed ones
//! included, so each gets its notice). macOS starts no second process: the
//! link comes as an "open URL" event, which tauri-plugin-deep-link turns
//! into `on_open_url`, at start and later alike.

use std::sync::Mutex;

use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use super::deep_link::{self, LinkAction};
use super::launch::Launch;

/// How the command line reads a second start's arguments (`cli::forwarded_launch`;
/// passed in, as this module sits below the command line).
pub type Forward = fn(&[String]) -> Option<Launch>;

/// The event that tells the page a launch waits (no payload: the page
/// takes it with `launch_next`, so one that came before the page listened
/// is not lost).
pub const EVENT: &str = "launch";

/// The launch that came in and the page has not taken yet; only the latest
/// counts, as with two links clicked in a row the person meant the last.
#[derive(Default)]
pub struct Pending(Mutex<Option<Launch>>);

impl Pending {
    fn put(&self, launch: Launch) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(launch);
    }

    fn take(&self) -> Option<Launch> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// A second start of the program: bring the window forward and pass on what
/// it asked for. `args` starts with the program's name.
pub fn second_start<R: Runtime>(app: &AppHandle<R>, args: Vec<String>, forward: Forward) {
    tracing::info!(args = ?args.iter().skip(1).map(|a| a.chars().take(200).collect::<String>()).collect::<Vec<_>>(), "second start");
    if let Some(launch) = forward(&args) {
        deliver(app, launch);
    }
    show(app);
}

/// Links macOS hands the running app (tauri-plugin-deep-link's `on_open_url`).
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
pub fn opened<R: Runtime>(app: &AppHandle<R>, urls: Vec<String>) {
    if let Some(url) = urls.last() {
        deliver(app, link_launch(url));
        show(app);
    }
}

/// What a `lancall:` link asks the window to do; a bad link opens the lobby
/// with a notice saying why, never an error dialog or a crash.
pub fn link_launch(link: &str) -> Launch {
    match deep_link::parse(link) {
        Ok(LinkAction::Join { host, room, name }) => Launch::Join { host, room, name },
        Err(problem) => Launch::BadLink { problem },
    }
}

fn deliver<R: Runtime>(app: &AppHandle<R>, launch: Launch) {
    if let Launch::BadLink { problem } = &launch {
        tracing::warn!(%problem, "a link the app can't use");
    }
    app.state::<Pending>().put(launch);
    if let Err(e) = app.emit(EVENT, ()) {
        tracing::error!(cause = %e, "cannot tell the page of a new launch");
    }
}

/// The main window, shown and focused: the person clicked to get here.
fn show<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// The launch that came in since the page last asked, if any.
#[tauri::command]
pub fn launch_next(pending: State<'_, Pending>) -> Option<Launch> {
    pending.take()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only the latest launch waits, and taking it leaves none.
    #[test]
    fn the_latest_launch_waits_once() {
        let pending = Pending::default();
        assert_eq!(pending.take(), None);
        pending.put(Launch::Lobby { name: None });
        pending.put(link_launch("lancall://join?host=h:1&room=r"));
        assert_eq!(pending.take(), Some(Launch::Join { host: "h:1".into(), room: "r".into(), name: None }));
        assert_eq!(pending.take(), None);
    }
}
