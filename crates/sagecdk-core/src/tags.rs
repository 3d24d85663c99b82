//! Tags: a per-resource [`TagManager`] and the [`Tags`] aspect that applies tags to a subtree.

use crate::aspects::{Aspect, AspectPriority, Aspects};
use crate::collate::locale_compare;
use crate::error::{abbreviate, too_long};
use crate::tree::{Construct, NodeKind, Scope};
use indexmap::IndexMap;
use serde_json::Value as Json;
use std::borrow::Cow;
use std::collections::HashMap;

/// How a resource type represents its tags in CloudFormation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagType {
    /// `[{"Key": k, "Value": v}, …]`.
    Standard,
    /// `[{"Key": k, "Value": v, "PropagateAtLaunch": true}, …]`.
    AutoScalingGroup,
    /// `{k: v, …}`.
    Map,
    /// `[{"Key": k, "Value": v}, …]` (stack tags and some services).
    KeyValue,
}

/// The most characters (Unicode scalar values) of a tag key.
pub const MAX_TAG_KEY_LENGTH: usize = 128;
/// The most characters (Unicode scalar values) of a tag value.
pub const MAX_TAG_VALUE_LENGTH: usize = 256;

/// What AWS would reject in a tag: an empty key, a key starting with `aws:` (any case,
/// reserved for AWS), a key over 128 or a value over 256 characters. Empty when the tag is
/// valid.
pub fn tag_problems(key: &str, value: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if key.is_empty() {
        problems.push("tag key must not be empty".to_string());
    }
    if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
        problems.push(format!(
            "tag key '{}' must not start with 'aws:' (reserved for AWS)",
            abbreviate(key)
        ));
    }
    problems.extend(too_long(
        format_args!("tag key '{}'", abbreviate(key)),
        key,
        MAX_TAG_KEY_LENGTH,
        "the",
    ));
    problems.extend(too_long(
        format_args!("value of tag '{}'", abbreviate(key)),
        value,
        MAX_TAG_VALUE_LENGTH,
        "the",
    ));
    problems
}

/// Priority of tags given directly in a resource's properties.
const INITIAL_TAG_PRIORITY: u32 = 50;

#[derive(Clone, Debug)]
struct TagEntry {
    value: String,
    apply_to_launched_instances: bool,
}

/// The tags of one taggable resource or stack, with CDK priorities: a tag set or removed with a
/// lower priority than an earlier change to the same key is ignored.
#[derive(Clone, Debug)]
pub struct TagManager {
    tag_type: TagType,
    resource_type: Cow<'static, str>,
    property_name: Cow<'static, str>,
    tags: IndexMap<String, TagEntry>,
    priorities: HashMap<String, u32>,
}

impl TagManager {
    /// A manager for a resource type whose tags live in `property_name` (usually `Tags`).
    pub fn new(
        tag_type: TagType,
        resource_type: impl Into<Cow<'static, str>>,
        property_name: impl Into<Cow<'static, str>>,
    ) -> Self {
        TagManager {
            tag_type,
            resource_type: resource_type.into(),
            property_name: property_name.into(),
            tags: IndexMap::new(),
            priorities: HashMap::new(),
        }
    }

    /// The property that holds the tags.
    pub fn property_name(&self) -> &str {
        &self.property_name
    }

    /// The CloudFormation type of the tagged resource.
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// Sets a tag unless a higher-priority change to this key was made before.
    pub fn set_tag(
        &mut self,
        key: &str,
        value: &str,
        priority: u32,
        apply_to_launched_instances: bool,
    ) {
        if priority < self.priorities.get(key).copied().unwrap_or(0) {
            return;
        }
        self.tags.insert(
            key.to_string(),
            TagEntry {
                value: value.to_string(),
                apply_to_launched_instances,
            },
        );
        self.priorities.insert(key.to_string(), priority);
    }

    /// Removes a tag unless a higher-priority change to this key was made before.
    pub fn remove_tag(&mut self, key: &str, priority: u32) {
        if priority >= self.priorities.get(key).copied().unwrap_or(0) {
            self.tags.shift_remove(key);
            self.priorities.insert(key.to_string(), priority);
        }
    }

    /// Whether any tag is set.
    pub fn has_tags(&self) -> bool {
        !self.tags.is_empty()
    }

    /// The tags sorted by key (`localeCompare`), as the CDK renders them.
    pub fn tag_values(&self) -> IndexMap<String, String> {
        self.sorted()
            .into_iter()
            .map(|(k, e)| (k.clone(), e.value.clone()))
            .collect()
    }

    fn sorted(&self) -> Vec<(&String, &TagEntry)> {
        let mut v: Vec<_> = self.tags.iter().collect();
        v.sort_by(|a, b| locale_compare(a.0, b.0));
        v
    }

    /// What AWS would reject in the tags given in the resource's own properties (`initial`,
    /// already resolved; keys and values only known at deploy time are not checked).
    pub(crate) fn initial_problems(&self, initial: &Json) -> Vec<String> {
        parse_tags(self.tag_type, initial)
            .into_iter()
            .filter_map(|(key, value, _)| Some(tag_problems(&key?, &value?)))
            .flatten()
            .collect()
    }

    /// Renders the tags merged with the ones given in the resource's own properties
    /// (`initial`, already resolved). `None` when there is nothing to render.
    pub(crate) fn render(&self, initial: Option<&Json>) -> Option<Json> {
        let mut dynamic = Vec::new();
        // Tags given in the properties merge in below tags set by aspects (priority 50).
        let merged_storage;
        let merged = match initial {
            None => self,
            Some(initial) => {
                let mut merged = self.clone();
                for (key, value, raw) in parse_tags(self.tag_type, initial) {
                    match (key, value) {
                        (Some(k), Some(v)) => {
                            if INITIAL_TAG_PRIORITY
                                >= merged.priorities.get(&k).copied().unwrap_or(0)
                            {
                                merged.tags.insert(
                                    k.clone(),
                                    TagEntry {
                                        value: v,
                                        apply_to_launched_instances: true,
                                    },
                                );
                                merged.priorities.insert(k, INITIAL_TAG_PRIORITY);
                            }
                        }
                        // Tags whose key or value is only known at deploy time are kept as given.
                        _ => dynamic.push(raw),
                    }
                }
                merged_storage = merged;
                &merged_storage
            }
        };
        let sorted = merged.sorted();
        if sorted.is_empty() && dynamic.is_empty() {
            return None;
        }
        Some(match self.tag_type {
            TagType::Map => {
                let mut m = serde_json::Map::new();
                for (k, e) in sorted {
                    m.insert(k.clone(), Json::String(e.value.clone()));
                }
                for d in dynamic {
                    if let Json::Object(o) = d {
                        m.extend(o);
                    }
                }
                Json::Object(m)
            }
            TagType::Standard | TagType::KeyValue | TagType::AutoScalingGroup => {
                let mut list: Vec<Json> = sorted
                    .into_iter()
                    .map(|(k, e)| {
                        let mut o = serde_json::Map::new();
                        o.insert("Key".into(), Json::String(k.clone()));
                        o.insert("Value".into(), Json::String(e.value.clone()));
                        if self.tag_type == TagType::AutoScalingGroup {
                            o.insert(
                                "PropagateAtLaunch".into(),
                                Json::Bool(e.apply_to_launched_instances),
                            );
                        }
                        Json::Object(o)
                    })
                    .collect();
                list.extend(dynamic);
                Json::Array(list)
            }
        })
    }
}

type ParsedTag = (Option<String>, Option<String>, Json);

fn parse_tags(tag_type: TagType, initial: &Json) -> Vec<ParsedTag> {
    match (tag_type, initial) {
        (TagType::Map, Json::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let mut raw = serde_json::Map::new();
                raw.insert(k.clone(), v.clone());
                (
                    Some(k.clone()),
                    v.as_str().map(str::to_string),
                    Json::Object(raw),
                )
            })
            .collect(),
        (_, Json::Array(items)) => items
            .iter()
            .map(|t| {
                let key = t.get("Key").and_then(Json::as_str).map(str::to_string);
                let value = t.get("Value").and_then(Json::as_str).map(str::to_string);
                (key, value, t.clone())
            })
            .collect(),
        (_, other) => vec![(None, None, other.clone())],
    }
}

/// Options of a tag applied with [`Tags::add_with`].
#[derive(Clone, Debug)]
pub struct TagProps {
    /// Priority (default 100); higher wins over earlier lower-priority changes.
    pub priority: u32,
    /// For Auto Scaling groups: propagate to launched instances (default true).
    pub apply_to_launched_instances: bool,
    /// Only tag these resource types (empty: all).
    pub include_resource_types: Vec<String>,
    /// Never tag these resource types.
    pub exclude_resource_types: Vec<String>,
}

impl Default for TagProps {
    fn default() -> Self {
        TagProps {
            priority: 100,
            apply_to_launched_instances: true,
            include_resource_types: Vec::new(),
            exclude_resource_types: Vec::new(),
        }
    }
}

/// Applies tags to every taggable resource (and stack) under a scope.
///
/// ```
/// use sagecdk_core::{App, Stack, StackProps, Tags};
/// let app = App::new();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// Tags::of(&stack).add("team", "ml-platform");
/// ```
pub struct Tags {
    scope: Construct,
}

struct TagAspect {
    key: String,
    value: Option<String>,
    props: TagProps,
}

impl Tags {
    /// Tags for everything under `scope`.
    pub fn of(scope: &impl Scope) -> Tags {
        Tags {
            scope: scope.node().clone(),
        }
    }

    /// Adds a tag with default options.
    pub fn add(&self, key: impl Into<String>, value: impl Into<String>) {
        self.add_with(key, value, TagProps::default());
    }

    /// Adds a tag with options.
    pub fn add_with(&self, key: impl Into<String>, value: impl Into<String>, props: TagProps) {
        let (key, value) = (key.into(), value.into());
        let problems = tag_problems(&key, &value);
        if !problems.is_empty() {
            for p in problems {
                self.scope.add_error(p);
            }
            return;
        }
        Aspects::of(&self.scope).add_with_priority(
            TagAspect {
                key,
                value: Some(value),
                props,
            },
            AspectPriority::MUTATING,
        );
    }

    /// Removes a tag (default priority 200).
    pub fn remove(&self, key: impl Into<String>) {
        let props = TagProps {
            priority: 200,
            ..TagProps::default()
        };
        Aspects::of(&self.scope).add_with_priority(
            TagAspect {
                key: key.into(),
                value: None,
                props,
            },
            AspectPriority::MUTATING,
        );
    }
}

impl Aspect for TagAspect {
    fn visit(&self, node: &Construct) {
        let key = self.key.clone();
        let value = self.value.clone();
        let props = self.props.clone();
        node.tree.with_mut(
            || node.path(),
            |arena| {
                let manager = match &mut arena.node_mut(node.id).kind {
                    NodeKind::Stack(s) => Some(&mut s.tags),
                    NodeKind::Element(e) => e.tag_manager_mut(),
                    _ => None,
                };
                let Some(manager) = manager else { return };
                let rt = manager.resource_type().to_string();
                if !props.include_resource_types.is_empty()
                    && !props.include_resource_types.contains(&rt)
                {
                    return;
                }
                if props.exclude_resource_types.contains(&rt) {
                    return;
                }
                match &value {
                    Some(v) => {
                        manager.set_tag(&key, v, props.priority, props.apply_to_launched_instances)
                    }
                    None => manager.remove_tag(&key, props.priority),
                }
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn priorities_and_sorting() {
        let mut m = TagManager::new(TagType::Standard, "AWS::S3::Bucket", "Tags");
        m.set_tag("b", "1", 100, true);
        m.set_tag("A", "2", 100, true);
        m.set_tag("a", "3", 100, true);
        m.set_tag("b", "low", 50, true);
        assert_eq!(
            m.render(None),
            Some(json!([
                {"Key": "a", "Value": "3"},
                {"Key": "A", "Value": "2"},
                {"Key": "b", "Value": "1"}
            ]))
        );
        m.remove_tag("a", 200);
        m.set_tag("a", "again", 100, true);
        assert_eq!(m.tag_values().len(), 2);
    }

    #[test]
    fn initial_tags_merge_below_aspect_tags() {
        let mut m = TagManager::new(TagType::Map, "AWS::X::Y", "Tags");
        m.set_tag("k", "aspect", 100, true);
        let rendered = m.render(Some(&json!({"k": "initial", "j": "kept"})));
        assert_eq!(rendered, Some(json!({"j": "kept", "k": "aspect"})));
        let empty = TagManager::new(TagType::Standard, "AWS::X::Y", "Tags");
        assert_eq!(empty.render(None), None);
    }

    #[test]
    fn auto_scaling_group_format() {
        let mut m = TagManager::new(
            TagType::AutoScalingGroup,
            "AWS::AutoScaling::AutoScalingGroup",
            "Tags",
        );
        m.set_tag("k", "v", 100, false);
        assert_eq!(
            m.render(None),
            Some(json!([{"Key": "k", "Value": "v", "PropagateAtLaunch": false}]))
        );
    }
}
