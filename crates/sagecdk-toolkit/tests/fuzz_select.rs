//! Bounded fuzzing of stack selection: [`glob_match`] against a reference matcher, and
//! [`select_stacks`] over random assemblies and patterns.
//!
//! Each property runs a fixed number of cases from a fixed seed, so a run is the same on every
//! machine and a failure reproduces. To search further, set the case count or the seed (they
//! apply to every property of this file):
//!
//! ```text
//! PROPTEST_CASES=20000 PROPTEST_RNG_SEED=7 cargo test -p sagecdk-toolkit --test fuzz_select
//! ```
//!
//! A failing case is saved in `fuzz_select.proptest-regressions` beside this file and replayed
//! first on later runs; commit that file with the fix.

use proptest::prelude::*;
use sagecdk_assembly::CloudAssembly;
use sagecdk_assembly::manifest::STACK_ARTIFACT;
use sagecdk_toolkit::{ToolkitError, glob_match, select_stacks};
use serde_json::{Value as Json, json};

#[path = "../../../tests/common/bounded.rs"]
mod bounded;

use bounded::config;

/// The seed used unless `PROPTEST_RNG_SEED` is set.
const SEED: u64 = 0x5e1e_c7ed;

/// Whether `pattern` (where `*` is any run of characters) matches all of `text`: the plain
/// dynamic programme over characters, to check [`glob_match`] against.
fn reference_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // m[j]: whether the pattern read so far matches the first j characters of the text.
    let mut m = vec![false; t.len() + 1];
    m[0] = true;
    for c in &p {
        let mut next = vec![false; t.len() + 1];
        for j in 0..=t.len() {
            next[j] = if *c == '*' {
                m[j] || (j > 0 && next[j - 1])
            } else {
                j > 0 && m[j - 1] && t[j - 1] == *c
            };
        }
        m = next;
    }
    m[t.len()]
}

/// Short strings over a few characters (multi-byte ones included), so that patterns and names
/// often overlap.
fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!['a', 'b', '-', '/', 'é', '字']),
        0..6,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

fn pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!['a', 'b', '-', '/', 'é', '字', '*', '*']),
        0..6,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

/// One stack of a random assembly: id, display name and stack name (both optional).
type StackSpec = (String, Option<String>, Option<String>);

/// Writes a manifest of stacks (the first of each id), each depending on some earlier ones.
fn write_assembly(
    stacks: &[StackSpec],
    deps: &[Vec<prop::sample::Index>],
) -> Result<tempfile::TempDir, TestCaseError> {
    let mut artifacts = serde_json::Map::new();
    for (n, ((id, display, stack_name), deps)) in stacks.iter().zip(deps).enumerate() {
        if artifacts.contains_key(id) {
            continue;
        }
        let mut properties = json!({"templateFile": format!("{n}.template.json")});
        if let Some(name) = stack_name {
            properties["stackName"] = Json::from(name.as_str());
        }
        let mut artifact = json!({"type": STACK_ARTIFACT, "properties": properties});
        if let Some(d) = display {
            artifact["displayName"] = Json::from(d.as_str());
        }
        let earlier: Vec<String> = artifacts.keys().cloned().collect();
        if !earlier.is_empty() {
            let deps: Vec<&str> = deps.iter().map(|i| i.get(&earlier).as_str()).collect();
            artifact["dependencies"] = json!(deps);
        }
        artifacts.insert(id.clone(), artifact);
    }
    let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let manifest = json!({"version": "55.0.0", "artifacts": artifacts});
    std::fs::write(dir.path().join("manifest.json"), manifest.to_string())
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    Ok(dir)
}

proptest! {
    #![proptest_config(config(SEED, 4096))]

    /// `glob_match` agrees with the reference matcher, on any text.
    #[test]
    fn glob_match_agrees_with_the_reference(pattern in pattern(), text in name()) {
        prop_assert_eq!(glob_match(&pattern, &text), reference_match(&pattern, &text));
    }

    /// Any text matches itself as a pattern, a pattern without `*` matches only itself, and
    /// `*` matches anything.
    #[test]
    fn glob_match_of_literals_and_stars(text in any::<String>(), other in any::<String>()) {
        prop_assert!(glob_match(&text, &text));
        prop_assert!(glob_match("*", &text));
        let (suffix_pattern, longer) = (format!("*{text}"), format!("{other}{text}"));
        prop_assert!(glob_match(&suffix_pattern, &longer));
        if !text.contains('*') && !other.contains('*') {
            prop_assert_eq!(glob_match(&text, &other), text == other);
        }
    }
}

proptest! {
    #![proptest_config(config(SEED, 256))]

    /// Selection returns exactly the stacks some pattern matches, in the assembly's order, or
    /// names the first pattern that matches nothing.
    #[test]
    fn selection_is_the_matching_stacks_in_order(
        stacks in prop::collection::vec(
            (name(), prop::option::of(name()), prop::option::of(name())),
            0..8,
        ),
        deps in prop::collection::vec(prop::collection::vec(any::<prop::sample::Index>(), 0..3), 8),
        patterns in prop::collection::vec(pattern(), 0..4),
    ) {
        let dir = write_assembly(&stacks, &deps)?;
        let assembly = CloudAssembly::load(dir.path()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let all = assembly.stacks().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let matches = |p: &str, s: &sagecdk_assembly::StackArtifact| {
            reference_match(p, &s.id)
                || reference_match(p, &s.display_name)
                || reference_match(p, s.stack_name())
        };
        match select_stacks(&assembly, &patterns) {
            Ok(selected) => {
                let expected: Vec<&str> = all
                    .iter()
                    .filter(|s| patterns.is_empty() || patterns.iter().any(|p| matches(p, s)))
                    .map(|s| s.id.as_str())
                    .collect();
                let got: Vec<&str> = selected.iter().map(|s| s.id.as_str()).collect();
                prop_assert_eq!(got, expected);
                for p in &patterns {
                    prop_assert!(all.iter().any(|s| matches(p, s)), "'{}' matched nothing", p);
                }
            }
            Err(ToolkitError::NoSuchStack { pattern, .. }) => {
                let first_unmatched = patterns.iter().find(|p| !all.iter().any(|s| matches(p, s)));
                prop_assert_eq!(Some(&pattern), first_unmatched);
            }
            Err(e) => prop_assert!(false, "unexpected error: {}", e),
        }
    }
}
