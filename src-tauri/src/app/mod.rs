//! The desktop app: a Tauri window showing the client, with the signaling
//! server running in-process on a background runtime so this install can
//! host a call.

mod commands;
pub mod deep_link;
mod error;
pub mod handoff;
pub mod host;
pub mod launch;
#[cfg(feature = "test-hooks")]
mod media_probe;
mod menu;
mod nearby;
mod native;
pub mod permissions;
pub mod settings;
mod test_hooks;
mod tray;

use std::process::ExitCode;

use crate::signal;

pub use error::{Error, Result};
pub use host::{HostOptions, HostedServer, Hosting};
pub use launch::Launch;

/// The port the app tries first: the seed's, so old pages keep working.
pub use signal::DEFAULT_PORT;

/// Set to `0` to keep the app off mDNS: no announcing while hosting, no
/// looking for hosts (tests on a shared network, or a person's choice).
pub const MDNS_ENV: &str = "LANCALL_MDNS";

/// Whether the app may use mDNS.
pub fn mdns_allowed() -> bool {
    std::env::var(MDNS_ENV).map_or(true, |v| v != "0")
}

/// What the login item runs the app with: the `host` command, so a person
/// who asked to host at login is hosting once the window is up.
pub const AUTOSTART_ARG: &str = "host";

/// The window's size and place (and whether it was maximized), kept in the
/// app's config folder and put back at the next start. Not its visibility:
/// quitting while hosting hides the window before the app exits (see
/// `run`), and a saved "hidden" would bring the next start up invisible.
fn window_state() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    use tauri_plugin_window_state::StateFlags;
    tauri_plugin_window_state::Builder::new()
        .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
        .build()
}

/// Open the window, do what `launch` asks, and run until the person quits.
/// Hosting tries `port` first. `forward` reads the arguments of a second
/// start, handed over while this one runs.
pub fn run(launch: Launch, port: u16, forward: handoff::Forward) -> ExitCode {
    crate::logging::init();
    let signals = match tauri::async_runtime::block_on(async { crate::shutdown::StopSignals::install() }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("lancall: cannot watch for Ctrl-C and SIGTERM: {e}");
            return ExitCode::FAILURE;
        }
    };
    let options = HostOptions { tls_dir: signal::tls::default_dir(), advertise: mdns_allowed() };
    // The app's calls end when it quits or stops hosting: its guests are
    // told so instead of waiting for it to come back.
    // Its rooms have a waiting room unless `lancall host --no-waiting-room`.
    let waiting_room = !matches!(launch, Launch::Host { waiting_room: false, .. });
    let config = signal::Config { shutdown_ends_calls: true, waiting_room, ..signal::Config::default() };
    let hosting = Hosting::with_options(port, config, options);
    // Said once, so an install can be seen to get the link the OS passed
    // (scripts/check-deb.sh) even where no camera lets the call go further.
    match &launch {
        Launch::Join { host, room, .. } => tracing::info!(%host, %room, "launched to join"),
        Launch::BadLink { problem } => tracing::warn!(%problem, "launched with a link it can't use"),
        _ => {}
    }
    let host_first = match &launch {
        Launch::Host { room, name, .. } => Some((room.clone(), name.clone())),
        _ => None,
    };
    let context = tauri::generate_context!();
    let own_origins = permissions::OwnOrigins::from_config(context.config());
    let builder = tauri::Builder::default()
        // First, so a second start hands over its arguments and exits
        // (inside `build` below) before anything else starts.
        .plugin(tauri_plugin_single_instance::init(move |app, args, _cwd| handoff::second_start(app, args, forward)))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_shell::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(window_state())
        // "Start hosting when I log in" registers `lancall host` with the OS.
        .plugin(tauri_plugin_autostart::Builder::new().arg(AUTOSTART_ARG).build())
        .manage(hosting)
        .manage(launch)
        .manage(handoff::Pending::default())
        .manage(nearby::Nearby::default())
        .manage(native::NativeEngine::default())
        .manage(tray::Tray::<tauri::Wry>::default())
        .invoke_handler(native::handler(tauri::generate_handler![
            commands::launch,
            handoff::launch_next,
            commands::host_start,
            commands::host_stop,
            commands::server_info,
            commands::settings_load,
            commands::settings_save,
            commands::invite_qr,
            commands::room_name,
            commands::set_window_title,
            commands::tray_set,
            commands::tray_clear,
            commands::keep_hosting_in_tray,
            commands::quit,
            nearby::discovery_start,
            nearby::discovery_stop,
        ]))
        .on_permission_request(permissions::on_request(own_origins))
        .menu(menu::build)
        .on_menu_event(menu::on_event)
        .on_window_event(|window, event| {
            use tauri::Manager;
            // Closing the window while hosting with a tray icon up: the page
            // asks whether to keep hosting in the tray (or quit, or stay).
            // With no icon, the close quits as before.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let app = window.app_handle();
                if app.state::<Hosting>().status().is_some() && app.state::<tray::Tray<tauri::Wry>>().is_up() {
                    api.prevent_close();
                    use tauri::Emitter;
                    if let Err(e) = app.emit(menu::EVENT, "close-requested") {
                        tracing::warn!(cause = %e, "cannot ask the window about closing; quitting");
                        app.exit(0);
                    }
                }
            }
        });
    let started = std::time::Instant::now();
    #[cfg(feature = "test-hooks")]
    let probes = test_hooks::media_probe() || test_hooks::state_probe();
    let builder = builder.on_page_load(move |webview, payload| {
        if payload.event() == tauri::webview::PageLoadEvent::Finished {
            // `make bench-app` times the window by this line.
            tracing::info!(ms = started.elapsed().as_millis() as u64, "window ready");
        }
        #[cfg(feature = "test-hooks")]
        if probes {
            media_probe::on_page_load(webview, payload);
        }
        #[cfg(not(feature = "test-hooks"))]
        let _ = webview;
    });
    let app = builder
        .setup(move |app| {
            permissions::enable_media(app.handle());
            #[cfg(target_os = "macos")]
            {
                use tauri_plugin_deep_link::DeepLinkExt;
                let handle = app.handle().clone();
                app.deep_link().on_open_url(move |event| {
                    handoff::opened(&handle, event.urls().iter().map(|u| u.to_string()).collect());
                });
            }
            // Ctrl-C or SIGTERM quits like closing the window does, so the
            // server still tells its peers.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                signals.recv().await;
                handle.exit(0);
            });
            Ok(())
        })
        .build(context);
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("lancall: cannot open the window: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some((room, name)) = host_first {
        // After `build`, where a second start has already handed over and
        // exited (so it never hosts), and before the window, so a port
        // problem is said on the command line and the client finds the
        // server ready.
        use tauri::Manager;
        match app.state::<Hosting>().start(None, name.as_deref(), None) {
            Ok(status) => {
                for page in signal::lan::pages(status.addr, status.fingerprint.is_some()) {
                    println!("Invite: {}", launch::invite_link(&page, &room));
                }
                if let Some(fingerprint) = &status.fingerprint {
                    println!("Certificate SHA-256: {fingerprint}");
                }
            }
            Err(e) => {
                eprintln!("lancall: cannot host: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    app.run(|handle, event| {
        use tauri::Manager;
        match event {
            // Quitting while hosting: the window goes at once, and the server
            // tells its guests (close 1001, up to its shutdown grace) on a
            // thread of its own, never holding the GUI thread; the app exits
            // when that is done. The second request finds nothing hosted.
            tauri::RunEvent::ExitRequested { api, code, .. } if handle.state::<Hosting>().status().is_some() => {
                api.prevent_exit();
                for window in handle.webview_windows().values() {
                    let _ = window.hide();
                }
                let handle = handle.clone();
                std::thread::spawn(move || {
                    handle.state::<Hosting>().stop();
                    handle.exit(code.unwrap_or(0));
                });
            }
            // Nothing is hosted by now on any path above; kept so no exit
            // leaves peers untold.
            tauri::RunEvent::Exit => handle.state::<Hosting>().stop(),
            _ => {}
        }
    });
    ExitCode::SUCCESS
}
