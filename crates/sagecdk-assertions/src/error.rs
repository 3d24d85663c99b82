//! Error types returned by the assertion APIs.

use std::fmt;
use std::path::PathBuf;

/// A failed assertion.
///
/// Every assertion method of [`Template`](crate::Template) and
/// [`Annotations`](crate::Annotations) returns `Result<(), AssertionError>`. The
/// [`Display`](fmt::Display) *and* [`Debug`] representations are the full,
/// human-readable failure text (including the rendering of the closest
/// candidates), so a test that returns `Result<(), AssertionError>` and uses `?`
/// prints a readable report when it fails.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AssertionError {
    message: String,
}

impl AssertionError {
    /// Creates an assertion error with the given failure text.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The full failure text.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for AssertionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Print the message verbatim so `Result`-returning tests show readable output.
        f.write_str(&self.message)
    }
}

/// Error returned when a template cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The template text is not valid JSON.
    #[error("template is not valid JSON: {0}")]
    Parse(#[from] serde_json::Error),
    /// The stack's app does not synthesize.
    #[error("the stack's app does not synthesize: {0}")]
    Synth(#[from] sagecdk_core::SynthError),
    /// The stack was not found in the synthesized app.
    #[error("stack '{0}' is not part of the synthesized app")]
    NoStack(String),
}

/// Error returned when reading a [`Capture`](crate::Capture).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CaptureError {
    /// Nothing has been captured (yet), e.g. because no match succeeded.
    #[error("No value captured")]
    NoValue,
    /// The current captured value has a different JSON type than requested.
    #[error("Captured value is expected to be {expected} but found {found}. Value is {value}")]
    WrongType {
        /// The requested JSON type (`string`, `number`, `boolean`, `array`, `object`).
        expected: &'static str,
        /// The JSON type of the captured value.
        found: &'static str,
        /// The captured value, rendered as pretty JSON.
        value: String,
    },
}

/// Error returned by snapshot comparisons (see [`snapshot`](crate::snapshot)).
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The snapshot file does not exist and update mode is off.
    #[error(
        "Snapshot '{name}' does not exist: {path} was not found.\nRun the test with {env_var}=1 to create it.",
        path = .path.display(),
        env_var = crate::snapshot::UPDATE_ENV_VAR
    )]
    Missing {
        /// Name of the snapshot.
        name: String,
        /// Expected location of the snapshot file.
        path: PathBuf,
    },
    /// The stored snapshot differs from the current value.
    #[error(
        "Snapshot '{name}' does not match {path}:\n\n{diff}\nRun the test with {env_var}=1 to accept the new output.",
        path = .path.display(),
        env_var = crate::snapshot::UPDATE_ENV_VAR
    )]
    Mismatch {
        /// Name of the snapshot.
        name: String,
        /// Location of the stored snapshot file.
        path: PathBuf,
        /// Unified diff from the stored snapshot (`-`) to the current value (`+`).
        diff: String,
    },
    /// The value could not be converted to JSON.
    #[error("could not serialize the snapshot value to JSON: {0}")]
    Serialize(#[from] serde_json::Error),
    /// Reading or writing the snapshot file failed.
    #[error("snapshot file {path}: {source}", path = .path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
}
