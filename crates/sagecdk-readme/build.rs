//! Turns the README's Rust samples into doctests that run, not only compile.
//!
//! The README shows each sample as a user writes it: a `main` that synthesizes into `cdk.out`
//! next to its asset files, or `#[test]` functions. The doctest version (written to `OUT_DIR`,
//! included by `lib.rs` under `cfg(doctest)`) adds hidden lines around each sample: a `main`
//! that moves into a fresh directory holding the sample's asset files, runs the sample's `main`
//! (renamed) or each of its tests — twice, so a snapshot written on the first run is compared
//! on the second — and removes the directory. The README itself is not changed.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    println!("cargo::rerun-if-changed={}", readme.display());
    let text = match std::fs::read_to_string(&readme) {
        Ok(text) => text,
        Err(e) => {
            println!("cargo::warning=cannot read {}: {e}", readme.display());
            String::new()
        }
    };
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let out = Path::new(&out_dir).join("readme_doctests.md");
    if let Err(e) = std::fs::write(&out, runnable(&text)) {
        println!("cargo::warning=cannot write {}: {e}", out.display());
    }
}

/// The README with every ```` ```rust ```` block made a runnable doctest.
fn runnable(readme: &str) -> String {
    let mut out = String::new();
    let mut block: Option<Vec<&str>> = None;
    let mut index = 0;
    let mut no_run = false;
    for line in readme.lines() {
        match &mut block {
            None if line.starts_with("```rust") => {
                // A sample that serves until stopped is compiled, not run.
                no_run = line.contains("no_run");
                block = Some(Vec::new());
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
            Some(lines) if line.starts_with("```") => {
                index += 1;
                out.push_str(&sample(index, lines, no_run));
                block = None;
            }
            Some(lines) => lines.push(line),
        }
    }
    out
}

/// One sample as a doctest that runs.
fn sample(index: usize, lines: &[&str], no_run: bool) -> String {
    let mut body = String::new();
    let mut tests = Vec::new();
    let mut has_main = false;
    let mut next_is_test = false;
    for line in lines {
        let trimmed = line.trim_start();
        if trimmed == "#[test]" {
            next_is_test = true;
            continue;
        }
        if next_is_test
            && let Some(name) = trimmed
                .strip_prefix("fn ")
                .and_then(|rest| rest.split('(').next())
        {
            tests.push(name.to_string());
            next_is_test = false;
        }
        if trimmed.starts_with("fn main()") {
            has_main = true;
            body.push_str(&line.replacen("fn main()", "fn readme_main()", 1));
        } else {
            body.push_str(line);
        }
        body.push('\n');
    }
    let mut calls = String::new();
    if has_main {
        calls.push_str("#     readme_main();\n");
    }
    for _pass in ["write snapshots", "compare with them"] {
        for t in &tests {
            let _ = writeln!(calls, "#     {t}();");
        }
        if tests.is_empty() {
            break;
        }
        calls.push_str("#     unsafe { std::env::remove_var(\"SAGECDK_UPDATE_SNAPSHOTS\") };\n");
    }
    let fence = if no_run { "```rust,no_run" } else { "```rust" };
    format!(
        "{fence}\n\
         # fn main() {{\n\
         #     let dir = std::env::temp_dir().join(format!(\"sagecdk-readme-{index}-{{}}\", std::process::id()));\n\
         #     let _ = std::fs::remove_dir_all(&dir);\n\
         #     std::fs::create_dir_all(dir.join(\"model-image\")).unwrap();\n\
         #     std::fs::write(dir.join(\"model-image/Dockerfile\"), \"FROM scratch\\n\").unwrap();\n\
         #     std::fs::write(dir.join(\"model.tar.gz\"), [0x1f, 0x8b, 0x08, 0x00]).unwrap();\n\
         #     std::env::set_current_dir(&dir).unwrap();\n\
         #     // The doctest runs alone in its process; nothing else reads the environment.\n\
         #     unsafe {{ std::env::set_var(\"SAGECDK_UPDATE_SNAPSHOTS\", \"1\") }};\n\
         {calls}\
         #     std::env::set_current_dir(std::env::temp_dir()).unwrap();\n\
         #     std::fs::remove_dir_all(&dir).unwrap();\n\
         # }}\n\
         {body}```\n"
    )
}
