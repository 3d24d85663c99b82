//! The set-up of the bounded property tests (`fuzz_*.rs` of several crates): a fixed number of
//! cases from a fixed seed unless the environment says otherwise, and each case run on its own
//! thread with a time limit, so that a panic or a hang fails the case instead of the run.
//!
//! A test file includes it with `#[path = "../../../tests/common/bounded.rs"] mod bounded;`.

// Each test file uses its own part of these helpers.
#![allow(dead_code)]

use proptest::test_runner::{
    Config as ProptestConfig, FileFailurePersistence, RngSeed, TestCaseError,
};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

/// How long one case may take before it counts as a hang (generous: CI machines are loaded).
pub(crate) const CASE_LIMIT: Duration = Duration::from_secs(20);

/// `cases` cases from `seed`, unless `PROPTEST_CASES` / `PROPTEST_RNG_SEED` say otherwise; a
/// failing case is saved in `<test file>.proptest-regressions` beside the test file.
pub(crate) fn config(seed: u64, cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    if config.rng_seed == RngSeed::Random {
        config.rng_seed = RngSeed::Fixed(seed);
    }
    config.failure_persistence = Some(Box::new(FileFailurePersistence::WithSource(
        "proptest-regressions",
    )));
    config.max_shrink_time = 60_000;
    config
}

/// Runs `f` on its own thread (with the default 2 MiB stack of a test thread) and fails the
/// case if it panics or does not finish within [`CASE_LIMIT`].
pub(crate) fn within_limit<T: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TestCaseError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| TestCaseError::fail(format!("cannot start a thread: {e}")))?;
    match rx.recv_timeout(CASE_LIMIT) {
        Ok(v) => {
            let _ = handle.join();
            Ok(v)
        }
        Err(RecvTimeoutError::Timeout) => Err(TestCaseError::fail(format!(
            "{what} did not finish within {CASE_LIMIT:?}"
        ))),
        Err(RecvTimeoutError::Disconnected) => {
            let message = match handle.join() {
                Err(payload) => payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default(),
                Ok(()) => String::new(),
            };
            Err(TestCaseError::fail(format!("{what} panicked: {message}")))
        }
    }
}
