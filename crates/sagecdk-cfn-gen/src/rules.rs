//! The validation rules of a resource type: its schema reduced to the keywords the runtime
//! validator understands.

use crate::model::SkippedPattern;
use serde_json::{Map as JsonMap, Value as Json};
use std::collections::BTreeSet;

/// Numeric keywords kept as they are.
const NUMERIC: &[&str] = &[
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
];

/// Reduces a whole resource schema: top-level properties (without the read-only ones),
/// `required`, and all definitions.
pub fn reduce_schema(
    schema: &Json,
    read_only: &BTreeSet<String>,
    skipped: &mut Vec<SkippedPattern>,
) -> Json {
    let defs = schema.get("definitions").and_then(Json::as_object);
    let mut out = JsonMap::new();
    if let Some(props) = schema.get("properties").and_then(Json::as_object) {
        let mut reduced = JsonMap::new();
        for (k, v) in props {
            if !read_only.contains(k) {
                reduced.insert(
                    k.clone(),
                    reduce(v, defs, &format!("properties/{k}"), skipped),
                );
            }
        }
        out.insert("properties".into(), Json::Object(reduced));
    }
    let required: Vec<Json> = schema
        .get("required")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.as_str().is_some_and(|r| !read_only.contains(r)))
        .cloned()
        .collect();
    if !required.is_empty() {
        out.insert("required".into(), Json::Array(required));
    }
    if let Some(d) = defs {
        let mut reduced = JsonMap::new();
        for (k, v) in d {
            reduced.insert(
                k.clone(),
                reduce(v, defs, &format!("definitions/{k}"), skipped),
            );
        }
        out.insert("definitions".into(), Json::Object(reduced));
    }
    Json::Object(out)
}

fn compiles(pattern: &str) -> bool {
    regex::Regex::new(pattern).is_ok()
}

/// Reduces one schema node.
pub fn reduce(
    node: &Json,
    defs: Option<&JsonMap<String, Json>>,
    location: &str,
    skipped: &mut Vec<SkippedPattern>,
) -> Json {
    let Some(n) = node.as_object() else {
        return Json::Object(JsonMap::new());
    };
    let mut out = JsonMap::new();
    if let Some(r) = n.get("$ref").and_then(Json::as_str)
        && r.starts_with("#/definitions/")
    {
        out.insert("$ref".into(), Json::String(r.into()));
    }
    if let Some(values) = n.get("enum").and_then(Json::as_array)
        && values
            .iter()
            .all(|v| v.is_string() || v.is_number() || v.is_boolean())
    {
        out.insert("enum".into(), Json::Array(values.clone()));
    }
    if let Some(p) = n.get("pattern").and_then(Json::as_str) {
        if compiles(p) {
            out.insert("pattern".into(), Json::String(p.into()));
        } else {
            skipped.push(SkippedPattern {
                location: location.to_string(),
                pattern: p.to_string(),
            });
        }
    }
    for key in NUMERIC {
        if let Some(v) = n.get(*key).filter(|v| v.is_number()) {
            out.insert((*key).into(), v.clone());
        }
    }
    if let Some(items) = n.get("items").filter(|i| i.is_object()) {
        let r = reduce(items, defs, &format!("{location}/items"), skipped);
        if r.as_object().is_some_and(|m| !m.is_empty()) {
            out.insert("items".into(), r);
        }
    }
    // Properties of the object and of its alternatives, merged (a value must only match the
    // union; which alternative applies is not checked).
    let mut props = JsonMap::new();
    if let Some(p) = n.get("properties").and_then(Json::as_object) {
        for (k, v) in p {
            props.insert(
                k.clone(),
                reduce(v, defs, &format!("{location}/properties/{k}"), skipped),
            );
        }
    }
    let mut required: Vec<Json> = n
        .get("required")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    for key in ["oneOf", "anyOf", "allOf"] {
        for (i, alt) in n
            .get(key)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let alt = match alt
                .get("$ref")
                .and_then(Json::as_str)
                .and_then(|r| r.strip_prefix("#/definitions/"))
                .and_then(|r| defs?.get(r))
            {
                Some(target) => target,
                None => alt,
            };
            if let Some(p) = alt.get("properties").and_then(Json::as_object) {
                for (k, v) in p {
                    if !props.contains_key(k) {
                        let loc = format!("{location}/{key}/{i}/properties/{k}");
                        props.insert(k.clone(), reduce(v, defs, &loc, skipped));
                    }
                }
            }
            if key == "allOf" {
                required.extend(
                    alt.get("required")
                        .and_then(Json::as_array)
                        .cloned()
                        .unwrap_or_default(),
                );
            }
        }
    }
    if !props.is_empty() {
        required.retain(|r| r.as_str().is_some_and(|r| props.contains_key(r)));
        out.insert("properties".into(), Json::Object(props));
    }
    if !required.is_empty() && out.contains_key("properties") {
        out.insert("required".into(), Json::Array(required));
    }
    if let Some(pp) = n.get("patternProperties").and_then(Json::as_object) {
        let mut reduced = JsonMap::new();
        for (k, v) in pp {
            reduced.insert(
                k.clone(),
                reduce(v, defs, &format!("{location}/patternProperties"), skipped),
            );
        }
        out.insert("patternProperties".into(), Json::Object(reduced));
    }
    match n.get("additionalProperties") {
        Some(Json::Bool(false))
            if out.contains_key("properties") || out.contains_key("patternProperties") =>
        {
            out.insert("additionalProperties".into(), Json::Bool(false));
        }
        Some(schema @ Json::Object(_)) => {
            let r = reduce(
                schema,
                defs,
                &format!("{location}/additionalProperties"),
                skipped,
            );
            if r.as_object().is_some_and(|m| !m.is_empty()) {
                out.insert("additionalProperties".into(), r);
            }
        }
        _ => {}
    }
    Json::Object(out)
}
