//! The README's Rust samples, run as doctests so they cannot rot (made runnable by `build.rs`).
//! This crate has nothing else: `cargo test -p sagecdk-readme --doc` runs them.

/// The README's samples.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/readme_doctests.md"))]
pub struct ReadmeSamples;
