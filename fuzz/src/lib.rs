//! What the fuzz targets run, one module per target, so the stable replay
//! test (`tests/signal/corpus.rs`) compiles the very same files with
//! `#[path]` and checks every corpus input on each test run.
//!
//! The drivers decode their input with [`input::Input`] rather than the
//! `arbitrary` crate: the replay test lives in the root package, whose
//! dependencies stay those of the app.

pub mod frames;
pub mod input;
pub mod protocol;
pub mod rooms;
