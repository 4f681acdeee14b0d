//! Unit tests of the extraction benchmark's fidelity metric (`benches/extract/fidelity.rs`): the
//! bench binary itself is never run as a test.

#[path = "../benches/extract/fidelity.rs"]
#[allow(dead_code)]
mod fidelity;
