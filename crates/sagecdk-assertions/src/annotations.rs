//! [`Annotations`]: assertions on the errors, warnings and info messages that
//! synthesis attached to constructs.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::AssertionError;
use crate::pattern::Pattern;
use crate::section::{self, SectionOutcome};
use crate::template::{ALL, or_panic};

/// Severity of an [`Annotation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnnotationLevel {
    /// An error: synthesis of the app fails.
    Error,
    /// A warning.
    Warning,
    /// An informational message.
    Info,
}

impl AnnotationLevel {
    /// The lowercase name (`error`, `warning`, `info`).
    pub fn as_str(self) -> &'static str {
        match self {
            AnnotationLevel::Error => "error",
            AnnotationLevel::Warning => "warning",
            AnnotationLevel::Info => "info",
        }
    }
}

impl fmt::Display for AnnotationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message attached to a construct during synthesis.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Annotation {
    /// Construct path, e.g. `/SeedStack/Model/Resource`.
    pub path: String,
    /// Severity.
    pub level: AnnotationLevel,
    /// The message text.
    pub message: String,
}

impl Annotation {
    /// A new annotation.
    pub fn new(
        path: impl Into<String>,
        level: AnnotationLevel,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            level,
            message: message.into(),
        }
    }

    /// An error annotation.
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(path, AnnotationLevel::Error, message)
    }

    /// A warning annotation.
    pub fn warning(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(path, AnnotationLevel::Warning, message)
    }

    /// An info annotation.
    pub fn info(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(path, AnnotationLevel::Info, message)
    }

    fn to_entry(&self) -> Value {
        json!({ "path": self.path, "level": self.level.as_str(), "message": self.message })
    }
}

/// Assertions on the annotations of a synthesized stack.
///
/// Every query takes a construct path (exact, or `"*"` for any path) and a
/// message pattern: a string for an exact message, or any matcher such as
/// [`Match::string_like_regexp`](crate::Match::string_like_regexp). The
/// failure model is the same as [`Template`](crate::Template)'s: `has_*`
/// methods return `Result<(), AssertionError>`, `assert_*` twins panic.
///
/// ```
/// use sagecdk_assertions::{Annotation, Annotations, Match};
///
/// let annotations = Annotations::from_messages(vec![
///     Annotation::warning("/SeedStack/Endpoint", "instance type ml.t2.medium is deprecated"),
/// ]);
/// annotations.has_warning("/SeedStack/Endpoint", Match::string_like_regexp("deprecated"))?;
/// annotations.has_no_error("*", Match::any_value())?;
/// assert!(annotations.has_error("*", Match::any_value()).is_err());
/// # Ok::<(), sagecdk_assertions::AssertionError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotations {
    messages: Vec<Annotation>,
}

impl Annotations {
    /// Assertions over the given messages (in synthesis order).
    pub fn from_messages(messages: Vec<Annotation>) -> Self {
        Self { messages }
    }

    /// All messages.
    pub fn messages(&self) -> &[Annotation] {
        &self.messages
    }

    fn outcome(
        &self,
        level: AnnotationLevel,
        path: &str,
        message: Pattern,
    ) -> (SectionOutcome, Vec<Value>) {
        let entries: Vec<(String, Value)> = self
            .messages
            .iter()
            .enumerate()
            .filter(|(_, m)| path == ALL || m.path == path)
            .map(|(i, m)| (i.to_string(), m.to_entry()))
            .collect();
        let pattern = Pattern::object([
            ("level", Pattern::from(level.as_str())),
            ("message", message),
        ]);
        let outcome =
            section::match_section(entries.iter().map(|(id, v)| (id.as_str(), v)), &pattern);
        let matched = outcome.matches.values().cloned().collect();
        (outcome, matched)
    }

    fn has(
        &self,
        level: AnnotationLevel,
        path: &str,
        message: Pattern,
    ) -> Result<(), AssertionError> {
        let (outcome, _) = self.outcome(level, path, message);
        if outcome.is_match() {
            return Ok(());
        }
        let mut text =
            section::format_section_failure("Stack", &format!("messages at path {path}"), &outcome);
        if outcome.analyzed.is_empty() {
            text.push_str(&self.listing());
        }
        Err(AssertionError::new(text))
    }

    fn has_no(
        &self,
        level: AnnotationLevel,
        path: &str,
        message: Pattern,
    ) -> Result<(), AssertionError> {
        let (outcome, matched) = self.outcome(level, path, message);
        if !outcome.is_match() {
            return Ok(());
        }
        Err(AssertionError::new(format!(
            "Expected no matches, but stack has {} messages as follows:\n{}",
            matched.len(),
            section::format_all(&Value::Array(matched))
        )))
    }

    fn find(&self, level: AnnotationLevel, path: &str, message: Pattern) -> Vec<Annotation> {
        let (_, matched) = self.outcome(level, path, message);
        matched
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect()
    }

    /// All messages of the stack, one per line (used when nothing was analyzed).
    fn listing(&self) -> String {
        if self.messages.is_empty() {
            return "\nThe stack has no messages.".to_owned();
        }
        let lines: Vec<String> = self
            .messages
            .iter()
            .map(|m| format!("  [{}] {}: {}", m.level, m.path, m.message))
            .collect();
        format!("\nMessages in the stack:\n{}", lines.join("\n"))
    }

    /// Asserts that an error matching `message` exists at `path` (or anywhere, with `"*"`).
    pub fn has_error(&self, path: &str, message: impl Into<Pattern>) -> Result<(), AssertionError> {
        self.has(AnnotationLevel::Error, path, message.into())
    }

    /// Asserts that no error matching `message` exists at `path` (or anywhere, with `"*"`).
    pub fn has_no_error(
        &self,
        path: &str,
        message: impl Into<Pattern>,
    ) -> Result<(), AssertionError> {
        self.has_no(AnnotationLevel::Error, path, message.into())
    }

    /// The errors at `path` (or anywhere, with `"*"`) matching `message`.
    pub fn find_error(&self, path: &str, message: impl Into<Pattern>) -> Vec<Annotation> {
        self.find(AnnotationLevel::Error, path, message.into())
    }

    /// Asserts that a warning matching `message` exists at `path` (or anywhere, with `"*"`).
    pub fn has_warning(
        &self,
        path: &str,
        message: impl Into<Pattern>,
    ) -> Result<(), AssertionError> {
        self.has(AnnotationLevel::Warning, path, message.into())
    }

    /// Asserts that no warning matching `message` exists at `path` (or anywhere, with `"*"`).
    pub fn has_no_warning(
        &self,
        path: &str,
        message: impl Into<Pattern>,
    ) -> Result<(), AssertionError> {
        self.has_no(AnnotationLevel::Warning, path, message.into())
    }

    /// The warnings at `path` (or anywhere, with `"*"`) matching `message`.
    pub fn find_warning(&self, path: &str, message: impl Into<Pattern>) -> Vec<Annotation> {
        self.find(AnnotationLevel::Warning, path, message.into())
    }

    /// Asserts that an info message matching `message` exists at `path` (or anywhere, with `"*"`).
    pub fn has_info(&self, path: &str, message: impl Into<Pattern>) -> Result<(), AssertionError> {
        self.has(AnnotationLevel::Info, path, message.into())
    }

    /// Asserts that no info message matching `message` exists at `path` (or anywhere, with `"*"`).
    pub fn has_no_info(
        &self,
        path: &str,
        message: impl Into<Pattern>,
    ) -> Result<(), AssertionError> {
        self.has_no(AnnotationLevel::Info, path, message.into())
    }

    /// The info messages at `path` (or anywhere, with `"*"`) matching `message`.
    pub fn find_info(&self, path: &str, message: impl Into<Pattern>) -> Vec<Annotation> {
        self.find(AnnotationLevel::Info, path, message.into())
    }

    /// Panicking form of [`has_error`](Annotations::has_error).
    #[track_caller]
    pub fn assert_has_error(&self, path: &str, message: impl Into<Pattern>) {
        or_panic(self.has_error(path, message));
    }

    /// Panicking form of [`has_no_error`](Annotations::has_no_error).
    #[track_caller]
    pub fn assert_has_no_error(&self, path: &str, message: impl Into<Pattern>) {
        or_panic(self.has_no_error(path, message));
    }

    /// Panicking form of [`has_warning`](Annotations::has_warning).
    #[track_caller]
    pub fn assert_has_warning(&self, path: &str, message: impl Into<Pattern>) {
        or_panic(self.has_warning(path, message));
    }

    /// Panicking form of [`has_no_warning`](Annotations::has_no_warning).
    #[track_caller]
    pub fn assert_has_no_warning(&self, path: &str, message: impl Into<Pattern>) {
        or_panic(self.has_no_warning(path, message));
    }

    /// Panicking form of [`has_info`](Annotations::has_info).
    #[track_caller]
    pub fn assert_has_info(&self, path: &str, message: impl Into<Pattern>) {
        or_panic(self.has_info(path, message));
    }

    /// Panicking form of [`has_no_info`](Annotations::has_no_info).
    #[track_caller]
    pub fn assert_has_no_info(&self, path: &str, message: impl Into<Pattern>) {
        or_panic(self.has_no_info(path, message));
    }
}

impl FromIterator<Annotation> for Annotations {
    fn from_iter<I: IntoIterator<Item = Annotation>>(iter: I) -> Self {
        Self::from_messages(iter.into_iter().collect())
    }
}
