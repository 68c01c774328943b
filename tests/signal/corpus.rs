//! The fuzz corpus as a regression test: every input kept under
//! `fuzz/corpus/<target>/` goes through the same driver the fuzzer runs
//! (`fuzz/src/`, compiled in here as is), on stable, in every test run.
//! `make fuzz` grows the corpus; this keeps what it found fixed.

use std::path::PathBuf;

#[path = "../../fuzz/src/frames.rs"]
mod frames;
#[path = "../../fuzz/src/input.rs"]
mod input;
#[path = "../../fuzz/src/protocol.rs"]
mod protocol;
#[path = "../../fuzz/src/rooms.rs"]
mod rooms;

/// Run `check` on every file of a target's corpus; there must be some.
fn replay(target: &str, check: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{}: only {} inputs", dir.display(), files.len());
    for file in files {
        let data = std::fs::read(&file).expect("corpus file");
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{} fails; reproduce with `cargo +nightly fuzz run {target} {}`", file.display(), file.display());
    }
}

/// Client text frames: parsed, validated, refused with documented codes.
#[test]
fn protocol_corpus_holds() {
    replay("protocol", protocol::check);
}

/// Raw WebSocket byte streams under the server's limits, then parsed.
#[test]
fn frames_corpus_holds() {
    replay("frames", frames::check);
}

/// Action sequences on the room state machine agree with the model.
#[test]
fn rooms_corpus_holds() {
    replay("rooms", rooms::check);
}
