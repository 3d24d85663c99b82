//! Project settings: `cdk.json`, `cdk.context.json` and the command line.

use crate::ToolkitError;
use indexmap::IndexMap;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

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
    /// Refuse context lookups (`--lookups=false`): missing context is an error.
    pub no_lookups: bool,
    /// A command run before the app (`"build"` in `cdk.json`), in the project directory.
    pub build: Option<String>,
    /// The default of `deploy --require-approval` (`"requireApproval"` in `cdk.json`):
    /// `never`, `any-change` or `broadening`.
    pub require_approval: Option<String>,
}

fn config_error(path: &Path, message: impl Into<String>) -> ToolkitError {
    ToolkitError::Config {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn read_json_object(path: &Path) -> Result<Option<serde_json::Map<String, Json>>, ToolkitError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(config_error(path, e.to_string())),
    };
    match serde_json::from_str::<Json>(&text) {
        Ok(Json::Object(m)) => Ok(Some(m)),
        Ok(other) => Err(config_error(
            path,
            format!("must hold a JSON object, found {}", json_type(&other)),
        )),
        Err(e) => Err(config_error(path, format!("invalid JSON: {e}"))),
    }
}

/// The JSON type of a value, as a message names it.
fn json_type(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// A string setting of `cdk.json`; another type is an error naming the key and an example.
fn string_setting(
    path: &Path,
    settings: &serde_json::Map<String, Json>,
    key: &str,
    example: &str,
) -> Result<Option<String>, ToolkitError> {
    match settings.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
        Some(other) => Err(config_error(
            path,
            format!(
                "\"{key}\" must be a non-empty string ({example}), found {}",
                match other {
                    Json::String(_) => "an empty string",
                    other => json_type(other),
                }
            ),
        )),
    }
}

impl ProjectConfig {
    /// Reads `cdk.json` and `cdk.context.json` from `dir` (both optional); every setting of
    /// the wrong type is reported, together.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, ToolkitError> {
        let dir = dir.as_ref().to_path_buf();
        let mut config = ProjectConfig {
            dir: dir.clone(),
            ..ProjectConfig::default()
        };
        let cdk_json = dir.join("cdk.json");
        if let Some(m) = read_json_object(&cdk_json)? {
            let mut problems = Vec::new();
            match string_setting(
                &cdk_json,
                &m,
                "app",
                "the command that runs the app, e.g. \"cargo run --quiet --example my-app\"",
            ) {
                Ok(app) => config.app = app,
                Err(e) => problems.push(e),
            }
            match string_setting(&cdk_json, &m, "output", "a directory, e.g. \"cdk.out\"") {
                Ok(out) => config.output = out.map(PathBuf::from),
                Err(e) => problems.push(e),
            }
            match string_setting(
                &cdk_json,
                &m,
                "build",
                "a command run before the app, e.g. \"cargo build\"",
            ) {
                Ok(build) => config.build = build,
                Err(e) => problems.push(e),
            }
            match string_setting(
                &cdk_json,
                &m,
                "requireApproval",
                "one of \"never\", \"any-change\", \"broadening\"",
            ) {
                Ok(Some(level))
                    if !["never", "any-change", "broadening"].contains(&level.as_str()) =>
                {
                    problems.push(config_error(
                        &cdk_json,
                        format!(
                            "\"requireApproval\" must be one of \"never\", \"any-change\", \"broadening\", found \"{level}\""
                        ),
                    ));
                }
                Ok(level) => config.require_approval = level,
                Err(e) => problems.push(e),
            }
            match m.get("context") {
                None | Some(Json::Null) => {}
                Some(Json::Object(ctx)) => config.context.extend(ctx.clone()),
                Some(other) => problems.push(config_error(
                    &cdk_json,
                    format!("\"context\" must be an object, found {}", json_type(other)),
                )),
            }
            if !problems.is_empty() {
                let messages: Vec<String> = problems
                    .into_iter()
                    .map(|p| match p {
                        ToolkitError::Config { message, .. } => message,
                        other => other.to_string(),
                    })
                    .collect();
                return Err(config_error(&cdk_json, messages.join("; ")));
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

    /// The output directory, absolute, with `.` and `..` resolved (`-o missing/..` is the
    /// project directory, and refused as such).
    pub fn outdir(&self) -> PathBuf {
        let out = self
            .output
            .clone()
            .unwrap_or_else(|| PathBuf::from("cdk.out"));
        sagecdk_assembly::normalize(&self.dir.join(out))
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn settings_of_the_wrong_type_are_named_together() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join("cdk.json"),
            r#"{"app": 42, "output": ["a"], "context": "x"}"#,
        )
        .expect("write");
        let err = ProjectConfig::load(dir.path()).expect_err("invalid");
        let text = err.to_string();
        assert!(text.contains("cdk.json"), "{text}");
        assert!(
            text.contains("\"app\" must be a non-empty string (the command that runs the app"),
            "{text}"
        );
        assert!(text.contains("found a number"), "{text}");
        assert!(
            text.contains("\"output\" must be a non-empty string"),
            "{text}"
        );
        assert!(text.contains("found an array"), "{text}");
        assert!(
            text.contains("\"context\" must be an object, found a string"),
            "{text}"
        );
        assert!(!text.contains("--app is required"), "{text}");

        std::fs::write(
            dir.path().join("cdk.json"),
            r#"{"app": "true", "build": 1, "requireApproval": "sometimes"}"#,
        )
        .expect("write");
        let text = ProjectConfig::load(dir.path())
            .expect_err("invalid")
            .to_string();
        assert!(
            text.contains("\"build\" must be a non-empty string"),
            "{text}"
        );
        assert!(
            text.contains("\"requireApproval\" must be one of \"never\", \"any-change\", \"broadening\", found \"sometimes\""),
            "{text}"
        );

        std::fs::write(dir.path().join("cdk.json"), "[]").expect("write");
        let err = ProjectConfig::load(dir.path()).expect_err("array");
        assert!(err.to_string().contains("found an array"), "{err}");
    }
}
