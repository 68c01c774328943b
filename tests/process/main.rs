//! The `lancall` binary as people run it: `lancall serve` headless and the
//! app in a real window under Xvfb, each stopped by a signal.
// Xvfb and Unix signals: the Windows build's process is checked by
// scripts/windows-check.sh under Wine instead.
#![cfg(unix)]

mod app_window;
mod hosting;
// It turns on the app's test hooks (mock camera, media probe), which only a
// build with the `test-hooks` feature has (`make test` builds with it).
#[cfg(feature = "test-hooks")]
mod media_permissions;
mod serve_cli;
mod support;
