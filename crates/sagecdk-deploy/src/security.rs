//! Security-relevant changes between two templates: IAM policy statements, managed policies
//! attached to identities and security group rules. `deploy --require-approval` asks about them
//! before changing a stack, and `diff` prints them as tables.
//!
//! Statements come from identity policies (`AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`, the
//! inline policies of roles, users and groups), trust policies (a role's
//! `AssumeRolePolicyDocument`), resource policies (S3 bucket, SQS queue, SNS topic, KMS key and
//! ECR repository policies) and `AWS::Lambda::Permission` (one statement each). Rules come from
//! `AWS::EC2::SecurityGroup` (`SecurityGroupIngress` / `SecurityGroupEgress`) and the separate
//! `AWS::EC2::SecurityGroupIngress` / `AWS::EC2::SecurityGroupEgress` resources. References are
//! shown the CDK's way: `${Role.Arn}` for `Fn::GetAtt`, `${Role}` for `Ref`.
//!
//! Statements, attachments and rules are compared as sets over the whole template: one that
//! is in the local template only is an addition (it broadens permissions or traffic), one in
//! the deployed template only is a removal.

use crate::template_diff::ChangeKind;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::Hash;
use std::str::FromStr;

/// When a deployment must be approved (`--require-approval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequireApproval {
    /// Never ask.
    Never,
    /// Ask for any IAM or security group change (additions and removals).
    AnyChange,
    /// Ask when permissions or traffic rules are added (the AWS CDK's default).
    Broadening,
}

impl RequireApproval {
    /// Whether `changes` need approval at this level.
    pub fn requires(self, changes: &SecurityDiff) -> bool {
        match self {
            RequireApproval::Never => false,
            RequireApproval::AnyChange => !changes.is_empty(),
            RequireApproval::Broadening => changes.is_broadening(),
        }
    }

    /// The option value: `never`, `any-change` or `broadening`.
    pub fn as_str(self) -> &'static str {
        match self {
            RequireApproval::Never => "never",
            RequireApproval::AnyChange => "any-change",
            RequireApproval::Broadening => "broadening",
        }
    }
}

impl fmt::Display for RequireApproval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RequireApproval {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "never" => Ok(RequireApproval::Never),
            "any-change" => Ok(RequireApproval::AnyChange),
            "broadening" => Ok(RequireApproval::Broadening),
            other => Err(format!(
                "unknown approval level '{other}': use never, any-change or broadening"
            )),
        }
    }
}

/// One IAM policy statement, flattened: lists are sorted, references rendered as `${…}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IamStatement {
    /// Resources (`NOT x` for `NotResource`); for trust and resource policies without
    /// `Resource`, the resource the policy belongs to.
    pub resources: Vec<String>,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// Actions (`NOT x` for `NotAction`).
    pub actions: Vec<String>,
    /// Principals as `Kind:value` (`AWS:…`, `Service:…`, `*`); for identity policies, the roles,
    /// users and groups the policy is attached to.
    pub principals: Vec<String>,
    /// The condition as indented JSON, if any (a JSON object in the serialized form).
    #[serde(serialize_with = "condition_as_json")]
    pub condition: Option<String>,
}

/// A managed policy attached to a role, user or group (`ManagedPolicyArns`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedPolicyAttachment {
    /// The identity (`${Role}`).
    pub resource: String,
    /// The policy ARN.
    pub policy_arn: String,
}

/// Traffic direction of a security group rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Ingress.
    In,
    /// Egress.
    Out,
}

/// One security group rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityGroupRule {
    /// The group (`${Group.GroupId}`).
    pub group: String,
    /// Ingress or egress.
    pub direction: Direction,
    /// `TCP 443`, `UDP 1000-2000`, `Everything`, …
    pub protocol: String,
    /// The other side: `Everyone (IPv4)`, a CIDR, a group, a prefix list.
    pub peer: String,
}

/// An added or removed item.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityChange<T> {
    /// [`ChangeKind::Added`] or [`ChangeKind::Removed`].
    pub kind: ChangeKind,
    /// The statement, attachment or rule.
    pub item: T,
}

/// The security-relevant changes between two templates.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityDiff {
    /// Policy statements: additions first, then removals.
    pub statements: Vec<SecurityChange<IamStatement>>,
    /// Managed policy attachments: additions first, then removals.
    pub managed_policies: Vec<SecurityChange<ManagedPolicyAttachment>>,
    /// Security group rules: additions first, then removals.
    pub security_group_rules: Vec<SecurityChange<SecurityGroupRule>>,
}

impl SecurityDiff {
    /// No security-relevant change.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
            && self.managed_policies.is_empty()
            && self.security_group_rules.is_empty()
    }

    /// Permissions or traffic rules are added.
    pub fn is_broadening(&self) -> bool {
        let added = |k: ChangeKind| k == ChangeKind::Added;
        self.statements.iter().any(|c| added(c.kind))
            || self.managed_policies.iter().any(|c| added(c.kind))
            || self.security_group_rules.iter().any(|c| added(c.kind))
    }
}

/// Compares the security-relevant parts of two templates (`old`: deployed, `new`: local). A
/// missing or non-object template counts as empty.
///
/// Items are compared by logical id; each change then shows its resources by construct path
/// (from the template it comes from), so adding or dropping path metadata changes nothing.
pub fn security_diff(old: &Value, new: &Value) -> SecurityDiff {
    let (old_paths, new_paths) = (construct_paths(old), construct_paths(new));
    let (old, new) = (Extracted::from_template(old), Extracted::from_template(new));
    let mut diff = SecurityDiff {
        statements: set_changes(&old.statements, &new.statements),
        managed_policies: set_changes(&old.managed_policies, &new.managed_policies),
        security_group_rules: set_changes(&old.rules, &new.rules),
    };
    let paths = |kind: ChangeKind| match kind {
        ChangeKind::Removed => &old_paths,
        _ => &new_paths,
    };
    for c in &mut diff.statements {
        let fix = |text: &mut String| *text = with_construct_paths(text, paths(c.kind));
        c.item.resources.iter_mut().for_each(fix);
        c.item.principals.iter_mut().for_each(fix);
        c.item.condition.iter_mut().for_each(fix);
        normalize(&mut c.item);
    }
    for c in &mut diff.managed_policies {
        let paths = paths(c.kind);
        c.item.resource = with_construct_paths(&c.item.resource, paths);
        c.item.policy_arn = with_construct_paths(&c.item.policy_arn, paths);
    }
    for c in &mut diff.security_group_rules {
        let paths = paths(c.kind);
        c.item.group = with_construct_paths(&c.item.group, paths);
        c.item.peer = with_construct_paths(&c.item.peer, paths);
    }
    diff
}

/// The construct path of each resource of `template` that has one (its `aws:cdk:path` without
/// the stack and a final `Resource`), by logical id, as `cdk diff` shows them.
fn construct_paths(template: &Value) -> HashMap<String, String> {
    template
        .get("Resources")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(logical, r)| {
            let path = r.pointer("/Metadata/aws:cdk:path")?.as_str()?;
            Some((logical.clone(), construct_path(path)?))
        })
        .collect()
}

fn set_changes<T: Clone + Eq + Hash>(old: &[T], new: &[T]) -> Vec<SecurityChange<T>> {
    let (old_set, new_set): (HashSet<&T>, HashSet<&T>) =
        (old.iter().collect(), new.iter().collect());
    let mut seen = HashSet::new();
    let added = new
        .iter()
        .filter(|t| !old_set.contains(t) && seen.insert(*t))
        .map(|t| SecurityChange {
            kind: ChangeKind::Added,
            item: t.clone(),
        });
    let mut seen = HashSet::new();
    let removed = old
        .iter()
        .filter(|t| !new_set.contains(t) && seen.insert(*t))
        .map(|t| SecurityChange {
            kind: ChangeKind::Removed,
            item: t.clone(),
        });
    added.chain(removed).collect()
}

/// Everything security-relevant in one template, in template order.
#[derive(Default)]
struct Extracted {
    statements: Vec<IamStatement>,
    managed_policies: Vec<ManagedPolicyAttachment>,
    rules: Vec<SecurityGroupRule>,
}

impl Extracted {
    fn from_template(template: &Value) -> Self {
        let mut out = Extracted::default();
        let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
            return out;
        };
        let empty = Map::new();
        for (logical, resource) in resources {
            let ty = resource.get("Type").and_then(Value::as_str).unwrap_or("");
            let props = resource
                .get("Properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            out.add_resource(logical, ty, props);
        }
        out
    }

    fn add_resource(&mut self, logical: &str, ty: &str, props: &Map<String, Value>) {
        let own_arn = || vec![format!("${{{logical}.Arn}}")];
        let identity = || vec![format!("AWS:${{{logical}}}")];
        match ty {
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
                let attached: Vec<String> = ["Roles", "Users", "Groups"]
                    .iter()
                    .flat_map(|k| list(props.get(*k)))
                    .map(|p| format!("AWS:{p}"))
                    .collect();
                self.add_document(props.get("PolicyDocument"), &[], &attached);
            }
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                if ty == "AWS::IAM::Role" {
                    self.add_document(props.get("AssumeRolePolicyDocument"), &own_arn(), &[]);
                }
                for policy in props
                    .get("Policies")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    self.add_document(policy.get("PolicyDocument"), &[], &identity());
                }
                for arn in list(props.get("ManagedPolicyArns")) {
                    self.managed_policies.push(ManagedPolicyAttachment {
                        resource: format!("${{{logical}}}"),
                        policy_arn: arn,
                    });
                }
            }
            "AWS::S3::BucketPolicy" => {
                self.add_document(props.get("PolicyDocument"), &list(props.get("Bucket")), &[]);
            }
            "AWS::SQS::QueuePolicy" => {
                self.add_document(props.get("PolicyDocument"), &list(props.get("Queues")), &[]);
            }
            "AWS::SNS::TopicPolicy" => {
                self.add_document(props.get("PolicyDocument"), &list(props.get("Topics")), &[]);
            }
            "AWS::KMS::Key" => self.add_document(props.get("KeyPolicy"), &own_arn(), &[]),
            "AWS::ECR::Repository" => {
                self.add_document(props.get("RepositoryPolicyText"), &own_arn(), &[]);
            }
            "AWS::Lambda::Permission" => self.statements.push(lambda_permission(props)),
            "AWS::EC2::SecurityGroup" => {
                let group = format!("${{{logical}.GroupId}}");
                for (key, direction) in [
                    ("SecurityGroupIngress", Direction::In),
                    ("SecurityGroupEgress", Direction::Out),
                ] {
                    for rule in props
                        .get(key)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_object)
                    {
                        self.rules.push(sg_rule(group.clone(), direction, rule));
                    }
                }
            }
            "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
                let direction = if ty.ends_with("Ingress") {
                    Direction::In
                } else {
                    Direction::Out
                };
                let group = props
                    .get("GroupId")
                    .or_else(|| props.get("GroupName"))
                    .map(render)
                    .unwrap_or_default();
                self.rules.push(sg_rule(group, direction, props));
            }
            _ => {}
        }
    }

    /// The statements of a policy document; `resources` / `principals` stand in where a
    /// statement has none (trust and resource policies, identity policies).
    fn add_document(&mut self, doc: Option<&Value>, resources: &[String], principals: &[String]) {
        let parsed;
        let doc = match doc {
            // ECR repository policies may be given as JSON text.
            Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                Ok(v) => {
                    parsed = v;
                    &parsed
                }
                Err(_) => return,
            },
            Some(doc) => doc,
            None => return,
        };
        let statements = match doc.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(single @ Value::Object(_)) => vec![single],
            _ => Vec::new(),
        };
        for s in statements {
            let mut statement = IamStatement {
                resources: negatable(s, "Resource", "NotResource", list),
                effect: s
                    .get("Effect")
                    .map(render)
                    .unwrap_or_else(|| "Allow".into()),
                actions: negatable(s, "Action", "NotAction", list),
                principals: negatable(s, "Principal", "NotPrincipal", principal_list),
                condition: s.get("Condition").map(condition_text),
            };
            if statement.resources.is_empty() {
                statement.resources = resources.to_vec();
            }
            if statement.principals.is_empty() {
                statement.principals = principals.to_vec();
            }
            self.statements.push(normalized(statement));
        }
    }
}

/// `Stack/Endpoint/Role/Resource` → `Endpoint/Role`; `None` for a path of the stack alone.
fn construct_path(cdk_path: &str) -> Option<String> {
    let mut parts: Vec<&str> = cdk_path
        .trim_start_matches('/')
        .split('/')
        .skip(1)
        .collect();
    if parts.len() > 1 && parts.last() == Some(&"Resource") {
        parts.pop();
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// `${Logical}` / `${Logical.Attr}` → `${Path}` / `${Path.Attr}` where the id has a path.
fn with_construct_paths(text: &str, paths: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start + 2]);
        rest = &rest[start + 2..];
        let end = rest.find(['}', '.']).unwrap_or(rest.len());
        match paths.get(&rest[..end]) {
            Some(path) => out.push_str(path),
            None => out.push_str(&rest[..end]),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn normalized(mut s: IamStatement) -> IamStatement {
    normalize(&mut s);
    s
}

/// Sorts and dedups the statement's resources, actions and principals.
fn normalize(s: &mut IamStatement) {
    for l in [&mut s.resources, &mut s.actions, &mut s.principals] {
        l.sort();
        l.dedup();
    }
}

/// `key`'s values, or `not_key`'s prefixed with `NOT `.
fn negatable(
    s: &Value,
    key: &str,
    not_key: &str,
    values: fn(Option<&Value>) -> Vec<String>,
) -> Vec<String> {
    match s.get(key) {
        Some(v) => values(Some(v)),
        None => values(s.get(not_key))
            .into_iter()
            .map(|v| format!("NOT {v}"))
            .collect(),
    }
}

/// A value or list of values, rendered.
fn list(v: Option<&Value>) -> Vec<String> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(render).collect(),
        Some(v) => vec![render(v)],
    }
}

/// `"*"` → `*`; `{"Service": ["a", "b"]}` → `Service:a`, `Service:b`.
fn principal_list(v: Option<&Value>) -> Vec<String> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if s == "*" => vec!["*".into()],
        Some(Value::Object(m)) if !is_intrinsic(m) => m
            .iter()
            .flat_map(|(kind, values)| {
                list(Some(values))
                    .into_iter()
                    .map(move |v| format!("{kind}:{v}"))
            })
            .collect(),
        Some(v) => vec![format!("AWS:{}", render(v))],
    }
}

/// One statement for a Lambda permission: the function is the resource, the principal is a
/// service (a name with a dot) or an account.
fn lambda_permission(props: &Map<String, Value>) -> IamStatement {
    let principal = props.get("Principal").map(render).unwrap_or_default();
    let principal = if principal == "*" {
        principal
    } else if principal.contains(".amazonaws.com") || principal.ends_with(".com") {
        format!("Service:{principal}")
    } else {
        format!("AWS:{principal}")
    };
    let mut condition = Map::new();
    let mut add = |operator: &str, key: &str, prop: &str| {
        if let Some(v) = props.get(prop) {
            let entry = condition
                .entry(operator.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(m) = entry.as_object_mut() {
                m.insert(key.to_string(), v.clone());
            }
        }
    };
    add("ArnLike", "AWS:SourceArn", "SourceArn");
    add("StringEquals", "AWS:SourceAccount", "SourceAccount");
    add("StringEquals", "aws:PrincipalOrgID", "PrincipalOrgID");
    normalized(IamStatement {
        resources: list(props.get("FunctionName")),
        effect: "Allow".into(),
        actions: list(props.get("Action")),
        principals: vec![principal],
        condition: (!condition.is_empty()).then(|| condition_text(&Value::Object(condition))),
    })
}

fn sg_rule(group: String, direction: Direction, rule: &Map<String, Value>) -> SecurityGroupRule {
    let text = |k: &str| rule.get(k).map(render);
    let protocol = text("IpProtocol").unwrap_or_else(|| "-1".into());
    let name = match protocol.to_ascii_lowercase().as_str() {
        "-1" | "all" => None,
        "tcp" | "6" => Some("TCP".to_string()),
        "udp" | "17" => Some("UDP".to_string()),
        "icmp" | "1" => Some("ICMP".to_string()),
        "icmpv6" | "58" => Some("ICMPv6".to_string()),
        other => Some(format!("Protocol {other}")),
    };
    let protocol = match (name, text("FromPort"), text("ToPort")) {
        (None, _, _) => "Everything".to_string(),
        (Some(n), Some(f), _) if f == "-1" => format!("{n} (all)"),
        (Some(n), Some(f), Some(t)) if f != t => format!("{n} {f}-{t}"),
        (Some(n), Some(p), _) | (Some(n), None, Some(p)) => format!("{n} {p}"),
        (Some(n), None, None) => format!("{n} (all)"),
    };
    let peer = if let Some(cidr) = text("CidrIp") {
        if cidr == "0.0.0.0/0" {
            "Everyone (IPv4)".into()
        } else {
            cidr
        }
    } else if let Some(cidr) = text("CidrIpv6") {
        if cidr == "::/0" {
            "Everyone (IPv6)".into()
        } else {
            cidr
        }
    } else {
        [
            "SourceSecurityGroupId",
            "DestinationSecurityGroupId",
            "SourceSecurityGroupName",
            "SourcePrefixListId",
            "DestinationPrefixListId",
        ]
        .iter()
        .find_map(|k| text(k))
        .unwrap_or_else(|| "(unspecified)".into())
    };
    SecurityGroupRule {
        group,
        direction,
        protocol,
        peer,
    }
}

fn is_intrinsic(m: &Map<String, Value>) -> bool {
    m.len() == 1
        && m.keys()
            .next()
            .is_some_and(|k| k == "Ref" || k.starts_with("Fn::"))
}

/// A scalar or intrinsic as text: `{"Ref": "X"}` → `${X}`, `{"Fn::GetAtt": ["X", "Arn"]}` →
/// `${X.Arn}`, joins concatenated, substitutions as their template; anything else as JSON.
pub(crate) fn render(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) if is_intrinsic(m) => {
            let (key, arg) = m.iter().next().expect("one entry");
            match (key.as_str(), arg) {
                ("Ref", Value::String(r)) => format!("${{{r}}}"),
                ("Fn::GetAtt", Value::Array(parts)) => {
                    let parts: Vec<String> = parts.iter().map(render).collect();
                    format!("${{{}}}", parts.join("."))
                }
                ("Fn::GetAtt", Value::String(path)) => format!("${{{path}}}"),
                ("Fn::Join", Value::Array(args)) if args.len() == 2 => {
                    let sep = render(&args[0]);
                    match &args[1] {
                        Value::Array(parts) => {
                            parts.iter().map(render).collect::<Vec<_>>().join(&sep)
                        }
                        other => render(other),
                    }
                }
                ("Fn::Sub", Value::String(s)) => s.clone(),
                ("Fn::Sub", Value::Array(args)) if !args.is_empty() => render(&args[0]),
                _ => serde_json::to_string(v).unwrap_or_default(),
            }
        }
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// The condition text as the JSON value it is.
fn condition_as_json<S: serde::Serializer>(
    condition: &Option<String>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::Serialize;
    let value = condition
        .as_deref()
        .map(|text| serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::from(text)));
    value.serialize(serializer)
}

/// A condition block as indented JSON, references rendered.
fn condition_text(v: &Value) -> String {
    fn deep(v: &Value) -> Value {
        match v {
            Value::Object(m) if is_intrinsic(m) => Value::String(render(v)),
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, v)| (k.clone(), deep(v))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(deep).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string_pretty(&deep(v)).unwrap_or_default()
}

/// A boxed table; cells may span several lines.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            for line in cell.lines() {
                widths[i] = widths[i].max(line.chars().count());
            }
        }
    }
    let rule = |left: &str, mid: &str, right: &str| {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
        format!("{left}{}{right}\n", parts.join(mid))
    };
    let line = |cells: &[&str]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!(" {c}{} ", " ".repeat(w - c.chars().count())))
            .collect();
        format!("│{}│\n", parts.join("│"))
    };
    let mut out = rule("┌", "┬", "┐");
    out.push_str(&line(header));
    for row in rows {
        out.push_str(&rule("├", "┼", "┤"));
        let cells: Vec<Vec<&str>> = row.iter().map(|c| c.lines().collect()).collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
        for i in 0..height {
            let texts: Vec<&str> = (0..columns)
                .map(|c| cells.get(c).and_then(|l| l.get(i)).copied().unwrap_or(""))
                .collect();
            out.push_str(&line(&texts));
        }
    }
    out.push_str(&rule("└", "┴", "┘"));
    out
}

fn sign(kind: ChangeKind) -> String {
    match kind {
        ChangeKind::Added => "+".into(),
        ChangeKind::Removed => "-".into(),
        ChangeKind::Modified => "~".into(),
    }
}

impl fmt::Display for SecurityDiff {
    /// The tables `cdk diff` prints (IAM statements, IAM managed policies, security groups),
    /// those with changes only, followed by a note on what is not covered. Nothing when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return Ok(());
        }
        if !self.statements.is_empty() {
            let rows: Vec<Vec<String>> = self
                .statements
                .iter()
                .map(|c| {
                    let s = &c.item;
                    vec![
                        sign(c.kind),
                        s.resources.join("\n"),
                        s.effect.clone(),
                        s.actions.join("\n"),
                        s.principals.join("\n"),
                        s.condition.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            writeln!(f, "IAM Statement Changes")?;
            f.write_str(&table(
                &["", "Resource", "Effect", "Action", "Principal", "Condition"],
                &rows,
            ))?;
        }
        if !self.managed_policies.is_empty() {
            let rows: Vec<Vec<String>> = self
                .managed_policies
                .iter()
                .map(|c| {
                    vec![
                        sign(c.kind),
                        c.item.resource.clone(),
                        c.item.policy_arn.clone(),
                    ]
                })
                .collect();
            writeln!(f, "IAM Policy Changes")?;
            f.write_str(&table(&["", "Resource", "Managed Policy ARN"], &rows))?;
        }
        if !self.security_group_rules.is_empty() {
            let rows: Vec<Vec<String>> = self
                .security_group_rules
                .iter()
                .map(|c| {
                    let r = &c.item;
                    vec![
                        sign(c.kind),
                        r.group.clone(),
                        match r.direction {
                            Direction::In => "In".into(),
                            Direction::Out => "Out".into(),
                        },
                        r.protocol.clone(),
                        r.peer.clone(),
                    ]
                })
                .collect();
            writeln!(f, "Security Group Changes")?;
            f.write_str(&table(&["", "Group", "Dir", "Protocol", "Peer"], &rows))?;
        }
        writeln!(
            f,
            "(NOTE: only the policies and rules written in the template are listed; changes \
             made by other means, such as custom resources, are not)"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(resources: Value) -> Value {
        json!({ "Resources": resources })
    }

    fn role(extra_statement: Option<Value>) -> Value {
        let mut statements = vec![json!({
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"}
        })];
        statements.extend(extra_statement);
        json!({
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {"Statement": statements, "Version": "2012-10-17"}
            }
        })
    }

    fn policy(actions: Value) -> Value {
        json!({
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyDocument": {
                    "Statement": [{
                        "Action": actions,
                        "Effect": "Allow",
                        "Resource": [
                            {"Fn::GetAtt": ["Bucket", "Arn"]},
                            {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]}
                        ]
                    }],
                    "Version": "2012-10-17"
                },
                "PolicyName": "RoleDefaultPolicy",
                "Roles": [{"Ref": "Role"}]
            }
        })
    }

    #[test]
    fn a_new_role_and_policy_broaden_permissions() {
        let new = template(json!({"Role": role(None), "Policy": policy(json!("s3:GetObject*"))}));
        let diff = security_diff(&Value::Null, &new);
        assert!(diff.is_broadening());
        assert_eq!(diff.statements.len(), 2);
        assert!(diff.statements.iter().all(|c| c.kind == ChangeKind::Added));
        assert_eq!(
            diff.statements[0].item,
            IamStatement {
                resources: vec!["${Role.Arn}".into()],
                effect: "Allow".into(),
                actions: vec!["sts:AssumeRole".into()],
                principals: vec!["Service:sagemaker.amazonaws.com".into()],
                condition: None,
            }
        );
        assert_eq!(
            diff.statements[1].item,
            IamStatement {
                resources: vec!["${Bucket.Arn}".into(), "${Bucket.Arn}/*".into()],
                effect: "Allow".into(),
                actions: vec!["s3:GetObject*".into()],
                principals: vec!["AWS:${Role}".into()],
                condition: None,
            }
        );
        assert!(RequireApproval::Broadening.requires(&diff));
        assert!(RequireApproval::AnyChange.requires(&diff));
        assert!(!RequireApproval::Never.requires(&diff));
    }

    #[test]
    fn resources_are_shown_by_construct_path_where_the_template_has_one() {
        let mut role = role(None);
        role["Metadata"] = json!({"aws:cdk:path": "Stack/Endpoint/Role/Resource"});
        let mut policy = policy(json!("s3:GetObject*"));
        policy["Metadata"] = json!({"aws:cdk:path": "Stack/Endpoint/Role/DefaultPolicy/Resource"});
        let new = template(json!({"Role": role, "Policy": policy}));
        let diff = security_diff(&Value::Null, &new);
        assert_eq!(diff.statements[0].item.resources, ["${Endpoint/Role.Arn}"]);
        // The bucket has no path metadata: its logical id stays.
        assert_eq!(
            diff.statements[1].item.resources,
            ["${Bucket.Arn}", "${Bucket.Arn}/*"]
        );
        assert_eq!(diff.statements[1].item.principals, ["AWS:${Endpoint/Role}"]);
        assert_eq!(construct_path("Stack/Resource"), Some("Resource".into()));
        // Path metadata added to a deployed template changes nothing.
        let mut plain = new.clone();
        for r in plain["Resources"]
            .as_object_mut()
            .expect("resources")
            .values_mut()
        {
            r.as_object_mut().expect("resource").remove("Metadata");
        }
        assert!(security_diff(&plain, &new).is_empty());
        assert_eq!(construct_path("Stack"), None);
    }

    #[test]
    fn conditions_serialize_as_json_objects() {
        let statement = IamStatement {
            resources: vec!["*".into()],
            effect: "Allow".into(),
            actions: vec!["s3:GetObject".into()],
            principals: Vec::new(),
            condition: Some(condition_text(
                &serde_json::json!({"Bool": {"aws:SecureTransport": "true"}}),
            )),
        };
        let json = serde_json::to_value(&statement).expect("JSON");
        assert_eq!(
            json["condition"],
            serde_json::json!({"Bool": {"aws:SecureTransport": "true"}})
        );
    }

    #[test]
    fn the_statement_table_is_printed_like_the_cdk() {
        let new = template(json!({"Role": role(None), "Policy": policy(json!("s3:GetObject*"))}));
        let text = security_diff(&Value::Null, &new).to_string();
        let expected = [
            "IAM Statement Changes",
            "┌───┬─────────────────┬────────┬────────────────┬─────────────────────────────────┬───────────┐",
            "│   │ Resource        │ Effect │ Action         │ Principal                       │ Condition │",
            "├───┼─────────────────┼────────┼────────────────┼─────────────────────────────────┼───────────┤",
            "│ + │ ${Role.Arn}     │ Allow  │ sts:AssumeRole │ Service:sagemaker.amazonaws.com │           │",
            "├───┼─────────────────┼────────┼────────────────┼─────────────────────────────────┼───────────┤",
            "│ + │ ${Bucket.Arn}   │ Allow  │ s3:GetObject*  │ AWS:${Role}                     │           │",
            "│   │ ${Bucket.Arn}/* │        │                │                                 │           │",
            "└───┴─────────────────┴────────┴────────────────┴─────────────────────────────────┴───────────┘",
            "(NOTE: only the policies and rules written in the template are listed; changes made by \
             other means, such as custom resources, are not)",
        ];
        assert_eq!(text, expected.join("\n") + "\n");
    }

    #[test]
    fn unchanged_statements_are_not_listed_and_removals_do_not_broaden() {
        let old = template(json!({
            "Role": role(None),
            "Policy": policy(json!(["s3:GetObject*", "s3:List*"]))
        }));
        // Same statements, other order of actions: no change.
        let same = template(json!({
            "Role": role(None),
            "Policy": policy(json!(["s3:List*", "s3:GetObject*"]))
        }));
        assert!(security_diff(&old, &same).is_empty());
        assert!(security_diff(&old, &old).to_string().is_empty());

        let narrower = template(json!({"Role": role(None), "Policy": policy(json!("s3:List*"))}));
        let diff = security_diff(&old, &narrower);
        // The changed statement is one removal and one addition.
        let kinds: Vec<ChangeKind> = diff.statements.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, [ChangeKind::Added, ChangeKind::Removed]);
        assert!(diff.is_broadening(), "a changed statement counts as added");

        let without = template(json!({"Role": role(None)}));
        let diff = security_diff(&old, &without);
        assert_eq!(diff.statements.len(), 1);
        assert_eq!(diff.statements[0].kind, ChangeKind::Removed);
        assert!(!diff.is_broadening());
        assert!(!RequireApproval::Broadening.requires(&diff));
        assert!(RequireApproval::AnyChange.requires(&diff));
    }

    #[test]
    fn trust_policy_changes_are_listed() {
        let old = template(json!({"Role": role(None)}));
        let new = template(json!({"Role": role(Some(json!({
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
        })))}));
        let diff = security_diff(&old, &new);
        assert_eq!(diff.statements.len(), 1);
        let s = &diff.statements[0].item;
        assert_eq!(s.resources, ["${Role.Arn}"]);
        assert_eq!(s.principals, ["AWS:arn:aws:iam::111111111111:root"]);
        assert_eq!(
            s.condition.as_deref(),
            Some("{\n  \"StringEquals\": {\n    \"sts:ExternalId\": \"${ExternalId}\"\n  }\n}")
        );
        let text = diff.to_string();
        assert!(
            text.contains("│ + │ ${Role.Arn} │ Allow  │ sts:AssumeRole │"),
            "{text}"
        );
        assert!(text.contains("│   \"StringEquals\": {"), "{text}");
    }

    #[test]
    fn inline_policies_managed_policies_and_users() {
        let new = template(json!({
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "ManagedPolicyArns": [
                        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                          ":iam::aws:policy/AmazonSageMakerFullAccess"]]}
                    ],
                    "Policies": [{
                        "PolicyName": "inline",
                        "PolicyDocument": {"Statement": {
                            "Effect": "Deny", "NotAction": "iam:*", "Resource": "*"
                        }}
                    }]
                }
            },
            "User": {
                "Type": "AWS::IAM::User",
                "Properties": {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}
            },
            "Managed": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "ecr:*",
                                                      "Resource": "*"}]},
                    "Users": [{"Ref": "User"}]
                }
            }
        }));
        let diff = security_diff(&json!({}), &new);
        let statements: Vec<&IamStatement> = diff.statements.iter().map(|c| &c.item).collect();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[0].actions, ["NOT iam:*"]);
        assert_eq!(statements[0].effect, "Deny");
        assert_eq!(statements[0].principals, ["AWS:${Role}"]);
        assert_eq!(statements[1].principals, ["AWS:${User}"]);
        let attachments: Vec<(&str, &str)> = diff
            .managed_policies
            .iter()
            .map(|c| (c.item.resource.as_str(), c.item.policy_arn.as_str()))
            .collect();
        assert_eq!(
            attachments,
            [
                (
                    "${Role}",
                    "arn:${AWS::Partition}:iam::aws:policy/AmazonSageMakerFullAccess"
                ),
                ("${User}", "arn:aws:iam::aws:policy/ReadOnlyAccess")
            ]
        );
        assert!(diff.is_broadening());
        let text = diff.to_string();
        assert!(
            text.contains(
                "IAM Policy Changes\n\
                 ┌───┬──────────┬─────────────────────────────────────────────────────────────────┐\n\
                 │   │ Resource │ Managed Policy ARN                                              │\n"
            ),
            "{text}"
        );

        // Only the attachment removed: not broadening.
        let mut fewer = new.clone();
        fewer["Resources"]["User"]["Properties"]["ManagedPolicyArns"] = json!([]);
        let diff = security_diff(&new, &fewer);
        assert_eq!(diff.managed_policies.len(), 1);
        assert_eq!(diff.managed_policies[0].kind, ChangeKind::Removed);
        assert!(diff.statements.is_empty());
        assert!(!diff.is_broadening());
    }

    #[test]
    fn resource_policies_and_lambda_permissions() {
        let new = template(json!({
            "BucketPolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": "Bucket"},
                    "PolicyDocument": {"Statement": [{
                        "Action": "s3:*", "Effect": "Deny",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        "Principal": {"AWS": "*"},
                        "Resource": [{"Fn::GetAtt": ["Bucket", "Arn"]}]
                    }]}
                }
            },
            "QueuePolicy": {
                "Type": "AWS::SQS::QueuePolicy",
                "Properties": {
                    "Queues": [{"Ref": "Queue"}],
                    "PolicyDocument": {"Statement": [{
                        "Action": "sqs:SendMessage", "Effect": "Allow",
                        "Principal": {"Service": "sns.amazonaws.com"}
                    }]}
                }
            },
            "TopicPolicy": {
                "Type": "AWS::SNS::TopicPolicy",
                "Properties": {
                    "Topics": [{"Ref": "Topic"}],
                    "PolicyDocument": {"Statement": [{
                        "Action": "sns:Publish", "Effect": "Allow", "Principal": "*",
                        "Resource": {"Ref": "Topic"}
                    }]}
                }
            },
            "Repository": {
                "Type": "AWS::ECR::Repository",
                "Properties": {"RepositoryPolicyText": "{\"Statement\":[{\"Effect\":\"Allow\",\
                    \"Action\":\"ecr:BatchGetImage\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"}}]}"}
            },
            "Permission": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]},
                    "Principal": "s3.amazonaws.com",
                    "SourceArn": {"Fn::GetAtt": ["Bucket", "Arn"]}
                }
            },
            "AccountPermission": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": "my-fn",
                    "Principal": "111111111111"
                }
            }
        }));
        let diff = security_diff(&Value::Null, &new);
        let s: Vec<&IamStatement> = diff.statements.iter().map(|c| &c.item).collect();
        assert_eq!(s.len(), 6);
        assert_eq!(s[0].principals, ["AWS:*"]);
        assert_eq!(s[0].resources, ["${Bucket.Arn}"]);
        assert!(
            s[0].condition
                .as_deref()
                .unwrap()
                .contains("aws:SecureTransport")
        );
        assert_eq!(
            s[1].resources,
            ["${Queue}"],
            "the queue stands in for Resource"
        );
        assert_eq!(s[1].principals, ["Service:sns.amazonaws.com"]);
        assert_eq!(s[2].principals, ["*"]);
        assert_eq!(s[2].resources, ["${Topic}"]);
        assert_eq!(s[3].resources, ["${Repository.Arn}"]);
        assert_eq!(s[3].actions, ["ecr:BatchGetImage"]);
        assert_eq!(s[4].resources, ["${Fn.Arn}"]);
        assert_eq!(s[4].principals, ["Service:s3.amazonaws.com"]);
        assert_eq!(
            s[4].condition.as_deref(),
            Some("{\n  \"ArnLike\": {\n    \"AWS:SourceArn\": \"${Bucket.Arn}\"\n  }\n}")
        );
        assert_eq!(s[5].principals, ["AWS:111111111111"]);
        assert_eq!(s[5].condition, None);
    }

    #[test]
    fn security_group_rules() {
        let old = template(json!({
            "Group": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": "endpoint",
                    "SecurityGroupEgress": [{"CidrIp": "0.0.0.0/0", "IpProtocol": "-1"}]
                }
            }
        }));
        let new = template(json!({
            "Group": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": "endpoint",
                    "SecurityGroupIngress": [
                        {"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443},
                        {"CidrIpv6": "::/0", "IpProtocol": "udp", "FromPort": 1000, "ToPort": 2000}
                    ]
                }
            },
            "FromPeer": {
                "Type": "AWS::EC2::SecurityGroupIngress",
                "Properties": {
                    "GroupId": {"Fn::GetAtt": ["Group", "GroupId"]},
                    "IpProtocol": "icmp", "FromPort": -1, "ToPort": -1,
                    "SourceSecurityGroupId": {"Fn::GetAtt": ["Peer", "GroupId"]}
                }
            },
            "ToList": {
                "Type": "AWS::EC2::SecurityGroupEgress",
                "Properties": {
                    "GroupId": "sg-12345", "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                    "DestinationPrefixListId": "pl-1"
                }
            }
        }));
        let diff = security_diff(&old, &new);
        let rules: Vec<(ChangeKind, String, Direction, String, String)> = diff
            .security_group_rules
            .iter()
            .map(|c| {
                let r = &c.item;
                (
                    c.kind,
                    r.group.clone(),
                    r.direction,
                    r.protocol.clone(),
                    r.peer.clone(),
                )
            })
            .collect();
        let row = |k, g: &str, d, p: &str, peer: &str| (k, g.into(), d, p.into(), peer.into());
        assert_eq!(
            rules,
            [
                row(
                    ChangeKind::Added,
                    "${Group.GroupId}",
                    Direction::In,
                    "TCP 443",
                    "Everyone (IPv4)"
                ),
                row(
                    ChangeKind::Added,
                    "${Group.GroupId}",
                    Direction::In,
                    "UDP 1000-2000",
                    "Everyone (IPv6)"
                ),
                row(
                    ChangeKind::Added,
                    "${Group.GroupId}",
                    Direction::In,
                    "ICMP (all)",
                    "${Peer.GroupId}"
                ),
                row(
                    ChangeKind::Added,
                    "sg-12345",
                    Direction::Out,
                    "TCP 5432",
                    "pl-1"
                ),
                row(
                    ChangeKind::Removed,
                    "${Group.GroupId}",
                    Direction::Out,
                    "Everything",
                    "Everyone (IPv4)"
                ),
            ]
        );
        assert!(diff.is_broadening());
        assert!(diff.statements.is_empty());
        let text = diff.to_string();
        assert!(
            text.starts_with(
                "Security Group Changes\n\
                 ┌───┬──────────────────┬─────┬───────────────┬─────────────────┐\n\
                 │   │ Group            │ Dir │ Protocol      │ Peer            │\n\
                 ├───┼──────────────────┼─────┼───────────────┼─────────────────┤\n\
                 │ + │ ${Group.GroupId} │ In  │ TCP 443       │ Everyone (IPv4) │\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("│ - │ ${Group.GroupId} │ Out │ Everything    │ Everyone (IPv4) │\n"),
            "{text}"
        );

        // Only the egress rule removed: a change, not a broadening.
        let closed = template(json!({
            "Group": {"Type": "AWS::EC2::SecurityGroup",
                      "Properties": {"GroupDescription": "endpoint"}}
        }));
        let diff = security_diff(&old, &closed);
        assert!(!diff.is_broadening() && !diff.is_empty());
    }

    #[test]
    fn other_resources_and_odd_values_are_ignored() {
        let new = template(json!({
            "Model": {"Type": "AWS::SageMaker::Model", "Properties": {"ExecutionRoleArn": "x"}},
            "Broken": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": 3}},
            "NoProps": {"Type": "AWS::IAM::Role"},
            "BadText": {"Type": "AWS::ECR::Repository",
                        "Properties": {"RepositoryPolicyText": "not json"}}
        }));
        assert!(security_diff(&Value::Null, &new).is_empty());
        assert!(security_diff(&json!("x"), &json!({"Resources": 1})).is_empty());
    }

    #[test]
    fn approval_levels_parse_and_print() {
        for level in [
            RequireApproval::Never,
            RequireApproval::AnyChange,
            RequireApproval::Broadening,
        ] {
            assert_eq!(level.to_string().parse::<RequireApproval>(), Ok(level));
        }
        let err = "sometimes".parse::<RequireApproval>().unwrap_err();
        assert!(err.contains("never, any-change or broadening"), "{err}");
    }

    #[test]
    fn intrinsics_render_like_the_cdk() {
        assert_eq!(render(&json!({"Ref": "AWS::Region"})), "${AWS::Region}");
        assert_eq!(render(&json!({"Fn::GetAtt": "Role.Arn"})), "${Role.Arn}");
        assert_eq!(
            render(&json!({"Fn::Sub": ["arn:${AWS::Partition}:s3:::b", {}]})),
            "arn:${AWS::Partition}:s3:::b"
        );
        assert_eq!(
            render(&json!({"Fn::If": ["C", "a", "b"]})),
            "{\"Fn::If\":[\"C\",\"a\",\"b\"]}"
        );
        assert_eq!(render(&json!(443)), "443");
    }
}
