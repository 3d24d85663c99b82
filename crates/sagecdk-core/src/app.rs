//! The app: root of the construct tree, source of context, and entry point of synthesis.

use crate::error::SynthError;
use crate::stack::AssemblyWriter;
use crate::synth::Assembly;
use crate::tree::{Construct, Scope, TreeInner};
use indexmap::IndexMap;
use std::path::PathBuf;

/// Environment variable naming the output directory (set by the CLI).
pub const OUTDIR_ENV: &str = "CDK_OUTDIR";
/// Environment variable holding the context as JSON (set by the CLI).
pub const CONTEXT_ENV: &str = "CDK_CONTEXT_JSON";
/// Environment variable naming a file with the context, used by the CLI when it is too large
/// for an environment variable.
pub const CONTEXT_OVERFLOW_ENV: &str = "CONTEXT_OVERFLOW_LOCATION_ENV";

/// Options of an [`App`].
#[derive(Clone, Debug, Default)]
pub struct AppProps {
    /// Where to write the cloud assembly (default: `CDK_OUTDIR`, else `cdk.out`).
    pub outdir: Option<PathBuf>,
    /// Context values set in code; `CDK_CONTEXT_JSON` entries override them.
    pub context: IndexMap<String, serde_json::Value>,
    /// Ignore `CDK_OUTDIR` and `CDK_CONTEXT_JSON` (for tests).
    pub ignore_environment: bool,
}

/// The root of a construct tree.
///
/// ```
/// use sagecdk_core::{App, CfnResource, Stack, StackProps};
/// let app = App::new();
/// let stack = Stack::new(&app, "MyStack", StackProps::default());
/// CfnResource::new(&stack, "Bucket", "AWS::S3::Bucket");
/// let assembly = app.assemble().expect("valid app");
/// assert!(assembly.stack("MyStack").unwrap().template_text.contains("AWS::S3::Bucket"));
/// ```
#[derive(Clone, Debug)]
pub struct App {
    node: Construct,
    outdir: PathBuf,
}

impl Scope for App {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl Default for App {
    fn default() -> Self {
        App::new()
    }
}

impl App {
    /// An app configured from the environment the CLI sets (`CDK_OUTDIR`, `CDK_CONTEXT_JSON`).
    pub fn new() -> App {
        App::with_props(AppProps::default())
    }

    /// An app with options.
    pub fn with_props(props: AppProps) -> App {
        let mut context = props.context;
        let mut problems = Vec::new();
        let mut outdir = props.outdir;
        if !props.ignore_environment {
            for (source, text) in env_context() {
                match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(serde_json::Value::Object(m)) => context.extend(m),
                    Ok(_) => problems.push(format!("{source} must hold a JSON object")),
                    Err(e) => problems.push(format!("{source} is not valid JSON: {e}")),
                }
            }
            if outdir.is_none() {
                outdir = std::env::var_os(OUTDIR_ENV).map(PathBuf::from);
            }
        }
        let tree = TreeInner::new_root(context);
        let node = Construct { tree, id: 0 };
        for p in problems {
            node.add_error(p);
        }
        App {
            node,
            outdir: outdir.unwrap_or_else(|| PathBuf::from("cdk.out")),
        }
    }

    /// A test app: ignores the environment and writes nowhere unless asked.
    pub fn for_tests() -> App {
        App::with_props(AppProps {
            ignore_environment: true,
            ..AppProps::default()
        })
    }

    /// The app a construct belongs to (the CDK's `App.of`).
    pub fn of(scope: &impl Scope) -> App {
        let node = scope.node();
        App {
            node: Construct {
                tree: node.tree.clone(),
                id: 0,
            },
            outdir: std::env::var_os(OUTDIR_ENV)
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("cdk.out")),
        }
    }

    /// Where [`synth`](Self::synth) writes the cloud assembly.
    pub fn outdir(&self) -> &std::path::Path {
        &self.outdir
    }

    /// Synthesizes the app in memory: templates, manifests and messages, no files written.
    pub fn assemble(&self) -> Result<Assembly, SynthError> {
        crate::synth::assemble(&self.node)
    }

    /// Synthesizes the app and writes the cloud assembly to [`outdir`](Self::outdir).
    ///
    /// Nothing is written unless the whole tree is valid; the new assembly replaces the
    /// previous one only once it is complete.
    pub fn synth(&self) -> Result<Assembly, SynthError> {
        let assembly = self.assemble()?;
        assembly.write(&self.outdir)?;
        Ok(assembly)
    }

    /// [`synth`](Self::synth) for a stack program's `main`: prints warnings, and on failure
    /// prints every error with its construct path and exits with status 1.
    ///
    /// It is meant as the last thing a program does: the construct tree and the synthesized
    /// assembly are left for the process's exit to reclaim instead of being freed (use
    /// [`synth`](Self::synth) in a process that goes on synthesizing other apps).
    // The program's `main` ends here: printing is its job.
    #[allow(clippy::print_stderr)]
    pub fn synth_or_exit(&self) {
        match self.synth() {
            Ok(assembly) => {
                for m in assembly.warnings() {
                    eprintln!("[Warning at /{}] {}", m.path, m.message);
                }
                // Freeing tens of thousands of constructs and values one by one is a visible
                // part of a large app's run (scripts/bench-synth), for memory the exit gives back
                // at once. A handle to the tree that is never dropped keeps the handles `main`
                // still holds from freeing it when they go.
                std::mem::forget(assembly);
                std::mem::forget(self.node.tree.clone());
            }
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    }
}

fn env_context() -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(text) = std::env::var(CONTEXT_ENV) {
        out.push((CONTEXT_ENV.to_string(), text));
    }
    if let Some(file) = std::env::var_os(CONTEXT_OVERFLOW_ENV) {
        match std::fs::read_to_string(&file) {
            Ok(text) => out.push((
                format!("context file {}", PathBuf::from(&file).display()),
                text,
            )),
            Err(e) => out.push((
                CONTEXT_OVERFLOW_ENV.to_string(),
                format!("\"unreadable: {e}\""),
            )),
        }
    }
    out
}

pub(crate) fn add_assembly_writer(node: &Construct, writer: AssemblyWriter) {
    let path = node.path();
    node.tree.with_mut(
        || node.path(),
        |arena| arena.assembly_writers.push((path, writer)),
    );
}
