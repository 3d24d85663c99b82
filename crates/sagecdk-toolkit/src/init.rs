//! `sagecdk init`: a ready project — a Cargo crate whose stack program is a library function
//! (`build(&app)`, testable) called by `main`, `cdk.json`, a snapshot test of the template,
//! `.gitignore`, and a CI workflow running the tests.

use crate::error::ToolkitError;
use std::path::{Path, PathBuf};

/// Where the new project takes sagecdk from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SagecdkSource {
    /// A version of the published crates.
    Version(String),
    /// A checkout of the sagecdk repository (its root directory).
    Path(PathBuf),
}

/// What `init` writes.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The project directory (created if missing; must be empty but for dot files).
    pub dir: PathBuf,
    /// The crate's name (default: the directory's name, made a valid crate name).
    pub name: Option<String>,
    /// Where sagecdk comes from.
    pub source: SagecdkSource,
}

/// The files written, relative to the project directory.
pub fn init_project(options: &InitOptions) -> Result<Vec<PathBuf>, ToolkitError> {
    let dir = &options.dir;
    let error = |message: String| ToolkitError::Init {
        dir: dir.clone(),
        message,
    };
    if dir.exists() {
        let entries = std::fs::read_dir(dir).map_err(|e| error(e.to_string()))?;
        let taken: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        if !taken.is_empty() {
            return Err(error(format!(
                "it is not empty ({}); run `sagecdk init` in a new or empty directory",
                taken.join(", ")
            )));
        }
    }
    let name = match &options.name {
        Some(n) => n.clone(),
        None => crate_name(dir),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        || name.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(error(format!(
            "'{name}' is not a crate name (letters, digits, '-' and '_', not starting with a digit); pass --name"
        )));
    }
    let module = name.replace('-', "_");
    let stack = pascal_case(&name);
    let files = project_files(&name, &module, &stack, &options.source);
    for (path, contents) in &files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| error(format!("{}: {e}", parent.display())))?;
        }
        std::fs::write(&target, contents)
            .map_err(|e| error(format!("{}: {e}", target.display())))?;
    }
    Ok(files.into_iter().map(|(p, _)| PathBuf::from(p)).collect())
}

/// The directory's name as a crate name: lower case, other characters as `-`.
fn crate_name(dir: &Path) -> String {
    let base = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    base.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches('-')
        .to_string()
}

/// `my-models` → `MyModels`.
fn pascal_case(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn dependency(source: &SagecdkSource, crate_name: &str) -> String {
    match source {
        SagecdkSource::Version(v) => format!("{crate_name} = \"{v}\""),
        SagecdkSource::Path(root) => format!(
            "{crate_name} = {{ path = \"{}\" }}",
            root.join("crates").join(crate_name).display()
        ),
    }
}

fn project_files(
    name: &str,
    module: &str,
    stack: &str,
    source: &SagecdkSource,
) -> Vec<(&'static str, String)> {
    let sagecdk = dependency(source, "sagecdk");
    let assertions = dependency(source, "sagecdk-assertions");
    vec![
        (
            "Cargo.toml",
            format!(
                r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

# A workspace of its own, also when created inside another Cargo workspace's directory.
[workspace]

[dependencies]
{sagecdk}

[dev-dependencies]
{assertions}

# A fast edit → synth loop that still synthesizes large apps quickly: the crates synthesis
# spends its time in are optimised (a little, so the first build stays short) and no
# dependency carries debug info; this crate itself builds as usual, so an edit rebuilds only it.
[profile.dev.package."*"]
debug = false

[profile.dev.package.sagecdk-core]
opt-level = 1

[profile.dev.package.sagecdk-assembly]
opt-level = 1

[profile.dev.package.serde_json]
opt-level = 1

[profile.dev.package.indexmap]
opt-level = 1

[profile.dev.package.hashbrown]
opt-level = 1

[profile.dev.package.sha2]
opt-level = 1
"#
            ),
        ),
        (
            "src/lib.rs",
            format!(
                r#"//! The stacks of this app. `build` defines them in an app: `main` synthesizes it, the tests
//! check its templates.

use sagecdk::prelude::*;

/// Defines the app's stacks in `app`.
pub fn build(app: &App) -> Stack {{
    let stack = Stack::new(app, "{stack}", StackProps::default());
    let model = Model::new(
        &stack,
        "Model",
        ModelProps::with_container(ContainerDefinition::new(ContainerImage::from_dlc(
            "pytorch-inference",
            "2.3.0-cpu-py311",
        ))),
    );
    let config = EndpointConfig::new(
        &stack,
        "Config",
        EndpointConfigProps {{
            instance_production_variants: vec![InstanceProductionVariantProps::new(
                &model,
                "AllTraffic",
            )],
            ..EndpointConfigProps::default()
        }},
    );
    let endpoint = Endpoint::new(&stack, "Endpoint", EndpointProps::new(&config));
    CfnOutput::new(&stack, "EndpointName", endpoint.endpoint_name());
    stack
}}
"#
            ),
        ),
        (
            "src/main.rs",
            format!(
                r#"//! The app: `sagecdk synth` runs it (see `cdk.json`).

fn main() {{
    let app = sagecdk::App::new();
    {module}::build(&app);
    app.synth_or_exit();
}}
"#
            ),
        ),
        (
            "tests/snapshot.rs",
            format!(
                r#"//! The template of each stack against its snapshot in `snapshots/`:
//! `SAGECDK_UPDATE_SNAPSHOTS=1 cargo test` writes them (and accepts a change).

use sagecdk::App;
use sagecdk_assertions::Template;
use sagecdk_assertions::snapshot::Snapshot;

#[test]
fn templates_match_their_snapshots() {{
    let app = App::for_tests();
    let stack = {module}::build(&app);
    let template = Template::from_stack(&stack);
    template.assert_resource_count_is("AWS::SageMaker::Endpoint", 1);
    Snapshot::new(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"))
        .redact_asset_hashes(true)
        .assert_matches("{stack}.template", template.as_json());
}}
"#
            ),
        ),
        (
            "cdk.json",
            "{\n  \"app\": \"cargo run --quiet\"\n}\n".to_string(),
        ),
        (".gitignore", "target/\ncdk.out/\n".to_string()),
        (
            ".github/workflows/snapshots.yml",
            r#"name: snapshots
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: dtolnay/rust-toolchain@stable
      - run: cargo test --locked
"#
            .to_string(),
        ),
        (
            "README.md",
            format!(
                r#"# {name}

SageMaker infrastructure as code with sagecdk. The stacks are defined in `src/lib.rs`.

```sh
sagecdk synth          # the template
SAGECDK_UPDATE_SNAPSHOTS=1 cargo test   # writes snapshots/ (commit them)
cargo test             # the templates against snapshots/
sagecdk deploy         # to the account of your credentials (after `sagecdk bootstrap`)
```
"#
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_directory_and_bad_ones_are_refused() {
        assert_eq!(crate_name(Path::new("/x/My Models")), "my-models");
        assert_eq!(pascal_case("my-models_v2"), "MyModelsV2");
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("notes.txt"), "").expect("write");
        let err = init_project(&InitOptions {
            dir: dir.path().to_path_buf(),
            name: Some("x".into()),
            source: SagecdkSource::Version("0.1".into()),
        })
        .expect_err("not empty");
        assert!(
            err.to_string().contains("it is not empty (notes.txt)"),
            "{err}"
        );
        let empty = tempfile::tempdir().expect("tmp");
        let err = init_project(&InitOptions {
            dir: empty.path().to_path_buf(),
            name: Some("1st".into()),
            source: SagecdkSource::Version("0.1".into()),
        })
        .expect_err("bad name");
        assert!(
            err.to_string().contains("'1st' is not a crate name"),
            "{err}"
        );
    }
}
