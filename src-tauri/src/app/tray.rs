//! The tray icon while this app hosts: "Hosting '<room>' — N people", with
//! Show, Copy invite link and Stop hosting. It lets a host close the window
//! and keep the call going for their guests.
//!
//! The page drives it: it knows the room, the count and the person's
//! language, and sends the words with each change ([`TrayText`]); the app
//! only shows them. Copy and Stop go back to the page as the window menu's
//! actions do (it has the invite link and its own stop path), so the tray,
//! the menu and the page's buttons do one thing each way.
//!
//! Where there is no tray (a Linux desktop without StatusNotifier or
//! AppIndicator support) building it fails; the app says so in its log and
//! closing the window then quits as before, never hides the window with no
//! way back.

use std::sync::Mutex;

use serde::Deserialize;
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use super::menu;

const ID: &str = "hosting";
const SHOW: &str = "tray-show";
const COPY: &str = "tray-copy";
const STOP: &str = "tray-stop";
/// Longest text kept from the page for one line of the tray.
const MAX_CHARS: usize = 200;

/// The tray's words, in the person's language.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct TrayText {
    /// "Hosting 'Team' — 3 people": the icon's title and the menu's first line.
    pub status: String,
    pub show: String,
    pub copy: String,
    pub stop: String,
}

impl TrayText {
    fn clean(self) -> TrayText {
        let cut = |s: String| -> String {
            let s: String = s.chars().filter(|c| !c.is_control()).take(MAX_CHARS).collect();
            if s.trim().is_empty() { "lancall".to_owned() } else { s }
        };
        TrayText { status: cut(self.status), show: cut(self.show), copy: cut(self.copy), stop: cut(self.stop) }
    }
}

struct Shown<R: Runtime> {
    icon: TrayIcon<R>,
    status: MenuItem<R>,
    show: MenuItem<R>,
    copy: MenuItem<R>,
    stop: MenuItem<R>,
    text: TrayText,
}

/// The tray icon, when one is up.
pub struct Tray<R: Runtime> {
    shown: Mutex<Option<Shown<R>>>,
}

impl<R: Runtime> Default for Tray<R> {
    fn default() -> Self {
        Tray { shown: Mutex::new(None) }
    }
}

impl<R: Runtime> Tray<R> {
    /// Whether the icon is up: the window may then be closed into it.
    pub fn is_up(&self) -> bool {
        self.lock().is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Shown<R>>> {
        self.shown.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Show the icon with `text`, or change its words.
    pub fn set(&self, app: &AppHandle<R>, text: TrayText) -> tauri::Result<()> {
        let text = text.clean();
        let mut shown = self.lock();
        if let Some(s) = shown.as_mut() {
            if s.text != text {
                s.status.set_text(&text.status)?;
                s.show.set_text(&text.show)?;
                s.copy.set_text(&text.copy)?;
                s.stop.set_text(&text.stop)?;
                s.icon.set_tooltip(Some(&text.status))?;
                s.icon.set_title(Some(&text.status))?;
                s.text = text;
            }
            return Ok(());
        }
        let status = MenuItem::with_id(app, "tray-status", &text.status, false, None::<&str>)?;
        let show = MenuItem::with_id(app, SHOW, &text.show, true, None::<&str>)?;
        let copy = MenuItem::with_id(app, COPY, &text.copy, true, None::<&str>)?;
        let stop = MenuItem::with_id(app, STOP, &text.stop, true, None::<&str>)?;
        let menu = Menu::with_items(app, &[&status, &PredefinedMenuItem::separator(app)?, &show, &copy, &stop])?;
        let mut builder = TrayIconBuilder::with_id(ID)
            .menu(&menu)
            .tooltip(&text.status)
            .title(&text.status)
            .on_menu_event(on_event);
        if let Some(icon) = app.default_window_icon() {
            builder = builder.icon(icon.clone());
        }
        let icon = builder.build(app)?;
        *shown = Some(Shown { icon, status, show, copy, stop, text });
        Ok(())
    }

    /// Take the icon down (hosting stopped).
    pub fn clear(&self, app: &AppHandle<R>) {
        if self.lock().take().is_some() {
            app.remove_tray_by_id(ID);
        }
    }
}

/// Bring the window back, in front.
pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    for window in app.webview_windows().values() {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

fn on_event<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    let action = match event.id().as_ref() {
        SHOW => {
            show_window(app);
            return;
        }
        COPY => "copy-invite",
        STOP => {
            // The page stops (it leaves its call first), and the person
            // sees the window say so.
            show_window(app);
            "stop-hosting"
        }
        _ => return,
    };
    if let Err(e) = app.emit(menu::EVENT, action) {
        tracing::warn!(action, cause = %e, "cannot tell the window about a tray action");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_the_page_is_cut_and_never_empty() {
        let long = "x".repeat(5000);
        let t = TrayText { status: long, show: "\u{7}".into(), copy: "Copy\ninvite".into(), stop: " ".into() }.clean();
        assert_eq!(t.status.chars().count(), MAX_CHARS);
        assert_eq!(t.show, "lancall");
        assert_eq!(t.copy, "Copyinvite");
        assert_eq!(t.stop, "lancall");
    }
}
