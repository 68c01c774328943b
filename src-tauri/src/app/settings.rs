//! The person's settings, kept as `settings.json` in the OS's app config
//! folder (`~/.config/app.lancall.desktop` on Linux, `~/Library/Application
//! Support/…` on macOS, `%APPDATA%\…` on Windows), so they survive updates
//! and don't depend on the webview's storage.
//!
//! The file is written whole to a temporary file and renamed over the old
//! one, so a crash mid-write never leaves half a file; a file that can't be
//! read (hand-edited, from a future version) gives the defaults and a
//! warning, never a failed start.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How many recent hosts the join screen offers.
pub const MAX_RECENT_HOSTS: usize = 8;
/// Longest string kept in any field: enough for a name, a host or a device id.
const MAX_FIELD_CHARS: usize = 256;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The name others see.
    pub name: String,
    /// `en` or `zh-CN`; none follows the system's language.
    pub language: Option<String>,
    /// The host last joined, `host:port`.
    pub last_host: Option<String>,
    /// Hosts joined before, most recent first.
    pub recent_hosts: Vec<String>,
    /// Device ids the person picked (as the webview reports them).
    pub camera: Option<String>,
    pub microphone: Option<String>,
    pub speaker: Option<String>,
    /// The ScreenCast portal's restore token of the last screen shared
    /// (Linux), so the next share goes to the same monitor or window
    /// without the picker. The app's own: the page's saves keep it
    /// ([`Settings::update`]).
    pub screen_restore_token: Option<String>,
    /// In calls of four or more, whoever speaks takes the large spot
    /// (`ui/js/view/grid.js`); off unless the person turns it on.
    pub follow_speaker: bool,
    /// Which desktop notifications the person wants while the window is in
    /// the background.
    pub notify: NotifyKinds,
}

/// Each kind of desktop notification, on unless switched off. A file from
/// before these existed, or one missing a kind, gets them on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotifyKinds {
    /// Someone waits to be admitted (a host, with a waiting room).
    pub knock: bool,
    /// Someone joined the call.
    pub joined: bool,
    /// A chat message came.
    pub chat: bool,
    /// Someone raised their hand.
    pub hand: bool,
}

impl Default for NotifyKinds {
    fn default() -> Self {
        NotifyKinds { knock: true, joined: true, chat: true, hand: true }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot write the settings to {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

impl Settings {
    /// The settings stored at `path`, or the defaults if there are none or
    /// they can't be read.
    pub fn load(path: &Path) -> Settings {
        match std::fs::read(path) {
            Ok(bytes) => match serde_json::from_slice::<Settings>(&bytes) {
                Ok(s) => s.tidy(),
                Err(e) => {
                    tracing::warn!(path = %path.display(), cause = %e, "settings unreadable; using defaults");
                    Settings::default()
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Settings::default(),
            Err(e) => {
                tracing::warn!(path = %path.display(), cause = %e, "cannot read settings; using defaults");
                Settings::default()
            }
        }
    }

    /// Store at `path` (the folder is made if needed), replacing the old file
    /// in one step.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let write = |source| Error::Write { path: path.to_owned(), source };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(write)?;
        }
        let json = serde_json::to_vec_pretty(&self.clone().tidy()).map_err(|e| write(e.into()))?;
        let tmp = path.with_extension("json.tmp");
        let mut file = std::fs::File::create(&tmp).map_err(write)?;
        file.write_all(&json).and_then(|()| file.sync_all()).map_err(write)?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(write)
    }

    /// Change the settings stored at `path` by `change`, one change at a
    /// time in this process (the page's saves and the app's own fields
    /// never undo each other).
    pub fn update(path: &Path, change: impl FnOnce(&mut Settings)) -> Result<(), Error> {
        static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let mut settings = Settings::load(path);
        change(&mut settings);
        settings.save(path)
    }

    /// Bounded and de-duplicated, whatever the client or the file said.
    fn tidy(mut self) -> Settings {
        let clip = |s: &mut String| {
            if let Some((i, _)) = s.char_indices().nth(MAX_FIELD_CHARS) {
                s.truncate(i);
            }
        };
        clip(&mut self.name);
        for field in [
            &mut self.language,
            &mut self.last_host,
            &mut self.camera,
            &mut self.microphone,
            &mut self.speaker,
            &mut self.screen_restore_token,
        ] {
            if let Some(s) = field.as_mut() {
                clip(s);
            }
            if field.as_deref().is_some_and(|s| s.trim().is_empty()) {
                *field = None;
            }
        }
        let mut seen = Vec::with_capacity(MAX_RECENT_HOSTS);
        for mut host in std::mem::take(&mut self.recent_hosts) {
            clip(&mut host);
            let host = host.trim().to_owned();
            if !host.is_empty() && !seen.contains(&host) && seen.len() < MAX_RECENT_HOSTS {
                seen.push(host);
            }
        }
        self.recent_hosts = seen;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lancall-settings-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// What is saved comes back, in a folder made on the way.
    #[test]
    fn saves_and_loads() {
        let dir = temp_dir("roundtrip");
        let path = dir.join("nested").join("settings.json");
        let s = Settings {
            name: "Ada 李".into(),
            language: Some("zh-CN".into()),
            last_host: Some("192.168.1.5:8070".into()),
            recent_hosts: vec!["192.168.1.5:8070".into(), "10.0.0.2:8071".into()],
            camera: Some("cam-1".into()),
            microphone: None,
            speaker: Some("default".into()),
            screen_restore_token: Some("d1f3c0de-token".into()),
            follow_speaker: true,
            notify: NotifyKinds { chat: false, ..NotifyKinds::default() },
        };
        s.save(&path).unwrap();
        assert_eq!(Settings::load(&path), s);
        assert!(!path.with_extension("json.tmp").exists(), "the temporary file is renamed away");
        let _ = std::fs::remove_dir_all(dir);
    }

    /// No file, an unreadable file or a file of the wrong shape: defaults.
    #[test]
    fn missing_or_broken_file_gives_defaults() {
        let dir = temp_dir("broken");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("settings.json");
        assert_eq!(Settings::load(&path), Settings::default());
        for junk in [&b"{not json"[..], b"[1,2]", b"\xff\xfe", b"{\"name\": 5}"] {
            std::fs::write(&path, junk).unwrap();
            assert_eq!(Settings::load(&path), Settings::default(), "{junk:?}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Fields a newer version adds are ignored; missing ones take defaults.
    #[test]
    fn unknown_and_missing_fields_are_fine() {
        let dir = temp_dir("fields");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("settings.json");
        std::fs::write(&path, br#"{"name":"Bo","theme":"dark"}"#).unwrap();
        assert_eq!(Settings::load(&path), Settings { name: "Bo".into(), ..Settings::default() });
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The page's save (which knows nothing of the restore token) keeps
    /// the token the app stored; the app's own update keeps the page's fields.
    #[test]
    fn the_page_save_keeps_the_app_token() {
        let dir = temp_dir("token");
        let path = dir.join("settings.json");
        Settings::update(&path, |s| s.screen_restore_token = Some("tok".into())).unwrap();
        let from_page = Settings { name: "Ada".into(), ..Settings::default() };
        Settings::update(&path, |s| {
            let token = s.screen_restore_token.take();
            *s = Settings { screen_restore_token: token, ..from_page.clone() };
        })
        .unwrap();
        let stored = Settings::load(&path);
        assert_eq!(stored.name, "Ada");
        assert_eq!(stored.screen_restore_token.as_deref(), Some("tok"));
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Notification kinds default to on, one by one: a kind the file
    /// doesn't name is on, one it switches off stays off.
    #[test]
    fn notify_kinds_default_on() {
        let dir = temp_dir("notify");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("settings.json");
        std::fs::write(&path, br#"{"name":"Bo"}"#).unwrap();
        assert_eq!(Settings::load(&path).notify, NotifyKinds { knock: true, joined: true, chat: true, hand: true });
        std::fs::write(&path, br#"{"notify":{"hand":false}}"#).unwrap();
        assert_eq!(Settings::load(&path).notify, NotifyKinds { hand: false, ..NotifyKinds::default() });
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Recent hosts: blanks and repeats dropped, at most eight kept, long
    /// strings clipped, blank options cleared.
    #[test]
    fn tidy_bounds_everything() {
        let s = Settings {
            name: "n".repeat(1000),
            language: Some("  ".into()),
            recent_hosts: ["a:1", " ", "a:1", "b:2", "c:3", "d:4", "e:5", "f:6", "g:7", "h:8", "i:9"].map(String::from).to_vec(),
            ..Settings::default()
        }
        .tidy();
        assert_eq!(s.name.chars().count(), MAX_FIELD_CHARS);
        assert_eq!(s.language, None);
        assert_eq!(s.recent_hosts, ["a:1", "b:2", "c:3", "d:4", "e:5", "f:6", "g:7", "h:8"]);
    }
}
