//! Token resolution: [`Value`] → CloudFormation JSON, as the CDK's `resolve` does it.
//!
//! `undefined` (a lazy value returning `None`) is dropped from objects and lists; string
//! concatenations and `Fn::Join`s are rendered minimally (adjacent literals merged, nested joins
//! with the same delimiter spliced, a single part rendered bare); references to elements of
//! another stack become `Fn::ImportValue`s of exports created in the producing stack.

use crate::error::Diagnostic;
use crate::token::{RefTarget, Token, TokenKind};
use crate::tree::{Arena, ElementRef, NodeId};
use crate::value::{Fragment, Value};
use serde_json::{Map as JsonMap, Value as Json};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

const MAX_DEPTH: usize = 200;

/// Facts computed once per synthesis that resolution needs.
#[derive(Default)]
pub(crate) struct Plan {
    pub(crate) app_id: u64,
    /// Logical ID of every element, by node.
    pub(crate) logical_ids: HashMap<NodeId, String>,
    /// `aws://account/region` of every stack.
    pub(crate) stack_env: HashMap<NodeId, String>,
    /// Export name per (producing stack, reference rendered in the producer as compact JSON).
    pub(crate) exports: HashMap<(NodeId, String), String>,
}

/// A key or list index in the location of a value being resolved.
pub(crate) trait Segment {
    /// Appends the segment to a location.
    fn append_to(&self, out: &mut String);
}

impl Segment for str {
    fn append_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Segment for String {
    fn append_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Segment for usize {
    fn append_to(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{self}");
    }
}

impl<T: Segment + ?Sized> Segment for &T {
    fn append_to(&self, out: &mut String) {
        (**self).append_to(out);
    }
}

/// A reference from one stack to an element of another, found while collecting.
#[derive(Clone)]
pub(crate) struct CrossRef {
    pub(crate) producer: NodeId,
    pub(crate) consumer: NodeId,
    pub(crate) token: Token,
    pub(crate) rendered: String,
}

pub(crate) enum Mode<'a> {
    /// First pass: record cross-stack references, render them as in the producer.
    Collect(&'a RefCell<Vec<CrossRef>>),
    /// Final pass: cross-stack references become imports.
    Final,
}

/// What a [`Lazy`](crate::Lazy) value sees while it is resolved.
pub struct ResolveContext<'a> {
    pub(crate) arena: &'a Arena,
    pub(crate) plan: &'a Plan,
    pub(crate) stack: NodeId,
    pub(crate) scope: NodeId,
    pub(crate) mode: &'a Mode<'a>,
    pub(crate) errors: &'a RefCell<Vec<Diagnostic>>,
    depth: Cell<usize>,
    /// Where in the element the value being resolved sits (`Properties.Config.0.Value`),
    /// for messages.
    location: RefCell<String>,
}

impl<'a> ResolveContext<'a> {
    pub(crate) fn new(
        arena: &'a Arena,
        plan: &'a Plan,
        stack: NodeId,
        scope: NodeId,
        mode: &'a Mode<'a>,
        errors: &'a RefCell<Vec<Diagnostic>>,
    ) -> Self {
        ResolveContext {
            arena,
            plan,
            stack,
            scope,
            mode,
            errors,
            depth: Cell::new(0),
            location: RefCell::new(String::new()),
        }
    }

    /// Runs `f` with `segment` appended to the location of the value being resolved.
    pub(crate) fn within<R>(&self, segment: impl Segment, f: impl FnOnce() -> R) -> R {
        let len = {
            let mut location = self.location.borrow_mut();
            let len = location.len();
            if len > 0 {
                location.push('.');
            }
            segment.append_to(&mut location);
            len
        };
        let out = f();
        self.location.borrow_mut().truncate(len);
        out
    }

    /// Resolves `value`, found at `segment` of the current location.
    pub(crate) fn resolve_at(&self, segment: impl Segment, value: &Value) -> Option<Json> {
        self.within(segment, || self.resolve(value))
    }

    /// Path of the construct whose value is being resolved.
    pub fn scope_path(&self) -> String {
        self.arena.path(self.scope)
    }

    /// Path of the stack the value is rendered into.
    pub fn stack_path(&self) -> String {
        self.arena.path(self.stack)
    }

    /// Whether this is the first pass of synthesis, which only collects references across
    /// stacks: a lazy value may then just resolve the values it refers to, as what it returns
    /// is only searched for references.
    pub fn is_collecting_references(&self) -> bool {
        matches!(self.mode, Mode::Collect(_))
    }

    /// Resolves a value in this context; `None` stands for "absent".
    pub fn resolve(&self, value: &Value) -> Option<Json> {
        let depth = self.depth.get();
        if depth > MAX_DEPTH {
            self.error(format!(
                "Unable to resolve object tree with circular reference (depth > {MAX_DEPTH})"
            ));
            // Absent: synthesis fails with this error anyway, and a placeholder would draw
            // more errors from the values around it (a `null` inside a string).
            return None;
        }
        self.depth.set(depth + 1);
        let out = self.resolve_inner(value);
        self.depth.set(depth);
        out
    }

    /// Walks a value for references to other stacks' elements without rendering it (the first
    /// synthesis pass); lazy values are evaluated.
    pub(crate) fn collect_refs(&self, value: &Value) {
        let depth = self.depth.get();
        if depth > MAX_DEPTH {
            self.error(format!(
                "Unable to resolve object tree with circular reference (depth > {MAX_DEPTH})"
            ));
            return;
        }
        self.depth.set(depth + 1);
        match value {
            Value::Array(items) => items.iter().for_each(|v| self.collect_refs(v)),
            Value::Object(map) => map.values().for_each(|v| self.collect_refs(v)),
            Value::Token(t) => match t.kind() {
                TokenKind::Ref(RefTarget::Element(e)) | TokenKind::GetAtt { target: e, .. } => {
                    // Only references into another stack matter here; rendering is for those.
                    let same_stack = e.app == self.plan.app_id
                        && self
                            .arena
                            .nodes
                            .get(e.node as usize)
                            .is_some_and(|n| n.stack == Some(self.stack));
                    if !same_stack {
                        let _ = self.resolve_token(t);
                    }
                }
                TokenKind::Join { values, .. } => self.collect_refs(values),
                TokenKind::Intrinsic { args, .. } => self.collect_refs(args),
                TokenKind::Concat(fragments) => {
                    for f in fragments {
                        if let Fragment::Token(t) = f {
                            self.collect_refs(&Value::Token(t.clone()));
                        }
                    }
                }
                TokenKind::Lazy(f) => {
                    if let Some(v) = f(self) {
                        self.collect_refs(&v);
                    }
                }
                // Its `resolve` calls have recorded what it refers to.
                TokenKind::LazyJson(f) => {
                    let _ = f(self);
                }
                TokenKind::Ref(_) | TokenKind::LogicalId(_) => {}
            },
            _ => {}
        }
        self.depth.set(depth);
    }

    pub(crate) fn error(&self, message: impl Into<String>) {
        self.errors
            .borrow_mut()
            .push(Diagnostic::new(self.scope_path(), message));
    }

    fn resolve_inner(&self, value: &Value) -> Option<Json> {
        match value {
            Value::Null => Some(Json::Null),
            Value::Bool(b) => Some(Json::Bool(*b)),
            Value::Number(n) => Some(self.number(*n)),
            Value::String(s) => Some(Json::String(s.clone())),
            Value::Array(items) => Some(Json::Array(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| self.resolve_at(i, v))
                    .collect(),
            )),
            Value::Object(map) => {
                let mut out = JsonMap::with_capacity(map.len());
                for (k, v) in map {
                    if let Some(r) = self.resolve_at(k, v) {
                        out.insert(k.clone(), r);
                    }
                }
                Some(Json::Object(out))
            }
            Value::Token(t) => self.resolve_token(t),
        }
    }

    /// A number as JSON; one that is not finite is an error naming where it is.
    pub(crate) fn number(&self, n: f64) -> Json {
        number_json(n).unwrap_or_else(|| {
            let location = self.location.borrow().clone();
            self.error(if location.is_empty() {
                format!("{n} is not a finite number")
            } else {
                format!("property '{location}': {n} is not a finite number")
            });
            Json::Null
        })
    }

    fn resolve_token(&self, token: &Token) -> Option<Json> {
        match token.kind() {
            TokenKind::Ref(RefTarget::Pseudo(name)) => Some(single("Ref", Json::from(*name))),
            TokenKind::Ref(RefTarget::LogicalId(id)) => {
                Some(single("Ref", Json::from(id.as_str())))
            }
            TokenKind::Ref(RefTarget::Element(e)) => {
                let id = self.logical_id(e)?;
                self.maybe_import(e, token, single("Ref", Json::String(id)))
            }
            TokenKind::GetAtt { target, attribute } => {
                let id = self.logical_id(target)?;
                let rendered = single(
                    "Fn::GetAtt",
                    Json::Array(vec![Json::String(id), Json::String(attribute.clone())]),
                );
                self.maybe_import(target, token, rendered)
            }
            TokenKind::LogicalId(e) => self.logical_id(e).map(Json::String),
            TokenKind::Join { delimiter, values } => {
                let resolved = self.resolve(values)?;
                match resolved {
                    Json::Array(items) => {
                        let mut items = minimal_join(delimiter, items);
                        match items.len() {
                            0 => {
                                self.error("Fn::Join requires at least one value");
                                Some(Json::String(String::new()))
                            }
                            1 => items.pop(),
                            _ => Some(single(
                                "Fn::Join",
                                Json::Array(vec![
                                    Json::String(delimiter.clone()),
                                    Json::Array(items),
                                ]),
                            )),
                        }
                    }
                    // A list token (e.g. Fn::Split) is joined by CloudFormation.
                    other => Some(single(
                        "Fn::Join",
                        Json::Array(vec![Json::String(delimiter.clone()), other]),
                    )),
                }
            }
            TokenKind::Concat(fragments) => self.concat(fragments),
            TokenKind::Intrinsic { name, args } => {
                let args = self.resolve(args).unwrap_or(Json::Null);
                Some(single(name, args))
            }
            TokenKind::Lazy(f) => {
                let produced = f(self)?;
                self.resolve(&produced)
            }
            TokenKind::LazyJson(f) => f(self),
        }
    }

    fn concat(&self, fragments: &[Fragment]) -> Option<Json> {
        let mut parts = Vec::with_capacity(fragments.len());
        for f in fragments {
            let part = match f {
                Fragment::Literal(s) => Json::String(s.clone()),
                Fragment::Token(t) => match self.resolve_token(t) {
                    Some(p) => p,
                    None => continue,
                },
            };
            if !(part.is_string() || part.is_number() || is_intrinsic(&part)) {
                self.error(format!(
                    "a list or object cannot be part of a string (got {})",
                    sagecdk_assembly::json::to_js_json(&part, 0)
                ));
                continue;
            }
            parts.push(part);
        }
        let mut parts = minimal_join("", parts);
        match parts.len() {
            0 => Some(Json::String(String::new())),
            1 => parts.pop(),
            _ => Some(single(
                "Fn::Join",
                Json::Array(vec![Json::String(String::new()), Json::Array(parts)]),
            )),
        }
    }

    fn logical_id(&self, e: &ElementRef) -> Option<String> {
        if e.app != self.plan.app_id {
            self.error("a token refers to a construct of another App");
            // Rendered as absent: the node index means nothing in this app's tree.
            return None;
        }
        match self.plan.logical_ids.get(&e.node) {
            Some(id) => Some(id.clone()),
            None => {
                self.error(format!(
                    "'{}' is referenced but is not a CloudFormation element",
                    self.arena.path(e.node)
                ));
                Some(String::new())
            }
        }
    }

    fn maybe_import(&self, target: &ElementRef, token: &Token, rendered: Json) -> Option<Json> {
        let producer = match self
            .arena
            .nodes
            .get(target.node as usize)
            .and_then(|n| n.stack)
        {
            Some(s) => s,
            None => return Some(rendered),
        };
        if producer == self.stack {
            return Some(rendered);
        }
        let key = sagecdk_assembly::json::to_js_json(&rendered, 0);
        match self.mode {
            Mode::Collect(refs) => {
                let producer_env = self.plan.stack_env.get(&producer);
                let consumer_env = self.plan.stack_env.get(&self.stack);
                if producer_env != consumer_env {
                    self.error(format!(
                        "Stack \"{}\" cannot reference {} in stack \"{}\": cross-stack references \
                         are only supported between stacks of the same environment ({} vs {})",
                        self.stack_path(),
                        self.arena.path(target.node),
                        self.arena.path(producer),
                        consumer_env.map_or("?", String::as_str),
                        producer_env.map_or("?", String::as_str),
                    ));
                } else {
                    refs.borrow_mut().push(CrossRef {
                        producer,
                        consumer: self.stack,
                        token: token.clone(),
                        rendered: key,
                    });
                }
                Some(rendered)
            }
            Mode::Final => match self.plan.exports.get(&(producer, key)) {
                Some(name) => Some(single("Fn::ImportValue", Json::String(name.clone()))),
                // A reference across environments got no export: collecting said why already.
                None if self.plan.stack_env.get(&producer)
                    != self.plan.stack_env.get(&self.stack) =>
                {
                    Some(rendered)
                }
                None => {
                    self.error(format!(
                        "internal: no export prepared for a reference to {}",
                        self.arena.path(target.node)
                    ));
                    Some(rendered)
                }
            },
        }
    }
}

/// A JSON number as JavaScript would hold it: integers as integers, others as doubles.
pub(crate) fn number_json(n: f64) -> Option<Json> {
    if !n.is_finite() {
        return None;
    }
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        // -0 prints as 0 in JavaScript.
        return Some(Json::from(n as i64));
    }
    serde_json::Number::from_f64(n).map(Json::Number)
}

fn single(key: &str, value: Json) -> Json {
    let mut m = JsonMap::with_capacity(1);
    m.insert(key.to_string(), value);
    Json::Object(m)
}

/// An object with exactly one key that is `Ref` or starts with `Fn::`.
pub(crate) fn is_intrinsic(v: &Json) -> bool {
    match v {
        Json::Object(m) if m.len() == 1 => m.keys().next().is_some_and(|k| {
            k == "Ref"
                || (k.starts_with("Fn::") && k != "Fn::GetArtifactAtt" && k != "Fn::GetParam")
        }),
        _ => false,
    }
}

fn concatable(v: &Json) -> bool {
    v.is_string() || v.is_number()
}

fn plain_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => sagecdk_assembly::json::js_number(f),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// The CDK's `minimalCloudFormationJoin`: splices nested joins with the same delimiter and
/// merges adjacent literals.
pub(crate) fn minimal_join(delimiter: &str, values: Vec<Json>) -> Vec<Json> {
    let mut out: Vec<Json> = Vec::with_capacity(values.len());
    let mut queue: std::collections::VecDeque<Json> = values.into();
    while let Some(el) = queue.pop_front() {
        if let Some(list) = splicable_join(&el, delimiter) {
            for item in list.into_iter().rev() {
                queue.push_front(item);
            }
            continue;
        }
        match out.last_mut() {
            Some(prev) if concatable(prev) && concatable(&el) => {
                *prev = Json::String(format!(
                    "{}{delimiter}{}",
                    plain_text(prev),
                    plain_text(&el)
                ));
            }
            _ => out.push(el),
        }
    }
    out
}

fn splicable_join(v: &Json, delimiter: &str) -> Option<Vec<Json>> {
    if !is_intrinsic(v) {
        return None;
    }
    let args = v.get("Fn::Join")?.as_array()?;
    match args.as_slice() {
        [Json::String(d), Json::Array(list)] if d == delimiter => Some(list.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn minimal_join_merges_and_splices() {
        let tok = json!({"Ref": "X"});
        assert_eq!(
            minimal_join("-", vec![json!("a"), json!("b"), tok.clone(), json!("c")]),
            vec![json!("a-b"), tok.clone(), json!("c")]
        );
        let nested = json!({"Fn::Join": ["", ["x", tok, "y"]]});
        assert_eq!(
            minimal_join("", vec![json!("a"), nested.clone(), json!("b")]),
            vec![json!("ax"), json!({"Ref": "X"}), json!("yb")]
        );
        // A join with another delimiter is kept whole.
        assert_eq!(
            minimal_join("-", vec![json!("a"), nested.clone()]),
            vec![json!("a"), nested]
        );
        assert_eq!(
            minimal_join("", vec![json!("a"), json!(1), json!(2.5)]),
            vec![json!("a12.5")]
        );
    }

    #[test]
    fn intrinsic_detection() {
        assert!(is_intrinsic(&json!({"Ref": "A"})));
        assert!(is_intrinsic(&json!({"Fn::Sub": "x"})));
        assert!(!is_intrinsic(&json!({"Fn::GetParam": "x"})));
        assert!(!is_intrinsic(&json!({"Ref": "A", "B": 1})));
        assert!(!is_intrinsic(&json!("Ref")));
    }

    #[test]
    fn numbers_become_integers_when_whole() {
        assert_eq!(number_json(3.0), Some(json!(3)));
        assert_eq!(number_json(-0.0), Some(json!(0)));
        assert_eq!(number_json(0.5), Some(json!(0.5)));
        assert_eq!(number_json(f64::NAN), None);
    }
}
