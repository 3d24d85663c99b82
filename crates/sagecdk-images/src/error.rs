//! What a lookup reports when the catalog has no image for the request.

/// Why no image matches a request; the message names what is available.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// The framework is not in the catalog.
    #[error("unknown framework '{framework}'; available: {}", .available.join(", "))]
    UnknownFramework {
        /// What was asked for.
        framework: String,
        /// The catalog's frameworks.
        available: Vec<String>,
    },
    /// A value (version, scope, region, processor, Python version…) the framework's images do
    /// not have.
    #[error("{framework}: unsupported {what} '{value}'; available: {}", .available.join(", "))]
    Unsupported {
        /// The framework (or algorithm).
        framework: String,
        /// What the value is ("version", "image scope", "region"…).
        what: String,
        /// The value asked for (empty when none was given).
        value: String,
        /// What the catalog has.
        available: Vec<String>,
    },
    /// A request the SDK's rules refuse, with the reason.
    #[error("{framework}: {reason}")]
    Invalid {
        /// The framework (or algorithm).
        framework: String,
        /// Why.
        reason: String,
    },
    /// The embedded catalog cannot be read (a build defect).
    #[error("{0}")]
    Catalog(String),
}
