//! IAM: principals, policy statements and documents, roles, policies and grants.
//!
//! Documents render as the AWS CDK renders them: statement keys in the order `Action,
//! NotAction, Condition, Effect, Principal, NotPrincipal, Resource, NotResource, Sid`;
//! duplicate actions and resources removed and single-element lists written as scalars;
//! identical statements written once (first occurrence kept); `Statement` before `Version`.
//! A role's default policy also drops statements equal up to the order of their lists. With
//! [`MINIMIZE_POLICIES`] in the context, statements are merged and lists sorted as the CDK does.
//!
//! ```
//! use sagecdk_aws::iam::{PolicyStatement, Principal, Role, RoleProps};
//! use sagecdk_core::{App, Stack, StackProps};
//! let app = App::for_tests();
//! let stack = Stack::new(&app, "S", StackProps::default());
//! let role = Role::new(&stack, "Role", RoleProps::new(Principal::service("sagemaker.amazonaws.com")));
//! role.add_to_policy(PolicyStatement::allow().action("s3:GetObject").resource("*"));
//! ```

mod render;

use indexmap::IndexMap;
use render::RenderSettings;
use sagecdk_cfn::iam::role::Policy as InlinePolicy;
use sagecdk_cfn::iam::{CfnPolicy, CfnPolicyProps, CfnRole, CfnRoleProps};
use sagecdk_core::{
    Aspect, Aspects, Aws, CfnResource, Construct, Lazy, List, Scope, Stack, Str, Tokenized, Value,
    fns,
};
use serde_json::Value as Json;
use std::cell::RefCell;
use std::rc::Rc;

/// Context flag: `true` merges the statements of every policy document and sorts their
/// actions, resources and principals, as the AWS CDK does under the same flag (statements
/// with the same effect, conditions and `Not…` sets are merged when their actions, resources
/// or principals are the only difference; never statements with a `Sid`).
pub const MINIMIZE_POLICIES: &str = "@aws-cdk/aws-iam:minimizePolicies";

/// Context key: the estimated length of an ARN only known at deployment (default 150), used
/// where the size of a merged statement is limited, as in the AWS CDK.
pub const ARN_SIZE_ESTIMATE: &str = "@aws-cdk/aws-iam.arnSizeEstimate";

/// Who a policy applies to (in trust policies) or who is granted.
#[derive(Clone, Debug)]
pub enum Principal {
    /// An AWS service, e.g. `sagemaker.amazonaws.com`.
    Service(String),
    /// An account id or ARN (`{"AWS": …}`).
    Aws(Str),
    /// A federated identity provider.
    Federated(String),
    /// Anyone (`"*"`).
    Any,
}

impl Principal {
    /// A service principal.
    pub fn service(name: impl Into<String>) -> Self {
        Principal::Service(name.into())
    }

    /// An account's root principal (the CDK's `AccountPrincipal`), rendered as its ARN
    /// `arn:<partition>:iam::<account>:root`: the account's identities whose own policies
    /// allow it. `account` is a 12-digit id or a token such as [`Aws::account_id`].
    ///
    /// ```
    /// use sagecdk_aws::iam::Principal;
    /// let Principal::Aws(arn) = Principal::account("111122223333") else { unreachable!() };
    /// assert!(arn.is_unresolved()); // arn:${AWS::Partition}:iam::111122223333:root
    /// ```
    pub fn account(account: impl Into<Str>) -> Self {
        Principal::Aws(Str::from("arn:") + Aws::partition() + ":iam::" + account.into() + ":root")
    }

    /// The root principal of the account of the stack `scope` belongs to (the CDK's
    /// `AccountRootPrincipal`): the stack's literal account when it has one, else
    /// `AWS::AccountId`.
    pub fn account_root(scope: &impl Scope) -> Self {
        let account = Stack::of(scope).map_or_else(Aws::account_id, |stack| stack.account());
        Principal::account(account)
    }

    /// An ARN principal.
    pub fn arn(arn: impl Into<Str>) -> Self {
        Principal::Aws(arn.into())
    }

    fn key_and_value(&self) -> (&'static str, Value) {
        match self {
            Principal::Service(s) => ("Service", Value::String(s.clone())),
            Principal::Aws(a) => ("AWS", a.to_value()),
            Principal::Federated(f) => ("Federated", Value::String(f.clone())),
            Principal::Any => ("AWS", Value::String("*".into())),
        }
    }
}

/// Allow or deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

impl Effect {
    /// `Allow` or `Deny`, as written in a statement.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// One statement of a policy document.
#[derive(Clone, Debug)]
pub struct PolicyStatement {
    effect: Effect,
    actions: Vec<String>,
    not_actions: Vec<String>,
    resources: Vec<Str>,
    not_resources: Vec<Str>,
    principals: Vec<Principal>,
    not_principals: Vec<Principal>,
    conditions: IndexMap<String, Value>,
    sid: Option<String>,
}

impl PolicyStatement {
    fn with_effect(effect: Effect) -> Self {
        PolicyStatement {
            effect,
            actions: Vec::new(),
            not_actions: Vec::new(),
            resources: Vec::new(),
            not_resources: Vec::new(),
            principals: Vec::new(),
            not_principals: Vec::new(),
            conditions: IndexMap::new(),
            sid: None,
        }
    }

    /// An `Allow` statement.
    pub fn allow() -> Self {
        Self::with_effect(Effect::Allow)
    }

    /// A `Deny` statement.
    pub fn deny() -> Self {
        Self::with_effect(Effect::Deny)
    }

    /// Adds an action.
    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.actions.push(action.into());
        self
    }

    /// Adds actions.
    pub fn actions<S: Into<String>>(mut self, actions: impl IntoIterator<Item = S>) -> Self {
        self.actions.extend(actions.into_iter().map(Into::into));
        self
    }

    /// Adds a `NotAction`.
    pub fn not_action(mut self, action: impl Into<String>) -> Self {
        self.not_actions.push(action.into());
        self
    }

    /// Adds a resource ARN.
    pub fn resource(mut self, arn: impl Into<Str>) -> Self {
        self.resources.push(arn.into());
        self
    }

    /// Adds resource ARNs.
    pub fn resources<S: Into<Str>>(mut self, arns: impl IntoIterator<Item = S>) -> Self {
        self.resources.extend(arns.into_iter().map(Into::into));
        self
    }

    /// Adds a `NotResource`.
    pub fn not_resource(mut self, arn: impl Into<Str>) -> Self {
        self.not_resources.push(arn.into());
        self
    }

    /// Adds a principal (resource and trust policies).
    pub fn principal(mut self, principal: Principal) -> Self {
        self.principals.push(principal);
        self
    }

    /// Adds a `NotPrincipal`.
    pub fn not_principal(mut self, principal: Principal) -> Self {
        self.not_principals.push(principal);
        self
    }

    /// Adds a condition, e.g. `("StringEquals", {"aws:SourceAccount": "123"})`.
    pub fn condition(mut self, operator: impl Into<String>, value: impl Into<Value>) -> Self {
        self.conditions.insert(operator.into(), value.into());
        self
    }

    /// Sets the statement id.
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    /// The effect.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Whether the statement has at least one action (a grant without actions is an error).
    pub fn has_actions(&self) -> bool {
        !self.actions.is_empty() || !self.not_actions.is_empty()
    }

    fn principals_value(list: &[Principal]) -> Option<Value> {
        if list.is_empty() {
            return None;
        }
        if list.iter().all(|p| matches!(p, Principal::Any)) {
            return Some(Value::String("*".into()));
        }
        let mut m: IndexMap<String, Value> = IndexMap::new();
        for p in list {
            let (k, v) = p.key_and_value();
            match m.get_mut(k) {
                Some(Value::Array(items)) => items.push(v),
                Some(existing) => {
                    let first = std::mem::take(existing);
                    *existing = Value::Array(vec![first, v]);
                }
                None => {
                    m.insert(k.to_string(), v);
                }
            }
        }
        Some(Value::Object(m))
    }

    /// The statement as a template value (keys in the CDK's order; lists are normalized when the
    /// document is rendered).
    pub fn to_value(&self) -> Value {
        let mut m: IndexMap<String, Value> = IndexMap::new();
        let strings = |v: &[String]| Value::Array(v.iter().cloned().map(Value::String).collect());
        let strs = |v: &[Str]| Value::Array(v.iter().map(Str::to_value).collect());
        if !self.actions.is_empty() {
            m.insert("Action".into(), strings(&self.actions));
        }
        if !self.not_actions.is_empty() {
            m.insert("NotAction".into(), strings(&self.not_actions));
        }
        if !self.conditions.is_empty() {
            m.insert("Condition".into(), Value::Object(self.conditions.clone()));
        }
        m.insert("Effect".into(), Value::from(self.effect.as_str()));
        if let Some(p) = Self::principals_value(&self.principals) {
            m.insert("Principal".into(), p);
        }
        if let Some(p) = Self::principals_value(&self.not_principals) {
            m.insert("NotPrincipal".into(), p);
        }
        if !self.resources.is_empty() {
            m.insert("Resource".into(), strs(&self.resources));
        }
        if !self.not_resources.is_empty() {
            m.insert("NotResource".into(), strs(&self.not_resources));
        }
        if let Some(sid) = &self.sid {
            m.insert("Sid".into(), Value::String(sid.clone()));
        }
        Value::Object(m)
    }
}

/// A policy document whose statements may be added after it is used in a template.
#[derive(Clone, Debug, Default)]
pub struct PolicyDocument {
    statements: Rc<RefCell<Vec<PolicyStatement>>>,
}

impl PolicyDocument {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// A document with these statements.
    pub fn with_statements(statements: impl IntoIterator<Item = PolicyStatement>) -> Self {
        let d = Self::new();
        for s in statements {
            d.add_statement(s);
        }
        d
    }

    /// Appends a statement.
    pub fn add_statement(&self, statement: PolicyStatement) {
        let mut list = self.statements.borrow_mut();
        // Most documents hold one to three statements, and a statement is large: growing the
        // first few one at a time instead of to four at once keeps thousands of roles and
        // policies from reserving room they never use (megabytes in a large app).
        if list.len() < 4 {
            list.reserve_exact(1);
        }
        list.push(statement);
    }

    /// Whether the document has no statements.
    pub fn is_empty(&self) -> bool {
        self.statements.borrow().is_empty()
    }

    /// The statements.
    pub fn statements(&self) -> Vec<PolicyStatement> {
        self.statements.borrow().clone()
    }

    /// The document as a template value, rendered at synthesis (so statements added later are
    /// included); absent when empty. Statements are never merged here: see
    /// [`PolicyDocument::to_value_in`].
    pub fn to_value(&self) -> Value {
        self.render(Rc::new(RenderSettings::new(false)))
    }

    /// The document as a template value of a resource in `scope` (the resource, or the
    /// construct owning it): with [`MINIMIZE_POLICIES`] set to `true` in `scope`'s context when
    /// the app is synthesized, statements are merged and their lists sorted as the AWS CDK does.
    pub fn to_value_in(&self, scope: &impl Scope) -> Value {
        self.render_in(scope.node(), false)
    }

    /// Like [`PolicyDocument::to_value_in`]; `size_limited_pass` for a role's default policy.
    fn render_in(&self, node: &Construct, size_limited_pass: bool) -> Value {
        let settings = Rc::new(RenderSettings::new(size_limited_pass));
        // The flags are read from the context just before synthesis, when it is complete; the
        // aspect holds the settings, not the tree, so nothing forms a cycle.
        Aspects::of(node).add(ReadPolicyFlags {
            path: node.path(),
            settings: settings.clone(),
        });
        self.render(settings)
    }

    fn render(&self, settings: Rc<RenderSettings>) -> Value {
        let statements = self.statements.clone();
        Value::Token(Lazy::resolved(move |ctx| {
            let list = statements.borrow();
            if list.is_empty() {
                return None;
            }
            if ctx.is_collecting_references() {
                // Only what the statements refer to matters now, not how they merge.
                render::resolve_references(&list, ctx);
                return None;
            }
            Some(render::render_document(&list, ctx, &settings))
        }))
    }
}

/// Reads the policy flags from the context of the construct rendering a document.
struct ReadPolicyFlags {
    path: String,
    settings: Rc<RenderSettings>,
}

impl Aspect for ReadPolicyFlags {
    fn visit(&self, node: &Construct) {
        if node.path() != self.path {
            return;
        }
        let minimize = node.context_flag(MINIMIZE_POLICIES);
        self.settings.minimize.set(minimize);
        if !minimize && !self.settings.size_limited_pass {
            return;
        }
        match node.try_get_context(ARN_SIZE_ESTIMATE) {
            None => {}
            Some(Json::Number(n)) if n.as_u64().is_some() => {
                let n = n.as_u64().unwrap_or_default();
                self.settings
                    .arn_estimate
                    .set(usize::try_from(n).unwrap_or(usize::MAX));
            }
            Some(other) => node.add_error(format!(
                "Context value {ARN_SIZE_ESTIMATE} should be a number, got {other}"
            )),
        }
    }
}

/// A list of strings as typed props hold it: left out while empty.
fn str_list(items: &[Str]) -> Option<List<Str>> {
    (!items.is_empty()).then(|| Tokenized::Literal(items.to_vec()))
}

/// Appends `item` to a list of the typed props, creating the list if it is left out. A list
/// replaced by a token through the typed resource is the caller's to fill: there is no literal
/// list to add to.
fn push_str(list: &mut Option<List<Str>>, item: Str) {
    match list {
        Some(Tokenized::Literal(items)) => items.push(item),
        Some(Tokenized::Token(_)) => {}
        None => *list = Some(Tokenized::Literal(vec![item])),
    }
}

/// An AWS managed policy's ARN: `arn:<partition>:iam::aws:policy/<name>`.
pub fn aws_managed_policy_arn(name: &str) -> Str {
    Str::from("arn:") + Aws::partition() + ":iam::aws:policy/" + name
}

/// Something permissions can be granted to.
pub trait Grantable {
    /// Adds a statement to this principal's policy; `false` if it cannot take one (an
    /// immutable imported role), in which case the grant is dropped as in the CDK.
    fn add_to_principal_policy(&self, statement: PolicyStatement) -> bool;
}

/// Grants: statements added to a grantee's policy.
pub struct Grant;

impl Grant {
    /// Allows `actions` on `resources` to `grantee`.
    pub fn add_to_principal<A: Into<String>, R: Into<Str>>(
        grantee: &dyn Grantable,
        actions: impl IntoIterator<Item = A>,
        resources: impl IntoIterator<Item = R>,
    ) -> bool {
        grantee.add_to_principal_policy(
            PolicyStatement::allow()
                .actions(actions)
                .resources(resources),
        )
    }
}

/// Options of a [`Role`].
#[derive(Clone, Debug)]
pub struct RoleProps {
    /// Who may assume the role.
    pub assumed_by: Principal,
    /// Managed policy ARNs (see [`aws_managed_policy_arn`]).
    pub managed_policies: Vec<Str>,
    /// Physical name.
    pub role_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Maximum session duration in seconds.
    pub max_session_duration: Option<u32>,
    /// Path.
    pub path: Option<String>,
    /// Permissions boundary ARN.
    pub permissions_boundary: Option<Str>,
    /// Inline policies by name.
    pub inline_policies: IndexMap<String, PolicyDocument>,
}

impl RoleProps {
    /// A role assumed by `principal`.
    pub fn new(principal: Principal) -> Self {
        RoleProps {
            assumed_by: principal,
            managed_policies: Vec::new(),
            role_name: None,
            description: None,
            max_session_duration: None,
            path: None,
            permissions_boundary: None,
            inline_policies: IndexMap::new(),
        }
    }

    /// Adds a managed policy.
    pub fn with_managed_policy(mut self, arn: impl Into<Str>) -> Self {
        self.managed_policies.push(arn.into());
        self
    }
}

/// An IAM role (the CDK's `iam.Role`): `<id>/Resource` is the `AWS::IAM::Role`; the first grant
/// creates `<id>/DefaultPolicy`.
#[derive(Clone, Debug)]
pub struct Role {
    node: Construct,
    cfn: CfnRole,
    default_policy: Rc<RefCell<Option<Policy>>>,
}

impl Scope for Role {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl Role {
    /// Creates a role.
    pub fn new(scope: &impl Scope, id: &str, props: RoleProps) -> Role {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_iam.Role");
        let trust = PolicyDocument::with_statements([PolicyStatement::allow()
            .action("sts:AssumeRole")
            .principal(props.assumed_by.clone())]);
        let mut role_props = CfnRoleProps::new(trust.to_value_in(&node));
        // Left out while empty; `add_managed_policy` adds to it.
        role_props.managed_policy_arns = str_list(&props.managed_policies);
        if let Some(d) = &props.description {
            role_props = role_props.with_description(d.as_str());
        }
        if let Some(d) = props.max_session_duration {
            role_props = role_props.with_max_session_duration(d);
        }
        if let Some(p) = &props.path {
            role_props = role_props.with_path(p.as_str());
        }
        if let Some(b) = &props.permissions_boundary {
            role_props = role_props.with_permissions_boundary(b.clone());
        }
        if !props.inline_policies.is_empty() {
            role_props = role_props.with_policies(
                props
                    .inline_policies
                    .iter()
                    .map(|(name, doc)| InlinePolicy::new(doc.to_value_in(&node), name.as_str()))
                    .collect::<Vec<_>>(),
            );
        }
        if let Some(n) = &props.role_name {
            role_props = role_props.with_role_name(n.as_str());
        }
        let cfn = CfnRole::new(&node, "Resource", role_props);
        Role {
            node,
            cfn,
            default_policy: Rc::new(RefCell::new(None)),
        }
    }

    /// The `AWS::IAM::Role` resource (the escape hatch for overrides and resource options).
    pub fn resource(&self) -> &CfnResource {
        self.cfn.resource()
    }

    /// The typed `AWS::IAM::Role`, whose props can be read and changed until synthesis
    /// (`add_managed_policy` adds to its `ManagedPolicyArns`).
    pub fn cfn_role(&self) -> &CfnRole {
        &self.cfn
    }

    /// The role's ARN (`Fn::GetAtt Arn`).
    pub fn role_arn(&self) -> Str {
        self.cfn.attr_arn()
    }

    /// The role's name (`Ref`).
    pub fn role_name(&self) -> Str {
        self.cfn.reference()
    }

    /// Attaches a managed policy.
    pub fn add_managed_policy(&self, arn: impl Into<Str>) {
        let arn = arn.into();
        self.cfn
            .update(|p| push_str(&mut p.managed_policy_arns, arn));
    }

    /// Adds a statement to the role's default policy (created on first use).
    pub fn add_to_policy(&self, statement: PolicyStatement) {
        let existing = self.default_policy.borrow().clone();
        let policy = match existing {
            Some(p) => p,
            None => {
                let p = Policy::create(&self.node, "DefaultPolicy", true);
                p.attach_to_role(self.role_name());
                *self.default_policy.borrow_mut() = Some(p.clone());
                p
            }
        };
        policy.add_statements([statement]);
    }

    /// The default policy, if a statement was added.
    pub fn default_policy(&self) -> Option<Policy> {
        self.default_policy.borrow().clone()
    }

    /// An existing role by ARN that takes grants into a new policy (`<id>/Policy`) attached to
    /// the role, as the CDK's `fromRoleArn` by default.
    pub fn from_role_arn(scope: &impl Scope, id: &str, arn: impl Into<Str>) -> ImportedRole {
        Role::from_role_arn_with(scope, id, arn, FromRoleArnOptions::default())
    }

    /// An existing role by ARN with the CDK's import options: an immutable import drops the
    /// grants given to it.
    pub fn from_role_arn_with(
        scope: &impl Scope,
        id: &str,
        arn: impl Into<Str>,
        options: FromRoleArnOptions,
    ) -> ImportedRole {
        let mutable = options.mutable;
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_iam.ImportedRole");
        let arn = arn.into();
        // The role name is the last path segment of the ARN's resource part.
        let name = match arn.as_literal() {
            Some(lit) => Str::from(
                lit.splitn(6, ':')
                    .nth(5)
                    .and_then(|resource| resource.rsplit('/').next())
                    .unwrap_or_default(),
            ),
            None => fns::select(
                1,
                fns::split("/", fns::select(5, fns::split(":", arn.clone()))),
            ),
        };
        ImportedRole {
            node,
            arn,
            name,
            mutable,
            policy: Rc::new(RefCell::new(None)),
        }
    }
}

impl Grantable for Role {
    fn add_to_principal_policy(&self, statement: PolicyStatement) -> bool {
        self.add_to_policy(statement);
        true
    }
}

/// Options of [`Role::from_role_arn_with`] (the CDK's `FromRoleArnOptions`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FromRoleArnOptions {
    /// Whether grants add a policy to the role (default `true`); `false` drops them.
    pub mutable: bool,
}

impl Default for FromRoleArnOptions {
    fn default() -> Self {
        FromRoleArnOptions { mutable: true }
    }
}

/// A role defined outside the app.
#[derive(Clone, Debug)]
pub struct ImportedRole {
    node: Construct,
    arn: Str,
    name: Str,
    mutable: bool,
    policy: Rc<RefCell<Option<Policy>>>,
}

impl Scope for ImportedRole {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl ImportedRole {
    /// The role's ARN.
    pub fn role_arn(&self) -> Str {
        self.arn.clone()
    }

    /// The role's name (derived from the ARN).
    pub fn role_name(&self) -> Str {
        self.name.clone()
    }

    /// The policy holding grants to a mutable import, once one was made.
    pub fn policy(&self) -> Option<Policy> {
        self.policy.borrow().clone()
    }
}

impl Grantable for ImportedRole {
    fn add_to_principal_policy(&self, statement: PolicyStatement) -> bool {
        if !self.mutable {
            return false;
        }
        let existing = self.policy.borrow().clone();
        let policy = match existing {
            Some(p) => p,
            None => {
                let p = Policy::new(&self.node, "Policy");
                p.attach_to_role(self.name.clone());
                *self.policy.borrow_mut() = Some(p.clone());
                p
            }
        };
        policy.add_statements([statement]);
        true
    }
}

/// A role given to a construct: one defined in the app or an import (mutable or not).
///
/// ```
/// use sagecdk_aws::iam::{FromRoleArnOptions, Role, RoleRef};
/// use sagecdk_core::{App, Stack, StackProps};
/// let app = App::for_tests();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// let role: RoleRef = Role::from_role_arn_with(&stack, "R", "arn:aws:iam::123456789012:role/r",
///     FromRoleArnOptions { mutable: false }).into();
/// ```
#[derive(Clone, Debug)]
pub enum RoleRef {
    /// A role defined in the app.
    Owned(Role),
    /// A role defined outside the app.
    Imported(ImportedRole),
}

impl RoleRef {
    /// The role's ARN.
    pub fn role_arn(&self) -> Str {
        match self {
            RoleRef::Owned(r) => r.role_arn(),
            RoleRef::Imported(r) => r.role_arn(),
        }
    }

    /// The role's name.
    pub fn role_name(&self) -> Str {
        match self {
            RoleRef::Owned(r) => r.role_name(),
            RoleRef::Imported(r) => r.role_name(),
        }
    }

    /// The policy holding the statements added through grants, once there is one: what a
    /// resource using the role must wait for.
    pub fn grants_policy(&self) -> Option<Policy> {
        match self {
            RoleRef::Owned(r) => r.default_policy(),
            RoleRef::Imported(r) => r.policy(),
        }
    }

    /// The role when it is defined in the app.
    pub fn as_owned(&self) -> Option<&Role> {
        match self {
            RoleRef::Owned(r) => Some(r),
            RoleRef::Imported(_) => None,
        }
    }
}

impl Scope for RoleRef {
    fn node(&self) -> &Construct {
        match self {
            RoleRef::Owned(r) => r.node(),
            RoleRef::Imported(r) => r.node(),
        }
    }
}

impl Grantable for RoleRef {
    fn add_to_principal_policy(&self, statement: PolicyStatement) -> bool {
        match self {
            RoleRef::Owned(r) => r.add_to_principal_policy(statement),
            RoleRef::Imported(r) => r.add_to_principal_policy(statement),
        }
    }
}

impl From<Role> for RoleRef {
    fn from(role: Role) -> Self {
        RoleRef::Owned(role)
    }
}

impl From<ImportedRole> for RoleRef {
    fn from(role: ImportedRole) -> Self {
        RoleRef::Imported(role)
    }
}

/// A principal nothing can be granted to (an imported resource without a role): grants are
/// dropped, as the CDK's `UnknownPrincipal` does, with a warning on the construct.
#[derive(Clone, Debug)]
pub struct UnknownPrincipal {
    node: Construct,
}

impl UnknownPrincipal {
    /// A principal standing for `node`, which has no role.
    pub fn new(node: &Construct) -> Self {
        UnknownPrincipal { node: node.clone() }
    }
}

impl Grantable for UnknownPrincipal {
    fn add_to_principal_policy(&self, statement: PolicyStatement) -> bool {
        self.node.add_warning(format!(
            "Grant of {} not added: this construct has no role to add it to; add the permission to its principal yourself",
            statement.actions.join(", ")
        ));
        false
    }
}

/// An `AWS::IAM::Policy` attached to roles (the CDK's `iam.Policy`); named after its logical ID.
#[derive(Clone, Debug)]
pub struct Policy {
    node: Construct,
    cfn: CfnPolicy,
    document: PolicyDocument,
}

impl Scope for Policy {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl Policy {
    /// Creates an empty policy; it renders once it has statements.
    pub fn new(scope: &impl Scope, id: &str) -> Policy {
        Policy::create(scope, id, false)
    }

    /// A policy; `role_default` for a role's default policy, which the CDK merges with a size
    /// limit first (it may split such a policy).
    fn create(scope: &impl Scope, id: &str, role_default: bool) -> Policy {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_iam.Policy");
        let document = PolicyDocument::new();
        // The name is the resource's own logical ID, known once the resource exists.
        let logical_id: Rc<RefCell<Option<Value>>> = Rc::new(RefCell::new(None));
        let logical_id_view = logical_id.clone();
        // The CDK names the policy after its logical ID, keeping the last 128 characters.
        let policy_name = Lazy::any(move |ctx| {
            let id = ctx.resolve(logical_id_view.borrow().as_ref()?)?;
            let id = id.as_str()?.to_string();
            let start = id.len().saturating_sub(128);
            Some(Value::String(id[start..].to_string()))
        });
        // `Roles` is left out until `attach_to_role` adds to it.
        let cfn = CfnPolicy::new(
            &node,
            "Resource",
            CfnPolicyProps::new(
                document.render_in(&node, role_default),
                policy_name.to_str(),
            ),
        );
        *logical_id.borrow_mut() = Some(cfn.resource().logical_id().to_value());
        let doc = document.clone();
        node.add_validation(move |_| {
            if doc.is_empty() {
                vec!["A Policy must contain at least one statement".to_string()]
            } else {
                doc.statements()
                    .iter()
                    .filter(|s| !s.has_actions())
                    .map(|_| "A PolicyStatement used in an identity-based policy must specify at least one action".to_string())
                    .collect()
            }
        });
        Policy {
            node,
            cfn,
            document,
        }
    }

    /// Adds statements.
    pub fn add_statements(&self, statements: impl IntoIterator<Item = PolicyStatement>) {
        for s in statements {
            self.document.add_statement(s);
        }
    }

    /// Attaches the policy to a role (by name).
    pub fn attach_to_role(&self, role_name: Str) {
        self.cfn.update(|p| push_str(&mut p.roles, role_name));
    }

    /// The `AWS::IAM::Policy` resource (the escape hatch for overrides and resource options).
    pub fn resource(&self) -> &CfnResource {
        self.cfn.resource()
    }

    /// The typed `AWS::IAM::Policy`, whose props can be read and changed until synthesis
    /// (`attach_to_role` adds to its `Roles`; the document is the policy's own).
    pub fn cfn_policy(&self) -> &CfnPolicy {
        &self.cfn
    }

    /// The policy document.
    pub fn document(&self) -> &PolicyDocument {
        &self.document
    }
}
