//! A Tauri window showing one static page, and nothing more: what any Tauri
//! app costs before it does anything. It says `ready` on stderr when its
//! page has loaded, as lancall's window does, so both are timed alike.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use tauri::webview::PageLoadEvent;

fn main() {
    let start = std::time::Instant::now();
    tauri::Builder::default()
        .on_page_load(move |_, payload| {
            if payload.event() == PageLoadEvent::Finished {
                eprintln!("ready after {} ms", start.elapsed().as_millis());
            }
        })
        .run(tauri::generate_context!())
        .expect("the window opens");
}
