//! The engine behind the `sagecdk` CLI: reads the project configuration (`cdk.json`,
//! `cdk.context.json`), runs the stack program the way the AWS CDK CLI does (same environment
//! variables and default context), loads the resulting cloud assembly and selects stacks.
//!
//! No async runtime or AWS SDK here: deploying is the deploy engine's job.

use indexmap::IndexMap;
use sagecdk_assembly::{AssemblyError, CloudAssembly, StackArtifact};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Version of the cloud assembly schema this toolkit reads.
pub const CLI_ASM_VERSION: &str = sagecdk_assembly::manifest::SCHEMA_VERSION;

/// Errors of the toolkit.
#[derive(Debug, thiserror::Error)]
pub enum ToolkitError {
    /// No app command was configured.
    #[error(
        "--app is required either on the command line or in cdk.json (\"app\": \"cargo run --quiet --example my-app\")"
    )]
    NoApp,
    /// A configuration file is not valid JSON.
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
    /// The app command failed.
    #[error("the app command '{command}' failed with {status}; its errors are above")]
    AppFailed {
        /// The command.
        command: String,
        /// Exit status.
        status: std::process::ExitStatus,
    },
    /// The cloud assembly could not be read.
    #[error(transparent)]
    Assembly(#[from] AssemblyError),
    /// A stack pattern matched nothing.
    #[error("no stack matches '{pattern}'; stacks in this app: {available}")]
    NoSuchStack {
        /// The pattern.
        pattern: String,
        /// The stack names that exist.
        available: String,
    },
}

/// Project settings from `cdk.json` plus the command line.
#[derive(Debug, Clone, Default)]
pub struct ProjectConfig {
    /// The app command (or an assembly directory).
    pub app: Option<String>,
    /// Output directory for the cloud assembly (default `cdk.out`).
    pub output: Option<PathBuf>,
    /// Context from `cdk.json`, `cdk.context.json` and `-c`, in increasing precedence.
    pub context: IndexMap<String, Json>,
    /// The project directory (where `cdk.json` is, and where the app runs).
    pub dir: PathBuf,
}

fn read_json_object(path: &Path) -> Result<Option<serde_json::Map<String, Json>>, ToolkitError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ToolkitError::Config {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    };
    match serde_json::from_str::<Json>(&text) {
        Ok(Json::Object(m)) => Ok(Some(m)),
        Ok(_) => Err(ToolkitError::Config {
            path: path.to_path_buf(),
            message: "must hold a JSON object".into(),
        }),
        Err(e) => Err(ToolkitError::Config {
            path: path.to_path_buf(),
            message: format!("invalid JSON: {e}"),
        }),
    }
}

impl ProjectConfig {
    /// Reads `cdk.json` and `cdk.context.json` from `dir` (both optional).
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, ToolkitError> {
        let dir = dir.as_ref().to_path_buf();
        let mut config = ProjectConfig {
            dir: dir.clone(),
            ..ProjectConfig::default()
        };
        if let Some(m) = read_json_object(&dir.join("cdk.json"))? {
            config.app = m.get("app").and_then(Json::as_str).map(str::to_string);
            config.output = m.get("output").and_then(Json::as_str).map(PathBuf::from);
            if let Some(Json::Object(ctx)) = m.get("context") {
                config.context.extend(ctx.clone());
            }
        }
        if let Some(m) = read_json_object(&dir.join("cdk.context.json"))? {
            config.context.extend(m);
        }
        Ok(config)
    }

    /// Adds `KEY=VALUE` context arguments (values that parse as JSON are used as JSON).
    pub fn add_context_args(&mut self, args: &[String]) -> Result<(), ToolkitError> {
        for arg in args {
            let (k, v) = arg
                .split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| ToolkitError::ContextArg(arg.clone()))?;
            let value = serde_json::from_str(v).unwrap_or_else(|_| Json::String(v.to_string()));
            self.context.insert(k.to_string(), value);
        }
        Ok(())
    }

    /// The output directory, absolute.
    pub fn outdir(&self) -> PathBuf {
        let out = self
            .output
            .clone()
            .unwrap_or_else(|| PathBuf::from("cdk.out"));
        if out.is_absolute() {
            out
        } else {
            self.dir.join(out)
        }
    }

    /// The context the app receives: the CLI's defaults, then the configured context.
    pub fn app_context(&self) -> IndexMap<String, Json> {
        let mut ctx = IndexMap::new();
        ctx.insert("aws:cdk:enable-path-metadata".into(), Json::Bool(true));
        ctx.insert("aws:cdk:enable-asset-metadata".into(), Json::Bool(true));
        ctx.insert("aws:cdk:version-reporting".into(), Json::Bool(true));
        ctx.insert(
            "aws:cdk:bundling-stacks".into(),
            Json::Array(vec![Json::String("**".into())]),
        );
        ctx.extend(self.context.clone());
        ctx
    }
}

/// Runs the app (or opens an existing assembly directory) and loads the cloud assembly.
///
/// The app's standard output and error are passed to `log` line by line, so a caller printing
/// a template to standard output keeps it clean.
pub fn synthesize(
    config: &ProjectConfig,
    mut log: impl FnMut(&str),
) -> Result<CloudAssembly, ToolkitError> {
    let app = config.app.clone().ok_or(ToolkitError::NoApp)?;
    let as_dir = config.dir.join(&app);
    if as_dir.join("manifest.json").is_file() {
        return Ok(CloudAssembly::load(as_dir)?);
    }
    let outdir = config.outdir();
    let context = Json::Object(config.app_context().into_iter().collect());
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(&app)
        .current_dir(&config.dir)
        .env("CDK_OUTDIR", &outdir)
        .env("CDK_CONTEXT_JSON", context.to_string())
        .env("CDK_CLI_ASM_VERSION", CLI_ASM_VERSION)
        .env("CDK_CLI_VERSION", env!("CARGO_PKG_VERSION"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(region) = ["CDK_DEFAULT_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    {
        cmd.env("CDK_DEFAULT_REGION", region);
    }
    let spawn_err = |source| ToolkitError::Spawn {
        command: app.clone(),
        source,
    };
    let mut child = cmd.spawn().map_err(spawn_err)?;
    // Read stderr on a thread so neither pipe can fill up and block the app.
    let stderr = child.stderr.take();
    let err_thread = std::thread::spawn(move || {
        let mut lines = Vec::new();
        if let Some(s) = stderr {
            use std::io::BufRead;
            for line in std::io::BufReader::new(s).lines().map_while(Result::ok) {
                lines.push(line);
            }
        }
        lines
    });
    if let Some(out) = child.stdout.take() {
        use std::io::BufRead;
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            log(&line);
        }
    }
    let status = child.wait().map_err(spawn_err)?;
    for line in err_thread.join().unwrap_or_default() {
        log(&line);
    }
    if !status.success() {
        return Err(ToolkitError::AppFailed {
            command: app,
            status,
        });
    }
    Ok(CloudAssembly::load(outdir)?)
}

/// Selects stacks by id, name or display path; `*` matches any run of characters. No patterns
/// selects every stack.
pub fn select_stacks(
    assembly: &CloudAssembly,
    patterns: &[String],
) -> Result<Vec<StackArtifact>, ToolkitError> {
    let stacks = assembly.stacks()?;
    if patterns.is_empty() {
        return Ok(stacks);
    }
    // Which stacks some pattern matches, by position (a search per stack would be quadratic).
    let mut selected = vec![false; stacks.len()];
    for p in patterns {
        let mut matched = false;
        for (s, selected) in stacks.iter().zip(selected.iter_mut()) {
            if glob_match(p, &s.id)
                || glob_match(p, &s.display_name)
                || glob_match(p, s.stack_name())
            {
                *selected = true;
                matched = true;
            }
        }
        if !matched {
            return Err(ToolkitError::NoSuchStack {
                pattern: p.clone(),
                available: stacks
                    .iter()
                    .map(|s| s.display_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    // Keep dependency order.
    Ok(stacks
        .into_iter()
        .zip(selected)
        .filter_map(|(s, selected)| selected.then_some(s))
        .collect())
}

/// Matches `text` against a pattern where `*` stands for any characters.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globbing() {
        assert!(glob_match("Seed*", "SeedEnv"));
        assert!(glob_match("*Env", "SeedEnv"));
        assert!(glob_match("S*d*v", "SeedEnv"));
        assert!(!glob_match("Seed", "SeedEnv"));
        assert!(glob_match("*", "x"));
    }

    /// Selecting took quadratic time: `*` over 20,000 stacks took seconds in a debug build.
    #[test]
    fn selecting_among_many_stacks_is_fast() {
        const N: usize = 50_000;
        let dir = tempfile::tempdir().expect("tmp");
        let artifacts: serde_json::Map<String, Json> = (0..N)
            .map(|i| {
                let artifact = serde_json::json!({
                    "type": sagecdk_assembly::manifest::STACK_ARTIFACT,
                    "properties": {"templateFile": format!("S{i}.template.json")},
                });
                (format!("S{i}"), artifact)
            })
            .collect();
        let manifest = serde_json::json!({"version": CLI_ASM_VERSION, "artifacts": artifacts});
        std::fs::write(dir.path().join("manifest.json"), manifest.to_string()).expect("write");
        let assembly = CloudAssembly::load(dir.path()).expect("load");
        let start = std::time::Instant::now();
        let selected = select_stacks(&assembly, &["*".into(), "S1*".into()]).expect("select");
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "selecting among {N} stacks took {:?}",
            start.elapsed()
        );
        assert_eq!(selected.len(), N);
        assert_eq!(selected[1].id, "S1");
    }

    #[test]
    fn config_and_context() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join("cdk.json"),
            r#"{"app": "true", "output": "out", "context": {"a": 1, "b": "x"}}"#,
        )
        .expect("write");
        std::fs::write(dir.path().join("cdk.context.json"), r#"{"b": "y"}"#).expect("write");
        let mut c = ProjectConfig::load(dir.path()).expect("load");
        c.add_context_args(&["c=true".into(), "d=text".into()])
            .expect("args");
        assert_eq!(c.app.as_deref(), Some("true"));
        assert_eq!(c.outdir(), dir.path().join("out"));
        let ctx = c.app_context();
        assert_eq!(ctx["a"], Json::from(1));
        assert_eq!(ctx["b"], Json::from("y"));
        assert_eq!(ctx["c"], Json::Bool(true));
        assert_eq!(ctx["d"], Json::from("text"));
        assert_eq!(ctx["aws:cdk:enable-path-metadata"], Json::Bool(true));
        assert!(c.add_context_args(&["novalue".into()]).is_err());
    }

    #[test]
    fn bad_config_is_reported_with_its_path() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("cdk.json"), "{not json").expect("write");
        let err = ProjectConfig::load(dir.path()).expect_err("invalid");
        assert!(err.to_string().contains("cdk.json"), "{err}");
    }

    #[test]
    fn failing_app_is_an_error() {
        let dir = tempfile::tempdir().expect("tmp");
        let config = ProjectConfig {
            app: Some("echo boom >&2; exit 3".into()),
            dir: dir.path().to_path_buf(),
            ..ProjectConfig::default()
        };
        let mut logged = Vec::new();
        let err = synthesize(&config, |l| logged.push(l.to_string())).expect_err("fails");
        assert!(matches!(err, ToolkitError::AppFailed { .. }), "{err}");
        assert_eq!(logged, ["boom"]);
    }
}
