//! TypeScript declarations of the types the page and Rust exchange, made
//! from the Rust types themselves (ts-rs) and kept in `ui/js/types/`, where
//! `tsc --checkJs` checks the client against them.
//!
//! Test-only: each module that owns such types has a test that builds its
//! file and fails while the committed one differs, so the page can't drift
//! from the wire. `make types` (`LANCALL_WRITE_TYPES=1`) rewrites them.

use std::fmt::Write as _;
use std::path::PathBuf;

use ts_rs::TS;

/// Set to `1` to write the files instead of comparing.
const WRITE_ENV: &str = "LANCALL_WRITE_TYPES";

/// One `.d.ts` file being built.
pub struct Declarations {
    text: String,
    cfg: ts_rs::Config,
}

impl Declarations {
    /// A file that starts by saying what it holds and where it comes from.
    pub fn new(about: &str) -> Self {
        let mut text = String::from("// Generated from the Rust types by `make types` (ts-rs); do not edit.\n");
        for line in about.lines() {
            let _ = writeln!(text, "// {line}");
        }
        // JSON numbers are JavaScript numbers: counters never reach 2^53.
        Declarations { text, cfg: ts_rs::Config::new().with_large_int("number") }
    }

    /// Declare `T`, exported, with its doc comment.
    pub fn add<T: TS>(mut self) -> Self {
        self.text.push('\n');
        if let Some(docs) = T::docs() {
            self.text.push_str(&docs);
            if !docs.ends_with('\n') {
                self.text.push('\n');
            }
        }
        let _ = writeln!(self.text, "export {}", T::decl(&self.cfg));
        self
    }

    /// A declaration written by hand, for what is derived from the others.
    pub fn raw(mut self, text: &str) -> Self {
        let _ = write!(self.text, "\n{}\n", text.trim_end());
        self
    }

    /// Compare with `ui/js/types/<name>` (or write it with `make types`);
    /// panics, naming the file and the fix, when it is stale.
    pub fn check(self, name: &str) {
        let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "ui", "js", "types", name].iter().collect();
        if std::env::var(WRITE_ENV).is_ok_and(|v| v == "1") {
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("make ui/js/types");
            std::fs::write(&path, &self.text).expect("write the declarations");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == self.text,
            "ui/js/types/{name} is stale: the Rust types changed. Run `make types` and commit it.\n--- expected ---\n{}",
            self.text
        );
    }
}
