//! The app's test hooks: environment variables that fake the camera and
//! microphone or make the app report on its own page, for tests that watch
//! the real app from outside. They exist only in builds with the
//! `test-hooks` feature (`make test` and its scripts build with it); in
//! every other build, `make run`, `make bundle` and releases, each hook
//! reads as off and its variable's name is not even in the binary
//! (`scripts/check-deb.sh` looks), so nobody can turn one on in a
//! person's install.
//!
//! - `LANCALL_MOCK_CAPTURE=1`: WebKitGTK's fake camera and microphone.
//! - `LANCALL_TEST_SOURCE=1`: the native engine sends a test pattern and
//!   tone instead of opening devices.
//! - `LANCALL_MEDIA_PROBE=1`, `LANCALL_STATE_PROBE=1`: the page's
//!   permissions and call state in the log (see `media_probe`); with the
//!   state probe, the page's console goes to the log (stderr).
//!
//! `LANCALL_MDNS=0` is not one of them: keeping the app off the network's
//! mDNS is a person's choice too (README), and turns nothing fake on.

/// The variables, by what they turn on.
#[cfg(feature = "test-hooks")]
mod names {
    pub const MOCK_CAPTURE: &str = "LANCALL_MOCK_CAPTURE";
    pub const TEST_SOURCE: &str = "LANCALL_TEST_SOURCE";
    pub const MEDIA_PROBE: &str = "LANCALL_MEDIA_PROBE";
    pub const STATE_PROBE: &str = "LANCALL_STATE_PROBE";

    pub fn set(name: &str) -> bool {
        std::env::var(name).is_ok_and(|v| v == "1")
    }
}

/// Each hook: whether the variable is `1` in a build with the feature;
/// false without it.
macro_rules! hook {
    ($(#[$doc:meta])* $fn:ident, $name:ident) => {
        $(#[$doc])*
        pub fn $fn() -> bool {
            #[cfg(feature = "test-hooks")]
            let on = names::set(names::$name);
            #[cfg(not(feature = "test-hooks"))]
            let on = false;
            on
        }
    };
}

hook!(
    /// WebKitGTK's fake camera and microphone for the webview.
    mock_capture,
    MOCK_CAPTURE
);
hook!(
    /// The native engine's test pattern and tone instead of the devices.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    test_source,
    TEST_SOURCE
);
hook!(
    /// The permission probe after each page load.
    #[cfg_attr(not(feature = "test-hooks"), allow(dead_code))]
    media_probe,
    MEDIA_PROBE
);
hook!(
    /// The call state in the log every second.
    #[cfg_attr(not(feature = "test-hooks"), allow(dead_code))]
    state_probe,
    STATE_PROBE
);

#[cfg(test)]
mod tests {
    /// The hooks follow the feature: on with their variable set in a build
    /// with it, always off in one without.
    #[test]
    fn hooks_exist_only_with_the_feature() {
        // Only this test sets the variable, so parallel tests see no change.
        std::env::set_var("LANCALL_STATE_PROBE", "1");
        assert_eq!(super::state_probe(), cfg!(feature = "test-hooks"));
        std::env::set_var("LANCALL_STATE_PROBE", "0");
        assert!(!super::state_probe());
        std::env::remove_var("LANCALL_STATE_PROBE");
    }
}
