//! Errors of the toolkit.

use sagecdk_assembly::AssemblyError;
use std::path::PathBuf;

/// Errors of the toolkit.
#[derive(Debug, thiserror::Error)]
pub enum ToolkitError {
    /// The `build` command of `cdk.json` failed.
    #[error("the build command `{command}` of cdk.json failed ({}); the app was not run", match status { Some(code) => format!("exit code {code}"), None => "killed by a signal".to_string() })]
    BuildFailed {
        /// The command.
        command: String,
        /// Its exit code.
        status: Option<i32>,
    },
    /// `init` cannot make a project in the directory.
    #[error("cannot create a project in {}: {message}", dir.display())]
    Init {
        /// The project directory.
        dir: std::path::PathBuf,
        /// Why not.
        message: String,
    },
    /// No app command was configured.
    #[error(
        "no app to run: pass --app, or set \"app\" in cdk.json (e.g. \"app\": \"cargo run --quiet --example my-app\")"
    )]
    NoApp,
    /// A configuration file is not valid JSON or has a value of the wrong type.
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A `-c key=value` argument is malformed.
    #[error("invalid context argument '{0}': expected KEY=VALUE")]
    ContextArg(String),
    /// The app command could not be started.
    #[error("could not run the app command '{command}': {source}")]
    Spawn {
        /// The command.
        command: String,
        /// Why.
        source: std::io::Error,
    },
    /// The context could not be handed to the app.
    #[error("could not write the app's context to a temporary file: {0}")]
    ContextFile(std::io::Error),
    /// The app command failed.
    #[error("the app command '{command}' failed with {status}{}", if *.printed {
        "; its output is above"
    } else {
        " without printing anything"
    })]
    AppFailed {
        /// The command.
        command: String,
        /// Exit status.
        status: std::process::ExitStatus,
        /// Whether the app printed anything.
        printed: bool,
    },
    /// The app succeeded without writing an assembly.
    #[error(
        "the app command '{command}' succeeded but wrote no cloud assembly to {outdir}{}; the app \
         must synthesize (`app.synth()`) into the directory CDK_OUTDIR names",
        if *.stale { " (the one there is from an earlier run)" } else { "" }
    )]
    NoAssemblyWritten {
        /// The command.
        command: String,
        /// Where the assembly was expected.
        outdir: PathBuf,
        /// Whether an older assembly is there.
        stale: bool,
    },
    /// The cloud assembly could not be read or written.
    #[error(transparent)]
    Assembly(#[from] AssemblyError),
    /// The app needs context values and lookups are disabled.
    #[error(
        "the app needs context values that are not in cdk.context.json and lookups are disabled (--lookups=false): {}; run once with lookups, or add the values with -c KEY=VALUE",
        .keys.join(", ")
    )]
    LookupsDisabled {
        /// The missing keys.
        keys: Vec<String>,
    },
    /// The app kept asking for context values after they were looked up.
    #[error("the app still reports missing context after looking it up: {}", .keys.join(", "))]
    UnresolvedContext {
        /// The missing keys.
        keys: Vec<String>,
    },
    /// A stack pattern matched nothing.
    #[error("no stack matches '{pattern}'; stacks in this app: {available}")]
    NoSuchStack {
        /// The pattern.
        pattern: String,
        /// The stack names that exist.
        available: String,
    },
}
