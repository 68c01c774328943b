//! The window's menu: the call's own actions with keyboard shortcuts, which
//! the client carries out (it knows the room and the invite link), and Quit,
//! which the app carries out so the server still tells its peers.

use tauri::menu::{Menu, MenuBuilder, MenuEvent, MenuItemBuilder, SubmenuBuilder};
use tauri::{AppHandle, Emitter, Runtime};

/// The event the client listens to; its payload is one of [`CLIENT_ACTIONS`],
/// or the tray's "stop-hosting" or the window's "close-requested" (tray.rs).
pub const EVENT: &str = "menu";
/// Menu ids handed to the client as they are.
pub const CLIENT_ACTIONS: [&str; 3] = ["copy-invite", "leave", "open-in-browser"];
const QUIT: &str = "quit";

/// Build the menu bar.
pub fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Menu<R>> {
    let item = |id: &str, text: &str, keys: &str| MenuItemBuilder::with_id(id, text).accelerator(keys).build(app);
    let call = SubmenuBuilder::new(app, "Call")
        .item(&item("copy-invite", "Copy invite link", "CmdOrCtrl+Shift+C")?)
        .item(&item("open-in-browser", "Open call in browser", "CmdOrCtrl+Shift+B")?)
        .item(&item("leave", "Leave call", "CmdOrCtrl+Shift+L")?)
        .separator()
        .item(&item(QUIT, "Quit", "CmdOrCtrl+Q")?)
        .build()?;
    MenuBuilder::new(app).item(&call).build()
}

/// What a menu click does.
pub fn on_event<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    let id = event.id().as_ref();
    if id == QUIT {
        // Through the app's exit, which stops hosting gracefully.
        app.exit(0);
    } else if let Some(action) = CLIENT_ACTIONS.iter().find(|a| **a == id) {
        if let Err(e) = app.emit(EVENT, *action) {
            tracing::warn!(action, cause = %e, "cannot tell the window about a menu action");
        }
    }
}
