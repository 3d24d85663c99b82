//! Patterns ([`Pattern`]) and matchers ([`Match`]).

use indexmap::IndexMap;
use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};

use crate::capture::Capture;
use crate::error::AssertionError;
use crate::json;
use crate::result::MatchResult;

/// A JSON-shaped pattern with matchers embedded anywhere.
///
/// A pattern is built from plain JSON (`serde_json::Value`, strings, numbers,
/// booleans, vectors, via [`From`]) and from the matchers of [`Match`] and
/// [`Capture`]; the [`pattern!`](crate::pattern!) macro mixes both with a
/// `json!`-like syntax:
///
/// ```
/// use sagecdk_assertions::{pattern, Match, Pattern};
/// use serde_json::json;
///
/// let p: Pattern = pattern!({
///     "ModelName": Match::string_like_regexp("^seed-"),
///     "PrimaryContainer": { "Image": Match::any_value() },
///     "Tags": Match::absent(),
/// });
/// p.check(&json!({
///     "ModelName": "seed-model",
///     "PrimaryContainer": { "Image": "123.dkr.ecr/x:1", "Mode": "SingleModel" }
/// }))
/// .unwrap();
/// ```
///
/// # How literal parts match
///
/// The meaning of the plain JSON parts of a pattern depends on the closest
/// enclosing matcher, as in the AWS CDK:
///
/// * inside [`Match::object_like`] (and at the top level of the `Template`
///   queries, which wrap a literal pattern in `object_like`), objects match
///   *partially* at every nesting level, while arrays must match in full
///   length and order;
/// * inside [`Match::exact`], [`Match::object_equals`], [`Match::not`],
///   [`Match::serialized_json`], [`Match::array_with`] and
///   [`Match::array_equals`], nested objects must match exactly; wrap them in
///   [`Match::object_like`] to match partially again.
#[derive(Debug, Clone)]
pub struct Pattern(Node);

#[derive(Debug, Clone)]
enum Node {
    /// null, boolean, number or string.
    Scalar(Value),
    Array(Vec<Pattern>),
    Object(IndexMap<String, Pattern>),
    Matcher(Box<Matcher>),
}

#[derive(Debug, Clone)]
enum Matcher {
    Object {
        pattern: Pattern,
        partial: bool,
    },
    Exact(Pattern),
    Array {
        pattern: Pattern,
        subsequence: bool,
    },
    AnyValue,
    Absent,
    Not(Pattern),
    Regexp {
        source: String,
        compiled: Result<Regex, String>,
    },
    SerializedJson(Pattern),
    Capture(Capture),
}

impl Matcher {
    fn name(&self) -> &'static str {
        match self {
            Matcher::Object { partial: true, .. } => "object_like",
            Matcher::Object { partial: false, .. } => "object_equals",
            Matcher::Exact(_) => "exact",
            Matcher::Array {
                subsequence: true, ..
            } => "array_with",
            Matcher::Array {
                subsequence: false, ..
            } => "array_equals",
            Matcher::AnyValue => "any_value",
            Matcher::Absent => "absent",
            Matcher::Not(_) => "not",
            Matcher::Regexp { .. } => "string_like_regexp",
            Matcher::SerializedJson(_) => "serialized_json",
            Matcher::Capture(_) => "Capture",
        }
    }
}

/// Constructors for the special matchers, mirroring the AWS CDK's `Match` class.
///
/// Every constructor returns a [`Pattern`], so matchers nest freely inside other
/// patterns and matchers.
///
/// ```
/// use sagecdk_assertions::{Match, pattern};
/// use serde_json::json;
///
/// let statement = Match::array_with([Match::object_like(json!({ "Action": "s3:GetObject" }))]);
/// statement
///     .check(&json!([
///         { "Action": "ecr:GetAuthorizationToken", "Effect": "Allow", "Resource": "*" },
///         { "Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::b/*" }
///     ]))
///     .unwrap();
/// ```
pub enum Match {}

impl Match {
    /// Matches an object that has (at least) the keys of `pattern`, each matching
    /// its pattern. Literal objects nested in `pattern` are matched partially too;
    /// arrays must match in full length and order.
    ///
    /// `pattern` must be an object; anything else makes the match fail with an
    /// "Invalid pattern" message.
    pub fn object_like(pattern: impl Into<Pattern>) -> Pattern {
        Pattern::matcher(Matcher::Object {
            pattern: pattern.into(),
            partial: true,
        })
    }

    /// Matches an object with exactly the keys of `pattern` (nested literal
    /// objects must match exactly as well).
    pub fn object_equals(pattern: impl Into<Pattern>) -> Pattern {
        Pattern::matcher(Matcher::Object {
            pattern: pattern.into(),
            partial: false,
        })
    }

    /// Deep, exact matching: objects at every level must have exactly the keys of
    /// the pattern. Matchers nested inside `pattern` keep their own semantics; if
    /// `pattern` itself is a matcher it is used as is.
    pub fn exact(pattern: impl Into<Pattern>) -> Pattern {
        Pattern::matcher(Matcher::Exact(pattern.into()))
    }

    /// Matches an array containing the elements of `pattern` as an ordered
    /// subsequence (other elements may appear in between).
    ///
    /// Literal objects among the elements must match exactly; use
    /// [`Match::object_like`] for partial elements. [`Match::absent`] and
    /// [`Match::any_value`] cannot be elements. `pattern` must be an array.
    pub fn array_with(pattern: impl Into<Pattern>) -> Pattern {
        Pattern::matcher(Matcher::Array {
            pattern: pattern.into(),
            subsequence: true,
        })
    }

    /// Matches an array whose elements match `pattern` exactly, in length and order.
    pub fn array_equals(pattern: impl Into<Pattern>) -> Pattern {
        Pattern::matcher(Matcher::Array {
            pattern: pattern.into(),
            subsequence: false,
        })
    }

    /// Matches any value except `null` or an absent key.
    pub fn any_value() -> Pattern {
        Pattern::matcher(Matcher::AnyValue)
    }

    /// Matches only if the key is not present (use as the value of an object key).
    pub fn absent() -> Pattern {
        Pattern::matcher(Matcher::Absent)
    }

    /// Matches any value that does *not* match `pattern` (a literal `pattern` is
    /// compared exactly).
    pub fn not(pattern: impl Into<Pattern>) -> Pattern {
        Pattern::matcher(Matcher::Not(pattern.into()))
    }

    /// Matches strings in which the regular expression `regex` finds a match
    /// (unanchored, multi-line mode). An invalid expression makes every match
    /// fail with the compile error; see [`Match::try_string_like_regexp`].
    pub fn string_like_regexp(regex: &str) -> Pattern {
        let compiled = compile_regex(regex).map_err(|e| e.to_string());
        Pattern::matcher(Matcher::Regexp {
            source: regex.to_owned(),
            compiled,
        })
    }

    /// Like [`Match::string_like_regexp`], but reports an invalid expression
    /// up front.
    pub fn try_string_like_regexp(regex: &str) -> Result<Pattern, regex::Error> {
        let compiled = compile_regex(regex)?;
        Ok(Pattern::matcher(Matcher::Regexp {
            source: regex.to_owned(),
            compiled: Ok(compiled),
        }))
    }

    /// Matches a string containing JSON: the string is parsed and the result
    /// is matched against `pattern` (a literal `pattern` is compared exactly).
    pub fn serialized_json(pattern: impl Into<Pattern>) -> Pattern {
        Pattern::matcher(Matcher::SerializedJson(pattern.into()))
    }
}

fn compile_regex(regex: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(regex).multi_line(true).build()
}

impl Pattern {
    fn matcher(m: Matcher) -> Self {
        Pattern(Node::Matcher(Box::new(m)))
    }

    /// The JSON `null` literal.
    pub fn null() -> Self {
        Pattern(Node::Scalar(Value::Null))
    }

    /// An array pattern from its element patterns.
    pub fn array<I, T>(elements: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<Pattern>,
    {
        Pattern(Node::Array(elements.into_iter().map(Into::into).collect()))
    }

    /// An object pattern from `(key, pattern)` entries (order is kept).
    pub fn object<I, K, V>(entries: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<Pattern>,
    {
        Pattern(Node::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        ))
    }

    /// Whether this pattern is a matcher (built by [`Match`] or a [`Capture`])
    /// rather than literal JSON.
    pub fn is_matcher(&self) -> bool {
        matches!(self.0, Node::Matcher(_))
    }

    pub(crate) fn is_absent(&self) -> bool {
        matches!(&self.0, Node::Matcher(m) if matches!(**m, Matcher::Absent))
    }

    /// Matches `actual` against this pattern and returns the detailed result.
    ///
    /// A literal (non-matcher) pattern is matched like [`Match::object_like`]
    /// would match it: objects partially at every level. Values recorded by
    /// [`Capture`]s are committed when the match succeeds.
    #[must_use]
    pub fn test(&self, actual: &Value) -> MatchResult {
        self.test_entry(actual).finish()
    }

    /// Like [`test`](Pattern::test), returning an [`AssertionError`] with the
    /// rendered mismatch when the value does not match.
    pub fn check(&self, actual: &Value) -> Result<(), AssertionError> {
        let result = self.test(actual);
        if result.is_success() {
            Ok(())
        } else {
            Err(AssertionError::new(format!(
                "Value did not match the pattern:\n{}",
                result.render_mismatch()
            )))
        }
    }

    /// Tests a template entry without committing captures (the caller finishes).
    pub(crate) fn test_entry(&self, actual: &Value) -> MatchResult {
        test_node(self, Some(actual), TOP_LEVEL)
    }
}

/// How literal (non-matcher) parts of a pattern are matched.
#[derive(Clone, Copy)]
struct LiteralContext {
    /// Name of the enclosing matcher (shown in failure descriptions).
    name: &'static str,
    /// Whether nested literal objects match partially.
    partial_objects: bool,
}

const TOP_LEVEL: LiteralContext = LiteralContext {
    name: "object_like",
    partial_objects: true,
};

fn test_node(pattern: &Pattern, actual: Option<&Value>, ctx: LiteralContext) -> MatchResult {
    match &pattern.0 {
        Node::Matcher(m) => test_matcher(m, actual),
        Node::Scalar(expected) => test_scalar(ctx.name, expected, actual),
        Node::Array(items) => test_array(ctx.name, items, false, ctx.partial_objects, actual),
        Node::Object(entries) => test_object(ctx.name, entries, ctx.partial_objects, actual),
    }
}

fn test_scalar(name: &'static str, expected: &Value, actual: Option<&Value>) -> MatchResult {
    let mut result = MatchResult::new(actual);
    let expected_type = json::type_name(Some(expected));
    let actual_type = json::type_name(actual);
    if expected_type != actual_type {
        result.fail(
            name,
            format!("Expected type {expected_type} but received {actual_type}"),
        );
    } else if !actual.is_some_and(|a| json::scalar_eq(expected, a)) {
        result.fail(
            name,
            format!(
                "Expected {} but received {}",
                json::display(Some(expected)),
                json::display(actual)
            ),
        );
    }
    result
}

fn test_object(
    name: &'static str,
    entries: &IndexMap<String, Pattern>,
    partial: bool,
    actual: Option<&Value>,
) -> MatchResult {
    let Some(Value::Object(object)) = actual else {
        let mut result = MatchResult::new(actual);
        result.fail(
            name,
            format!(
                "Expected type object but received {}",
                json::type_name(actual)
            ),
        );
        return result;
    };
    let mut result = MatchResult::new(actual);
    if !partial {
        for key in object.keys() {
            if !entries.contains_key(key) {
                result.fail_at(name, Some(key.clone()), format!("Unexpected key {key}"));
            }
        }
    }
    let ctx = LiteralContext {
        name,
        partial_objects: partial,
    };
    for (key, value_pattern) in entries {
        let value = object.get(key);
        if value.is_none() && !value_pattern.is_absent() {
            result.fail_at(name, Some(key.clone()), format!("Missing key '{key}'"));
            continue;
        }
        let inner = test_node(value_pattern, value, ctx);
        result.compose(key.clone(), inner);
    }
    result
}

fn test_array(
    name: &'static str,
    items: &[Pattern],
    subsequence: bool,
    partial_objects: bool,
    actual: Option<&Value>,
) -> MatchResult {
    let Some(Value::Array(elements)) = actual else {
        let mut result = MatchResult::new(actual);
        result.fail(
            name,
            format!(
                "Expected type array but received {}",
                json::type_name(actual)
            ),
        );
        return result;
    };
    let ctx = LiteralContext {
        name,
        partial_objects,
    };
    if subsequence {
        test_subsequence(name, items, elements, actual, ctx)
    } else {
        test_full_array(name, items, elements, actual, ctx)
    }
}

fn test_full_array(
    name: &'static str,
    items: &[Pattern],
    elements: &[Value],
    actual: Option<&Value>,
    ctx: LiteralContext,
) -> MatchResult {
    let mut result = MatchResult::new(actual);
    let common = items.len().min(elements.len());
    for (i, (item, element)) in items.iter().zip(elements).enumerate() {
        let inner = test_node(item, Some(element), ctx);
        result.compose(i.to_string(), inner);
    }
    if common < items.len() {
        result.fail_at(
            name,
            Some(common.to_string()),
            format!(
                "Not enough elements in array (expecting {}, got {})",
                items.len(),
                elements.len()
            ),
        );
    }
    if common < elements.len() {
        result.fail_at(
            name,
            Some(common.to_string()),
            format!(
                "Too many elements in array (expecting {}, got {})",
                items.len(),
                elements.len()
            ),
        );
    }
    result
}

fn test_subsequence(
    name: &'static str,
    items: &[Pattern],
    elements: &[Value],
    actual: Option<&Value>,
    ctx: LiteralContext,
) -> MatchResult {
    let mut result = MatchResult::new(actual);
    for item in items {
        if let Node::Matcher(m) = &item.0
            && matches!(**m, Matcher::Absent | Matcher::AnyValue)
        {
            result.fail(
                name,
                format!(
                    "The matcher {}() cannot be nested within {name}()",
                    m.name()
                ),
            );
            return result;
        }
    }

    // attempts[pattern index] = [(element index, result)]
    let mut attempts: Vec<Vec<(usize, MatchResult)>> = vec![Vec::new(); items.len()];
    let mut pattern_idx = 0;
    let mut actual_idx = 0;
    while pattern_idx < items.len() && actual_idx < elements.len() {
        let inner = test_node(&items[pattern_idx], Some(&elements[actual_idx]), ctx);
        if inner.is_success() {
            result.compose(actual_idx.to_string(), inner.clone());
            attempts[pattern_idx].push((actual_idx, inner));
            pattern_idx += 1;
        } else {
            attempts[pattern_idx].push((actual_idx, inner));
        }
        actual_idx += 1;
    }

    if pattern_idx < items.len() {
        // Report where each earlier pattern element matched (informational, no cost).
        for (spi, row) in attempts.iter().enumerate().take(pattern_idx) {
            if let Some((index, _)) = row.iter().find(|(_, r)| r.is_success()) {
                let mut info = MatchResult::new(elements.get(*index));
                info.fail_with_cost(name, None, format!("{name} pattern {spi} matched here"), 0);
                result.compose(index.to_string(), info);
            }
        }
        let mut failed = std::mem::take(&mut attempts[pattern_idx]);
        failed.sort_by_key(|(i, r)| (r.fail_cost(), *i));
        if let Some((index, inner)) = failed.into_iter().next() {
            result.fail_with_cost(
                name,
                Some(index.to_string()),
                format!("Could not match {name} pattern {pattern_idx}. This is the closest match"),
                0,
            );
            result.compose(index.to_string(), inner);
        } else {
            result.fail_at(
                name,
                Some(elements.len().to_string()),
                format!("Could not match {name} pattern {pattern_idx}. No more elements to try"),
            );
        }
    }
    result
}

fn invalid_pattern(name: &'static str, expected: &str, actual: Option<&Value>) -> MatchResult {
    let mut result = MatchResult::new(actual);
    result.fail(
        name,
        format!("Invalid pattern: {name}() expects {expected} pattern"),
    );
    result
}

fn test_matcher(matcher: &Matcher, actual: Option<&Value>) -> MatchResult {
    let name = matcher.name();
    match matcher {
        Matcher::Object { pattern, partial } => match &pattern.0 {
            Node::Object(entries) => test_object(name, entries, *partial, actual),
            _ => invalid_pattern(name, "an object", actual),
        },
        Matcher::Exact(pattern) => test_node(
            pattern,
            actual,
            LiteralContext {
                name,
                partial_objects: false,
            },
        ),
        Matcher::Array {
            pattern,
            subsequence,
        } => match &pattern.0 {
            Node::Array(items) => test_array(name, items, *subsequence, false, actual),
            _ => invalid_pattern(name, "an array", actual),
        },
        Matcher::AnyValue => {
            let mut result = MatchResult::new(actual);
            if matches!(actual, None | Some(Value::Null)) {
                result.fail(name, "Expected a value but found none");
            }
            result
        }
        Matcher::Absent => {
            let mut result = MatchResult::new(actual);
            if actual.is_some() {
                result.fail(
                    name,
                    format!(
                        "Received {}, but key should be absent",
                        json::display(actual)
                    ),
                );
            }
            result
        }
        Matcher::Not(pattern) => {
            let inner = test_node(
                pattern,
                actual,
                LiteralContext {
                    name,
                    partial_objects: false,
                },
            );
            let mut result = MatchResult::new(actual);
            if inner.is_success() {
                result.fail(
                    name,
                    format!("Found unexpected match: {}", json::pretty(actual)),
                );
            }
            result
        }
        Matcher::Regexp { source, compiled } => {
            let mut result = MatchResult::new(actual);
            match (compiled, actual) {
                (Err(e), _) => {
                    result.fail(name, format!("Invalid regular expression '{source}': {e}"));
                }
                (Ok(re), Some(Value::String(s))) => {
                    if !re.is_match(s) {
                        result.fail(
                            name,
                            format!("String '{s}' did not match pattern '{source}'"),
                        );
                    }
                }
                (Ok(_), other) => {
                    result.fail(
                        name,
                        format!("Expected a string, but got '{}'", json::type_name(other)),
                    );
                }
            }
            result
        }
        Matcher::SerializedJson(pattern) => {
            let Some(Value::String(text)) = actual else {
                let mut result = MatchResult::new(actual);
                result.fail(
                    name,
                    format!(
                        "Expected JSON as a string but found {}",
                        json::type_name(actual)
                    ),
                );
                return result;
            };
            let parsed: Value = match serde_json::from_str(text) {
                Ok(v) => v,
                Err(_) => {
                    let mut result = MatchResult::new(actual);
                    result.fail(name, format!("Invalid JSON string: {text}"));
                    return result;
                }
            };
            let mut inner = test_node(
                pattern,
                Some(&parsed),
                LiteralContext {
                    name,
                    partial_objects: false,
                },
            );
            if !inner.is_success() {
                inner.fail(name, "Encoded JSON value does not match");
            }
            inner
        }
        Matcher::Capture(capture) => {
            let mut result = MatchResult::new(actual);
            let value = match actual {
                None | Some(Value::Null) => {
                    result.fail(
                        name,
                        format!(
                            "Can only capture non-nullish values. Found {}",
                            json::display(actual)
                        ),
                    );
                    return result;
                }
                Some(v) => v,
            };
            if let Some(inner_pattern) = capture.inner_pattern() {
                let inner = test_node(inner_pattern, actual, TOP_LEVEL);
                if !inner.is_success() {
                    return inner;
                }
                result.compose(String::new(), inner);
            }
            result.record_capture(capture, value.clone());
            result
        }
    }
}

// ---------------------------------------------------------------------------
// Conversions

impl From<Value> for Pattern {
    fn from(value: Value) -> Self {
        match value {
            Value::Array(items) => {
                Pattern(Node::Array(items.into_iter().map(Pattern::from).collect()))
            }
            Value::Object(map) => Pattern::from(map),
            scalar => Pattern(Node::Scalar(scalar)),
        }
    }
}

impl From<&Value> for Pattern {
    fn from(value: &Value) -> Self {
        Pattern::from(value.clone())
    }
}

impl From<Map<String, Value>> for Pattern {
    fn from(map: Map<String, Value>) -> Self {
        Pattern(Node::Object(
            map.into_iter()
                .map(|(k, v)| (k, Pattern::from(v)))
                .collect(),
        ))
    }
}

impl From<IndexMap<String, Pattern>> for Pattern {
    fn from(map: IndexMap<String, Pattern>) -> Self {
        Pattern(Node::Object(map))
    }
}

impl<T: Into<Pattern>> From<Vec<T>> for Pattern {
    fn from(items: Vec<T>) -> Self {
        Pattern::array(items)
    }
}

impl<T: Into<Pattern>, const N: usize> From<[T; N]> for Pattern {
    fn from(items: [T; N]) -> Self {
        Pattern::array(items)
    }
}

impl From<Capture> for Pattern {
    fn from(capture: Capture) -> Self {
        Pattern::matcher(Matcher::Capture(capture))
    }
}

impl From<&Capture> for Pattern {
    fn from(capture: &Capture) -> Self {
        Pattern::matcher(Matcher::Capture(capture.clone()))
    }
}

impl From<&Pattern> for Pattern {
    fn from(pattern: &Pattern) -> Self {
        pattern.clone()
    }
}

macro_rules! scalar_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Pattern {
            fn from(value: $t) -> Self {
                Pattern(Node::Scalar(Value::from(value)))
            }
        }
    )*};
}

scalar_from!(
    &str, String, bool, i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64
);

impl From<&String> for Pattern {
    fn from(value: &String) -> Self {
        Pattern(Node::Scalar(Value::from(value.as_str())))
    }
}
