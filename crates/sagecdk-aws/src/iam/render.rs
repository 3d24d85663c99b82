//! Rendering of policy documents: statements resolved, merged as the AWS CDK merges them
//! (`@aws-cdk/aws-iam:minimizePolicies`), duplicates dropped and, when minimizing, lists sorted.
//!
//! Merging works on resolved statements: two elements are the same when they resolve to the
//! same template value, which is what the CDK's comparison of (memoized) token strings amounts
//! to for the values constructs produce.

use super::{Effect, PolicyStatement, Principal};
use sagecdk_core::{ResolveContext, Str, Value};
use serde_json::{Map as JsonMap, Value as Json};
use std::cell::Cell;

/// The CDK does not merge statements into one larger than this (estimated) when merging before
/// it decides whether a role's policy must be split (its maximum size of a user policy).
const MAX_MERGE_SIZE: usize = 2000;

/// Estimated length of an action that is a token (the CDK's figure).
const ACTION_SIZE_ESTIMATE: usize = 20;

/// Estimated length of an ARN that is a token, unless the context says otherwise.
pub(super) const DEFAULT_ARN_SIZE_ESTIMATE: usize = 150;

/// How a document is rendered, decided from the context of the construct rendering it just
/// before synthesis.
#[derive(Debug)]
pub(super) struct RenderSettings {
    /// Merge combinable statements and sort actions, resources and principals.
    pub(super) minimize: Cell<bool>,
    /// Estimated length of unresolved ARNs (size-limited merging).
    pub(super) arn_estimate: Cell<usize>,
    /// A role's default policy: merged with the size limit first, as the CDK does before it
    /// decides whether to split the policy (only identical statements without minimizing).
    pub(super) size_limited_pass: bool,
}

impl RenderSettings {
    pub(super) fn new(size_limited_pass: bool) -> Self {
        RenderSettings {
            minimize: Cell::new(false),
            arn_estimate: Cell::new(DEFAULT_ARN_SIZE_ESTIMATE),
            size_limited_pass,
        }
    }
}

/// One resolved element of a statement list.
#[derive(Clone, Debug)]
struct Element {
    json: Json,
    /// Length of a literal (UTF-16 units, as the CDK counts); `None` for a token.
    literal_len: Option<usize>,
}

impl Element {
    fn new(json: Json, literal_len: Option<usize>) -> Self {
        Element { json, literal_len }
    }
}

/// Elements are the same when their JSON is (compared as values: writing each out as text
/// to compare took a third of the rendering).
impl PartialEq for Element {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json
    }
}

/// A resolved principal: its key (`None` for the literal `"*"`) and value.
#[derive(Clone, Debug, PartialEq)]
struct PrincipalElement {
    key: Option<&'static str>,
    value: Json,
}

/// A statement with every part resolved, the unit statements are merged in.
#[derive(Clone, Debug)]
struct Resolved {
    effect: Effect,
    sid: Option<String>,
    condition: Option<Json>,
    /// Compact JSON of the conditions (`{}` without any), compared and counted like the CDK's.
    condition_text: String,
    actions: Vec<Element>,
    not_actions: Vec<Element>,
    resources: Vec<Element>,
    not_resources: Vec<Element>,
    principals: Vec<PrincipalElement>,
    not_principals: Vec<PrincipalElement>,
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Appends elements not already present (a statement's lists behave as ordered sets).
fn push_unique<T: PartialEq>(list: &mut Vec<T>, element: T) {
    if !list.contains(&element) {
        list.push(element);
    }
}

/// Whether two lists hold the same elements, in any order.
fn same_set<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// The elements of `a`, then those of `b` not in `a`.
fn union<T: PartialEq + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out = a.to_vec();
    for e in b {
        push_unique(&mut out, e.clone());
    }
    out
}

fn resolve_strings(list: &[String]) -> Vec<Element> {
    let mut out = Vec::new();
    for s in list {
        push_unique(
            &mut out,
            Element::new(Json::String(s.clone()), Some(utf16_len(s))),
        );
    }
    out
}

fn resolve_strs(list: &[Str], ctx: &ResolveContext<'_>) -> Vec<Element> {
    let mut out = Vec::new();
    for s in list {
        if let Some(json) = ctx.resolve(&s.to_value()) {
            let literal_len = s.as_literal().map(|l| utf16_len(&l));
            push_unique(&mut out, Element::new(json, literal_len));
        }
    }
    out
}

fn resolve_principals(list: &[Principal], ctx: &ResolveContext<'_>) -> Vec<PrincipalElement> {
    let mut out: Vec<PrincipalElement> = Vec::new();
    for p in list {
        let (key, value) = match p {
            Principal::Any => (None, Json::String("*".into())),
            other => {
                let (key, value) = other.key_and_value();
                let Some(value) = ctx.resolve(&value) else {
                    continue;
                };
                (Some(key), value)
            }
        };
        push_unique(&mut out, PrincipalElement { key, value });
    }
    out
}

impl Resolved {
    fn new(s: &PolicyStatement, ctx: &ResolveContext<'_>) -> Resolved {
        let condition = if s.conditions.is_empty() {
            None
        } else {
            ctx.resolve(&Value::Object(s.conditions.clone()))
        };
        Resolved {
            effect: s.effect,
            sid: s.sid.clone(),
            condition_text: condition
                .as_ref()
                .map_or_else(|| "{}".to_string(), Json::to_string),
            condition,
            actions: resolve_strings(&s.actions),
            not_actions: resolve_strings(&s.not_actions),
            resources: resolve_strs(&s.resources, ctx),
            not_resources: resolve_strs(&s.not_resources, ctx),
            principals: resolve_principals(&s.principals, ctx),
            not_principals: resolve_principals(&s.not_principals, ctx),
        }
    }

    /// The statement's JSON, keys in the CDK's order, lists with one element as scalars.
    fn render(&self) -> JsonMap<String, Json> {
        let mut m = JsonMap::new();
        let list = |m: &mut JsonMap<String, Json>, key: &str, elements: &[Element]| {
            if let Some(v) = list_value(elements.iter().map(|e| e.json.clone()).collect()) {
                m.insert(key.into(), v);
            }
        };
        list(&mut m, "Action", &self.actions);
        list(&mut m, "NotAction", &self.not_actions);
        if let Some(c) = &self.condition {
            m.insert("Condition".into(), c.clone());
        }
        m.insert("Effect".into(), Json::String(self.effect.as_str().into()));
        if let Some(p) = principals_value(&self.principals) {
            m.insert("Principal".into(), p);
        }
        if let Some(p) = principals_value(&self.not_principals) {
            m.insert("NotPrincipal".into(), p);
        }
        list(&mut m, "Resource", &self.resources);
        list(&mut m, "NotResource", &self.not_resources);
        if let Some(sid) = &self.sid {
            m.insert("Sid".into(), Json::String(sid.clone()));
        }
        m
    }

    /// The CDK's size estimate of a statement (deliberately on the high side).
    fn estimated_size(&self, arn_estimate: usize) -> usize {
        let mut size = format!("\"Effect\": \"{}\",", self.effect.as_str()).len();
        let count = |key: &str, elements: &[Element], token_size: usize| {
            if elements.is_empty() {
                return 0;
            }
            // Quotes, colon and brackets of the key; quotes and separator of each element.
            key.len()
                + 5
                + elements
                    .iter()
                    .map(|e| e.literal_len.unwrap_or(token_size) + 3)
                    .sum::<usize>()
        };
        size += count("Action", &self.actions, ACTION_SIZE_ESTIMATE);
        size += count("NotAction", &self.not_actions, ACTION_SIZE_ESTIMATE);
        size += count("Resource", &self.resources, arn_estimate);
        size += count("NotResource", &self.not_resources, arn_estimate);
        size += (self.principals.len() + self.not_principals.len()) * arn_estimate;
        size + utf16_len(&self.condition_text)
    }
}

/// `None` when empty, the element alone, or the list.
fn list_value(mut items: Vec<Json>) -> Option<Json> {
    match items.len() {
        0 => None,
        1 => items.pop(),
        _ => Some(Json::Array(items)),
    }
}

/// `"*"` when every principal is the literal star; otherwise values grouped by key (in order
/// of first appearance), the star then standing for `{"AWS": "*"}`.
fn principals_value(list: &[PrincipalElement]) -> Option<Json> {
    if list.is_empty() {
        return None;
    }
    if list.iter().all(|p| p.key.is_none()) {
        return Some(Json::String("*".into()));
    }
    let mut grouped: Vec<(&'static str, Vec<Json>)> = Vec::new();
    for p in list {
        let key = p.key.unwrap_or("AWS");
        match grouped.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => {
                if !values.contains(&p.value) {
                    values.push(p.value.clone());
                }
            }
            None => grouped.push((key, vec![p.value.clone()])),
        }
    }
    let mut m = JsonMap::new();
    for (key, values) in grouped {
        if let Some(v) = list_value(values) {
            m.insert(key.into(), v);
        }
    }
    Some(Json::Object(m))
}

/// How two statements may be merged.
#[derive(Clone, Copy, Debug)]
enum MergeMode {
    /// Only statements equal as sets (what the CDK does before splitting without minimizing).
    Equal,
    /// Statements whose union grants exactly what the two grant, below `limit` when given.
    Combinable { limit: Option<usize> },
}

/// The parts neither merge may change: effect, conditions and the `Not…` sets.
fn same_frame(a: &Resolved, b: &Resolved) -> bool {
    a.effect == b.effect
        && a.condition_text == b.condition_text
        && same_set(&a.not_actions, &b.not_actions)
        && same_set(&a.not_resources, &b.not_resources)
        && same_set(&a.not_principals, &b.not_principals)
}

fn merge_pair(
    a: &Resolved,
    b: &Resolved,
    mode: MergeMode,
    arn_estimate: usize,
) -> Option<Resolved> {
    if !same_frame(a, b) {
        return None;
    }
    let same_actions = same_set(&a.actions, &b.actions);
    let same_resources = same_set(&a.resources, &b.resources);
    let same_principals = same_set(&a.principals, &b.principals);
    match mode {
        MergeMode::Equal => {
            (a.sid == b.sid && same_actions && same_resources && same_principals).then(|| a.clone())
        }
        MergeMode::Combinable { limit } => {
            // Statement ids are an escape hatch: statements with one are left alone.
            if a.sid.is_some() || b.sid.is_some() {
                return None;
            }
            // Merging is exact only when at most one of the three sets differs.
            let equal_sets = [same_actions, same_resources, same_principals]
                .iter()
                .filter(|s| **s)
                .count();
            // `Principal: "*"` differs subtly from `{"AWS": "*"}`: never mixed with others.
            let literal = |s: &Resolved| s.principals.iter().any(|p| p.key.is_none());
            if equal_sets < 2 || literal(a) != literal(b) {
                return None;
            }
            let merged = Resolved {
                actions: union(&a.actions, &b.actions),
                resources: union(&a.resources, &b.resources),
                principals: union(&a.principals, &b.principals),
                ..a.clone()
            };
            match limit {
                Some(max) if merged.estimated_size(arn_estimate) > max => None,
                _ => Some(merged),
            }
        }
    }
}

/// Merges pairs, each statement with every later one, until a pass merges nothing (not
/// necessarily the smallest result, but the CDK's).
fn merge_all(list: &mut Vec<Resolved>, mode: MergeMode, arn_estimate: usize) {
    loop {
        let mut changed = false;
        let mut i = 0;
        while i < list.len() {
            let mut j = i + 1;
            while j < list.len() {
                if let Some(merged) = merge_pair(&list[i], &list[j], mode, arn_estimate) {
                    list[i] = merged;
                    list.remove(j);
                    changed = true;
                } else {
                    j += 1;
                }
            }
            i += 1;
        }
        if !changed {
            return;
        }
    }
}

/// Compares as JavaScript compares strings (UTF-16 code units).
fn js_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Sorts a list by its elements' JSON, dropping duplicates; one element becomes a scalar.
fn sort_by_json(v: &mut Json) {
    if let Json::Array(items) = v {
        let mut keyed: Vec<(String, Json)> = Vec::with_capacity(items.len());
        for item in items.drain(..) {
            let text = item.to_string();
            match keyed.iter_mut().find(|(k, _)| *k == text) {
                // The last occurrence wins, as in the CDK (equal JSON, so equal values).
                Some(slot) => slot.1 = item,
                None => keyed.push((text, item)),
            }
        }
        keyed.sort_by(|a, b| js_order(&a.0, &b.0));
        let mut sorted: Vec<Json> = keyed.into_iter().map(|(_, item)| item).collect();
        *v = if sorted.len() == 1 {
            sorted.pop().unwrap_or(Json::Null)
        } else {
            Json::Array(sorted)
        };
    }
}

fn sort_statement(m: &mut JsonMap<String, Json>) {
    for key in ["Action", "Resource"] {
        if let Some(v) = m.get_mut(key) {
            sort_by_json(v);
        }
    }
    if let Some(Json::Object(principal)) = m.get_mut("Principal") {
        let mut entries: Vec<(String, Json)> = std::mem::take(principal).into_iter().collect();
        entries.sort_by(|a, b| js_order(&a.0, &b.0));
        for (key, mut value) in entries {
            sort_by_json(&mut value);
            principal.insert(key, value);
        }
    }
}

/// Resolves every part of the statements that may refer to something, as rendering does,
/// without merging or rendering them (all reference collection needs).
pub(super) fn resolve_references(statements: &[PolicyStatement], ctx: &ResolveContext<'_>) {
    for s in statements {
        let _ = Resolved::new(s, ctx);
    }
}

/// Resolves and renders a document like the CDK's `PolicyDocument` with its
/// `PostProcessPolicyDocument`.
pub(super) fn render_document(
    statements: &[PolicyStatement],
    ctx: &ResolveContext<'_>,
    settings: &RenderSettings,
) -> Json {
    let minimize = settings.minimize.get();
    let arn_estimate = settings.arn_estimate.get();
    let mut list: Vec<Resolved> = statements.iter().map(|s| Resolved::new(s, ctx)).collect();
    if settings.size_limited_pass {
        let mode = if minimize {
            MergeMode::Combinable {
                limit: Some(MAX_MERGE_SIZE),
            }
        } else {
            MergeMode::Equal
        };
        merge_all(&mut list, mode, arn_estimate);
    }
    if minimize {
        merge_all(
            &mut list,
            MergeMode::Combinable { limit: None },
            arn_estimate,
        );
    }
    // Identical statements are written once (first kept) whether or not merging ran; sorting
    // comes after, so statements that only sorting makes equal both stay, as in the CDK.
    let rendered: Vec<JsonMap<String, Json>> = list.iter().map(Resolved::render).collect();
    let firsts: Vec<bool> = (0..rendered.len())
        .map(|i| !rendered[..i].contains(&rendered[i]))
        .collect();
    let mut out = Vec::with_capacity(rendered.len());
    for (mut m, first) in rendered.into_iter().zip(firsts) {
        if first {
            if minimize {
                sort_statement(&mut m);
            }
            out.push(Json::Object(m));
        }
    }
    let mut doc = JsonMap::new();
    doc.insert("Statement".into(), Json::Array(out));
    doc.insert("Version".into(), Json::String("2012-10-17".into()));
    Json::Object(doc)
}
