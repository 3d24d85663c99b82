//! Synthesis errors: every problem found, each with the construct path it concerns.

use std::fmt;

/// A name or value shortened for a message: its first 32 characters and `…` when longer.
///
/// ```
/// assert_eq!(sagecdk_core::error::abbreviate("short"), "short");
/// assert_eq!(sagecdk_core::error::abbreviate(&"x".repeat(40)), format!("{}…", "x".repeat(32)));
/// ```
pub fn abbreviate(s: &str) -> String {
    const SHOWN: usize = 32;
    match s.char_indices().nth(SHOWN) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The problem of a text over a length limit, for a message: `Some("{subject} is {n}
/// characters, more than {whose} limit of {limit}")`, where `n` counts the characters (Unicode
/// scalar values) of `text`; `None` within the limit.
///
/// ```
/// use sagecdk_core::error::too_long;
/// assert_eq!(
///     too_long("tag key 'ab'", "ab", 1, "the").as_deref(),
///     Some("tag key 'ab' is 2 characters, more than the limit of 1")
/// );
/// assert_eq!(too_long("tag key 'a'", "a", 1, "the"), None);
/// ```
pub fn too_long(
    subject: impl fmt::Display,
    text: &str,
    limit: usize,
    whose: &str,
) -> Option<String> {
    let length = text.chars().count();
    (length > limit)
        .then(|| format!("{subject} is {length} characters, more than {whose} limit of {limit}"))
}

/// One problem, located at a construct path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Construct path (`Stack/Construct/Resource`); empty for the app itself.
    pub path: String,
    /// What is wrong, naming the rule broken.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "App"
        } else {
            &self.path
        };
        write!(f, "[{path}] {}", self.message)
    }
}

/// A list of diagnostics, displayed one per line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  {d}")?;
        }
        Ok(())
    }
}

/// Why synthesis failed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The construct tree is invalid; all problems found are listed.
    #[error("synthesis failed with {count} error(s):\n{0}", count = .0.0.len())]
    Invalid(Diagnostics),
    /// The cloud assembly could not be written (the previous one is left intact).
    #[error("could not write the cloud assembly: {0}")]
    Write(#[from] sagecdk_assembly::AssemblyError),
}

impl SynthError {
    /// The diagnostics of an [`SynthError::Invalid`] error (empty otherwise).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            SynthError::Invalid(d) => &d.0,
            SynthError::Write(_) => &[],
        }
    }
}
