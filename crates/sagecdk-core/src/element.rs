//! CloudFormation elements: resources, outputs, parameters, mappings, conditions and rules.

use crate::resolve::ResolveContext;
use crate::stack::Stack;
use crate::tags::{TagManager, TagType};
use crate::token::Token;
use crate::tree::{Construct, NodeId, NodeKind, Scope};
use crate::value::{List, Num, Str, Tokenized, Value};
use indexmap::IndexMap;
use serde_json::{Map as JsonMap, Value as Json};

pub(crate) struct ElementData {
    pub(crate) logical_id_override: Option<String>,
    pub(crate) kind: ElementKind,
}

pub(crate) enum ElementKind {
    Resource(Box<ResourceData>),
    Output(OutputData),
    Parameter(ParameterData),
    Mapping(IndexMap<String, IndexMap<String, Value>>),
    Condition(Value),
    Rule(RuleData),
}

impl ElementData {
    fn new(kind: ElementKind) -> Self {
        ElementData {
            logical_id_override: None,
            kind,
        }
    }

    pub(crate) fn tag_manager_mut(&mut self) -> Option<&mut TagManager> {
        match &mut self.kind {
            ElementKind::Resource(r) => r.tags.as_mut(),
            _ => None,
        }
    }

    /// Calls `f` on every value of the element that may hold tokens.
    pub(crate) fn for_each_value(&self, f: &mut dyn FnMut(&Value)) {
        fn overrides(map: &OverrideMap, f: &mut dyn FnMut(&Value)) {
            for node in map.values() {
                match node {
                    OverrideNode::Set(v) => f(v),
                    OverrideNode::Map(m) => overrides(m, f),
                    OverrideNode::Delete => {}
                }
            }
        }
        match &self.kind {
            ElementKind::Resource(r) => {
                r.properties.values().for_each(&mut *f);
                r.creation_policy.iter().for_each(&mut *f);
                r.update_policy.iter().for_each(&mut *f);
                r.metadata.values().for_each(&mut *f);
                if let Some(c) = &r.condition {
                    f(&c.to_value());
                }
                overrides(&r.overrides, f);
            }
            ElementKind::Output(o) => {
                f(&o.value);
                for s in o.export_name.iter().chain(o.condition.iter()) {
                    f(&s.to_value());
                }
            }
            ElementKind::Parameter(p) => p.props.default.iter().for_each(f),
            ElementKind::Mapping(m) => m.values().flat_map(IndexMap::values).for_each(f),
            ElementKind::Condition(expr) => f(expr),
            ElementKind::Rule(r) => {
                r.rule_condition.iter().for_each(&mut *f);
                r.assertions.iter().for_each(|(a, _)| f(a));
            }
        }
    }

    pub(crate) fn section(&self) -> &'static str {
        match self.kind {
            ElementKind::Resource(_) => "Resources",
            ElementKind::Output(_) => "Outputs",
            ElementKind::Parameter(_) => "Parameters",
            ElementKind::Mapping(_) => "Mappings",
            ElementKind::Condition(_) => "Conditions",
            ElementKind::Rule(_) => "Rules",
        }
    }
}

#[derive(Default)]
pub(crate) struct ResourceData {
    pub(crate) resource_type: String,
    pub(crate) properties: IndexMap<String, Value>,
    pub(crate) depends_on: Vec<NodeId>,
    pub(crate) creation_policy: Option<Value>,
    pub(crate) update_policy: Option<Value>,
    pub(crate) update_replace_policy: Option<String>,
    pub(crate) deletion_policy: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) metadata: IndexMap<String, Value>,
    pub(crate) condition: Option<Str>,
    pub(crate) overrides: OverrideMap,
    pub(crate) tags: Option<TagManager>,
}

pub(crate) struct OutputData {
    pub(crate) value: Value,
    pub(crate) description: Option<String>,
    pub(crate) export_name: Option<Str>,
    pub(crate) condition: Option<Str>,
}

pub(crate) struct RuleData {
    pub(crate) rule_condition: Option<Value>,
    pub(crate) assertions: Vec<(Value, String)>,
}

/// Raw overrides of a resource: a tree whose leaves set or delete a key.
pub(crate) type OverrideMap = IndexMap<String, OverrideNode>;

pub(crate) enum OverrideNode {
    Set(Value),
    Delete,
    Map(OverrideMap),
}

/// Splits an override path on `.`, where `\.` is a literal dot.
fn split_on_periods(path: &str) -> Vec<String> {
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

fn add_override(root: &mut OverrideMap, path: &str, node: OverrideNode) {
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

enum Resolved {
    Set(Json),
    Delete,
    Map(Vec<(String, Resolved)>),
}

fn resolve_overrides(map: &OverrideMap, ctx: &ResolveContext<'_>) -> Vec<(String, Resolved)> {
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
fn deep_merge(
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

/// What happens to a resource when it is removed from the stack or replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemovalPolicy {
    /// Delete the resource (`Delete`).
    Destroy,
    /// Keep the resource (`Retain`).
    Retain,
    /// Snapshot, then delete (`Snapshot`).
    Snapshot,
    /// Keep it on update and delete, but not when creation fails (`RetainExceptOnCreate`).
    RetainOnUpdateOrDelete,
}

/// A CloudFormation resource of any type (the CDK's `CfnResource`).
///
/// ```
/// use sagecdk_core::{cfn, App, CfnResource, Stack, StackProps};
/// let app = App::new();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let bucket = CfnResource::new(&stack, "Bucket", "AWS::S3::Bucket");
/// let policy = CfnResource::new(&stack, "Policy", "AWS::S3::BucketPolicy").with_properties(cfn!({
///     "Bucket": (bucket.reference()),
///     "PolicyDocument": {"Statement": []},
/// }));
/// policy.add_depends_on(&bucket);
/// ```
#[derive(Clone, Debug)]
pub struct CfnResource {
    node: Construct,
}

impl Scope for CfnResource {
    fn node(&self) -> &Construct {
        &self.node
    }
}

/// Construct-info `fqn` of generic resources.
pub const CFN_RESOURCE_FQN: &str = "sagecdk.CfnResource";

impl CfnResource {
    /// Creates a resource of `resource_type` (e.g. `AWS::S3::Bucket`) with no properties.
    pub fn new(scope: &impl Scope, id: &str, resource_type: &str) -> Self {
        Self::with_fqn(scope, id, resource_type, CFN_RESOURCE_FQN)
    }

    /// Creates a resource reporting `fqn` in `tree.json` (for generated typed resources).
    pub fn with_fqn(scope: &impl Scope, id: &str, resource_type: &str, fqn: &'static str) -> Self {
        if !resource_type.contains("::") {
            scope.node().add_error(format!(
                "Invalid resource type '{resource_type}' for '{id}': expected a name like 'AWS::Service::Resource'"
            ));
        }
        let data = ResourceData {
            resource_type: resource_type.to_string(),
            ..ResourceData::default()
        };
        let node = scope.node().add_child(
            id,
            NodeKind::Element(Box::new(ElementData::new(ElementKind::Resource(Box::new(
                data,
            ))))),
            fqn,
        );
        CfnResource { node }
    }

    /// The resource handle of a construct, if it is a CloudFormation resource.
    pub fn from_construct(node: &Construct) -> Option<CfnResource> {
        node.read_element(|e| matches!(e.kind, ElementKind::Resource(_)))
            .filter(|is| *is)
            .map(|_| CfnResource { node: node.clone() })
    }

    fn update(&self, f: impl FnOnce(&mut ResourceData)) {
        self.node.update_element(|e| {
            if let ElementKind::Resource(r) = &mut e.kind {
                f(r);
            }
        });
    }

    fn read<R>(&self, f: impl FnOnce(&ResourceData) -> R) -> Option<R> {
        self.node
            .read_element(|e| match &e.kind {
                ElementKind::Resource(r) => Some(f(r)),
                _ => None,
            })
            .flatten()
    }

    /// Replaces all properties with the entries of `properties` (an object value), returning the
    /// handle for chaining at creation.
    pub fn with_properties(self, properties: impl Into<Value>) -> Self {
        match properties.into() {
            Value::Object(m) => self.update(|r| r.properties = m),
            _ => self.node.add_error("Resource properties must be an object"),
        }
        self
    }

    /// Sets one property (keeps its position if it exists, else appends it).
    pub fn set_property(&self, key: impl Into<String>, value: impl Into<Value>) {
        let (key, value) = (key.into(), value.into());
        self.update(|r| {
            r.properties.insert(key, value);
        });
    }

    /// All properties as currently set, in order.
    pub fn properties(&self) -> IndexMap<String, Value> {
        self.read(|r| r.properties.clone()).unwrap_or_default()
    }

    /// The current value of a property.
    pub fn property(&self, key: &str) -> Option<Value> {
        self.read(|r| r.properties.get(key).cloned()).flatten()
    }

    /// The CloudFormation resource type.
    pub fn resource_type(&self) -> String {
        self.read(|r| r.resource_type.clone()).unwrap_or_default()
    }

    /// `{"Ref": logicalId}`: what `Ref` returns depends on the resource type.
    pub fn reference(&self) -> Str {
        Token::element_ref(self.node.element_ref()).to_str()
    }

    /// `{"Fn::GetAtt": [logicalId, attribute]}` as a string.
    pub fn get_att(&self, attribute: &str) -> Str {
        self.get_att_token(attribute).to_str()
    }

    /// `{"Fn::GetAtt": [logicalId, attribute]}` as a token of any type.
    pub fn get_att_token(&self, attribute: &str) -> Token {
        Token::get_att(self.node.element_ref(), attribute)
    }

    /// The logical ID, resolved at synthesis.
    pub fn logical_id(&self) -> Str {
        Token::logical_id(self.node.element_ref()).to_str()
    }

    /// Uses `logical_id` verbatim instead of the allocated one.
    pub fn override_logical_id(&self, logical_id: impl Into<String>) {
        override_logical_id(&self.node, logical_id.into());
    }

    /// Adds `DependsOn: target` (across stacks this becomes a stack dependency).
    pub fn add_depends_on(&self, target: &CfnResource) {
        let t = target.node.id;
        if !std::rc::Rc::ptr_eq(&self.node.tree, &target.node.tree) {
            self.node
                .add_error("Cannot depend on a resource of another app");
            return;
        }
        if !self.node.is_same(&target.node) {
            self.update(|r| {
                if !r.depends_on.contains(&t) {
                    r.depends_on.push(t);
                }
            });
        }
    }

    /// Sets `path` (dot-separated, `\.` for a literal dot) of the rendered resource, e.g.
    /// `Properties.VersioningConfiguration.Status`. Objects merge into existing objects. An
    /// empty path or an empty key in it (`Properties..X`, a leading or trailing `.`) is an
    /// error at the resource's path.
    pub fn add_override(&self, path: &str, value: impl Into<Value>) {
        self.checked_override("add_override", path, "", OverrideNode::Set(value.into()));
    }

    /// Deletes `path` from the rendered resource (checked as in
    /// [`add_override`](Self::add_override)).
    pub fn add_deletion_override(&self, path: &str) {
        self.checked_override("add_deletion_override", path, "", OverrideNode::Delete);
    }

    /// [`add_override`](Self::add_override) under `Properties.`.
    pub fn add_property_override(&self, path: &str, value: impl Into<Value>) {
        self.checked_override(
            "add_property_override",
            path,
            "Properties.",
            OverrideNode::Set(value.into()),
        );
    }

    /// [`add_deletion_override`](Self::add_deletion_override) under `Properties.`.
    pub fn add_property_deletion_override(&self, path: &str) {
        self.checked_override(
            "add_property_deletion_override",
            path,
            "Properties.",
            OverrideNode::Delete,
        );
    }

    /// Records the override of `prefix` + `path`, or an error naming `method` and the path as
    /// the caller wrote it if the path is empty or has an empty key.
    fn checked_override(&self, method: &str, path: &str, prefix: &str, node: OverrideNode) {
        if path.is_empty() {
            self.node
                .add_error(format!("`{method}` path must not be empty"));
            return;
        }
        if split_on_periods(path).iter().any(String::is_empty) {
            self.node.add_error(format!(
                "`{method}` path '{path}' has an empty key (a leading, trailing or doubled '.'); write the keys between single dots, with `\\.` for a dot inside a key"
            ));
            return;
        }
        let full = format!("{prefix}{path}");
        self.update(|r| add_override(&mut r.overrides, &full, node));
    }

    /// Sets `DeletionPolicy` and `UpdateReplacePolicy` from a removal policy.
    pub fn apply_removal_policy(&self, policy: RemovalPolicy) {
        let (deletion, update) = match policy {
            RemovalPolicy::Destroy => ("Delete", "Delete"),
            RemovalPolicy::Retain => ("Retain", "Retain"),
            RemovalPolicy::Snapshot => ("Snapshot", "Snapshot"),
            RemovalPolicy::RetainOnUpdateOrDelete => ("RetainExceptOnCreate", "Retain"),
        };
        self.update(|r| {
            r.deletion_policy = Some(deletion.to_string());
            r.update_replace_policy = Some(update.to_string());
        });
    }

    /// Sets `DeletionPolicy` (`Delete`, `Retain`, `RetainExceptOnCreate`, `Snapshot`).
    pub fn set_deletion_policy(&self, policy: &str) {
        let p = policy.to_string();
        self.update(|r| r.deletion_policy = Some(p));
    }

    /// Sets `UpdateReplacePolicy` (`Delete`, `Retain`, `Snapshot`).
    pub fn set_update_replace_policy(&self, policy: &str) {
        let p = policy.to_string();
        self.update(|r| r.update_replace_policy = Some(p));
    }

    /// Sets `CreationPolicy`.
    pub fn set_creation_policy(&self, policy: impl Into<Value>) {
        let p = policy.into();
        self.update(|r| r.creation_policy = Some(p));
    }

    /// Sets `UpdatePolicy`.
    pub fn set_update_policy(&self, policy: impl Into<Value>) {
        let p = policy.into();
        self.update(|r| r.update_policy = Some(p));
    }

    /// Creates the resource only when `condition` holds.
    pub fn set_condition(&self, condition: &CfnCondition) {
        let c = condition.name();
        self.update(|r| r.condition = Some(c));
    }

    /// Sets the resource's `Description` attribute.
    pub fn set_description(&self, description: impl Into<String>) {
        let d = description.into();
        self.update(|r| r.description = Some(d));
    }

    /// Sets the resource's `Version` attribute.
    pub fn set_version(&self, version: impl Into<String>) {
        let v = version.into();
        self.update(|r| r.version = Some(v));
    }

    /// Adds an entry to the resource's template `Metadata` section.
    pub fn add_metadata(&self, key: impl Into<String>, value: impl Into<Value>) {
        let (k, v) = (key.into(), value.into());
        self.update(|r| {
            r.metadata.insert(k, v);
        });
    }

    /// Makes the resource taggable: [`Tags`](crate::Tags) will render into `property_name`.
    pub fn enable_tags(&self, tag_type: TagType, property_name: &str) {
        let rt = self.resource_type();
        let manager = TagManager::new(tag_type, rt, property_name);
        self.update(|r| {
            if r.tags.is_none() {
                r.tags = Some(manager);
            }
        });
    }

    /// Whether the resource takes tags.
    pub fn is_taggable(&self) -> bool {
        self.read(|r| r.tags.is_some()).unwrap_or(false)
    }

    /// The tags set on this resource (by aspects or directly), sorted by key.
    pub fn tag_values(&self) -> IndexMap<String, String> {
        self.read(|r| r.tags.as_ref().map(TagManager::tag_values))
            .flatten()
            .unwrap_or_default()
    }

    /// The stack this resource belongs to.
    pub fn stack(&self) -> Option<Stack> {
        Stack::of(&self.node)
    }
}

fn override_logical_id(node: &Construct, id: String) {
    if !crate::logical_id::is_valid_logical_id(&id) {
        node.add_error(format!(
            "Invalid logical ID override '{id}': logical IDs must match ^[A-Za-z0-9]{{1,255}}$"
        ));
        return;
    }
    node.update_element(|e| e.logical_id_override = Some(id));
}

/// Creates an element node of `kind`.
fn add_element(scope: &impl Scope, id: &str, kind: ElementKind, fqn: &'static str) -> Construct {
    scope
        .node()
        .add_child(id, NodeKind::Element(Box::new(ElementData::new(kind))), fqn)
}

macro_rules! element_common {
    ($t:ident) => {
        impl Scope for $t {
            fn node(&self) -> &Construct {
                &self.node
            }
        }
        impl $t {
            /// The logical ID, resolved at synthesis.
            pub fn logical_id(&self) -> Str {
                Token::logical_id(self.node.element_ref()).to_str()
            }
            /// Uses `logical_id` verbatim instead of the allocated one.
            pub fn override_logical_id(&self, logical_id: impl Into<String>) {
                override_logical_id(&self.node, logical_id.into());
            }
        }
    };
}

/// A stack output, optionally exported for other stacks.
///
/// ```
/// use sagecdk_core::{App, CfnOutput, Stack, StackProps};
/// let app = App::new();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// CfnOutput::new(&stack, "Url", "https://example.com").with_description("Where to go");
/// ```
#[derive(Clone, Debug)]
pub struct CfnOutput {
    node: Construct,
}
element_common!(CfnOutput);

impl CfnOutput {
    /// Creates an output with a value.
    pub fn new(scope: &impl Scope, id: &str, value: impl Into<Value>) -> Self {
        let data = OutputData {
            value: value.into(),
            description: None,
            export_name: None,
            condition: None,
        };
        CfnOutput {
            node: add_element(scope, id, ElementKind::Output(data), "sagecdk.CfnOutput"),
        }
    }

    fn update(&self, f: impl FnOnce(&mut OutputData)) {
        self.node.update_element(|e| {
            if let ElementKind::Output(o) = &mut e.kind {
                f(o);
            }
        });
    }

    /// Sets the description.
    pub fn with_description(self, description: impl Into<String>) -> Self {
        let d = description.into();
        self.update(|o| o.description = Some(d));
        self
    }

    /// Exports the value under `name` (so other stacks can `Fn::ImportValue` it).
    pub fn with_export_name(self, name: impl Into<Str>) -> Self {
        let n = name.into();
        self.update(|o| o.export_name = Some(n));
        self
    }

    /// Outputs only when `condition` holds.
    pub fn with_condition(self, condition: &CfnCondition) -> Self {
        let c = condition.name();
        self.update(|o| o.condition = Some(c));
        self
    }

    /// `Fn::ImportValue` of this output's export name (empty if it has none).
    pub fn import_value(&self) -> Str {
        let name = self
            .node
            .read_element(|e| match &e.kind {
                ElementKind::Output(o) => o.export_name.clone(),
                _ => None,
            })
            .flatten();
        match name {
            Some(n) => crate::fns::import_value(n),
            None => {
                self.node
                    .add_error("import_value() needs an output with an export name");
                Str::default()
            }
        }
    }
}

/// Properties of a template parameter.
#[derive(Clone, Debug, Default)]
pub struct CfnParameterProps {
    /// Parameter type (default `String`).
    pub parameter_type: Option<String>,
    /// Default value.
    pub default: Option<Value>,
    /// Regular expression a string value must match.
    pub allowed_pattern: Option<String>,
    /// The allowed values.
    pub allowed_values: Vec<String>,
    /// Message shown when a constraint is violated.
    pub constraint_description: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Maximum string length.
    pub max_length: Option<f64>,
    /// Maximum numeric value.
    pub max_value: Option<f64>,
    /// Minimum string length.
    pub min_length: Option<f64>,
    /// Minimum numeric value.
    pub min_value: Option<f64>,
    /// Mask the value in the console and API.
    pub no_echo: Option<bool>,
}

pub(crate) struct ParameterData {
    pub(crate) props: CfnParameterProps,
}

/// A template parameter, supplied at deploy time.
#[derive(Clone, Debug)]
pub struct CfnParameter {
    node: Construct,
}
element_common!(CfnParameter);

impl CfnParameter {
    /// Creates a parameter.
    pub fn new(scope: &impl Scope, id: &str, props: CfnParameterProps) -> Self {
        CfnParameter {
            node: add_element(
                scope,
                id,
                ElementKind::Parameter(ParameterData { props }),
                "sagecdk.CfnParameter",
            ),
        }
    }

    fn reference(&self) -> Token {
        Token::element_ref(self.node.element_ref())
    }

    /// The value as a string (`Ref`).
    pub fn value_as_string(&self) -> Str {
        self.reference().to_str()
    }

    /// The value as a number (`Ref`).
    pub fn value_as_number(&self) -> Num {
        self.reference().to_num()
    }

    /// The value as a list (`Ref` to a `List<…>` or `CommaDelimitedList` parameter).
    pub fn value_as_list(&self) -> List<Str> {
        self.reference().to_list()
    }
}

/// A template mapping: a two-level lookup table.
#[derive(Clone, Debug)]
pub struct CfnMapping {
    node: Construct,
}
element_common!(CfnMapping);

impl CfnMapping {
    /// Creates a mapping.
    pub fn new(
        scope: &impl Scope,
        id: &str,
        mapping: IndexMap<String, IndexMap<String, Value>>,
    ) -> Self {
        CfnMapping {
            node: add_element(
                scope,
                id,
                ElementKind::Mapping(mapping),
                "sagecdk.CfnMapping",
            ),
        }
    }

    /// Sets one value.
    pub fn set_value(
        &self,
        key1: impl Into<String>,
        key2: impl Into<String>,
        value: impl Into<Value>,
    ) {
        let (k1, k2, v) = (key1.into(), key2.into(), value.into());
        self.node.update_element(|e| {
            if let ElementKind::Mapping(m) = &mut e.kind {
                m.entry(k1).or_default().insert(k2, v);
            }
        });
    }

    /// `Fn::FindInMap` on this mapping.
    pub fn find_in_map(&self, key1: impl Into<Str>, key2: impl Into<Str>) -> Str {
        crate::fns::find_in_map(self.logical_id(), key1, key2)
    }
}

/// A template condition.
#[derive(Clone, Debug)]
pub struct CfnCondition {
    node: Construct,
}
element_common!(CfnCondition);

impl CfnCondition {
    /// Creates a condition from a condition expression (`fns::condition_equals`, …).
    pub fn new(scope: &impl Scope, id: &str, expression: impl Into<Value>) -> Self {
        CfnCondition {
            node: add_element(
                scope,
                id,
                ElementKind::Condition(expression.into()),
                "sagecdk.CfnCondition",
            ),
        }
    }

    /// The condition's name (its logical ID), for `Fn::If` and resource conditions.
    pub fn name(&self) -> Str {
        self.logical_id()
    }
}

/// A template rule: assertions on parameter values checked before deployment.
#[derive(Clone, Debug)]
pub struct CfnRule {
    node: Construct,
}
element_common!(CfnRule);

impl CfnRule {
    /// Creates a rule with an optional condition.
    pub fn new(scope: &impl Scope, id: &str, rule_condition: Option<Value>) -> Self {
        CfnRule {
            node: add_element(
                scope,
                id,
                ElementKind::Rule(RuleData {
                    rule_condition,
                    assertions: Vec::new(),
                }),
                "sagecdk.CfnRule",
            ),
        }
    }

    /// Adds an assertion with its failure description.
    pub fn add_assertion(&self, assertion: impl Into<Value>, description: impl Into<String>) {
        let (a, d) = (assertion.into(), description.into());
        self.node.update_element(|e| {
            if let ElementKind::Rule(r) = &mut e.kind {
                r.assertions.push((a, d));
            }
        });
    }
}

/// Inputs to rendering an element that come from the synthesis plan.
pub(crate) struct RenderInputs<'a> {
    pub(crate) depends_on: &'a [String],
    pub(crate) path_metadata: Option<&'a str>,
}

fn insert_opt(m: &mut JsonMap<String, Json>, key: &str, v: Option<Json>) {
    if let Some(v) = v {
        m.insert(key.to_string(), v);
    }
}

fn non_empty(v: Option<Json>) -> Option<Json> {
    match v {
        Some(Json::Object(m)) if m.is_empty() => None,
        Some(Json::Array(a)) if a.is_empty() => None,
        other => other,
    }
}

fn string_opt(s: &Option<String>) -> Option<Json> {
    s.as_ref().map(|s| Json::String(s.clone()))
}

/// Renders an element's entry in its template section.
pub(crate) fn render_element(
    element: &ElementData,
    ctx: &ResolveContext<'_>,
    inputs: &RenderInputs<'_>,
) -> Option<Json> {
    match &element.kind {
        ElementKind::Resource(r) => Some(render_resource(r, ctx, inputs)),
        ElementKind::Output(o) => {
            let mut m = JsonMap::new();
            insert_opt(&mut m, "Description", string_opt(&o.description));
            insert_opt(&mut m, "Value", ctx.resolve_at("Value", &o.value));
            if let Some(name) = &o.export_name {
                let mut export = JsonMap::new();
                insert_opt(
                    &mut export,
                    "Name",
                    ctx.resolve_at("Export.Name", &name.to_value()),
                );
                m.insert("Export".into(), Json::Object(export));
            }
            insert_opt(
                &mut m,
                "Condition",
                o.condition
                    .as_ref()
                    .and_then(|c| ctx.resolve(&c.to_value())),
            );
            Some(Json::Object(m))
        }
        ElementKind::Parameter(p) => {
            let p = &p.props;
            let mut m = JsonMap::new();
            m.insert(
                "Type".into(),
                Json::String(p.parameter_type.clone().unwrap_or_else(|| "String".into())),
            );
            insert_opt(
                &mut m,
                "Default",
                p.default
                    .as_ref()
                    .and_then(|d| ctx.resolve_at("Default", d)),
            );
            insert_opt(&mut m, "AllowedPattern", string_opt(&p.allowed_pattern));
            if !p.allowed_values.is_empty() {
                m.insert(
                    "AllowedValues".into(),
                    Json::Array(p.allowed_values.iter().cloned().map(Json::String).collect()),
                );
            }
            insert_opt(
                &mut m,
                "ConstraintDescription",
                string_opt(&p.constraint_description),
            );
            insert_opt(&mut m, "Description", string_opt(&p.description));
            for (key, n) in [
                ("MaxLength", p.max_length),
                ("MaxValue", p.max_value),
                ("MinLength", p.min_length),
                ("MinValue", p.min_value),
            ] {
                if let Some(n) = n {
                    m.insert(key.into(), ctx.within(key, || ctx.number(n)));
                }
            }
            insert_opt(&mut m, "NoEcho", p.no_echo.map(Json::Bool));
            Some(Json::Object(m))
        }
        ElementKind::Mapping(mapping) => {
            let v = Value::Object(
                mapping
                    .iter()
                    .map(|(k, inner)| (k.clone(), Value::Object(inner.clone())))
                    .collect(),
            );
            ctx.resolve(&v)
        }
        ElementKind::Condition(expr) => ctx.resolve(expr),
        ElementKind::Rule(r) => {
            let mut m = JsonMap::new();
            insert_opt(
                &mut m,
                "RuleCondition",
                r.rule_condition
                    .as_ref()
                    .and_then(|c| ctx.resolve_at("RuleCondition", c)),
            );
            let assertions: Vec<Json> = r
                .assertions
                .iter()
                .enumerate()
                .map(|(i, (a, d))| {
                    let mut e = JsonMap::new();
                    insert_opt(
                        &mut e,
                        "Assert",
                        ctx.within("Assertions", || {
                            ctx.within(i, || ctx.resolve_at("Assert", a))
                        }),
                    );
                    e.insert("AssertDescription".into(), Json::String(d.clone()));
                    Json::Object(e)
                })
                .collect();
            if !assertions.is_empty() {
                m.insert("Assertions".into(), Json::Array(assertions));
            }
            Some(Json::Object(m))
        }
    }
}

fn render_resource(r: &ResourceData, ctx: &ResolveContext<'_>, inputs: &RenderInputs<'_>) -> Json {
    let mut props = JsonMap::with_capacity(r.properties.len());
    ctx.within("Properties", || {
        for (k, v) in &r.properties {
            if let Some(v) = ctx.resolve_at(k, v) {
                props.insert(k.clone(), v);
            }
        }
    });
    if let Some(tags) = &r.tags {
        let name = tags.property_name();
        if let Some(initial) = props.get(name) {
            for problem in tags.initial_problems(initial) {
                ctx.error(problem);
            }
        }
        match tags.render(props.get(name)) {
            Some(rendered) => {
                if props.contains_key(name) {
                    props.insert(name.to_string(), rendered);
                } else {
                    // Keep the generated resources' sorted property order.
                    let pos = props
                        .keys()
                        .position(|k| k.as_str() > name)
                        .unwrap_or(props.len());
                    props.shift_insert(pos, name.to_string(), rendered);
                }
            }
            None => {
                props.shift_remove(name);
            }
        }
    }

    let mut m = JsonMap::new();
    m.insert("Type".into(), Json::String(r.resource_type.clone()));
    if !props.is_empty() {
        m.insert("Properties".into(), Json::Object(props));
    }
    if !inputs.depends_on.is_empty() {
        m.insert(
            "DependsOn".into(),
            Json::Array(
                inputs
                    .depends_on
                    .iter()
                    .cloned()
                    .map(Json::String)
                    .collect(),
            ),
        );
    }
    insert_opt(
        &mut m,
        "CreationPolicy",
        non_empty(
            r.creation_policy
                .as_ref()
                .and_then(|p| ctx.resolve_at("CreationPolicy", p)),
        ),
    );
    insert_opt(
        &mut m,
        "UpdatePolicy",
        non_empty(
            r.update_policy
                .as_ref()
                .and_then(|p| ctx.resolve_at("UpdatePolicy", p)),
        ),
    );
    insert_opt(
        &mut m,
        "UpdateReplacePolicy",
        string_opt(&r.update_replace_policy),
    );
    insert_opt(&mut m, "DeletionPolicy", string_opt(&r.deletion_policy));
    insert_opt(&mut m, "Version", string_opt(&r.version));
    insert_opt(&mut m, "Description", string_opt(&r.description));
    let mut metadata = JsonMap::new();
    if let Some(path) = inputs.path_metadata {
        metadata.insert("aws:cdk:path".into(), Json::String(path.to_string()));
    }
    ctx.within("Metadata", || {
        for (k, v) in &r.metadata {
            if let Some(v) = ctx.resolve_at(k, v) {
                metadata.insert(k.clone(), v);
            }
        }
    });
    if !metadata.is_empty() {
        m.insert("Metadata".into(), Json::Object(metadata));
    }
    insert_opt(
        &mut m,
        "Condition",
        r.condition
            .as_ref()
            .and_then(|c| ctx.resolve(&c.to_value())),
    );

    let mut rendered = Json::Object(m);
    if !r.overrides.is_empty() {
        let mut problems = Vec::new();
        deep_merge(
            &mut rendered,
            resolve_overrides(&r.overrides, ctx),
            "",
            &mut problems,
        );
        for p in problems {
            ctx.error(p);
        }
    }
    rendered
}

impl From<&CfnResource> for Value {
    /// A resource used as a value is its `Ref`.
    fn from(r: &CfnResource) -> Self {
        r.reference().to_value()
    }
}

impl From<&CfnParameter> for Value {
    /// A parameter used as a value is its `Ref`.
    fn from(p: &CfnParameter) -> Self {
        p.value_as_string().to_value()
    }
}

impl From<&CfnParameter> for Num {
    fn from(p: &CfnParameter) -> Self {
        p.value_as_number()
    }
}

impl From<&CfnParameter> for Tokenized<Vec<Str>> {
    fn from(p: &CfnParameter) -> Self {
        p.value_as_list()
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
