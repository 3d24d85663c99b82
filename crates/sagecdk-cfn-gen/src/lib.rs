//! Generates the `sagecdk-cfn` crate (typed CloudFormation resources) from CloudFormation
//! registry schemas.
//!
//! The pipeline: [`model::build`] turns a schema into a [`model::Resource`] (structs, enums,
//! attributes, tagging and the reduced validation rules of [`rules`]); [`emit`] writes Rust
//! source; [`generate`] writes the crate and formats it.

pub mod emit;
pub mod model;
pub mod names;
pub mod rules;

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The vendored schema file of a type: `AWS::SageMaker::Model` → `aws-sagemaker-model.json`.
pub fn schema_file_name(type_name: &str) -> String {
    format!("{}.json", type_name.to_ascii_lowercase().replace("::", "-"))
}

/// The file listing `Fn::GetAtt` attributes that CloudFormation supports beyond a schema's
/// `readOnlyProperties` (e.g. `ModelName` of `AWS::SageMaker::Model`), by type name.
pub const EXTRA_ATTRIBUTES: &str = "extra-attributes.json";

/// Reads the extra attributes of `schemas_dir` (none when the file is missing).
pub fn load_extra_attributes(schemas_dir: &Path) -> Result<BTreeMap<String, Vec<String>>> {
    let path = schemas_dir.join(EXTRA_ATTRIBUTES);
    if !path.is_file() {
        return Ok(BTreeMap::new());
    }
    let text = std::fs::read_to_string(&path)?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Loads and models every schema in `schemas_dir` (files sorted by name).
pub fn load_resources(schemas_dir: &Path) -> Result<Vec<model::Resource>> {
    let extra = load_extra_attributes(schemas_dir)?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(schemas_dir)
        .with_context(|| format!("reading {}", schemas_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| p.file_name().is_some_and(|n| n != EXTRA_ATTRIBUTES))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text =
            std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
        let schema: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", f.display()))?;
        let type_name = schema
            .get("typeName")
            .and_then(|t| t.as_str())
            .unwrap_or_default();
        let extra = extra.get(type_name).cloned().unwrap_or_default();
        out.push(
            model::build(&schema, &extra).with_context(|| format!("modelling {}", f.display()))?,
        );
    }
    out.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    Ok(out)
}

/// All files of the generated crate, by path relative to the crate directory.
pub fn render(resources: &[model::Resource]) -> BTreeMap<PathBuf, String> {
    let mut services: BTreeMap<String, (String, Vec<&model::Resource>)> = BTreeMap::new();
    for r in resources {
        services
            .entry(names::service_module(&r.service))
            .or_insert_with(|| (r.service.clone(), Vec::new()))
            .1
            .push(r);
    }
    let mut files = BTreeMap::new();
    for (module, (service, list)) in &mut services {
        list.sort_by_key(|r| r.module());
        let dir = PathBuf::from("src").join(module.as_str());
        files.insert(dir.join("mod.rs"), emit::service_file(service, list));
        for r in list.iter() {
            files.insert(
                dir.join(format!("{}.rs", r.module())),
                emit::resource_file(r, module),
            );
            files.insert(
                dir.join(format!("{}.rules.json", r.module())),
                format!("{}\n", r.rules),
            );
        }
    }
    files.insert(PathBuf::from("src/lib.rs"), emit::lib_file(&services));
    files.insert(PathBuf::from("Cargo.toml"), emit::cargo_toml(&services));
    files.insert(
        PathBuf::from("SKIPPED_PATTERNS.md"),
        emit::skipped_patterns(resources),
    );
    files
}

/// Where the deploy engine reads the create-only properties of every vendored type from
/// (`diff` marks replacements with them), relative to the repository root.
pub const CREATE_ONLY_TABLE: &str = "crates/sagecdk-deploy/src/create_only_properties.json";

/// The create-only properties of the types that have any, as JSON: type name → paths below
/// `/properties/`, sorted by type name.
pub fn create_only_table(resources: &[model::Resource]) -> String {
    let table: BTreeMap<&str, &[String]> = resources
        .iter()
        .filter(|r| !r.create_only.is_empty())
        .map(|r| (r.type_name.as_str(), r.create_only.as_slice()))
        .collect();
    let mut text = serde_json::to_string_pretty(&table).unwrap_or_default();
    text.push('\n');
    text
}

/// Regenerates the crate at `crate_dir` and the create-only table at `table_path` from the
/// schemas in `schemas_dir`: removes the generated service directories, writes every file and
/// formats the Rust sources with `rustfmt`. Hand-written files (`src/runtime.rs`, `tests/`)
/// are kept.
pub fn generate(schemas_dir: &Path, crate_dir: &Path, table_path: &Path) -> Result<usize> {
    let resources = load_resources(schemas_dir)?;
    std::fs::write(table_path, create_only_table(&resources))
        .with_context(|| format!("writing {}", table_path.display()))?;
    let files = render(&resources);
    let src = crate_dir.join("src");
    std::fs::create_dir_all(&src)?;
    for entry in std::fs::read_dir(&src)? {
        let path = entry?.path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("removing {}", path.display()))?;
        }
    }
    let mut rust_files = Vec::new();
    for (rel, content) in &files {
        let path = crate_dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
        if rel.extension().is_some_and(|e| e == "rs") {
            rust_files.push(path);
        }
    }
    let status = std::process::Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args(&rust_files)
        .status()
        .context("running rustfmt")?;
    if !status.success() {
        bail!("rustfmt failed on the generated code");
    }
    Ok(resources.len())
}
