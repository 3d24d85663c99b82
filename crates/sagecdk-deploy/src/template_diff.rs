//! The pure comparison of two templates, in the sections of the AWS CDK's `cdk diff`
//! (`Parameters`, `Metadata`, `Mappings`, `Conditions`, `Resources`, `Outputs`, and `Other
//! Changes` for any other top-level key), with `[+]` / `[-]` / `[~]` markers per logical id: a
//! modified resource whose type or create-only properties ([`crate::create_only`], from the
//! resource schemas) change is marked `(requires replacement)`; what a change set says about
//! replacements is added with [`TemplateDiff::apply_replacements`]. The IAM and security group
//! changes ([`crate::security`]) build on its change kinds; `diff` ([`crate::diff`]) reads the
//! templates from AWS.

use crate::create_only;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;

/// The sections of a template diff, in printing order (`Other Changes` collects the other
/// top-level keys).
pub const SECTIONS: [&str; 7] = [
    "Parameters",
    "Metadata",
    "Mappings",
    "Conditions",
    "Resources",
    "Outputs",
    "Other Changes",
];

/// How an entry changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Only in the new template (`[+]`).
    Added,
    /// Only in the old template (`[-]`).
    Removed,
    /// In both, with different values (`[~]`).
    Modified,
}

impl ChangeKind {
    /// `[+]`, `[-]` or `[~]`.
    pub fn marker(self) -> &'static str {
        match self {
            ChangeKind::Added => "[+]",
            ChangeKind::Removed => "[-]",
            ChangeKind::Modified => "[~]",
        }
    }
}

/// One changed value inside a modified entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValueChange {
    /// Path inside the entry: `Key.Sub[0].Leaf`; for resources relative to `Properties`
    /// (other resource attributes such as `DependsOn` by their name). Empty when the entry's
    /// value itself is a scalar that changed.
    pub path: String,
    /// The old value (`None`: added).
    pub old: Option<Value>,
    /// The new value (`None`: removed).
    pub new: Option<Value>,
    /// Whether the change replaces the resource (from a change set).
    pub replacement: Option<ReplacementKind>,
}

impl ValueChange {
    /// Added, removed or modified.
    pub fn kind(&self) -> ChangeKind {
        match (&self.old, &self.new) {
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Removed,
            _ => ChangeKind::Modified,
        }
    }
}

/// A changed entry (parameter, resource, output, …) of one section.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryChange {
    /// The logical id (or the top-level key, in `Other Changes`).
    pub logical_id: String,
    /// Added, removed or modified.
    pub kind: ChangeKind,
    /// The resource type (resources only; the new type when it changed).
    pub resource_type: Option<String>,
    /// The old resource type, when a resource changed type.
    pub old_resource_type: Option<String>,
    /// The old value (`None` when added).
    pub old: Option<Value>,
    /// The new value (`None` when removed).
    pub new: Option<Value>,
    /// For modified entries: the changed paths, in template order.
    pub changes: Vec<ValueChange>,
    /// Whether the resource will be replaced (a type change, or from a change set).
    pub replacement: Option<ReplacementKind>,
}

/// Whether a change replaces a resource (a new physical resource; the old one is deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplacementKind {
    /// It may be replaced, depending on values only known during the update (CloudFormation's
    /// `Replacement: Conditional` / `RequiresRecreation: Conditionally`).
    Conditional,
    /// It will be replaced (`Replacement: True` / `RequiresRecreation: Always`).
    Always,
}

impl ReplacementKind {
    /// `requires replacement` or `may be replaced`, as `cdk diff` says it.
    pub fn marker(self) -> &'static str {
        match self {
            ReplacementKind::Always => "requires replacement",
            ReplacementKind::Conditional => "may be replaced",
        }
    }
}

/// What a change set says about one resource's replacement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceReplacement {
    /// The resource as a whole (`ResourceChange.Replacement`).
    pub resource: Option<ReplacementKind>,
    /// The change set says the resource is updated in place (`Replacement: False`): it
    /// overrides the marks of the create-only properties, as `cdk diff` lets it.
    pub in_place: bool,
    /// Top-level properties whose change replaces the resource (`Details[].Target`).
    pub properties: HashMap<String, ReplacementKind>,
}

/// The top-level property of a change path (`A.B[0]` → `A`).
fn top_property(path: &str) -> &str {
    let end = path.find(['.', '[']).unwrap_or(path.len());
    &path[..end]
}

/// The changes of one section.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SectionDiff {
    /// One of [`SECTIONS`].
    pub title: &'static str,
    /// Changed entries: those of the old template in its order, then the added ones.
    pub entries: Vec<EntryChange>,
}

/// The differences between two templates; sections without changes are left out.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateDiff {
    /// Sections with changes, in [`SECTIONS`] order.
    pub sections: Vec<SectionDiff>,
}

impl TemplateDiff {
    /// Whether the templates are equal.
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// The section named `title`, if it has changes.
    pub fn section(&self, title: &str) -> Option<&SectionDiff> {
        self.sections.iter().find(|s| s.title == title)
    }

    /// Number of changed entries over all sections.
    pub fn change_count(&self) -> usize {
        self.sections.iter().map(|s| s.entries.len()).sum()
    }

    /// Marks the modified resources (and their changed properties) that a change set says will
    /// or may be replaced, and clears the marks of those it says are updated in place (see
    /// `diff::replacements`).
    pub fn apply_replacements(&mut self, info: &HashMap<String, ResourceReplacement>) {
        let Some(section) = self.sections.iter_mut().find(|s| s.title == "Resources") else {
            return;
        };
        for entry in section
            .entries
            .iter_mut()
            .filter(|e| e.kind == ChangeKind::Modified)
        {
            let Some(r) = info.get(&entry.logical_id) else {
                continue;
            };
            // A resource that changes type is new whatever the change set says.
            let in_place = r.in_place && entry.old_resource_type.is_none();
            if in_place {
                entry.replacement = None;
            }
            for change in &mut entry.changes {
                if in_place {
                    change.replacement = None;
                }
                if let Some(kind) = r.properties.get(top_property(&change.path)) {
                    change.replacement = change.replacement.max(Some(*kind));
                }
            }
            let strongest = r.properties.values().copied().max();
            entry.replacement = entry.replacement.max(r.resource).max(strongest);
        }
    }
}

/// Compares two templates (`old`: deployed, `new`: local). A missing or non-object template
/// counts as empty.
pub fn diff_templates(old: &Value, new: &Value) -> TemplateDiff {
    let empty = Map::new();
    let old = old.as_object().unwrap_or(&empty);
    let new = new.as_object().unwrap_or(&empty);
    let mut sections = Vec::new();
    for title in SECTIONS {
        let entries = if title == "Other Changes" {
            let known = &SECTIONS[..SECTIONS.len() - 1];
            let pick = |m: &Map<String, Value>| -> Map<String, Value> {
                m.iter()
                    .filter(|(k, _)| !known.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            };
            diff_entries(title, &pick(old), &pick(new))
        } else {
            let section = |m: &Map<String, Value>| -> Map<String, Value> {
                m.get(title)
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default()
            };
            diff_entries(title, &section(old), &section(new))
        };
        if !entries.is_empty() {
            sections.push(SectionDiff { title, entries });
        }
    }
    TemplateDiff { sections }
}

fn diff_entries(
    title: &'static str,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> Vec<EntryChange> {
    let resources = title == "Resources";
    let type_of = |v: &Value| -> Option<String> {
        resources
            .then(|| v.get("Type").and_then(Value::as_str).map(str::to_string))
            .flatten()
    };
    let mut entries = Vec::new();
    for (id, old_value) in old {
        match new.get(id) {
            None => entries.push(EntryChange {
                logical_id: id.clone(),
                kind: ChangeKind::Removed,
                resource_type: type_of(old_value),
                old_resource_type: None,
                old: Some(old_value.clone()),
                new: None,
                changes: Vec::new(),
                replacement: None,
            }),
            Some(new_value) if new_value != old_value => {
                let mut changes = Vec::new();
                if resources {
                    diff_resource(old_value, new_value, &mut changes);
                } else {
                    diff_values(String::new(), old_value, new_value, &mut changes);
                }
                let (old_type, new_type) = (type_of(old_value), type_of(new_value));
                let old_resource_type = (old_type != new_type).then_some(old_type).flatten();
                // A resource that changes type is always a new resource; so is one whose
                // create-only properties change.
                let mut replacement = old_resource_type.as_ref().map(|_| ReplacementKind::Always);
                if let Some(kind) = new_type.as_deref().filter(|_| replacement.is_none()) {
                    let none = Value::Null;
                    let replaced = create_only::changed_create_only(
                        kind,
                        old_value.get("Properties").unwrap_or(&none),
                        new_value.get("Properties").unwrap_or(&none),
                    );
                    for change in &mut changes {
                        if replaced
                            .iter()
                            .any(|p| create_only::touches(&change.path, p))
                        {
                            change.replacement = Some(ReplacementKind::Always);
                            replacement = Some(ReplacementKind::Always);
                        }
                    }
                }
                entries.push(EntryChange {
                    logical_id: id.clone(),
                    kind: ChangeKind::Modified,
                    replacement,
                    old_resource_type,
                    resource_type: new_type,
                    old: Some(old_value.clone()),
                    new: Some(new_value.clone()),
                    changes,
                });
            }
            Some(_) => {}
        }
    }
    for (id, new_value) in new {
        if !old.contains_key(id) {
            entries.push(EntryChange {
                logical_id: id.clone(),
                kind: ChangeKind::Added,
                resource_type: type_of(new_value),
                old_resource_type: None,
                old: None,
                new: Some(new_value.clone()),
                changes: Vec::new(),
                replacement: None,
            });
        }
    }
    entries
}

/// A resource: `Properties` paths without the `Properties.` prefix, other attributes (`Type`,
/// `DependsOn`, `Metadata`, `DeletionPolicy`, …) by name.
fn diff_resource(old: &Value, new: &Value, out: &mut Vec<ValueChange>) {
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
        diff_values(String::new(), old, new, out);
        return;
    };
    let null = Value::Object(Map::new());
    let old_props = old.get("Properties").unwrap_or(&null);
    let new_props = new.get("Properties").unwrap_or(&null);
    if old_props.is_object() && new_props.is_object() {
        diff_values(String::new(), old_props, new_props, out);
    } else if old_props != new_props {
        out.push(ValueChange {
            path: "Properties".into(),
            old: old.get("Properties").cloned(),
            new: new.get("Properties").cloned(),
            replacement: None,
        });
    }
    let others = |m: &Map<String, Value>| -> Map<String, Value> {
        m.iter()
            .filter(|(k, _)| k.as_str() != "Properties")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    diff_values(
        String::new(),
        &Value::Object(others(old)),
        &Value::Object(others(new)),
        out,
    );
}

/// Recursive comparison: objects key by key, arrays of equal length element by element; any
/// other difference is one change at `path`.
fn diff_values(path: String, old: &Value, new: &Value, out: &mut Vec<ValueChange>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (k, ov) in o {
                let p = join_key(&path, k);
                match n.get(k) {
                    Some(nv) => diff_values(p, ov, nv, out),
                    None => out.push(ValueChange {
                        path: p,
                        old: Some(ov.clone()),
                        new: None,
                        replacement: None,
                    }),
                }
            }
            for (k, nv) in n {
                if !o.contains_key(k) {
                    out.push(ValueChange {
                        path: join_key(&path, k),
                        old: None,
                        new: Some(nv.clone()),
                        replacement: None,
                    });
                }
            }
        }
        (Value::Array(o), Value::Array(n)) if o.len() == n.len() && !intrinsic(&path) => {
            for (i, (ov, nv)) in o.iter().zip(n).enumerate() {
                diff_values(format!("{path}[{i}]"), ov, nv, out);
            }
        }
        _ => out.push(ValueChange {
            path,
            old: Some(old.clone()),
            new: Some(new.clone()),
            replacement: None,
        }),
    }
}

/// Arguments of intrinsic functions (`Fn::Join`, `Fn::GetAtt`, …) are shown whole.
fn intrinsic(path: &str) -> bool {
    let last = path
        .rsplit(['.', '"'])
        .find(|s| !s.is_empty())
        .unwrap_or("");
    last.starts_with("Fn::") || last == "Ref"
}

fn join_key(path: &str, key: &str) -> String {
    let plain = !key.is_empty() && !key.contains(['.', '[', ']', '"', ' ']);
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", Value::String(key.to_string())),
    }
}

/// Compact JSON of a value.
fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn kind_label(title: &str) -> &'static str {
    match title {
        "Parameters" => "Parameter ",
        "Metadata" => "Metadata ",
        "Mappings" => "Mapping ",
        "Conditions" => "Condition ",
        "Outputs" => "Output ",
        _ => "",
    }
}

impl fmt::Display for TemplateDiff {
    /// The sections as `cdk diff` prints them, with replacement markers (the IAM and security
    /// group tables are [`crate::security::SecurityDiff`]'s); each section is followed by a blank
    /// line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for section in &self.sections {
            writeln!(f, "{}", section.title)?;
            for e in &section.entries {
                let marker = e.kind.marker();
                let head = match (&e.resource_type, &e.old_resource_type) {
                    (Some(new), Some(old)) => format!("{old} → {new} {}", e.logical_id),
                    (Some(ty), None) => format!("{ty} {}", e.logical_id),
                    _ => format!("{}{}", kind_label(section.title), e.logical_id),
                };
                let head = match e.replacement {
                    Some(r) => format!("{head} ({})", r.marker()),
                    None => head,
                };
                let is_resource = section.title == "Resources";
                match e.kind {
                    ChangeKind::Added | ChangeKind::Removed if is_resource => {
                        writeln!(f, "{marker} {head}")?;
                    }
                    ChangeKind::Added | ChangeKind::Removed => {
                        let value = e.new.as_ref().or(e.old.as_ref()).map(compact);
                        writeln!(f, "{marker} {head}: {}", value.unwrap_or_default())?;
                    }
                    ChangeKind::Modified => match e.changes.as_slice() {
                        [only] if only.path.is_empty() => {
                            writeln!(f, "{marker} {head}: {}", describe(only))?;
                        }
                        changes => {
                            writeln!(f, "{marker} {head}")?;
                            for (i, c) in changes.iter().enumerate() {
                                let branch = if i + 1 == changes.len() {
                                    "└─"
                                } else {
                                    "├─"
                                };
                                writeln!(
                                    f,
                                    " {branch} {} {}: {}{}",
                                    c.kind().marker(),
                                    c.path,
                                    describe(c),
                                    c.replacement
                                        .map(|r| format!(" ({})", r.marker()))
                                        .unwrap_or_default()
                                )?;
                            }
                        }
                    },
                }
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

fn describe(c: &ValueChange) -> String {
    match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!("{} → {}", compact(o), compact(n)),
        (Some(o), None) => compact(o),
        (None, Some(n)) => compact(n),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A model and its endpoint configuration (also the base of `diff`'s tests).
    pub(crate) fn template() -> Value {
        json!({
            "Parameters": {
                "BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>",
                                     "Default": "/cdk-bootstrap/hnb659fds/version"}
            },
            "Resources": {
                "Model": {
                    "Type": "AWS::SageMaker::Model",
                    "Properties": {
                        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/r",
                        "PrimaryContainer": {"Image": "img:1", "Environment": {"A": "1"}}
                    }
                },
                "Config": {
                    "Type": "AWS::SageMaker::EndpointConfig",
                    "Properties": {
                        "ProductionVariants": [{
                            "InitialInstanceCount": 1,
                            "ModelName": {"Fn::GetAtt": ["Model", "ModelName"]},
                            "VariantName": "AllTraffic"
                        }]
                    }
                }
            },
            "Outputs": {"ModelName": {"Value": {"Fn::GetAtt": ["Model", "ModelName"]}}}
        })
    }

    #[test]
    fn equal_templates_have_no_differences() {
        let diff = diff_templates(&template(), &template());
        assert!(diff.is_empty());
        assert_eq!(diff.change_count(), 0);
        assert_eq!(diff.to_string(), "");
    }

    #[test]
    fn a_missing_stack_diffs_against_an_empty_template() {
        let diff = diff_templates(&Value::Null, &template());
        let titles: Vec<&str> = diff.sections.iter().map(|s| s.title).collect();
        assert_eq!(titles, ["Parameters", "Resources", "Outputs"]);
        let resources = diff.section("Resources").unwrap();
        assert!(
            resources
                .entries
                .iter()
                .all(|e| e.kind == ChangeKind::Added)
        );
        let text = diff.to_string();
        assert!(text.contains("[+] AWS::SageMaker::Model Model\n"), "{text}");
        assert!(
            text.contains("[+] AWS::SageMaker::EndpointConfig Config\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "[+] Output ModelName: {\"Value\":{\"Fn::GetAtt\":[\"Model\",\"ModelName\"]}}"
            ),
            "{text}"
        );
    }

    #[test]
    fn added_and_removed_resources() {
        let old = template();
        let mut new = template();
        let resources = new["Resources"].as_object_mut().unwrap();
        resources.shift_remove("Config");
        resources.insert(
            "Bucket".into(),
            json!({"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"}),
        );
        let diff = diff_templates(&old, &new);
        assert_eq!(diff.sections.len(), 1);
        let entries = &diff.section("Resources").unwrap().entries;
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].logical_id, "Config");
        assert_eq!(entries[0].kind, ChangeKind::Removed);
        assert_eq!(
            entries[0].resource_type.as_deref(),
            Some("AWS::SageMaker::EndpointConfig")
        );
        assert_eq!(entries[1].logical_id, "Bucket");
        assert_eq!(entries[1].kind, ChangeKind::Added);
        assert_eq!(
            diff.to_string(),
            "Resources\n[-] AWS::SageMaker::EndpointConfig Config\n\
             [+] AWS::S3::Bucket Bucket\n\n"
        );
    }

    #[test]
    fn nested_property_changes_list_paths_with_old_and_new_values() {
        let old = template();
        let mut new = template();
        new["Resources"]["Config"]["Properties"]["ProductionVariants"][0]["InitialInstanceCount"] =
            json!(2);
        let container = &mut new["Resources"]["Model"]["Properties"]["PrimaryContainer"];
        container["Environment"]["B"] = json!("2");
        container["Environment"]
            .as_object_mut()
            .unwrap()
            .shift_remove("A");
        container["Image"] = json!({"Fn::Join": ["", ["img:", "2"]]});
        new["Resources"]["Model"]["DependsOn"] = json!(["Config"]);
        let diff = diff_templates(&old, &new);
        let entries = &diff.section("Resources").unwrap().entries;
        assert_eq!(entries.len(), 2);
        let model = &entries[0];
        assert_eq!(model.kind, ChangeKind::Modified);
        let paths: Vec<(&str, ChangeKind)> = model
            .changes
            .iter()
            .map(|c| (c.path.as_str(), c.kind()))
            .collect();
        assert_eq!(
            paths,
            [
                ("PrimaryContainer.Image", ChangeKind::Modified),
                ("PrimaryContainer.Environment.A", ChangeKind::Removed),
                ("PrimaryContainer.Environment.B", ChangeKind::Added),
                ("DependsOn", ChangeKind::Added),
            ]
        );
        let text = diff.to_string();
        assert_eq!(
            text,
            "Resources\n\
             [~] AWS::SageMaker::Model Model (requires replacement)\n \
             ├─ [~] PrimaryContainer.Image: \"img:1\" → {\"Fn::Join\":[\"\",[\"img:\",\"2\"]]} \
             (requires replacement)\n \
             ├─ [-] PrimaryContainer.Environment.A: \"1\" (requires replacement)\n \
             ├─ [+] PrimaryContainer.Environment.B: \"2\" (requires replacement)\n \
             └─ [+] DependsOn: [\"Config\"]\n\
             [~] AWS::SageMaker::EndpointConfig Config (requires replacement)\n \
             └─ [~] ProductionVariants[0].InitialInstanceCount: 1 → 2 (requires replacement)\n\n"
        );
        // Tags of an endpoint configuration are updated in place.
        let mut tagged = template();
        tagged["Resources"]["Config"]["Properties"]["Tags"] =
            json!([{"Key": "team", "Value": "a"}]);
        let diff = diff_templates(&old, &tagged);
        assert_eq!(
            diff.to_string(),
            "Resources\n[~] AWS::SageMaker::EndpointConfig Config\n \
             └─ [+] Tags: [{\"Key\":\"team\",\"Value\":\"a\"}]\n\n"
        );
    }

    #[test]
    fn arrays_of_another_length_and_type_changes_are_shown_whole() {
        let old = template();
        let mut new = template();
        new["Resources"]["Config"]["Properties"]["ProductionVariants"]
            .as_array_mut()
            .unwrap()
            .push(json!({"VariantName": "B"}));
        new["Resources"]["Model"]["Type"] = json!("AWS::SageMaker::Other");
        let diff = diff_templates(&old, &new);
        let entries = &diff.section("Resources").unwrap().entries;
        assert_eq!(entries[0].changes.len(), 1);
        assert_eq!(entries[0].changes[0].path, "Type");
        assert_eq!(
            entries[0].old_resource_type.as_deref(),
            Some("AWS::SageMaker::Model")
        );
        assert_eq!(entries[1].changes.len(), 1);
        assert_eq!(entries[1].changes[0].path, "ProductionVariants");
        assert!(diff.to_string().contains(
            "[~] AWS::SageMaker::Model → AWS::SageMaker::Other Model (requires replacement)\n"
        ));
    }

    #[test]
    fn outputs_parameters_and_other_changes() {
        let mut old = template();
        old["Description"] = json!("v1");
        let mut new = template();
        new["Description"] = json!("v2");
        new["Outputs"]["ModelName"]["Export"] = json!({"Name": "model"});
        new["Outputs"]["Extra"] = json!({"Value": "x"});
        new["Parameters"]["BootstrapVersion"]["Default"] = json!("/other/version");
        new["Parameters"]["Stage"] = json!({"Type": "String"});
        new["Conditions"] = json!({"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}});
        let diff = diff_templates(&old, &new);
        let titles: Vec<&str> = diff.sections.iter().map(|s| s.title).collect();
        assert_eq!(
            titles,
            ["Parameters", "Conditions", "Outputs", "Other Changes"]
        );
        assert_eq!(diff.change_count(), 6);
        assert_eq!(
            diff.to_string(),
            "Parameters\n\
             [~] Parameter BootstrapVersion\n \
             └─ [~] Default: \"/cdk-bootstrap/hnb659fds/version\" → \"/other/version\"\n\
             [+] Parameter Stage: {\"Type\":\"String\"}\n\
             \n\
             Conditions\n\
             [+] Condition IsProd: {\"Fn::Equals\":[{\"Ref\":\"Stage\"},\"prod\"]}\n\
             \n\
             Outputs\n\
             [~] Output ModelName\n \
             └─ [+] Export: {\"Name\":\"model\"}\n\
             [+] Output Extra: {\"Value\":\"x\"}\n\
             \n\
             Other Changes\n\
             [~] Description: \"v1\" → \"v2\"\n\n"
        );
    }

    #[test]
    fn odd_keys_are_quoted_in_paths() {
        assert_eq!(join_key("", "a.b"), "[\"a.b\"]");
        assert_eq!(join_key("X", "aws:cdk:path"), "X.aws:cdk:path");
        assert!(intrinsic("A.Fn::Join"));
        assert!(!intrinsic("A.B"));
    }
}
