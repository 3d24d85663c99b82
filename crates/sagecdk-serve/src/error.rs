//! Errors: what inference code returns (each becomes an HTTP status with its message) and what
//! stops the server from starting.

use std::fmt;

/// An error of inference code or of a request's payload, answered with `status` and `message`.
///
/// ```
/// use sagecdk_serve::InferenceError;
/// let e = InferenceError::bad_request("expected 4 features per row, got 3");
/// assert_eq!(e.status(), 400);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferenceError {
    status: u16,
    message: String,
}

impl InferenceError {
    /// An error answered with `status` (400–599).
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        InferenceError {
            status: status.clamp(400, 599),
            message: message.into(),
        }
    }

    /// The request is wrong (400).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    /// The request is well-formed but its content cannot be processed (422).
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(422, message)
    }

    /// The inference code failed (500).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, message)
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl std::error::Error for InferenceError {}

/// Why the server could not start or serve.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A setting from the environment is not valid.
    #[error("{name}='{value}' is not valid: {rule}")]
    Setting {
        /// The variable.
        name: String,
        /// Its value.
        value: String,
        /// What it must be.
        rule: String,
    },
    /// The port could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The schema's samples do not survive their own codecs.
    #[error("the schema's {which} sample does not round-trip through {content_type}: {message}")]
    Schema {
        /// `input` or `output`.
        which: &'static str,
        /// The content type tried.
        content_type: String,
        /// What failed.
        message: String,
    },
    /// A sample value could not be made.
    #[error("the schema's sample: {}", .0.message())]
    Sample(#[from] InferenceError),
    /// Input/output error of the server.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}
