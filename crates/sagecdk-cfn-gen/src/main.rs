//! `sagecdk-cfn-gen`: regenerates `crates/sagecdk-cfn` from the schemas vendored in `schemas/`.
//!
//! ```text
//! sagecdk-cfn-gen generate                 regenerate the crate from schemas/
//! sagecdk-cfn-gen add AWS::Lambda::Function [more types] [--from DIR]
//!                                          vendor the types' schemas, then regenerate
//! sagecdk-cfn-gen update [--from DIR]      re-vendor every type from a newer schema set
//! sagecdk-cfn-gen list                     the vendored types
//! ```
//!
//! `--from` is cfn-lint's `data/schemas` directory; by default it is looked up from the
//! repository's Python virtualenv (`.venv`), or from `python3`.

// A command-line tool: its output is the point.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use anyhow::{Context, Result, bail};
use sagecdk_cfn_gen::{
    CREATE_ONLY_TABLE, EXTRA_ATTRIBUTES, generate, load_extra_attributes, load_resources,
    schema_file_name,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The region whose provider schemas are vendored.
const PROVIDER: &str = "us-east-1";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut from: Option<PathBuf> = None;
    let mut root: Option<PathBuf> = None;
    let mut rest = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--from" => from = it.next().map(PathBuf::from),
            "--root" => root = it.next().map(PathBuf::from),
            _ => rest.push(a),
        }
    }
    let root = match root {
        Some(r) => r,
        None => find_root()?,
    };
    let schemas = root.join("schemas");
    let crate_dir = root.join("crates/sagecdk-cfn");
    let table = root.join(CREATE_ONLY_TABLE);
    match rest.first().map(String::as_str) {
        Some("generate") => {
            let n = generate(&schemas, &crate_dir, &table)?;
            println!("generated {n} resource types");
        }
        Some("add") => {
            let types = &rest[1..];
            if types.is_empty() {
                bail!("usage: sagecdk-cfn-gen add AWS::Service::Type…");
            }
            let source = Source::locate(from, &root)?;
            for t in types {
                source.copy(t, &schemas)?;
            }
            source.write_version(&schemas)?;
            source.write_extra_attributes(&root, &schemas)?;
            let n = generate(&schemas, &crate_dir, &table)?;
            println!("generated {n} resource types");
        }
        Some("update") => {
            let source = Source::locate(from, &root)?;
            for r in load_resources(&schemas)? {
                source.copy(&r.type_name, &schemas)?;
            }
            source.write_version(&schemas)?;
            source.write_extra_attributes(&root, &schemas)?;
            let n = generate(&schemas, &crate_dir, &table)?;
            println!("generated {n} resource types");
        }
        Some("list") => {
            for r in load_resources(&schemas)? {
                println!("{}", r.type_name);
            }
        }
        _ => bail!(
            "usage: sagecdk-cfn-gen generate | add TYPE… [--from DIR] | update [--from DIR] | list"
        ),
    }
    Ok(())
}

/// The workspace root: the nearest ancestor of the working directory holding this generator.
fn find_root() -> Result<PathBuf> {
    let cwd = std::env::current_dir()?;
    for dir in cwd.ancestors() {
        if dir.join("crates/sagecdk-cfn-gen/Cargo.toml").is_file() {
            return Ok(dir.to_path_buf());
        }
    }
    bail!("run inside the sagecdk workspace, or pass --root")
}

/// cfn-lint's schema data.
struct Source {
    dir: PathBuf,
    version: String,
}

impl Source {
    fn locate(from: Option<PathBuf>, root: &Path) -> Result<Source> {
        let script = "import os, cfnlint, cfnlint.version as v; print(os.path.join(os.path.dirname(cfnlint.__file__), 'data', 'schemas')); print(v.__version__)";
        let venv = root.join(".venv/bin/python");
        let pythons = [venv.to_string_lossy().into_owned(), "python3".to_string()];
        let mut version = String::from("unknown");
        let mut dir = from;
        for python in &pythons {
            let Ok(out) = std::process::Command::new(python)
                .args(["-c", script])
                .output()
            else {
                continue;
            };
            if !out.status.success() {
                continue;
            }
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let mut lines = text.lines();
            let found = lines.next().map(PathBuf::from);
            version = lines.next().unwrap_or("unknown").to_string();
            if dir.is_none() {
                dir = found;
            }
            break;
        }
        let dir =
            dir.context("cfn-lint not found: install it (scripts/test does) or pass --from")?;
        Ok(Source { dir, version })
    }

    fn copy(&self, type_name: &str, schemas: &Path) -> Result<()> {
        let provider = self.dir.join("providers").join(format!("{PROVIDER}.json"));
        let map: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(&provider)
                .with_context(|| format!("reading {}", provider.display()))?,
        )?;
        let hash = map
            .get(type_name)
            .and_then(|h| h.as_str())
            .with_context(|| format!("{type_name} is not in the {PROVIDER} schemas"))?;
        let file = self.dir.join("resources").join(format!("{hash}.json"));
        std::fs::create_dir_all(schemas)?;
        std::fs::copy(&file, schemas.join(schema_file_name(type_name)))
            .with_context(|| format!("copying {}", file.display()))?;
        println!("vendored {type_name}");
        Ok(())
    }

    fn write_version(&self, schemas: &Path) -> Result<()> {
        let date: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(self.dir.join("version.json"))
                .context("reading version.json")?,
        )?;
        let date = date
            .get("schema_date")
            .and_then(|d| d.as_str())
            .unwrap_or("unknown");
        let text = format!(
            "schema_date: {date}\nsource: cfn-lint {} (PyPI package cfn-lint), data/schemas/resources, provider {PROVIDER}\n",
            self.version
        );
        std::fs::write(schemas.join("VERSION"), text)?;
        Ok(())
    }

    /// Refreshes the extra `Fn::GetAtt` attributes of the vendored types from cfn-lint's list
    /// (a private table of cfn-lint: left unchanged when it cannot be read).
    fn write_extra_attributes(&self, root: &Path, schemas: &Path) -> Result<()> {
        let script = "import json; from cfnlint.schema import _getatts as g; print(json.dumps(g._exceptions))";
        let venv = root.join(".venv/bin/python");
        for python in [venv.to_string_lossy().into_owned(), "python3".to_string()] {
            let Ok(out) = std::process::Command::new(&python)
                .args(["-c", script])
                .output()
            else {
                continue;
            };
            let Ok(all) = serde_json::from_slice::<BTreeMap<String, Vec<String>>>(&out.stdout)
            else {
                continue;
            };
            let mut kept = load_extra_attributes(schemas)?;
            for r in load_resources(schemas)? {
                if let Some(attrs) = all.get(&r.type_name) {
                    kept.insert(r.type_name.clone(), attrs.clone());
                }
            }
            let text = serde_json::to_string_pretty(&kept)? + "\n";
            std::fs::write(schemas.join(EXTRA_ATTRIBUTES), text)?;
            return Ok(());
        }
        println!("note: could not read cfn-lint's extra attributes; {EXTRA_ATTRIBUTES} unchanged");
        Ok(())
    }
}
