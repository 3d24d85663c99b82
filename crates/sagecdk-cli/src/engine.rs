//! Finding `sagecdk-engine` and handing it a command: the commands that need AWS or Docker
//! (`bootstrap`, `deploy`, `diff`, `destroy`, `run`, `local`) and the app's context lookups.
//!
//! The engine is, in this order: the program named by `SAGECDK_ENGINE`, `sagecdk-engine` next
//! to this program (how `cargo install` and `cargo build` place them), `sagecdk-engine` on the
//! `PATH`.

use sagecdk_assembly::manifest::MissingContext;
use sagecdk_toolkit::{ContextLookup, HANDED_OVER_ENV};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// The engine's program name.
pub const ENGINE: &str = "sagecdk-engine";

/// The variable naming the engine's program explicitly.
pub const ENGINE_VARIABLE: &str = "SAGECDK_ENGINE";

/// The engine's program, or an error saying where it was looked for and how to install it.
pub fn locate() -> anyhow::Result<PathBuf> {
    // Set when this process is the engine's stand-in: `SAGECDK_ENGINE` naming `sagecdk` itself
    // would hand the command back and forth.
    if std::env::var_os(HANDED_OVER_ENV).is_some() {
        anyhow::bail!(
            "{ENGINE_VARIABLE} (or the program found as {ENGINE}) is sagecdk itself, not the \
             engine: it handed the command back"
        );
    }
    if let Some(explicit) = std::env::var_os(ENGINE_VARIABLE).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(&explicit);
        if path.is_file() {
            return Ok(path);
        }
        anyhow::bail!(
            "{ENGINE_VARIABLE} names {}, which is not a file",
            path.display()
        );
    }
    let file_name = format!("{ENGINE}{}", std::env::consts::EXE_SUFFIX);
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&file_name)));
    if let Some(path) = beside.as_ref().filter(|p| p.is_file()) {
        return Ok(path.clone());
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join(&file_name))
        .find(|p| p.is_file());
    if let Some(path) = on_path {
        return Ok(path);
    }
    let beside = beside
        .as_deref()
        .and_then(Path::parent)
        .map(|d| format!("{}, ", d.display()))
        .unwrap_or_default();
    anyhow::bail!(
        "this command runs in {ENGINE}, which was found neither beside sagecdk ({beside}\
         where `cargo install` puts both) nor on PATH, and {ENGINE_VARIABLE} is not set. \
         Install it with `cargo install --path crates/sagecdk-engine` from a sagecdk checkout \
         (or `cargo install sagecdk-engine`); in a checkout, `cargo build -p sagecdk-engine` \
         puts it beside a `cargo build` of sagecdk"
    )
}

/// Runs this process's command line in the engine: on Unix the engine replaces this process
/// (same process id, so signals such as Ctrl-C reach it directly; its exit code is the
/// command's); elsewhere it runs as a child whose exit code is passed on.
pub fn hand_over() -> anyhow::Result<ExitCode> {
    let engine = locate()?;
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let mut command = Command::new(&engine);
    command.args(&args).env(HANDED_OVER_ENV, "1");
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let error = command.exec();
        anyhow::bail!("cannot run {}: {error}", engine.display())
    }
    // Elsewhere the engine is a child: Ctrl-C reaches both, and this process ends at once
    // while the engine finishes (a limitation of that platform, said in the README).
    #[cfg(not(unix))]
    {
        let status = command
            .status()
            .map_err(|e| anyhow::anyhow!("cannot run {}: {e}", engine.display()))?;
        Ok(ExitCode::from(
            status
                .code()
                .and_then(|c| u8::try_from(c).ok())
                .unwrap_or(1),
        ))
    }
}

/// Context lookups done by the engine (`sagecdk-engine context-lookup`), one process per
/// value: the AWS SDK stays out of `sagecdk`.
#[derive(Debug, Default, Clone, Copy)]
pub struct EngineLookups;

impl ContextLookup for EngineLookups {
    fn lookup(&self, missing: &MissingContext) -> Result<serde_json::Value, String> {
        let engine = locate().map_err(|e| {
            format!(
                "context lookups run in {ENGINE} (this app needs {}); {e}. Or pass \
                 --lookups=false to synthesize with the cached context only",
                missing.key
            )
        })?;
        let request = serde_json::to_vec(missing).map_err(|e| e.to_string())?;
        let mut child = Command::new(&engine)
            .arg("context-lookup")
            .stdin(Stdio::piped())
            .env(HANDED_OVER_ENV, "1")
            .stdout(Stdio::piped())
            // The engine's warnings reach the user; the answer comes on standard output.
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", engine.display()))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(&request)
                .map_err(|e| format!("cannot talk to {}: {e}", engine.display()))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("cannot run {}: {e}", engine.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{} failed to look up {} ({}; its message is above)",
                engine.display(),
                missing.key,
                out.status
            ));
        }
        let answer: serde_json::Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("{} answered a lookup with no JSON: {e}", engine.display()))?;
        match (
            answer.get("value"),
            answer.get("error").and_then(|e| e.as_str()),
        ) {
            (Some(value), _) => Ok(value.clone()),
            (None, Some(message)) => Err(message.to_string()),
            (None, None) => Err(format!(
                "{} answered a lookup with neither a value nor an error: {answer}",
                engine.display()
            )),
        }
    }
}
