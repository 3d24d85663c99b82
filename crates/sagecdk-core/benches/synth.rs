//! Synthesis benchmark: an app of 40 stacks × 400 generic resources (16,000 resources), each
//! with properties, references, joins and tags, synthesized and written to a cloud assembly.
//!
//! Prints wall time (best and median of several runs) and the process's peak memory: a quick
//! check of the synthesis pipeline itself (untyped resources, so no schema validation). The
//! comparison with the AWS CDK is `scripts/bench-synth`, which synthesizes a SageMaker app with
//! both in the same run. Sizes can be changed with `SAGECDK_BENCH_STACKS` /
//! `SAGECDK_BENCH_RESOURCES`.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a program of its own: it prints its results

use sagecdk_core::{
    App, AppProps, CfnResource, IndexMap, Stack, StackProps, Str, TagType, Tags, cfn,
};
use std::time::{Duration, Instant};

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn build(outdir: &std::path::Path, stacks: usize, resources: usize) -> App {
    let app = App::with_props(AppProps {
        outdir: Some(outdir.to_path_buf()),
        ignore_environment: true,
        context: IndexMap::from([(
            "aws:cdk:enable-path-metadata".to_string(),
            serde_json::json!(true),
        )]),
    });
    for s in 0..stacks {
        let stack = Stack::new(&app, &format!("Stack{s}"), StackProps::default());
        let mut previous: Option<CfnResource> = None;
        for r in 0..resources {
            let res = CfnResource::new(&stack, &format!("Queue{r}"), "AWS::SQS::Queue");
            res.enable_tags(TagType::Standard, "Tags");
            let mut props = cfn!({
                "DelaySeconds": (r % 900),
                "QueueName": (Str::from("queue-") + stack.region() + "-" + r.to_string()),
                "VisibilityTimeout": 30
            });
            if let Some(p) = &previous {
                props.insert(
                    "RedrivePolicy",
                    cfn!({"deadLetterTargetArn": (p.get_att("Arn")), "maxReceiveCount": 3}),
                );
            }
            let res = res.with_properties(props);
            previous = Some(res);
        }
        Tags::of(&stack).add("stack", format!("{s}"));
    }
    app
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let stacks = env_usize("SAGECDK_BENCH_STACKS", 40);
    let resources = env_usize("SAGECDK_BENCH_RESOURCES", 400);
    let runs = env_usize("SAGECDK_BENCH_RUNS", 5);
    let dir = std::env::temp_dir().join(format!("sagecdk-bench-{}", std::process::id()));
    let mut times: Vec<Duration> = Vec::new();
    let mut synth_times: Vec<Duration> = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let app = build(&dir.join("cdk.out"), stacks, resources);
        let built = Instant::now();
        let assembly = app.synth().expect("benchmark app synthesizes");
        times.push(start.elapsed());
        synth_times.push(built.elapsed());
        assert_eq!(assembly.stacks.len(), stacks);
    }
    let _ = std::fs::remove_dir_all(&dir);
    // The same without writing files (what `Template::from_stack` does).
    let mut memory_times: Vec<Duration> = Vec::new();
    for _ in 0..runs {
        let app = build(&dir.join("unused"), stacks, resources);
        let start = Instant::now();
        let assembly = app.assemble().expect("benchmark app synthesizes");
        memory_times.push(start.elapsed());
        assert_eq!(assembly.stacks.len(), stacks);
    }
    memory_times.sort();
    let memory_median = memory_times[memory_times.len() / 2].as_secs_f64();
    times.sort();
    synth_times.sort();
    let best = times[0].as_secs_f64();
    let median = times[times.len() / 2].as_secs_f64();
    let synth_median = synth_times[synth_times.len() / 2].as_secs_f64();
    let peak = peak_rss_mb();
    println!(
        "synth benchmark: {stacks} stacks x {resources} resources = {} resources, {runs} runs (build + synthesize + write)",
        stacks * resources
    );
    println!("  time: best {best:.3} s, median {median:.3} s");
    println!(
        "  of which synthesizing and writing the assembly: median {synth_median:.3} s (in memory only: {memory_median:.3} s)"
    );
    println!("  peak memory: {peak:.1} MB");
}
