//! `sagecdk-images-gen`: reduces the vendored image-URI configuration (`image-uris/`) to the
//! catalog `crates/sagecdk-images` embeds.
//!
//! ```text
//! sagecdk-images-gen generate              regenerate the catalog from image-uris/
//! sagecdk-images-gen update [--from DIR]   re-vendor from sagemaker-core's image_uri_config, then regenerate
//! ```
//!
//! The catalog is the configuration with each `registries` map (region → account, most of the
//! bytes) replaced by the index of a shared table entry `"<region index>:<account index>,…"`
//! over sorted tables of regions and accounts. Key order is kept: the lookup depends on it.

// A command-line tool: its output is the point.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The configuration files that are not frameworks.
const NOT_FRAMEWORKS: &[&str] = &["instance_gpu_info"];

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next();
    let mut from = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--from" => from = args.next().map(PathBuf::from),
            other => bail!("unknown argument {other}"),
        }
    }
    let root = find_root()?;
    let vendored = root.join("image-uris");
    let out = root.join("crates/sagecdk-images/src/catalog.json");
    match command.as_deref() {
        Some("generate") => {}
        Some("update") => update(from, &root, &vendored)?,
        _ => bail!("usage: sagecdk-images-gen generate | update [--from DIR]"),
    }
    let (catalog, frameworks) = generate(&vendored)?;
    std::fs::write(&out, catalog).with_context(|| format!("writing {}", out.display()))?;
    println!("generated the catalog of {frameworks} frameworks");
    Ok(())
}

/// The workspace root: the nearest ancestor with `image-uris/`.
fn find_root() -> Result<PathBuf> {
    let mut dir = std::env::current_dir()?;
    loop {
        if dir.join("image-uris").is_dir() && dir.join("Cargo.toml").is_file() {
            return Ok(dir);
        }
        if !dir.pop() {
            bail!("run from the workspace (no image-uris/ found above the current directory)");
        }
    }
}

/// Copies the configuration files of `from` (default: the `sagemaker-core` of the
/// repository's `.venv`) over the vendored ones and records the package version.
fn update(from: Option<PathBuf>, root: &Path, vendored: &Path) -> Result<()> {
    let (dir, version) = match from {
        Some(d) => (d, "an image_uri_config directory".to_string()),
        None => locate_installed(root)?,
    };
    for entry in std::fs::read_dir(vendored)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::remove_file(&path)?;
        }
    }
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json")
            && let Some(name) = path.file_name()
        {
            std::fs::copy(&path, vendored.join(name))?;
            n += 1;
        }
    }
    std::fs::write(
        vendored.join("VERSION"),
        format!("source: {version}, sagemaker/core/image_uri_config\n"),
    )?;
    println!("vendored {n} files from {}", dir.display());
    Ok(())
}

/// The `image_uri_config` directory and version of the `sagemaker-core` installed in `.venv`.
fn locate_installed(root: &Path) -> Result<(PathBuf, String)> {
    let python = root.join(".venv/bin/python");
    let output = std::process::Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m, importlib.util as u, os; \
             s = u.find_spec('sagemaker.core'); \
             print(os.path.join(os.path.dirname(s.origin), 'image_uri_config')); \
             print(m.version('sagemaker-core'))",
        ])
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    if !output.status.success() {
        bail!(
            "sagemaker-core is not installed in .venv (pip install sagemaker-core, or pass --from DIR): {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let text = String::from_utf8(output.stdout)?;
    let mut lines = text.lines();
    let dir = lines.next().context("no directory printed")?;
    let version = lines.next().context("no version printed")?;
    Ok((
        PathBuf::from(dir),
        format!("sagemaker-core {version} (PyPI package sagemaker-core)"),
    ))
}

/// The catalog text and the number of frameworks in it.
fn generate(vendored: &Path) -> Result<(String, usize)> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(vendored)? {
        let path = entry?.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_none_or(|e| e != "json") || NOT_FRAMEWORKS.contains(&stem) {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        let config: Value =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        files.insert(stem.to_string(), config);
    }
    // Every region and account, sorted, then each distinct map once.
    let mut regions = BTreeSet::new();
    let mut accounts = BTreeSet::new();
    for config in files.values() {
        visit_registries(config, &mut |map| {
            for (region, account) in map {
                regions.insert(region.clone());
                accounts.insert(account.as_str().unwrap_or_default().to_string());
            }
        });
    }
    let regions: Vec<String> = regions.into_iter().collect();
    let accounts: Vec<String> = accounts.into_iter().collect();
    let mut tables: Vec<String> = Vec::new();
    let mut frameworks = Map::new();
    for (name, config) in files {
        let reduced = reduce(config, &regions, &accounts, &mut tables)?;
        frameworks.insert(name, reduced);
    }
    let source = std::fs::read_to_string(vendored.join("VERSION"))?
        .trim()
        .trim_start_matches("source: ")
        .to_string();
    let n = frameworks.len();
    let catalog = json!({
        "source": source,
        "regions": regions,
        "accounts": accounts,
        "registries": tables,
        "frameworks": frameworks,
    });
    let mut text = serde_json::to_string(&catalog)?;
    text.push('\n');
    Ok((text, n))
}

fn visit_registries(value: &Value, f: &mut impl FnMut(&Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("registries", Value::Object(registries)) => f(registries),
                    _ => visit_registries(v, f),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| visit_registries(v, f)),
        _ => {}
    }
}

/// `value` with each `registries` map replaced by its table index.
fn reduce(
    value: Value,
    regions: &[String],
    accounts: &[String],
    tables: &mut Vec<String>,
) -> Result<Value> {
    Ok(match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let v = match (k.as_str(), v) {
                    ("registries", Value::Object(registries)) => {
                        let mut entries = Vec::new();
                        for (region, account) in &registries {
                            let r = regions.binary_search(region).ok();
                            let a = account
                                .as_str()
                                .and_then(|a| accounts.binary_search(&a.to_string()).ok());
                            let (Some(r), Some(a)) = (r, a) else {
                                bail!(
                                    "registries entry {region}: {account} is not a region → account"
                                );
                            };
                            entries.push(format!("{r}:{a}"));
                        }
                        // Sorted by region, as the lookup reads them.
                        entries.sort_by_key(|e| {
                            e.split(':').next().and_then(|r| r.parse::<usize>().ok())
                        });
                        let table = entries.join(",");
                        let index = match tables.iter().position(|t| *t == table) {
                            Some(i) => i,
                            None => {
                                tables.push(table);
                                tables.len() - 1
                            }
                        };
                        Value::from(index)
                    }
                    (_, v) => reduce(v, regions, accounts, tables)?,
                };
                out.insert(k, v);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| reduce(v, regions, accounts, tables))
                .collect::<Result<_>>()?,
        ),
        other => other,
    })
}
