//! [`Capture`]: record values while matching.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value};

use crate::error::CaptureError;
use crate::json;
use crate::pattern::Pattern;

#[derive(Debug, Default)]
struct CaptureState {
    values: Vec<Value>,
    index: usize,
}

/// Captures values while matching templates.
///
/// Use a `Capture` anywhere inside a [`Pattern`] (it converts with `into()`, or
/// is placed directly in a [`pattern!`](crate::pattern!)). Every time the
/// enclosing assertion *succeeds* for a template entry, the value found at the
/// capture's position is recorded. The `as_*` methods read the current value;
/// [`next`](Capture::next) advances to the next recorded one.
///
/// A `Capture` is a cheap handle: clones share the same recorded values, so
/// the original can be read after a clone was moved into a pattern.
///
/// ```
/// use sagecdk_assertions::{pattern, Capture, Template};
/// use serde_json::json;
///
/// let template = Template::from_json(json!({
///     "Resources": {
///         "Model": {
///             "Type": "AWS::SageMaker::Model",
///             "Properties": { "ExecutionRoleArn": "arn:aws:iam::123456789012:role/Exec" }
///         }
///     }
/// }));
/// let role = Capture::new();
/// template
///     .has_resource_properties("AWS::SageMaker::Model", pattern!({ "ExecutionRoleArn": &role }))
///     .unwrap();
/// assert_eq!(role.as_string().unwrap(), "arn:aws:iam::123456789012:role/Exec");
/// ```
#[derive(Clone, Default)]
pub struct Capture {
    state: Arc<Mutex<CaptureState>>,
    pattern: Option<Box<Pattern>>,
}

impl Capture {
    /// A capture that records any non-null value.
    pub fn new() -> Self {
        Self::default()
    }

    /// A capture that only records values matching `pattern`.
    ///
    /// A literal pattern is matched like [`Match::object_like`](crate::Match::object_like)
    /// (objects partially, at every level); a matcher is used as is.
    pub fn with_pattern(pattern: impl Into<Pattern>) -> Self {
        Self {
            state: Arc::default(),
            pattern: Some(Box::new(pattern.into())),
        }
    }

    pub(crate) fn inner_pattern(&self) -> Option<&Pattern> {
        self.pattern.as_deref()
    }

    fn lock(&self) -> MutexGuard<'_, CaptureState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn push(&self, value: Value) {
        self.lock().values.push(value);
    }

    /// Moves to the next captured value.
    ///
    /// Returns `true` if there was another value, `false` (and stays on the last
    /// value) otherwise.
    pub fn next(&self) -> bool {
        let mut state = self.lock();
        if state.index + 1 < state.values.len() {
            state.index += 1;
            true
        } else {
            false
        }
    }

    /// Number of recorded values.
    pub fn len(&self) -> usize {
        self.lock().values.len()
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All recorded values, in recording order.
    pub fn values(&self) -> Vec<Value> {
        self.lock().values.clone()
    }

    /// The current captured value, whatever its type.
    pub fn value(&self) -> Result<Value, CaptureError> {
        let state = self.lock();
        state
            .values
            .get(state.index)
            .cloned()
            .ok_or(CaptureError::NoValue)
    }

    fn typed<T>(
        &self,
        expected: &'static str,
        extract: impl FnOnce(&Value) -> Option<T>,
    ) -> Result<T, CaptureError> {
        let value = self.value()?;
        extract(&value).ok_or_else(|| CaptureError::WrongType {
            expected,
            found: json::type_name(Some(&value)),
            value: json::pretty(Some(&value)),
        })
    }

    /// The current captured value as a string.
    pub fn as_string(&self) -> Result<String, CaptureError> {
        self.typed("string", |v| v.as_str().map(str::to_owned))
    }

    /// The current captured value as a number.
    pub fn as_number(&self) -> Result<f64, CaptureError> {
        self.typed("number", Value::as_f64)
    }

    /// The current captured value as a boolean.
    pub fn as_bool(&self) -> Result<bool, CaptureError> {
        self.typed("boolean", Value::as_bool)
    }

    /// The current captured value as an array.
    pub fn as_array(&self) -> Result<Vec<Value>, CaptureError> {
        self.typed("array", |v| v.as_array().cloned())
    }

    /// The current captured value as an object.
    pub fn as_object(&self) -> Result<Map<String, Value>, CaptureError> {
        self.typed("object", |v| v.as_object().cloned())
    }
}

impl fmt::Debug for Capture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Capture")
            .field("values", &state.values)
            .field("index", &state.index)
            .field("pattern", &self.pattern)
            .finish()
    }
}
