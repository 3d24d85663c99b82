//! [`MatchResult`]: the outcome of matching a [`Pattern`](crate::Pattern)
//! against a value, and its rendering.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use indexmap::{IndexMap, IndexSet};
use regex::Regex;
use serde_json::Value;

use crate::capture::Capture;
use crate::json;

/// One recorded mismatch.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    matcher: &'static str,
    path: Vec<String>,
    message: String,
}

/// The result of matching a pattern against a value.
///
/// Obtained from [`Pattern::test`](crate::Pattern::test). A result records the
/// failures at each position of the target so that
/// [`render_mismatch`](MatchResult::render_mismatch) can show the target with
/// `!!` markers exactly where it differs from the pattern.
#[derive(Debug, Clone)]
pub struct MatchResult {
    target: Option<Value>,
    failures_here: IndexMap<String, Vec<Failure>>,
    inner: IndexMap<String, MatchResult>,
    captures: Vec<(Capture, Value)>,
    fail_count: usize,
    fail_cost: usize,
}

impl MatchResult {
    pub(crate) fn new(target: Option<&Value>) -> Self {
        Self::owned(target.cloned())
    }

    pub(crate) fn owned(target: Option<Value>) -> Self {
        Self {
            target,
            failures_here: IndexMap::new(),
            inner: IndexMap::new(),
            captures: Vec::new(),
            fail_count: 0,
            fail_cost: 0,
        }
    }

    /// Records a failure of cost 1 at `path` (relative to this result's target).
    pub(crate) fn fail_at(
        &mut self,
        matcher: &'static str,
        path: Option<String>,
        message: impl Into<String>,
    ) -> &mut Self {
        self.fail_with_cost(matcher, path, message, 1)
    }

    /// Records a failure at the root of this result's target.
    pub(crate) fn fail(&mut self, matcher: &'static str, message: impl Into<String>) -> &mut Self {
        self.fail_at(matcher, None, message)
    }

    pub(crate) fn fail_with_cost(
        &mut self,
        matcher: &'static str,
        path: Option<String>,
        message: impl Into<String>,
        cost: usize,
    ) -> &mut Self {
        let path: Vec<String> = path.into_iter().collect();
        let key = path.join(".");
        self.failures_here.entry(key).or_default().push(Failure {
            matcher,
            path,
            message: message.into(),
        });
        self.fail_count += 1;
        self.fail_cost += cost;
        self
    }

    /// Adds the result of matching a child (`id` is the object key or array index).
    pub(crate) fn compose(&mut self, id: String, mut inner: MatchResult) {
        self.captures.append(&mut inner.captures);
        if inner.fail_count > 0 {
            self.fail_count += inner.fail_count;
            self.fail_cost += inner.fail_cost;
            self.inner.insert(id, inner);
        }
    }

    pub(crate) fn record_capture(&mut self, capture: &Capture, value: Value) {
        self.captures.push((capture.clone(), value));
    }

    /// Commits the recorded captures if the match succeeded (and drops them otherwise).
    pub(crate) fn finish(mut self) -> Self {
        let captures = std::mem::take(&mut self.captures);
        if self.is_success() {
            for (capture, value) in captures {
                capture.push(value);
            }
        }
        self
    }

    /// Whether the value matched.
    pub fn is_success(&self) -> bool {
        self.fail_count == 0
    }

    /// Number of recorded failures (0 on success).
    pub fn fail_count(&self) -> usize {
        self.fail_count
    }

    /// Total cost of the failures; used to rank the closest candidates.
    pub fn fail_cost(&self) -> usize {
        self.fail_cost
    }

    /// The value that was matched (`None` when the value was absent).
    pub fn target(&self) -> Option<&Value> {
        self.target.as_ref()
    }

    /// One line per failure: `<message> at /<path> (using <matcher> matcher)`.
    pub fn human_strings(&self) -> Vec<String> {
        fn walk(r: &MatchResult, prefix: &[String], out: &mut Vec<String>) {
            for fail in r.failures_here.values().flatten() {
                let path: Vec<&str> = prefix
                    .iter()
                    .chain(fail.path.iter())
                    .map(String::as_str)
                    .collect();
                let location = if path.is_empty() {
                    String::new()
                } else {
                    format!(" at /{}", path.join("/"))
                };
                out.push(format!(
                    "{}{} (using {} matcher)",
                    fail.message, location, fail.matcher
                ));
            }
            for (key, inner) in &r.inner {
                let mut p = prefix.to_vec();
                p.push(key.clone());
                walk(inner, &p, out);
            }
        }
        let mut out = Vec::new();
        walk(self, &[], &mut out);
        out
    }

    /// Renders the target as (abridged) JSON with `!! <message>` marker lines
    /// placed right before each mismatching entry. Returns `<match>` on success.
    pub fn render_mismatch(&self) -> String {
        if self.is_success() {
            return "<match>".to_owned();
        }
        let mut renderer = Renderer::default();
        renderer.emit_failures(self, "", None);
        renderer.recurse(self);
        let text = renderer.parts.concat();
        let text = move_markers_to_front(text.trim_end());
        // Failures reported after the last element leave whitespace-only lines behind.
        text.lines()
            .map(str::trim_end)
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[derive(Default)]
struct Renderer {
    parts: Vec<String>,
    indents: Vec<&'static str>,
}

impl Renderer {
    fn emit(&mut self, text: &str) {
        let indent = self.indents.concat();
        self.parts.push(text.replace('\n', &format!("\n{indent}")));
    }

    fn emit_failures(&mut self, r: &MatchResult, path: &str, scrap: Option<&mut IndexSet<String>>) {
        if let Some(list) = r.failures_here.get(path) {
            for fail in list {
                self.emit(&format!("!! {}\n", fail.message));
            }
        }
        if let Some(scrap) = scrap {
            scrap.shift_remove(path);
        }
    }

    fn emit_remaining(&mut self, r: &MatchResult, remaining: &IndexSet<String>) {
        if !remaining.is_empty() {
            self.emit("\n");
        }
        for key in remaining {
            self.emit_failures(r, key, None);
        }
    }

    fn recurse(&mut self, r: &MatchResult) {
        let mut remaining: IndexSet<String> = r
            .failures_here
            .keys()
            .filter(|k| !k.is_empty())
            .cloned()
            .collect();

        match &r.target {
            Some(Value::Array(items)) => {
                self.indents.push("  ");
                self.emit("[\n");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.emit(",\n");
                    }
                    let key = i.to_string();
                    self.emit_failures(r, &key, Some(&mut remaining));
                    if let Some(inner) = r.inner.get(&key) {
                        self.emit_failures(inner, "", None);
                        self.recurse_comparing(inner, Some(item));
                    } else {
                        self.emit(&abridged(Some(item)));
                    }
                }
                self.emit_remaining(r, &remaining);
                self.indents.pop();
                self.emit("\n]");
            }
            Some(Value::Object(map)) => {
                self.indents.push("  ");
                self.emit("{\n");
                let keys: BTreeSet<String> = map.keys().chain(remaining.iter()).cloned().collect();
                for (i, key) in keys.iter().enumerate() {
                    if i > 0 {
                        self.emit(",\n");
                    }
                    self.emit_failures(r, key, Some(&mut remaining));
                    if let Some(inner) = r.inner.get(key) {
                        self.emit_failures(inner, "", None);
                        self.emit(&format!("{}: ", json::quote(key)));
                        self.recurse_comparing(inner, map.get(key));
                    } else {
                        self.emit(&format!("{}: ", json::quote(key)));
                        self.emit(&abridged(map.get(key)));
                    }
                }
                self.emit_remaining(r, &remaining);
                self.indents.pop();
                self.emit("\n}");
            }
            other => {
                self.emit_remaining(r, &remaining);
                self.emit(&json::compact(other.as_ref()));
            }
        }
    }

    /// Recurses into `inner`; if the inner matcher matched a transformation of
    /// the value (e.g. parsed JSON), renders both, separated by `<*>`.
    fn recurse_comparing(&mut self, inner: &MatchResult, actual: Option<&Value>) {
        if inner.target.as_ref() == actual {
            self.recurse(inner);
        } else {
            self.emit(&abridged(actual));
            self.emit(" <*> ");
            self.recurse(inner);
        }
    }
}

/// A short rendering of a value that is not involved in a failure.
fn abridged(value: Option<&Value>) -> String {
    match value {
        Some(Value::Array(items)) => match items.as_slice() {
            [] => "[]".to_owned(),
            [one] => format!("[ {} ]", abridged(Some(one))),
            [a, b] if is_scalar(a) && is_scalar(b) => {
                format!("[ {}, {} ]", abridged(Some(a)), abridged(Some(b)))
            }
            _ => "[ ... ]".to_owned(),
        },
        Some(Value::Object(map)) => match map.len() {
            0 => "{}".to_owned(),
            1 => {
                let (k, v) = map
                    .iter()
                    .next()
                    .map_or(("", None), |(k, v)| (k.as_str(), Some(v)));
                format!("{{ {}: {} }}", json::quote(k), abridged(v))
            }
            _ => "{ ... }".to_owned(),
        },
        other => json::compact(other),
    }
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::Number(_) | Value::Bool(_) | Value::String(_))
}

static MARKER: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?m)^([ \t]+)!!").ok());

/// Moves `!!` markers to the start of their line, keeping the text aligned.
fn move_markers_to_front(text: &str) -> String {
    match MARKER.as_ref() {
        Some(re) => re
            .replace_all(text, |caps: &regex::Captures<'_>| {
                let spaces = caps.get(1).map_or("", |m| m.as_str());
                let keep: String = spaces
                    .chars()
                    .take(spaces.chars().count().saturating_sub(2))
                    .collect();
                format!("!!{keep}")
            })
            .into_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn abridged_rendering() {
        assert_eq!(abridged(Some(&json!([]))), "[]");
        assert_eq!(abridged(Some(&json!([1]))), "[ 1 ]");
        assert_eq!(abridged(Some(&json!(["a", 2]))), "[ \"a\", 2 ]");
        assert_eq!(abridged(Some(&json!([{}, 2]))), "[ ... ]");
        assert_eq!(abridged(Some(&json!({}))), "{}");
        assert_eq!(abridged(Some(&json!({"a": [1]}))), "{ \"a\": [ 1 ] }");
        assert_eq!(abridged(Some(&json!({"a": 1, "b": 2}))), "{ ... }");
        assert_eq!(abridged(None), "undefined");
    }

    #[test]
    fn markers_move_to_the_front() {
        assert_eq!(
            move_markers_to_front("{\n    !! oops\n    \"a\": 1\n}"),
            "{\n!!   oops\n    \"a\": 1\n}"
        );
    }

    #[test]
    fn success_renders_match() {
        let r = MatchResult::new(Some(&json!(1)));
        assert_eq!(r.render_mismatch(), "<match>");
        assert!(r.human_strings().is_empty());
    }
}
