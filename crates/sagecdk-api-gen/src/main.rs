//! `sagecdk-api-gen`: extracts from botocore's SageMaker service description the shapes of the
//! requests sagecdk's job state machines send, for `sagecdk-sagemaker` to check them at
//! synthesis.
//!
//! ```text
//! sagecdk-api-gen generate [--from FILE]   FILE: botocore's sagemaker service-2.json(.gz)
//!                                          (default: the botocore of the repository's .venv)
//! ```
//!
//! The output keeps, for every shape reachable from the requests, only what a check uses
//! (type, required and union members, member shapes, enum, length and value bounds, pattern),
//! with the botocore version and API version it was taken from.

// A command-line tool: its output is the point.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The requests the job constructs send.
const REQUESTS: &[&str] = &["CreateTransformJobRequest", "CreateTrainingJobRequest"];

/// Where the extract goes, from the workspace root.
const OUTPUT: &str = "crates/sagecdk-sagemaker/src/api_shapes.json";

/// The fields of a shape a check reads.
const KEPT: &[&str] = &["type", "required", "union", "enum", "min", "max", "pattern"];

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
    if command.as_deref() != Some("generate") {
        bail!("usage: sagecdk-api-gen generate [--from FILE]");
    }
    let root = find_root()?;
    let (file, version) = match from {
        Some(f) => {
            let version = botocore_version_of(&f).unwrap_or_else(|| "unknown".to_string());
            (f, version)
        }
        None => venv_botocore(&root)?,
    };
    let description = read_description(&file)?;
    let extract = extract(&description, &version)?;
    let out = root.join(OUTPUT);
    let mut text = serde_json::to_string_pretty(&extract)?;
    text.push('\n');
    std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "extracted {} shapes of {} requests from botocore {version}",
        extract["shapes"].as_object().map_or(0, Map::len),
        REQUESTS.len()
    );
    Ok(())
}

/// The workspace root: the nearest ancestor holding `crates/sagecdk-sagemaker`.
fn find_root() -> Result<PathBuf> {
    let mut dir = std::env::current_dir()?;
    loop {
        if dir.join("crates/sagecdk-sagemaker").is_dir() && dir.join("Cargo.toml").is_file() {
            return Ok(dir);
        }
        if !dir.pop() {
            bail!(
                "run from the workspace (no crates/sagecdk-sagemaker above the current directory)"
            );
        }
    }
}

/// The service description of the botocore in `.venv`, and that botocore's version.
fn venv_botocore(root: &Path) -> Result<(PathBuf, String)> {
    let python = root.join(".venv/bin/python");
    let output = std::process::Command::new(&python)
        .args([
            "-c",
            "import botocore, os; print(botocore.__version__); print(os.path.dirname(botocore.__file__))",
        ])
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    if !output.status.success() {
        bail!(
            "botocore is not installed in .venv; install it or pass --from FILE: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let text = String::from_utf8(output.stdout)?;
    let mut lines = text.lines();
    let version = lines.next().unwrap_or_default().to_string();
    let dir = PathBuf::from(lines.next().unwrap_or_default()).join("data/sagemaker");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    versions.sort();
    let Some(latest) = versions.pop() else {
        bail!("{} holds no API version", dir.display());
    };
    let gz = latest.join("service-2.json.gz");
    let file = if gz.is_file() {
        gz
    } else {
        latest.join("service-2.json")
    };
    Ok((file, version))
}

/// The botocore version in a path such as `…/botocore-1.44.8/botocore/data/…`.
fn botocore_version_of(file: &Path) -> Option<String> {
    file.components().find_map(|c| {
        let part = c.as_os_str().to_str()?;
        part.strip_prefix("botocore-")
            .map(|v| v.trim_end_matches(".dist-info").to_string())
    })
}

/// Reads a service description, gzipped or not.
fn read_description(file: &Path) -> Result<Value> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .with_context(|| format!("decompressing {}", file.display()))?;
        text
    } else {
        String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8", file.display()))?
    };
    serde_json::from_str(&text).with_context(|| format!("parsing {}", file.display()))
}

/// The shapes reachable from [`REQUESTS`], reduced to [`KEPT`] and member shape names.
fn extract(description: &Value, version: &str) -> Result<Value> {
    let shapes = description["shapes"]
        .as_object()
        .context("the service description has no shapes")?;
    let mut kept: BTreeMap<String, Value> = BTreeMap::new();
    let mut pending: Vec<String> = REQUESTS.iter().map(ToString::to_string).collect();
    while let Some(name) = pending.pop() {
        if kept.contains_key(&name) {
            continue;
        }
        let Some(shape) = shapes.get(&name) else {
            bail!("shape {name} is not in the service description");
        };
        let mut reduced = Map::new();
        for field in KEPT {
            if let Some(v) = shape.get(*field) {
                reduced.insert((*field).to_string(), v.clone());
            }
        }
        if let Some(members) = shape["members"].as_object() {
            let mut names = Map::new();
            for (member, spec) in members {
                let target = spec["shape"].as_str().context("a member without a shape")?;
                names.insert(member.clone(), json!(target));
                pending.push(target.to_string());
            }
            reduced.insert("members".into(), Value::Object(names));
        }
        for field in ["member", "key", "value"] {
            if let Some(target) = shape[field]["shape"].as_str() {
                reduced.insert(field.into(), json!(target));
                pending.push(target.to_string());
            }
        }
        kept.insert(name, Value::Object(reduced));
    }
    Ok(json!({
        "source": format!(
            "botocore {version}, sagemaker {}",
            description["metadata"]["apiVersion"].as_str().unwrap_or("?")
        ),
        "shapes": kept,
    }))
}
