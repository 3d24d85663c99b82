//! A deeply nested construct tree synthesizes in time and memory linear in its size (apart from
//! `tree.json`, which repeats every construct's path, as the AWS CDK's does), and without
//! recursion deep enough to overflow a thread's stack.

use sagecdk_core::{App, AppProps, CfnResource, Construct, Stack, StackProps};
use std::time::{Duration, Instant};

/// An app whose stack `Deep` holds a chain `C0/C1/…` of `depth` constructs with a queue at
/// the bottom.
fn chain(depth: usize, outdir: Option<std::path::PathBuf>) -> App {
    let app = App::with_props(AppProps {
        outdir,
        ignore_environment: true,
        ..AppProps::default()
    });
    let stack = Stack::new(&app, "Deep", StackProps::default());
    let mut scope = Construct::new(&stack, "C0");
    for i in 1..depth {
        scope = Construct::new(&scope, &format!("C{i}"));
    }
    CfnResource::new(&scope, "Queue", "AWS::SQS::Queue");
    app
}

fn deepest_path(depth: usize) -> String {
    let mut path = "Deep".to_string();
    for i in 0..depth {
        path.push_str(&format!("/C{i}"));
    }
    path + "/Queue"
}

/// Peak resident memory of this process in MB (0 where `/proc` is not available).
fn peak_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_string();
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kb| kb / 1024)
}

// One test, so the memory figure is not another test's.
#[test]
fn deep_trees_synthesize_in_linear_time_and_memory() {
    // Generous for an unoptimized build on a loaded two-core machine: the quadratic version
    // needed about 20 s and 2.5 GB for 20,000 levels.
    let bound = Duration::from_secs(60);

    // 20,000 levels: build and assemble (everything but writing tree.json).
    let start = Instant::now();
    let app = chain(20_000, None);
    let assembly = app.assemble().expect("synthesizes");
    let elapsed = start.elapsed();
    let template = assembly.stack("Deep").expect("stack").template();
    let resources = template["Resources"].as_object().expect("resources");
    assert_eq!(resources.len(), 1);
    let metadata = assembly.file("Deep.metadata.json").expect("metadata");
    assert!(metadata.contains(&format!("\"/{}\"", deepest_path(20_000))));
    assert!(elapsed < bound, "20,000 levels took {elapsed:?}");
    let peak = peak_mb();
    assert!(peak < 500, "20,000 levels peaked at {peak} MB");
    drop(assembly);

    // 5,000 levels written to disk: tree.json (70 MB) is streamed, and is what `file` gives.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("cdk.out");
    let start = Instant::now();
    let assembly = chain(5_000, Some(out.clone()))
        .synth()
        .expect("synthesizes");
    let elapsed = start.elapsed();
    assert!(elapsed < bound, "5,000 levels took {elapsed:?}");
    let written = std::fs::read_to_string(out.join("tree.json")).expect("tree.json");
    assert_eq!(Some(written.as_str()), assembly.file("tree.json"));
    assert!(written.contains(&format!("\"path\":\"{}\"", deepest_path(5_000))));
    assert!(written.ends_with("}}}}}"));
}
