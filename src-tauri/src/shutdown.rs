//! When to stop: Ctrl-C and SIGTERM as one future, for `lancall serve` and
//! the app alike. Below the CLI and the app so both can use it without
//! either reaching into the other.
//!
//! On Windows the console's events stand in for the signals: Ctrl-C and
//! Ctrl-Break, and closing the console window, logging off or shutting down.
//! For the last three Windows ends the process as soon as the handler
//! returns (tokio's returns at once), so ours holds the handler until the
//! server has said goodbye to its peers ([`StopSignals::finished`]), within
//! the few seconds Windows allows.

/// Ctrl-C and SIGTERM (from a service manager or a session ending), caught
/// from the moment [`install`](Self::install) returns, so a signal that comes
/// early still shuts down gracefully.
pub struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Must be called inside a tokio runtime.
    pub fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(StopSignals { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
        }
        #[cfg(windows)]
        {
            console::install()?;
            Ok(StopSignals {})
        }
        #[cfg(not(any(unix, windows)))]
        Ok(StopSignals {})
    }

    /// Resolves on the first of the signals.
    pub async fn recv(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => tracing::info!("Ctrl-C: shutting down"),
            _ = self.terminate.recv() => tracing::info!("SIGTERM: shutting down"),
        }
        #[cfg(windows)]
        {
            let _ = &mut self;
            let event = console::stop_requested().await;
            tracing::info!(event, "shutting down");
        }
        #[cfg(not(any(unix, windows)))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("Ctrl-C: shutting down");
        }
    }

    /// Say that the shutdown is done: on Windows this lets a console close,
    /// log-off or shutdown go ahead (see the module header). Nothing to do
    /// elsewhere.
    pub fn finished() {
        #[cfg(windows)]
        console::finished();
    }
}

/// The console control handler (Windows only).
#[cfg(windows)]
mod console {
    use std::sync::{Condvar, Mutex, OnceLock};
    use std::time::Duration;

    use windows_sys::Win32::System::Console::{
        SetConsoleCtrlHandler, CTRL_BREAK_EVENT, CTRL_CLOSE_EVENT, CTRL_C_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT,
    };

    /// How long a close, log-off or shutdown waits for [`finished`]:
    /// Windows ends the process after about 5 s (close) whatever we do.
    const CLOSE_BUDGET: Duration = Duration::from_millis(4500);

    struct State {
        /// Woken with the event's name by the handler.
        stop: tokio::sync::Notify,
        event: Mutex<Option<&'static str>>,
        /// Set by [`finished`]; the handler of a close waits on it.
        done: Mutex<bool>,
        done_changed: Condvar,
    }

    fn state() -> &'static State {
        static STATE: OnceLock<State> = OnceLock::new();
        STATE.get_or_init(|| State {
            stop: tokio::sync::Notify::new(),
            event: Mutex::new(None),
            done: Mutex::new(false),
            done_changed: Condvar::new(),
        })
    }

    /// The name of a console event, `None` for one we leave to Windows.
    fn name(event: u32) -> Option<&'static str> {
        match event {
            CTRL_C_EVENT => Some("Ctrl-C"),
            CTRL_BREAK_EVENT => Some("Ctrl-Break"),
            CTRL_CLOSE_EVENT => Some("console closed"),
            CTRL_LOGOFF_EVENT => Some("log-off"),
            CTRL_SHUTDOWN_EVENT => Some("system shutdown"),
            _ => None,
        }
    }

    /// Runs on a thread Windows starts for each event.
    unsafe extern "system" fn handler(event: u32) -> windows_sys::core::BOOL {
        let Some(name) = name(event) else { return 0 };
        let state = state();
        let mut first = state.event.lock().unwrap_or_else(|e| e.into_inner());
        if first.is_none() {
            *first = Some(name);
        }
        drop(first);
        // A permit is kept if nobody waits yet, so an early Ctrl-C counts.
        state.stop.notify_one();
        if matches!(event, CTRL_CLOSE_EVENT | CTRL_LOGOFF_EVENT | CTRL_SHUTDOWN_EVENT) {
            let done = state.done.lock().unwrap_or_else(|e| e.into_inner());
            let _ = state.done_changed.wait_timeout_while(done, CLOSE_BUDGET, |done| !*done);
        }
        1 // handled: Ctrl-C does not kill us, we stop on our own
    }

    pub fn install() -> std::io::Result<()> {
        state();
        // SAFETY: `handler` is a plain function that lives as long as the
        // program and only touches the static state.
        if unsafe { SetConsoleCtrlHandler(Some(handler), 1) } == 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    pub async fn stop_requested() -> &'static str {
        let state = state();
        state.stop.notified().await;
        state.event.lock().unwrap_or_else(|e| e.into_inner()).unwrap_or("stop")
    }

    pub fn finished() {
        let state = state();
        *state.done.lock().unwrap_or_else(|e| e.into_inner()) = true;
        state.done_changed.notify_all();
    }
}
