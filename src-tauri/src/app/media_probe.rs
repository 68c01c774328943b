//! Self-checks of the app's window, for tests that watch the app from
//! outside the process (test hooks: only in builds with the `test-hooks`
//! feature, see `test_hooks`):
//!
//! - `LANCALL_MEDIA_PROBE=1`: once the page has loaded the app asks it for
//!   the camera and microphone, geolocation and notifications, and logs what
//!   the page got (`media probe` at info level). Together with
//!   `LANCALL_MOCK_CAPTURE=1` this shows that the permission policy holds in
//!   a real WebKitGTK, whatever the UI does.
//! - `LANCALL_STATE_PROBE=1`: every second the app logs the client's call
//!   phase and how far its local preview has played (`state probe`), so a
//!   test can see the mock camera's frames reach the page.
//!
//! Only WebKitGTK can await a page's promise from Rust
//! (`webkit_web_view_call_async_javascript_function`), so elsewhere the
//! probe logs that it cannot run.

use tauri::webview::{PageLoadEvent, PageLoadPayload};
use tauri::{Runtime, Webview};

/// The body of an async function run in the page; it returns a JSON string.
/// Each step records its outcome rather than throwing, so one report says it all.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const PROBE_JS: &str = r#"
const out = { page: location.href, rtc: typeof RTCPeerConnection };
try {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  out.media = stream.getTracks().map((t) => t.kind).sort().join('+');
  stream.getTracks().forEach((t) => t.stop());
} catch (e) {
  out.media = 'error:' + e.name;
}
out.geolocation = await new Promise((resolve) => {
  if (!navigator.geolocation) return resolve('absent');
  navigator.geolocation.getCurrentPosition(
    () => resolve('allowed'),
    (e) => resolve(e.code === e.PERMISSION_DENIED ? 'denied' : 'error:' + e.code),
    { timeout: 10000 },
  );
});
out.notifications = typeof Notification === 'undefined' ? 'absent' : await Notification.requestPermission();
return JSON.stringify(out);
"#;

/// The client's phase and own peer id, its local preview's and remote tiles' progress (each
/// tile with its peer's id and shown state), the host banner's text when it
/// shows, the chat's line count and its last three lines (the start of each, its length and
/// whether it was cut) and whether markup in it became elements or ran, the notices (toasts) showing, the peers' names and verification words (`sas`: state and
/// words, ui/js/verify.js), the frames each connection decoded (in the
/// order of `ids`), the people count on screen, and each waiting-room
/// notice a host sees with where its Admit button is in the page (with the
/// page's size, so a test can click it on the screen), and on the lobby
/// who holds the speaker's ring, the dialog open over the page (its confirm button's place), the raised hands in order (with a host's chime count), the reactions floating over tiles, the Waiting room switch (its state and place) and the places of the
/// Host button and of the hosting bar's Rejoin, whether the call shows
/// itself locked, the title of a screen that keeps the person out of a call
/// (waiting, refused, removed), the Share screen button
/// (its place and state) and the sharer's notice, and each shared screen in
/// the grid (whose, on the stage or not, its canvas), the Leave button's place in a call,
/// whether the page has the focus, the desktop notifications it sent, what
/// it hosts, and the settings dialog (the gear's place; open, the login
/// switch's place and state, and its error), as JSON. WebKit
/// counts decoded frames in `webkitDecodedFrameCount`; `currentTime` moves
/// as a live stream plays.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const STATE_JS: &str = r#"
const v = document.querySelector('figure.tile.local video');
// A native engine's tile shows a canvas: a sum of its pixels shows them change.
const canvasOf = (tile) => {
  const c = tile?.querySelector('canvas.native-video');
  if (!c || !c.width) return null;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 97) sum += d[i];
  return { width: c.width, height: c.height, sum, shown: !c.hidden };
};
const diag = window.lancall;
// A timer of the probe's own: if its count stops while the probe still
// answers, the page's timers (and socket events) are held back.
if (!window.__probeTicks) { window.__probeTicks = 1; setInterval(() => { window.__probeTicks += 1; }, 500); }
return JSON.stringify({
  phase: typeof diag?.phase === 'function' ? diag.phase() : null,
  me: typeof diag?.myId === 'function' ? diag.myId() : null,
  socket: typeof diag?.socket === 'function' ? diag.socket() : null,
  ticks: window.__probeTicks,
  peers: typeof diag?.peers === 'function' ? diag.peers().length : null,
  local: v ? { width: v.videoWidth, height: v.videoHeight, time: v.currentTime, frames: v.webkitDecodedFrameCount ?? null,
    canvas: canvasOf(document.querySelector('figure.tile.local')) } : null,
  remote: [...document.querySelectorAll('figure.tile:not(.local)')].map((t) => {
    const r = t.querySelector('video');
    return { id: t.dataset.peer ?? null, state: t.dataset.state ?? null, width: r?.videoWidth ?? 0, height: r?.videoHeight ?? 0, time: r?.currentTime ?? 0,
      frames: r?.webkitDecodedFrameCount ?? null, canvas: canvasOf(t) };
  }),
  ids: typeof diag?.peers === 'function' ? diag.peers().map((p) => p.id) : null,
  chip: document.getElementById('room-chip-count')?.textContent ?? null,
  chat: document.querySelectorAll('#chat-log > li').length,
  lastChat: [...document.querySelectorAll('#chat-log > li')].slice(-3).map((li) => {
    const body = li.querySelector('.body')?.textContent ?? li.textContent ?? '';
    return { start: body.slice(0, 24), length: body.length, cut: Boolean(li.querySelector('.cut')) };
  }),
  names: typeof diag?.peers === 'function' ? diag.peers().map((p) => p.name) : null,
  hands: typeof diag?.hands === 'function' ? diag.hands() : null,
  // Who holds the speaker's ring ('local': our own tile), and the tile on the stage.
  speaking: [...document.querySelectorAll('figure.tile[data-speaking="true"]')].map((t) => (t.classList.contains('local') ? 'local' : t.dataset.peer ?? null)),
  reactions: [...document.querySelectorAll('.tile > .reaction')].map((r) => ({ peer: r.parentElement?.dataset.peer ?? null, emoji: r.textContent })),
  // Whether markup a hostile peer sent in chat became elements or ran.
  injected: { ran: window.__pwned ?? null, elements: document.querySelectorAll('#chat-log img, #chat-log script, #chat-log iframe').length },
  sas: typeof diag?.peers === 'function' ? diag.peers().map((p) => ({ state: p.sasState, words: p.sas })) : null,
  banner: document.getElementById('banner')?.hidden === false ? document.getElementById('banner-text')?.textContent ?? '' : null,
  decoded: typeof diag?.stats === 'function' ? (await diag.stats()).map((p) => p.framesDecoded ?? 0) : null,
  title: document.title,
  locked: document.getElementById('room-chip-locked')?.hidden === false,
  gate: document.getElementById('gate')?.hidden === false ? document.getElementById('gate-title')?.textContent ?? '' : null,
  toasts: [...document.querySelectorAll('#toasts .toast')].map((t) => t.textContent ?? ''),
  // A question open over the page (a clicked link asking to leave the call), with where its confirm button is.
  dialog: (() => {
    const d = document.querySelector('dialog[open]');
    const r = d?.querySelector('.btn.primary')?.getBoundingClientRect();
    return d ? { id: d.id, title: d.querySelector('h2')?.textContent ?? '', text: d.querySelector('p')?.textContent ?? '',
      confirm: r ? { x: r.x, y: r.y, width: r.width, height: r.height } : null } : null;
  })(),
  knocks: [...document.querySelectorAll('#knocks .knock')].map((k) => {
    const r = k.querySelector('[data-admit]')?.getBoundingClientRect();
    return { name: k.querySelector('strong')?.textContent ?? '', admit: r ? { x: r.x, y: r.y, width: r.width, height: r.height } : null };
  }),
  viewport: { width: innerWidth, height: innerHeight },
  share: (() => {
    const b = document.querySelector('button[data-action="screen"]');
    const r = b && !b.hidden ? b.getBoundingClientRect() : null;
    const n = document.getElementById('share-notice');
    const c = document.querySelector('button[data-action="cam"]')?.getBoundingClientRect();
    return { button: r ? { x: r.x, y: r.y, width: r.width, height: r.height, on: b.dataset.on === 'true' } : null,
      cam: c ? { x: c.x, y: c.y, width: c.width, height: c.height } : null,
      notice: n && !n.hidden ? n.querySelector('span')?.textContent ?? '' : null };
  })(),
  screens: [...document.querySelectorAll('#grid .screen')].map((s) => ({ id: s.dataset.peer ?? null, stage: s.classList.contains('on-stage'), canvas: canvasOf(s) })),
  leave: (() => {
    const r = document.querySelector('#call:not([hidden]) button[data-action="leave"]')?.getBoundingClientRect();
    return r ? { x: r.x, y: r.y, width: r.width, height: r.height } : null;
  })(),
  lobby: document.getElementById('lobby')?.hidden === false ? (() => {
    const at = (id) => { const r = document.getElementById(id)?.getBoundingClientRect(); return r ? { x: r.x, y: r.y, width: r.width, height: r.height } : null; };
    return { waitingRoom: document.getElementById('waiting-room')?.checked ?? null, switch: at('waiting-room-field'), host: at('join'), rejoin: at('bar-rejoin') };
  })() : null,
  focused: document.hasFocus(),
  hidden: document.hidden,
  notified: typeof diag?.notified === 'function' ? diag.notified() : null,
  hosting: typeof diag?.hosting === 'function' ? diag.hosting() : null,
  settings: (() => {
    const at = (id) => { const r = document.getElementById(id)?.getBoundingClientRect(); return r && r.width ? { x: r.x, y: r.y, width: r.width, height: r.height } : null; };
    const d = document.getElementById('settings');
    const start = document.getElementById('autostart');
    return { gear: at('open-settings'), open: d?.open ?? false, autostart: d?.open ? { at: at('autostart-field'), on: start?.checked ?? null, disabled: start?.disabled ?? null } : null,
      error: document.getElementById('settings-error')?.hidden === false ? document.getElementById('settings-error')?.textContent : null, done: d?.open ? at('settings-done') : null };
  })(),
});
"#;

/// The page-load hook: start the probes asked for once the page has loaded.
pub fn on_page_load<R: Runtime>(webview: &Webview<R>, payload: &PageLoadPayload<'_>) {
    if payload.event() != PageLoadEvent::Finished {
        return;
    }
    if super::test_hooks::media_probe() {
        run(webview, PROBE_JS, "media probe");
    }
    if super::test_hooks::state_probe() {
        let webview = webview.clone();
        // Ends with the process; one probe a second costs nothing.
        std::thread::spawn(move || loop {
            run(&webview, STATE_JS, "state probe");
            std::thread::sleep(std::time::Duration::from_secs(1));
        });
    }
}

#[cfg(target_os = "linux")]
fn run<R: Runtime>(webview: &Webview<R>, script: &'static str, what: &'static str) {
    let label = webview.label().to_owned();
    let done = webview.with_webview(move |platform| {
        use webkit2gtk::WebViewExt;
        platform.inner().call_async_javascript_function(
            script,
            None,
            None,
            None,
            None::<&webkit2gtk::gio::Cancellable>,
            move |result| match result {
                Ok(value) => tracing::info!(webview = label, result = %value, "{what}"),
                Err(e) => tracing::error!(webview = label, cause = %e, "{what} failed"),
            },
        );
    });
    if let Err(e) = done {
        tracing::error!(cause = %e, "cannot reach the webview for the {what}");
    }
}

#[cfg(not(target_os = "linux"))]
fn run<R: Runtime>(webview: &Webview<R>, _script: &'static str, what: &'static str) {
    tracing::warn!(webview = webview.label(), "the {what} only works with WebKitGTK (Linux)");
}
