//! Raw overrides of a resource's rendered JSON (`add_override` and friends), merged as the
//! AWS CDK merges them.

use super::*;

/// Splits an override path on `.`, where `\.` is a literal dot.
pub(super) fn split_on_periods(path: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                if let Some(p) = parts.last_mut() {
                    p.push('.');
                }
                chars.next();
            }
            '.' => parts.push(String::new()),
            c => {
                if let Some(p) = parts.last_mut() {
                    p.push(c);
                }
            }
        }
    }
    parts
}

pub(super) fn add_override(root: &mut OverrideMap, path: &str, node: OverrideNode) {
    let parts = split_on_periods(path);
    let Some((last, init)) = parts.split_last() else {
        return;
    };
    let mut curr = root;
    for key in init {
        let entry = curr
            .entry(key.clone())
            .or_insert_with(|| OverrideNode::Map(IndexMap::new()));
        if !matches!(entry, OverrideNode::Map(_)) {
            *entry = OverrideNode::Map(IndexMap::new());
        }
        let OverrideNode::Map(next) = entry else {
            return;
        };
        curr = next;
    }
    curr.insert(last.clone(), node);
}

pub(super) enum Resolved {
    Set(Json),
    Delete,
    Map(Vec<(String, Resolved)>),
}

pub(super) fn resolve_overrides(
    map: &OverrideMap,
    ctx: &ResolveContext<'_>,
) -> Vec<(String, Resolved)> {
    map.iter()
        .map(|(k, n)| {
            let r = match n {
                // An override whose value resolves to "absent" deletes, as in the CDK.
                OverrideNode::Set(v) => {
                    ctx.resolve_at(k, v).map_or(Resolved::Delete, Resolved::Set)
                }
                OverrideNode::Delete => Resolved::Delete,
                OverrideNode::Map(m) => Resolved::Map(ctx.within(k, || resolve_overrides(m, ctx))),
            };
            (k.clone(), r)
        })
        .collect()
}

fn json_to_resolved(v: Json) -> Resolved {
    match v {
        Json::Object(m) => Resolved::Map(
            m.into_iter()
                .map(|(k, v)| (k, json_to_resolved(v)))
                .collect(),
        ),
        other => Resolved::Set(other),
    }
}

/// The longest list an override may make: every element takes at least `null,` in the
/// template, so a longer list cannot fit in CloudFormation's template size limit.
const MAX_OVERRIDE_LIST_LEN: usize = crate::synth::MAX_TEMPLATE_BYTES / 5;

/// The CDK's `deepMerge`: objects merge key by key (an object value merges into the target
/// instead of replacing it), deletions remove keys, and objects left empty are removed.
///
/// `path` is the override path of `target`; an override that would make a list too long to fit
/// in a template is left out and described in `problems`.
pub(super) fn deep_merge(
    target: &mut Json,
    source: Vec<(String, Resolved)>,
    path: &str,
    problems: &mut Vec<String>,
) {
    let child_path = |key: &str| {
        let key = key.replace('.', "\\.");
        if path.is_empty() {
            key
        } else {
            format!("{path}.{key}")
        }
    };
    for (key, value) in source {
        let value = match value {
            Resolved::Set(Json::Object(m)) => json_to_resolved(Json::Object(m)),
            other => other,
        };
        match target {
            Json::Object(obj) => match value {
                Resolved::Map(entries) => {
                    let slot = obj
                        .entry(key.clone())
                        .or_insert_with(|| Json::Object(JsonMap::new()));
                    if !(slot.is_object() || slot.is_array()) {
                        *slot = Json::Object(JsonMap::new());
                    }
                    deep_merge(slot, entries, &child_path(&key), problems);
                    if slot.as_object().is_some_and(JsonMap::is_empty) {
                        obj.remove(&key);
                    }
                }
                Resolved::Delete => {
                    obj.shift_remove(&key);
                }
                Resolved::Set(v) => {
                    obj.insert(key, v);
                }
            },
            Json::Array(items) => {
                // JavaScript arrays take canonical index keys (below 2^32 - 1); other keys are
                // invisible to JSON.
                let Some(idx) = key
                    .parse::<u32>()
                    .ok()
                    .filter(|i| *i < u32::MAX && i.to_string() == key)
                    .map(|i| i as usize)
                else {
                    continue;
                };
                if idx >= items.len() {
                    if matches!(value, Resolved::Delete) {
                        // Deleting past the end changes nothing.
                        continue;
                    }
                    if idx >= MAX_OVERRIDE_LIST_LEN {
                        problems.push(format!(
                            "override '{}' sets element {idx} of a list of {}: a list that long \
                             cannot fit in a template (CloudFormation's limit is {} bytes); use \
                             an index up to {}",
                            child_path(&key),
                            items.len(),
                            crate::synth::MAX_TEMPLATE_BYTES,
                            items.len()
                        ));
                        continue;
                    }
                    items.resize(idx + 1, Json::Null);
                }
                match value {
                    Resolved::Map(entries) => {
                        let slot = &mut items[idx];
                        if !(slot.is_object() || slot.is_array()) {
                            *slot = Json::Object(JsonMap::new());
                        }
                        deep_merge(slot, entries, &child_path(&key), problems);
                    }
                    Resolved::Delete => items[idx] = Json::Null,
                    Resolved::Set(v) => items[idx] = v,
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn override_paths_split_on_unescaped_periods() {
        assert_eq!(split_on_periods("a.b\\.c.d"), vec!["a", "b.c", "d"]);
        assert_eq!(split_on_periods("x"), vec!["x"]);
    }

    fn merged(mut target: Json, overrides: &[(&str, Option<Json>)]) -> Json {
        let mut tree = OverrideMap::new();
        for (path, v) in overrides {
            let node = match v {
                Some(v) => OverrideNode::Set(Value::from(v.clone())),
                None => OverrideNode::Delete,
            };
            add_override(&mut tree, path, node);
        }
        fn plain(map: &OverrideMap) -> Vec<(String, Resolved)> {
            map.iter()
                .map(|(k, n)| {
                    let r = match n {
                        OverrideNode::Set(Value::String(s)) => {
                            Resolved::Set(Json::String(s.clone()))
                        }
                        OverrideNode::Set(Value::Number(x)) => Resolved::Set(json!(x)),
                        OverrideNode::Set(Value::Object(o)) => Resolved::Set(Json::Object(
                            o.iter()
                                .map(|(k, v)| (k.clone(), json!(v.as_str().unwrap_or_default())))
                                .collect(),
                        )),
                        OverrideNode::Set(_) => Resolved::Set(Json::Null),
                        OverrideNode::Delete => Resolved::Delete,
                        OverrideNode::Map(m) => Resolved::Map(plain(m)),
                    };
                    (k.clone(), r)
                })
                .collect()
        }
        let mut problems = Vec::new();
        deep_merge(&mut target, plain(&tree), "", &mut problems);
        assert_eq!(problems, Vec::<String>::new());
        target
    }

    #[test]
    fn deep_merge_follows_the_cdk() {
        let base = json!({"Type": "T", "Properties": {"A": {"B": "x", "C": "y"}, "L": ["a", "b"]}});
        assert_eq!(
            merged(base.clone(), &[("Properties.A.B", Some(json!("z")))]),
            json!({"Type": "T", "Properties": {"A": {"B": "z", "C": "y"}, "L": ["a", "b"]}})
        );
        // An object value merges instead of replacing.
        assert_eq!(
            merged(base.clone(), &[("Properties.A", Some(json!({"D": "d"})))]),
            json!({"Type": "T", "Properties": {"A": {"B": "x", "C": "y", "D": "d"}, "L": ["a", "b"]}})
        );
        // Deleting the last key removes the emptied object.
        assert_eq!(
            merged(
                json!({"Type": "T", "Properties": {"A": "x"}}),
                &[("Properties.A", None)]
            ),
            json!({"Type": "T"})
        );
        // Array elements are addressed by index.
        assert_eq!(
            merged(
                base,
                &[
                    ("Properties.L.1", Some(json!("B"))),
                    ("DependsOn", Some(json!("X")))
                ]
            ),
            json!({"Type": "T", "Properties": {"A": {"B": "x", "C": "y"}, "L": ["a", "B"]}, "DependsOn": "X"})
        );
    }
}
