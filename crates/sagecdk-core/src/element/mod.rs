//! CloudFormation elements: resources, outputs, parameters, mappings, conditions and rules —
//! one file per kind, with what they share here: the element data stored in the construct
//! tree, logical ID overrides and the dispatch of rendering.

// Defined before the modules that use it (macros are scoped by text order).
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

mod condition;
mod mapping;
mod output;
mod overrides;
mod parameter;
mod resource;
mod rule;

pub use condition::CfnCondition;
pub use mapping::CfnMapping;
pub use output::CfnOutput;
pub use parameter::{CfnParameter, CfnParameterProps};
pub use resource::{CFN_RESOURCE_FQN, CfnResource, RemovalPolicy};
pub use rule::CfnRule;

use overrides::{add_override, deep_merge, resolve_overrides, split_on_periods};
use parameter::ParameterData;

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
    Output(Box<OutputData>),
    Parameter(Box<ParameterData>),
    Mapping(Box<IndexMap<String, IndexMap<String, Value>>>),
    Condition(Box<Value>),
    Rule(Box<RuleData>),
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
            ElementKind::Resource(r) => r.tags.as_deref_mut(),
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
                r.effective_properties().values().for_each(&mut *f);
                let o = r.options();
                o.creation_policy.iter().for_each(&mut *f);
                o.update_policy.iter().for_each(&mut *f);
                o.metadata.values().for_each(&mut *f);
                if let Some(c) = &o.condition {
                    f(&c.to_value());
                }
                overrides(&o.overrides, f);
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
    /// Properties set as values (all of a generic resource's; on a resource with a `source`,
    /// those set through the escape hatch, which apply on top of the rendered ones).
    pub(crate) properties: IndexMap<String, Value>,
    /// Renders the properties when they are read (typed resources, whose props stay editable
    /// until synthesis).
    pub(crate) source: Option<PropertySource>,
    /// The source's rendering kept for the synthesis in progress (see
    /// [`ResourceData::keep_rendering`]).
    kept: std::cell::OnceCell<Box<IndexMap<String, Value>>>,
    pub(crate) depends_on: Vec<NodeId>,
    pub(crate) tags: Option<Box<TagManager>>,
    /// Resource options, which most resources do not set (`None` until one is).
    options: Option<Box<ResourceOptions>>,
}

/// The resource attributes and overrides few resources have, kept out of line: an app has
/// thousands of resources, and these took most of each one's size.
#[derive(Default)]
pub(crate) struct ResourceOptions {
    pub(crate) creation_policy: Option<Value>,
    pub(crate) update_policy: Option<Value>,
    pub(crate) update_replace_policy: Option<String>,
    pub(crate) deletion_policy: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) metadata: IndexMap<String, Value>,
    pub(crate) condition: Option<Str>,
    pub(crate) overrides: OverrideMap,
}

thread_local! {
    /// The options of a resource that sets none (one per thread, for the life of the thread).
    static NO_OPTIONS: &'static ResourceOptions = Box::leak(Box::default());
}

/// Renders a resource's properties from state kept outside the tree (a typed resource's props).
pub(crate) type PropertySource = std::rc::Rc<dyn Fn() -> IndexMap<String, Value>>;

impl ResourceData {
    /// The resource's options (all unset when it has none).
    pub(crate) fn options(&self) -> &ResourceOptions {
        match &self.options {
            Some(o) => o,
            None => NO_OPTIONS.with(|o| *o),
        }
    }

    /// The resource's options, for changing them.
    pub(crate) fn options_mut(&mut self) -> &mut ResourceOptions {
        self.options.get_or_insert_with(Box::default)
    }

    /// The properties as they are now: the source's rendering (if any) with the properties set
    /// as values applied on top (a key already rendered keeps its place, a new one is appended,
    /// as `set_property` does on a resource without a source).
    pub(crate) fn effective_properties(&self) -> std::borrow::Cow<'_, IndexMap<String, Value>> {
        match (&self.source, self.kept.get()) {
            (None, _) => std::borrow::Cow::Borrowed(&self.properties),
            (Some(_), Some(kept)) => std::borrow::Cow::Borrowed(&**kept),
            (Some(source), None) => std::borrow::Cow::Owned(self.render(source)),
        }
    }

    fn render(&self, source: &PropertySource) -> IndexMap<String, Value> {
        let mut rendered = source();
        for (k, v) in &self.properties {
            rendered.insert(k.clone(), v.clone());
        }
        rendered
    }

    /// Renders the property source once and keeps the result until
    /// [`forget_rendering`](Self::forget_rendering): synthesis reads every resource's properties
    /// several times (references, validation, the template), and a large app's typed props
    /// would otherwise be rendered for each read. Any change to the resource drops it.
    pub(crate) fn keep_rendering(&self) {
        if let Some(source) = &self.source
            && self.kept.get().is_none()
        {
            let _ = self.kept.set(Box::new(self.render(source)));
        }
    }

    /// Drops a kept rendering, so the next read renders the source again.
    pub(crate) fn forget_rendering(&mut self) {
        self.kept.take();
    }
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
        ElementKind::Resource(r) => Some(resource::render_resource(r, ctx, inputs)),
        ElementKind::Output(o) => output::render_output(o, ctx),
        ElementKind::Parameter(p) => parameter::render_parameter(p, ctx),
        ElementKind::Mapping(mapping) => mapping::render_mapping(mapping, ctx),
        ElementKind::Condition(expr) => ctx.resolve(expr),
        ElementKind::Rule(r) => rule::render_rule(r, ctx),
    }
}
