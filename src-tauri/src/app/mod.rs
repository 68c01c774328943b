//! The desktop app: a Tauri window showing the client, with the signaling
//! server running in-process on a background runtime so this install can
//! host a call.

mod commands;
mod error;
pub mod host;
mod media_probe;
pub mod permissions;

use std::process::ExitCode;

pub use error::{Error, Result};
pub use host::HostedServer;

/// The port the app tries first: the seed's, so old pages keep working.
pub use crate::cli::DEFAULT_PORT;

/// Open the window and serve until the person quits.
pub fn run(port: u16) -> ExitCode {
    crate::cli::init_tracing();
    let signals = match tauri::async_runtime::block_on(async { crate::cli::StopSignals::install() }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("lancall: cannot watch for Ctrl-C and SIGTERM: {e}");
            return ExitCode::FAILURE;
        }
    };
    let server = match HostedServer::start(port, crate::signal::Config::default()) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("lancall: cannot start the call server: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("{}", crate::cli::banner(server.addr()));
    let context = tauri::generate_context!();
    let own_origins = permissions::OwnOrigins::from_config(context.config());
    let mut builder = tauri::Builder::default()
        .plugin(tauri_plugin_shell::init())
        .manage(server)
        .invoke_handler(tauri::generate_handler![commands::server_info])
        .on_permission_request(permissions::on_request(own_origins));
    if media_probe::wanted() {
        builder = builder.on_page_load(media_probe::on_page_load);
    }
    let app = builder
        .setup(move |app| {
            permissions::enable_media(app.handle());
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
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            // Peers are told (close 1001) before the process goes.
            use tauri::Manager;
            handle.state::<HostedServer>().stop();
        }
    });
    ExitCode::SUCCESS
}
