//! Golden-file snapshot testing of whole templates.
//!
//! A snapshot is stored as `<dir>/<name>.json`: the value as pretty-printed
//! JSON (2-space indentation, keys in template order, trailing newline). A test
//! compares the current value with the stored file:
//!
//! * equal: the test passes;
//! * different: the test fails with a unified diff (`-` stored, `+` current);
//! * missing file: the test fails, explaining how to create it.
//!
//! In **update mode** the file is (re)written instead and the test passes.
//! Update mode is on when the environment variable
//! [`SAGECDK_UPDATE_SNAPSHOTS`](UPDATE_ENV_VAR) is set to `1` (or `true`/`yes`),
//! or when forced with [`Snapshot::update`].
//!
//! Asset hashes change whenever an asset's content changes; enable
//! [`Snapshot::redact_asset_hashes`] to store stable placeholders instead (see
//! [`redact_asset_hashes`]).
//!
//! ```no_run
//! use sagecdk_assertions::{assert_template_snapshot, Template};
//! use serde_json::json;
//!
//! let template = Template::from_json(json!({ "Resources": {} }));
//! // tests/snapshots/empty.json, relative to the crate being tested
//! assert_template_snapshot!("empty", &template);
//! // with asset hashes redacted
//! assert_template_snapshot!("empty-redacted", &template, redact_asset_hashes = true);
//! ```
//!
//! The same with an explicit directory and no panic:
//!
//! ```
//! use sagecdk_assertions::snapshot::{Snapshot, SnapshotOutcome};
//! use serde_json::json;
//!
//! # let dir = tempfile::tempdir()?;
//! let snapshots = Snapshot::new(dir.path()).update(true);
//! let outcome = snapshots.check("stack", &json!({ "Resources": {} }))?;
//! assert_eq!(outcome, SnapshotOutcome::Created);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;
use similar::TextDiff;

use crate::error::SnapshotError;
use crate::redact::redact_asset_hashes;

/// Environment variable that turns on update mode (`SAGECDK_UPDATE_SNAPSHOTS=1`).
pub const UPDATE_ENV_VAR: &str = "SAGECDK_UPDATE_SNAPSHOTS";

/// What a successful snapshot check did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotOutcome {
    /// The stored snapshot equals the current value.
    Matched,
    /// Update mode: the snapshot did not exist and was written.
    Created,
    /// Update mode: the snapshot differed and was rewritten.
    Updated,
}

/// A snapshot directory plus options.
#[derive(Debug, Clone)]
pub struct Snapshot {
    dir: PathBuf,
    redact_asset_hashes: bool,
    update: Option<bool>,
}

impl Snapshot {
    /// Snapshots stored in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            redact_asset_hashes: false,
            update: None,
        }
    }

    /// Stores snapshots in `dir` instead.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = dir.into();
        self
    }

    /// Whether to replace asset hashes with stable placeholders before
    /// comparing or writing (default: `false`).
    pub fn redact_asset_hashes(mut self, redact: bool) -> Self {
        self.redact_asset_hashes = redact;
        self
    }

    /// Forces update mode on or off, ignoring [`UPDATE_ENV_VAR`].
    pub fn update(mut self, update: bool) -> Self {
        self.update = Some(update);
        self
    }

    /// Whether this snapshot runs in update mode.
    pub fn is_update_mode(&self) -> bool {
        self.update.unwrap_or_else(update_mode_from_env)
    }

    /// The file that stores the snapshot `name`.
    pub fn path_for(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    /// The text that would be stored for `value` (after redaction, if enabled).
    pub fn render<T: Serialize + ?Sized>(&self, value: &T) -> Result<String, SnapshotError> {
        let value = serde_json::to_value(value)?;
        let value = if self.redact_asset_hashes {
            redact_asset_hashes(&value)
        } else {
            value
        };
        render_json(&value)
    }

    /// Compares `value` with the snapshot `name` (or writes it, in update mode).
    pub fn check<T: Serialize + ?Sized>(
        &self,
        name: &str,
        value: &T,
    ) -> Result<SnapshotOutcome, SnapshotError> {
        let current = self.render(value)?;
        let path = self.path_for(name);
        let stored = match fs::read_to_string(&path) {
            Ok(text) => Some(text.replace("\r\n", "\n")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(SnapshotError::Io { path, source }),
        };
        match stored {
            Some(stored) if stored == current => Ok(SnapshotOutcome::Matched),
            Some(stored) => {
                if self.is_update_mode() {
                    write(&path, &current)?;
                    Ok(SnapshotOutcome::Updated)
                } else {
                    Err(SnapshotError::Mismatch {
                        name: name.to_owned(),
                        diff: unified_diff(&stored, &current, &path),
                        path,
                    })
                }
            }
            None => {
                if self.is_update_mode() {
                    write(&path, &current)?;
                    Ok(SnapshotOutcome::Created)
                } else {
                    Err(SnapshotError::Missing {
                        name: name.to_owned(),
                        path,
                    })
                }
            }
        }
    }

    /// Like [`check`](Snapshot::check), but panics with the failure message
    /// (missing snapshot, diff, I/O error).
    #[track_caller]
    pub fn assert_matches<T: Serialize + ?Sized>(&self, name: &str, value: &T) -> SnapshotOutcome {
        match self.check(name, value) {
            Ok(outcome) => outcome,
            Err(e) => panic!("{e}"),
        }
    }
}

/// Compares `value` with `<dir>/<name>.json` and panics on a mismatch or a
/// missing snapshot (see the [module docs](self) for update mode).
#[track_caller]
pub fn assert_snapshot<T: Serialize + ?Sized>(dir: impl AsRef<Path>, name: &str, value: &T) {
    Snapshot::new(dir.as_ref()).assert_matches(name, value);
}

/// Whether [`UPDATE_ENV_VAR`] asks for update mode.
pub fn update_mode_from_env() -> bool {
    is_truthy(std::env::var(UPDATE_ENV_VAR).ok().as_deref())
}

fn is_truthy(value: Option<&str>) -> bool {
    matches!(
        value.map(|v| v.trim().to_ascii_lowercase()).as_deref(),
        Some("1" | "true" | "yes" | "on")
    )
}

/// The stored form of a snapshot: pretty JSON with a trailing newline.
pub fn render_json(value: &Value) -> Result<String, SnapshotError> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

fn write(path: &Path, text: &str) -> Result<(), SnapshotError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|source| SnapshotError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    fs::write(path, text).map_err(|source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn unified_diff(stored: &str, current: &str, path: &Path) -> String {
    TextDiff::from_lines(stored, current)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{} (stored)", path.display()), "current")
        .to_string()
}

/// Asserts that a value matches its golden-file snapshot.
///
/// `assert_template_snapshot!(name, value)` compares `value` (anything
/// `Serialize`, e.g. a [`Template`](crate::Template) or a `serde_json::Value`)
/// with `tests/snapshots/<name>.json` under the crate being tested, and panics
/// with a diff on mismatch. Options are given as trailing `option = value`
/// pairs, each calling the [`Snapshot`] builder method of that name:
///
/// ```no_run
/// use sagecdk_assertions::assert_template_snapshot;
/// use serde_json::json;
///
/// let value = json!({ "Resources": {} });
/// assert_template_snapshot!("minimal", &value);
/// assert_template_snapshot!("minimal", &value, redact_asset_hashes = true, dir = "tests/golden");
/// ```
///
/// Run the tests with `SAGECDK_UPDATE_SNAPSHOTS=1` to create or update snapshots.
#[macro_export]
macro_rules! assert_template_snapshot {
    ($name:expr, $value:expr $(, $option:ident = $setting:expr)* $(,)?) => {{
        let snapshot = $crate::snapshot::Snapshot::new(::std::concat!(
            ::std::env!("CARGO_MANIFEST_DIR"),
            "/tests/snapshots"
        ))
        $(.$option($setting))*;
        snapshot.assert_matches($name, $value)
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truthy_values() {
        assert!(is_truthy(Some("1")));
        assert!(is_truthy(Some("true")));
        assert!(is_truthy(Some(" YES ")));
        assert!(!is_truthy(Some("0")));
        assert!(!is_truthy(Some("")));
        assert!(!is_truthy(None));
    }
}
