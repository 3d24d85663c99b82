//! `CfnResource`: a resource of any type, its options, and its rendering.

use super::*;

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
                r.forget_rendering();
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
    /// handle for chaining at creation. A property source set before is dropped.
    pub fn with_properties(self, properties: impl Into<Value>) -> Self {
        match properties.into() {
            Value::Object(m) => self.update(|r| {
                r.properties = m;
                r.source = None;
            }),
            _ => self.node.add_error("Resource properties must be an object"),
        }
        self
    }

    /// Renders the properties with `render` whenever they are read — by
    /// [`properties`](Self::properties), validations and synthesis — instead of fixing them at
    /// creation, returning the handle for chaining. This is how typed resources keep their
    /// props editable until synthesis. Properties set with [`set_property`](Self::set_property)
    /// apply on top of the rendered ones; overrides and tags apply to the result as usual.
    ///
    /// `render` runs while the construct tree is being read, so it must not call back into the
    /// tree (it renders state of its own, as a typed resource's props).
    ///
    /// ```
    /// use sagecdk_core::{App, CfnResource, IndexMap, Stack, StackProps, Value};
    /// use std::{cell::RefCell, rc::Rc};
    /// let app = App::for_tests();
    /// let stack = Stack::new(&app, "S", StackProps::default());
    /// let name = Rc::new(RefCell::new("a".to_string()));
    /// let state = name.clone();
    /// let bucket = CfnResource::new(&stack, "Bucket", "AWS::S3::Bucket").with_property_source(
    ///     move || IndexMap::from([("BucketName".to_string(), Value::from(state.borrow().as_str()))]),
    /// );
    /// *name.borrow_mut() = "b".to_string();
    /// assert!(matches!(bucket.property("BucketName"), Some(Value::String(n)) if n == "b"));
    /// ```
    pub fn with_property_source(
        self,
        render: impl Fn() -> IndexMap<String, Value> + 'static,
    ) -> Self {
        let source: PropertySource = std::rc::Rc::new(render);
        self.update(|r| {
            r.properties.clear();
            r.source = Some(source);
        });
        self
    }

    /// Tells the resource that the state its property source renders has changed. Synthesis
    /// renders each source once and keeps the result while it runs; typed resources call this
    /// from their `update`, so a change made during synthesis (by a validation, say) is seen.
    pub fn properties_changed(&self) {
        self.update(|_| {});
    }

    /// Sets one property (keeps its position if it exists, else appends it).
    pub fn set_property(&self, key: impl Into<String>, value: impl Into<Value>) {
        let (key, value) = (key.into(), value.into());
        self.update(|r| {
            r.properties.insert(key, value);
        });
    }

    /// All properties as currently set, in order (a property source rendered now).
    pub fn properties(&self) -> IndexMap<String, Value> {
        self.read(|r| r.effective_properties().into_owned())
            .unwrap_or_default()
    }

    /// Calls `f` with the properties as currently set, without copying them (a property source
    /// is rendered for the call unless synthesis keeps its rendering); `f` must not change the
    /// construct tree.
    pub fn inspect_properties<R: Default>(
        &self,
        f: impl FnOnce(&IndexMap<String, Value>) -> R,
    ) -> R {
        self.read(|r| f(&r.effective_properties()))
            .unwrap_or_default()
    }

    /// The current value of a property.
    pub fn property(&self, key: &str) -> Option<Value> {
        self.read(|r| r.effective_properties().get(key).cloned())
            .flatten()
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
        self.update(|r| add_override(&mut r.options_mut().overrides, &full, node));
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
            let o = r.options_mut();
            o.deletion_policy = Some(deletion.to_string());
            o.update_replace_policy = Some(update.to_string());
        });
    }

    /// Sets `DeletionPolicy` (`Delete`, `Retain`, `RetainExceptOnCreate`, `Snapshot`).
    pub fn set_deletion_policy(&self, policy: &str) {
        let p = policy.to_string();
        self.update(|r| r.options_mut().deletion_policy = Some(p));
    }

    /// Sets `UpdateReplacePolicy` (`Delete`, `Retain`, `Snapshot`).
    pub fn set_update_replace_policy(&self, policy: &str) {
        let p = policy.to_string();
        self.update(|r| r.options_mut().update_replace_policy = Some(p));
    }

    /// Sets `CreationPolicy`.
    pub fn set_creation_policy(&self, policy: impl Into<Value>) {
        let p = policy.into();
        self.update(|r| r.options_mut().creation_policy = Some(p));
    }

    /// Sets `UpdatePolicy`.
    pub fn set_update_policy(&self, policy: impl Into<Value>) {
        let p = policy.into();
        self.update(|r| r.options_mut().update_policy = Some(p));
    }

    /// Creates the resource only when `condition` holds.
    pub fn set_condition(&self, condition: &CfnCondition) {
        let c = condition.name();
        self.update(|r| r.options_mut().condition = Some(c));
    }

    /// Sets the resource's `Description` attribute.
    pub fn set_description(&self, description: impl Into<String>) {
        let d = description.into();
        self.update(|r| r.options_mut().description = Some(d));
    }

    /// Sets the resource's `Version` attribute.
    pub fn set_version(&self, version: impl Into<String>) {
        let v = version.into();
        self.update(|r| r.options_mut().version = Some(v));
    }

    /// Adds an entry to the resource's template `Metadata` section.
    pub fn add_metadata(&self, key: impl Into<String>, value: impl Into<Value>) {
        let (k, v) = (key.into(), value.into());
        self.update(|r| {
            r.options_mut().metadata.insert(k, v);
        });
    }

    /// Makes the resource taggable: [`Tags`](crate::Tags) will render into `property_name`.
    pub fn enable_tags(
        &self,
        tag_type: TagType,
        property_name: impl Into<std::borrow::Cow<'static, str>>,
    ) {
        let rt = self.resource_type();
        let manager = TagManager::new(tag_type, rt, property_name);
        self.update(|r| {
            if r.tags.is_none() {
                r.tags = Some(Box::new(manager));
            }
        });
    }

    /// Whether the resource takes tags.
    pub fn is_taggable(&self) -> bool {
        self.read(|r| r.tags.is_some()).unwrap_or(false)
    }

    /// The tags set on this resource (by aspects or directly), sorted by key.
    pub fn tag_values(&self) -> IndexMap<String, String> {
        self.read(|r| r.tags.as_deref().map(TagManager::tag_values))
            .flatten()
            .unwrap_or_default()
    }

    /// The stack this resource belongs to.
    pub fn stack(&self) -> Option<Stack> {
        Stack::of(&self.node)
    }
}

pub(super) fn render_resource(
    r: &ResourceData,
    ctx: &ResolveContext<'_>,
    inputs: &RenderInputs<'_>,
) -> Json {
    let properties = r.effective_properties();
    let mut props = JsonMap::with_capacity(properties.len());
    ctx.within("Properties", || {
        for (k, v) in properties.iter() {
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

    let o = r.options();
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
            o.creation_policy
                .as_ref()
                .and_then(|p| ctx.resolve_at("CreationPolicy", p)),
        ),
    );
    insert_opt(
        &mut m,
        "UpdatePolicy",
        non_empty(
            o.update_policy
                .as_ref()
                .and_then(|p| ctx.resolve_at("UpdatePolicy", p)),
        ),
    );
    insert_opt(
        &mut m,
        "UpdateReplacePolicy",
        string_opt(&o.update_replace_policy),
    );
    insert_opt(&mut m, "DeletionPolicy", string_opt(&o.deletion_policy));
    insert_opt(&mut m, "Version", string_opt(&o.version));
    insert_opt(&mut m, "Description", string_opt(&o.description));
    let mut metadata = JsonMap::new();
    if let Some(path) = inputs.path_metadata {
        metadata.insert("aws:cdk:path".into(), Json::String(path.to_string()));
    }
    ctx.within("Metadata", || {
        for (k, v) in &o.metadata {
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
        o.condition
            .as_ref()
            .and_then(|c| ctx.resolve(&c.to_value())),
    );

    let mut rendered = Json::Object(m);
    if !o.overrides.is_empty() {
        let mut problems = Vec::new();
        deep_merge(
            &mut rendered,
            resolve_overrides(&o.overrides, ctx),
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
