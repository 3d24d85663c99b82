//! Context lookups and their cache: when the app reports context it does not have (the
//! manifest's `missing`), each value is looked up (by the caller's [`ContextLookup`], the AWS
//! side), stored in `cdk.context.json` and the app runs again — as the AWS CDK CLI does. Later
//! runs find the values there and need no AWS call. Failed lookups are passed to the app as
//! `{"$providerError": …}` (reported at the construct) and not stored.

use crate::synth::{LockedAssembly, synthesize};
use crate::{ProjectConfig, ToolkitError};
use indexmap::IndexMap;
use sagecdk_assembly::manifest::MissingContext;
use serde_json::{Map, Value as Json, json};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The file holding looked-up context values.
pub const CONTEXT_FILE: &str = "cdk.context.json";

/// Looks up one missing context value: the value, or why it cannot be had.
pub trait ContextLookup {
    /// The value of `missing`.
    fn lookup(&self, missing: &MissingContext) -> Result<Json, String>;
}

/// How the app's missing context is handled.
pub enum Lookups<'a> {
    /// Looked up with this, cached in `cdk.context.json`, and the app run again.
    With(&'a dyn ContextLookup),
    /// Refused (`--lookups=false`): an error naming what the app needs.
    Disabled,
}

/// [`synthesize`], then the lookups the app asks for, until it asks for nothing new.
pub fn synthesize_with_lookups(
    config: &ProjectConfig,
    mut log: impl FnMut(&[u8]),
    lookups: Lookups<'_>,
) -> Result<LockedAssembly, ToolkitError> {
    crate::synth::run_build(config, &mut log)?;
    let mut config = config.clone();
    let mut tried: HashSet<String> = HashSet::new();
    loop {
        let assembly = synthesize(&config, &mut log)?;
        let missing = assembly.manifest().missing.clone().unwrap_or_default();
        if missing.is_empty() {
            return Ok(assembly);
        }
        let keys = || missing.iter().map(|m| m.key.clone()).collect::<Vec<_>>();
        let lookup = match lookups {
            Lookups::With(l) => l,
            Lookups::Disabled => {
                return Err(ToolkitError::LookupsDisabled { keys: keys() });
            }
        };
        let new: Vec<&MissingContext> =
            missing.iter().filter(|m| !tried.contains(&m.key)).collect();
        if new.is_empty() {
            return Err(ToolkitError::UnresolvedContext { keys: keys() });
        }
        let mut found = IndexMap::new();
        for m in new {
            tried.insert(m.key.clone());
            let value = lookup.lookup(m).unwrap_or_else(
                |message| json!({"$providerError": message, "$dontSaveContext": true}),
            );
            found.insert(m.key.clone(), value);
        }
        drop(assembly);
        let saved: Map<String, Json> = found
            .iter()
            .filter(|(_, v)| v.get("$dontSaveContext").is_none())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // Only values go in (a failed lookup is not cached): no file is made for nothing.
        if !saved.is_empty() {
            update_context_file(&config.dir, |cached| {
                cached.extend(saved);
                Ok(())
            })?;
        }
        for (k, v) in found {
            config.context.entry(k).or_insert(v);
        }
    }
}

/// The values cached in `dir`'s `cdk.context.json` (empty when there is none).
pub fn read_context_file(dir: &Path) -> Result<Map<String, Json>, ToolkitError> {
    let path = dir.join(CONTEXT_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
        Err(e) => return Err(file_error(&path, e.to_string())),
    };
    match serde_json::from_str::<Json>(&text) {
        Ok(Json::Object(m)) => Ok(m),
        Ok(_) => Err(file_error(&path, "must hold a JSON object".to_string())),
        Err(e) => Err(file_error(
            &path,
            format!("invalid JSON ({e}); fix it, or remove it to look every value up again"),
        )),
    }
}

/// Changes `dir`'s `cdk.context.json` with `change` and writes it whole or not at all (a
/// temporary file renamed over it).
pub fn update_context_file(
    dir: &Path,
    change: impl FnOnce(&mut Map<String, Json>) -> Result<(), ToolkitError>,
) -> Result<(), ToolkitError> {
    let path = dir.join(CONTEXT_FILE);
    let mut cached = read_context_file(dir)?;
    change(&mut cached)?;
    let mut text = serde_json::to_string_pretty(&Json::Object(cached))
        .map_err(|e| file_error(&path, e.to_string()))?;
    text.push('\n');
    let temp: PathBuf = dir.join(format!(".{CONTEXT_FILE}.{}.tmp", std::process::id()));
    std::fs::write(&temp, text)
        .and_then(|()| std::fs::rename(&temp, &path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            file_error(&path, format!("cannot write: {e}"))
        })
}

fn file_error(path: &Path, message: String) -> ToolkitError {
    ToolkitError::Config {
        path: path.to_path_buf(),
        message,
    }
}
