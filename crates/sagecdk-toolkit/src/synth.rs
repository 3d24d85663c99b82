//! Running the app the way the AWS CDK CLI does, and loading the assembly it wrote for this run.
//!
//! The stages: check the output directory (never replace anything but an assembly) → lock it for
//! writing → run the app with the CLI's environment, passing its output through as bytes → make
//! sure it wrote an assembly during this run → keep it locked for reading while it is used.

use crate::{ProjectConfig, ToolkitError};
use sagecdk_assembly::{CloudAssembly, ReadLock, WriteLock, check_output_dir};
use serde_json::Value as Json;
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};

/// Version of the cloud assembly schema this toolkit reads.
pub const CLI_ASM_VERSION: &str = sagecdk_assembly::manifest::SCHEMA_VERSION;

/// The environment variable holding the context that does not fit in `CDK_CONTEXT_JSON`: the
/// path of a JSON file (the AWS CDK's `CONTEXT_OVERFLOW_LOCATION_ENV`).
pub const CONTEXT_OVERFLOW_ENV: &str = "CONTEXT_OVERFLOW_LOCATION_ENV";

/// Set by `sagecdk` for `sagecdk-engine` when it hands a command over (so that `sagecdk` never
/// hands a command back); the build and app commands run here never see it, so a stack program
/// may itself run `sagecdk`.
pub const HANDED_OVER_ENV: &str = "SAGECDK_HANDED_OVER";

/// Bytes of context passed in `CDK_CONTEXT_JSON`; the rest goes to a file. Linux refuses a
/// single environment string over 128 KiB ("Argument list too long"); this leaves room.
pub const CONTEXT_ENV_BUDGET: usize = 96 * 1024;

/// A cloud assembly and the read lock that keeps other processes from rewriting it while it
/// is used; the lock is released when this is dropped.
#[derive(Debug)]
pub struct LockedAssembly {
    assembly: CloudAssembly,
    _lock: ReadLock,
}

impl std::ops::Deref for LockedAssembly {
    type Target = CloudAssembly;
    fn deref(&self) -> &CloudAssembly {
        &self.assembly
    }
}

/// Runs the app (or opens an existing assembly directory) and loads the cloud assembly it
/// wrote, locked for reading.
///
/// The app's standard output and error are passed to `log` as they come, line by line and as
/// bytes (an app printing something other than UTF-8 is passed through, never cut off), so a
/// caller printing a template to standard output keeps it clean.
pub fn synthesize(
    config: &ProjectConfig,
    log: impl FnMut(&[u8]),
) -> Result<LockedAssembly, ToolkitError> {
    let app = config.app.clone().ok_or(ToolkitError::NoApp)?;
    let as_dir = config.dir.join(&app);
    if as_dir.join("manifest.json").is_file() {
        let lock = ReadLock::acquire(&as_dir)?;
        return Ok(LockedAssembly {
            assembly: CloudAssembly::load(&as_dir)?,
            _lock: lock,
        });
    }
    let outdir = config.outdir();
    check_output_dir(&outdir)?;
    let lock = WriteLock::acquire(&outdir)?;
    let before = ManifestStamp::of(&outdir);
    run_app(config, &app, &outdir, log)?;
    let after = ManifestStamp::of(&outdir);
    if after.is_none() || after == before {
        return Err(ToolkitError::NoAssemblyWritten {
            command: app,
            outdir,
            stale: after.is_some(),
        });
    }
    let lock = lock.into_read()?;
    Ok(LockedAssembly {
        assembly: CloudAssembly::load(&outdir)?,
        _lock: lock,
    })
}

/// What identifies one writing of `manifest.json`: an app that writes an assembly replaces or
/// rewrites it, changing at least one of these.
#[derive(Debug, PartialEq, Eq)]
struct ManifestStamp {
    modified: Option<std::time::SystemTime>,
    len: u64,
    inode: u64,
}

impl ManifestStamp {
    fn of(outdir: &Path) -> Option<Self> {
        let meta = std::fs::metadata(outdir.join("manifest.json")).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Some(ManifestStamp {
            modified: meta.modified().ok(),
            len: meta.len(),
            inode,
        })
    }
}

/// The context split into what fits in `CDK_CONTEXT_JSON` and the rest (the AWS CDK CLI's
/// rule): keys in order while the encoded object stays within `budget` bytes.
fn split_context(
    context: indexmap::IndexMap<String, Json>,
    budget: usize,
) -> (serde_json::Map<String, Json>, serde_json::Map<String, Json>) {
    let mut small = serde_json::Map::new();
    let mut overflow = serde_json::Map::new();
    let mut size = 2; // the braces
    for (key, value) in context {
        // `"key":value,` — the key's encoding plus the value's plus separators.
        let entry = Json::String(key.clone()).to_string().len() + value.to_string().len() + 2;
        if overflow.is_empty() && size + entry <= budget {
            size += entry;
            small.insert(key, value);
        } else {
            overflow.insert(key, value);
        }
    }
    (small, overflow)
}

/// Runs the `build` command of `cdk.json` (when the app is a command, not an assembly), its
/// output handed to `log` line by line; a failure names the command and its exit.
pub(crate) fn run_build(
    config: &ProjectConfig,
    mut log: impl FnMut(&[u8]),
) -> Result<(), ToolkitError> {
    let Some(build) = &config.build else {
        return Ok(());
    };
    if let Some(app) = &config.app
        && config.dir.join(app).join("manifest.json").is_file()
    {
        return Ok(());
    }
    let output = Command::new("sh")
        .arg("-c")
        .arg(build)
        .current_dir(&config.dir)
        .env_remove(HANDED_OVER_ENV)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| ToolkitError::Spawn {
            command: build.clone(),
            source,
        })?;
    for line in output
        .stdout
        .split(|b| *b == b'\n')
        .chain(output.stderr.split(|b| *b == b'\n'))
    {
        if !line.is_empty() {
            log(line);
        }
    }
    if !output.status.success() {
        return Err(ToolkitError::BuildFailed {
            command: build.clone(),
            status: output.status.code(),
        });
    }
    Ok(())
}

fn run_app(
    config: &ProjectConfig,
    app: &str,
    outdir: &Path,
    mut log: impl FnMut(&[u8]),
) -> Result<(), ToolkitError> {
    let (small, overflow) = split_context(config.app_context(), CONTEXT_ENV_BUDGET);
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(app)
        .current_dir(&config.dir)
        .env("CDK_OUTDIR", outdir)
        .env("CDK_CONTEXT_JSON", Json::Object(small).to_string())
        .env_remove(CONTEXT_OVERFLOW_ENV)
        .env_remove(HANDED_OVER_ENV)
        .env("CDK_CLI_ASM_VERSION", CLI_ASM_VERSION)
        .env("CDK_CLI_VERSION", env!("CARGO_PKG_VERSION"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Kept until the app has exited; removed on drop.
    let overflow_file = if overflow.is_empty() {
        None
    } else {
        let file = tempfile::Builder::new()
            .prefix("sagecdk-context-")
            .suffix(".json")
            .tempfile()
            .map_err(ToolkitError::ContextFile)?;
        std::fs::write(file.path(), Json::Object(overflow).to_string())
            .map_err(ToolkitError::ContextFile)?;
        cmd.env(CONTEXT_OVERFLOW_ENV, file.path());
        Some(file)
    };
    if let Some(region) = ["CDK_DEFAULT_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    {
        cmd.env("CDK_DEFAULT_REGION", region);
    }
    let spawn_err = |source| ToolkitError::Spawn {
        command: app.to_string(),
        source,
    };
    let mut child = cmd.spawn().map_err(spawn_err)?;
    // Both pipes are drained on threads (so the app never blocks or dies of a closed pipe) and
    // their lines handed to `log` in the order they arrive. The app's exit ends the wait, not
    // the pipes closing: a process it left in the background may hold them open for good, so
    // after the exit what is still buffered is read for a moment and the readers are left.
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    for pipe in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let tx = tx.clone();
        std::thread::spawn(move || forward_lines(pipe, &tx));
    }
    drop(tx);
    let mut printed = false;
    let status = loop {
        match rx.recv_timeout(std::time::Duration::from_millis(50)) {
            Ok(line) => {
                printed = true;
                log(&line);
            }
            // Both pipes closed: the app is done or about to be.
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                break child.wait().map_err(spawn_err)?;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Some(status) = child.try_wait().map_err(spawn_err)? {
                    break status;
                }
            }
        }
    };
    let grace = std::time::Instant::now() + std::time::Duration::from_millis(500);
    while let Some(left) = grace.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                printed = true;
                log(&line);
            }
            Err(_) => break,
        }
    }
    drop(overflow_file);
    if !status.success() {
        return Err(ToolkitError::AppFailed {
            command: app.to_string(),
            status,
            printed,
        });
    }
    Ok(())
}

/// Sends each line of `pipe` (without its line break) until the end of the stream.
fn forward_lines(pipe: Box<dyn std::io::Read + Send>, tx: &std::sync::mpsc::Sender<Vec<u8>>) {
    let mut reader = std::io::BufReader::new(pipe);
    loop {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return,
            Ok(_) => {
                if line.last() == Some(&b'\n') {
                    line.pop();
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                }
                // The receiver only goes away once every sender is done.
                let _ = tx.send(line);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path, app: &str) -> ProjectConfig {
        ProjectConfig {
            app: Some(app.into()),
            dir: dir.to_path_buf(),
            ..ProjectConfig::default()
        }
    }

    /// A shell app writing a minimal assembly whose manifest carries `tag`.
    fn writing_app(tag: &str) -> String {
        format!(
            "mkdir -p \"$CDK_OUTDIR\" && printf '{{\"version\":\"55.0.0\",\"artifacts\":{{}},\"tag\":\"{tag}\"}}' > \"$CDK_OUTDIR/manifest.json\""
        )
    }

    #[test]
    fn failing_app_is_an_error() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut logged = Vec::new();
        let err = synthesize(&config(dir.path(), "echo boom >&2; exit 3"), |l| {
            logged.push(l.to_vec())
        })
        .expect_err("fails");
        assert!(matches!(err, ToolkitError::AppFailed { .. }), "{err}");
        assert!(err.to_string().contains("its output is above"), "{err}");
        assert_eq!(logged, [b"boom".to_vec()]);

        let err = synthesize(&config(dir.path(), "exit 2"), |_| {}).expect_err("fails");
        assert!(
            err.to_string().contains("without printing anything"),
            "{err}"
        );
    }

    #[test]
    fn output_that_is_not_utf8_is_passed_through_whole() {
        let dir = tempfile::tempdir().expect("tmp");
        // 200 lines after a non-UTF-8 one: an app whose pipe were closed early would die of
        // SIGPIPE before writing its assembly.
        let app = format!(
            "printf 'caf\\351\\n'; for i in $(seq 1 200); do echo line $i; done; {}",
            writing_app("bytes")
        );
        let mut logged = Vec::new();
        let asm = synthesize(&config(dir.path(), &app), |l| logged.push(l.to_vec()))
            .expect("synthesized");
        assert_eq!(logged[0], b"caf\xe9");
        assert_eq!(logged.len(), 201);
        assert!(asm.dir().join("manifest.json").is_file());
    }

    #[test]
    fn a_process_left_in_the_background_does_not_hold_up_synthesis() {
        let dir = tempfile::tempdir().expect("tmp");
        // The background process inherits the pipes and keeps them open for 30 s.
        let app = format!("(sleep 30 &) ; echo started; {}", writing_app("bg"));
        let started = std::time::Instant::now();
        let mut logged = Vec::new();
        synthesize(&config(dir.path(), &app), |l| logged.push(l.to_vec())).expect("synthesized");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(logged, [b"started".to_vec()]);
    }

    #[test]
    fn an_app_that_writes_nothing_gets_no_old_assembly() {
        let dir = tempfile::tempdir().expect("tmp");
        let err = synthesize(&config(dir.path(), "true"), |_| {}).expect_err("nothing");
        assert!(
            matches!(err, ToolkitError::NoAssemblyWritten { stale: false, .. }),
            "{err}"
        );
        let asm = synthesize(&config(dir.path(), &writing_app("one")), |_| {}).expect("ok");
        drop(asm);
        let err = synthesize(&config(dir.path(), "echo done"), |_| {}).expect_err("stale");
        assert!(err.to_string().contains("from an earlier run"), "{err}");
    }

    #[test]
    fn the_output_directory_must_be_an_assembly() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("keep.txt"), "mine").expect("write");
        let mut c = config(dir.path(), &writing_app("x"));
        c.output = Some(dir.path().to_path_buf());
        let err = synthesize(&c, |_| {}).expect_err("refused");
        assert!(err.to_string().contains("not a cloud assembly"), "{err}");
        c.output = Some(dir.path().join("keep.txt"));
        let err = synthesize(&c, |_| {}).expect_err("refused");
        assert!(err.to_string().contains("is a file"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("keep.txt")).expect("kept"),
            "mine"
        );
    }

    #[test]
    fn a_future_schema_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let app = "mkdir -p \"$CDK_OUTDIR\" && echo '{\"version\":\"99.0.0\"}' > \"$CDK_OUTDIR/manifest.json\"";
        let err = synthesize(&config(dir.path(), app), |_| {}).expect_err("future");
        assert!(
            err.to_string().contains("newer than this sagecdk reads"),
            "{err}"
        );
    }

    #[test]
    fn large_context_overflows_to_a_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut c = config(
            dir.path(),
            &format!(
                "printf '%s' \"$CDK_CONTEXT_JSON\" > small.json && cp \"${CONTEXT_OVERFLOW_ENV}\" overflow.json && {}",
                writing_app("ctx")
            ),
        );
        let big = "x".repeat(200 * 1024);
        c.context.insert("small".into(), Json::from("s"));
        c.context.insert("big".into(), Json::from(big.clone()));
        c.context.insert("after".into(), Json::from(1));
        synthesize(&c, |_| {}).expect("synthesized");
        let read = |name: &str| -> serde_json::Map<String, Json> {
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(name)).expect("read"))
                .expect("json")
        };
        let (small, overflow) = (read("small.json"), read("overflow.json"));
        assert_eq!(small["small"], Json::from("s"));
        assert_eq!(small["aws:cdk:enable-path-metadata"], Json::Bool(true));
        assert_eq!(overflow["big"], Json::from(big));
        assert_eq!(overflow["after"], Json::from(1));
        assert!(!small.contains_key("big"));
    }

    #[test]
    fn splitting_keeps_order_and_budget() {
        let mut ctx = indexmap::IndexMap::new();
        ctx.insert("a".to_string(), Json::from("1234"));
        ctx.insert("b".to_string(), Json::from(2));
        let (small, overflow) = split_context(ctx.clone(), 1000);
        assert_eq!(small.len(), 2);
        assert!(overflow.is_empty());
        let (small, overflow) = split_context(ctx, 13);
        assert!(Json::Object(small.clone()).to_string().len() <= 13);
        assert_eq!(small.len(), 1);
        assert_eq!(overflow.len(), 1);
    }
}
