//! The desktop app: a Tauri window showing the client, with the signaling
//! server running in-process on a background runtime so this install can
//! host a call.

mod commands;
mod error;
pub mod host;

use std::process::ExitCode;

pub use error::{Error, Result};
pub use host::HostedServer;

/// The port the app tries first: the seed's, so old pages keep working.
pub const DEFAULT_PORT: u16 = 8070;

/// Open the window and serve until the person quits.
pub fn run() -> ExitCode {
    crate::cli::init_tracing();
    let server = match HostedServer::start(DEFAULT_PORT, crate::signal::Config::default()) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("lancall: cannot start the call server: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("{}", crate::cli::banner(server.addr()));
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_shell::init())
        .manage(server)
        .invoke_handler(tauri::generate_handler![commands::server_info])
        .build(tauri::generate_context!());
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
