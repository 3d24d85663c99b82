//! From a CloudFormation registry schema to the model the code is generated from.

use crate::names;
use anyhow::{Context, Result, bail};
use serde_json::{Map as JsonMap, Value as Json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The Rust type of a property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    /// A string (`Str`).
    Str,
    /// A number (`Num`).
    Num,
    /// A boolean (`Flag`).
    Flag,
    /// Untyped JSON (`Value`), e.g. policy documents.
    Json,
    /// A list (`List<T>`).
    List(Box<Ty>),
    /// A string-keyed map (`Map<T>`).
    Map(Box<Ty>),
    /// A generated struct, by Rust name.
    Struct(String),
}

/// One property of a struct.
#[derive(Clone, Debug)]
pub struct Field {
    /// The CloudFormation name.
    pub cfn_name: String,
    /// The Rust field name (may be a raw identifier).
    pub ident: String,
    /// The type.
    pub ty: Ty,
    /// Whether the property is required.
    pub required: bool,
    /// One line of documentation.
    pub doc: String,
    /// The module holding the allowed values, when the schema has an `enum`.
    pub enum_module: Option<String>,
    /// Whether the field is boxed (recursive types).
    pub boxed: bool,
}

/// A generated struct (a property type or the props of a resource).
#[derive(Clone, Debug)]
pub struct StructDef {
    /// Rust name.
    pub name: String,
    /// One line of documentation.
    pub doc: String,
    /// Fields in ordinal order of their CloudFormation names.
    pub fields: Vec<Field>,
}

/// String constants for the allowed values of a property.
#[derive(Clone, Debug)]
pub struct EnumDef {
    /// Module name.
    pub module: String,
    /// Values in schema order.
    pub values: Vec<String>,
}

/// A `Fn::GetAtt` attribute.
#[derive(Clone, Debug)]
pub struct Attribute {
    /// The attribute name (`ModelArn`, `Endpoint.Address`).
    pub name: String,
    /// The accessor (`attr_model_arn`).
    pub method: String,
    /// `Str`, `Num`, `List` (of strings) or `Json` (a token).
    pub ty: Ty,
    /// One line of documentation.
    pub doc: String,
}

/// Tagging support from the schema's `tagging` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tagging {
    /// A list of `Key`/`Value` objects in `property`.
    Standard(String),
    /// A string map in `property`.
    Map(String),
}

/// A pattern that Rust's `regex` cannot compile; its check is skipped.
#[derive(Clone, Debug)]
pub struct SkippedPattern {
    /// Where it occurs (`definitions/X/properties/Y`).
    pub location: String,
    /// The pattern.
    pub pattern: String,
}

/// Everything generated for one resource type.
#[derive(Clone, Debug)]
pub struct Resource {
    /// `AWS::SageMaker::Model`.
    pub type_name: String,
    /// `SageMaker`.
    pub service: String,
    /// `Model`.
    pub name: String,
    /// One line of documentation.
    pub doc: String,
    /// The props struct (first) and the property types.
    pub structs: Vec<StructDef>,
    /// Allowed-value constant modules.
    pub enums: Vec<EnumDef>,
    /// Read-only properties.
    pub attributes: Vec<Attribute>,
    /// Tagging, if the type is taggable.
    pub tagging: Option<Tagging>,
    /// The validation rules (reduced schema) as compact JSON.
    pub rules: String,
    /// Patterns left out of the rules.
    pub skipped_patterns: Vec<SkippedPattern>,
    /// Properties whose change replaces the resource, as paths below `/properties/`
    /// (`VpcConfig`, `EncryptionConfiguration/KmsKey`), in the schema's order.
    pub create_only: Vec<String>,
}

impl Resource {
    /// Name of the resource handle type (`CfnModel`).
    pub fn handle_name(&self) -> String {
        format!("Cfn{}", names::pascal(&self.name))
    }

    /// Name of the props struct (`CfnModelProps`).
    pub fn props_name(&self) -> String {
        format!("Cfn{}Props", names::pascal(&self.name))
    }

    /// The module of the resource inside its service module.
    pub fn module(&self) -> String {
        names::module_ident(&self.name)
    }

    /// The Cargo feature that compiles the resource type (`sagemaker_endpoint_config`): one per
    /// type, so a program builds only the types it uses.
    pub fn feature(&self) -> String {
        format!(
            "{}_{}",
            names::service_module(&self.service),
            self.module().trim_end_matches('_')
        )
    }
}

/// Type names that would shadow names the generated code uses.
const RESERVED_TYPES: &[&str] = &[
    "Option", "Some", "None", "Box", "Vec", "String", "Result", "Ok", "Err", "Self", "Default",
    "Clone", "Debug", "Into", "From", "Sized", "Send", "Sync", "Copy",
];

/// Module names the generated code uses itself.
const RESERVED_MODULES: &[&str] = &["cdk", "rt", "std", "core", "alloc", "crate"];

struct Builder<'a> {
    schema: &'a Json,
    defs: &'a JsonMap<String, Json>,
    structs: Vec<StructDef>,
    def_types: HashMap<String, (Ty, Option<String>)>,
    type_names: BTreeSet<String>,
    enums: Vec<EnumDef>,
    module_names: BTreeSet<String>,
}

fn str_list(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn description(node: &Json) -> Option<&str> {
    node.get("description")
        .and_then(Json::as_str)
        .filter(|d| d.chars().any(char::is_alphanumeric))
}

/// The definition name of a local `$ref`.
fn ref_name(node: &Json) -> Option<&str> {
    node.get("$ref")?.as_str()?.strip_prefix("#/definitions/")
}

impl<'a> Builder<'a> {
    fn deref(&self, node: &'a Json) -> &'a Json {
        let mut n = node;
        for _ in 0..8 {
            match ref_name(n).and_then(|r| self.defs.get(r)) {
                Some(target) => n = target,
                None => break,
            }
        }
        n
    }

    /// The properties of an object schema, merged with those of its `oneOf`/`anyOf`/`allOf`
    /// alternatives, and the required ones (from the object and `allOf` only).
    fn object_props(&self, node: &'a Json) -> Option<(BTreeMap<String, &'a Json>, Vec<String>)> {
        let mut props: BTreeMap<String, &'a Json> = BTreeMap::new();
        let mut required = str_list(node.get("required"));
        if let Some(p) = node.get("properties").and_then(Json::as_object) {
            for (k, v) in p {
                props.insert(k.clone(), v);
            }
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            for alt in node.get(key).and_then(Json::as_array).into_iter().flatten() {
                let alt = self.deref(alt);
                if let Some(p) = alt.get("properties").and_then(Json::as_object) {
                    for (k, v) in p {
                        props.entry(k.clone()).or_insert(v);
                    }
                }
                if key == "allOf" {
                    required.extend(str_list(alt.get("required")));
                }
            }
        }
        if props.is_empty() {
            return None;
        }
        required.retain(|r| props.contains_key(r));
        Some((props, required))
    }

    fn type_of(node: &Json) -> Option<&str> {
        match node.get("type") {
            Some(Json::String(s)) => Some(s),
            Some(Json::Array(a)) if a.len() == 1 => a[0].as_str(),
            Some(Json::Array(_)) => Some("json"),
            _ => None,
        }
    }

    fn add_enum(&mut self, hint: &str, values: Vec<String>) -> String {
        let mut candidate = names::module_ident(hint);
        if RESERVED_MODULES.contains(&candidate.as_str()) {
            candidate.push_str("_values");
        }
        let module = names::unique(&mut self.module_names, candidate);
        self.enums.push(EnumDef {
            module: module.clone(),
            values,
        });
        module
    }

    /// Resolves the Rust type of a schema node; `hint` names a struct or enum module created for
    /// it (PascalCase).
    fn resolve(&mut self, node: &'a Json, hint: &str, enum_hint: &str) -> (Ty, Option<String>) {
        if let Some(def) = ref_name(node) {
            let def = def.to_string();
            if let Some(t) = self.def_types.get(&def) {
                return t.clone();
            }
            let Some(target) = self.defs.get(&def) else {
                return (Ty::Json, None);
            };
            if self.object_props(target).is_some() && Self::type_of(target) != Some("json") {
                // Register first: definitions may be recursive.
                let name = self.struct_name(&def);
                self.def_types
                    .insert(def.clone(), (Ty::Struct(name.clone()), None));
                self.build_struct(&name, target);
                return (Ty::Struct(name), None);
            }
            let resolved = self.resolve(target, &def, &def);
            self.def_types.insert(def, resolved.clone());
            return resolved;
        }
        match Self::type_of(node) {
            Some("string") => (Ty::Str, self.string_enum(node, enum_hint)),
            Some("integer" | "number") => (Ty::Num, None),
            Some("boolean") => (Ty::Flag, None),
            Some("array") => match node.get("items") {
                Some(items) if items.is_object() => {
                    let (t, e) = self.resolve(items, hint, enum_hint);
                    (Ty::List(Box::new(t)), e)
                }
                _ => (Ty::List(Box::new(Ty::Json)), None),
            },
            Some("object") | None => {
                if self.object_props(node).is_some() {
                    let name = self.struct_name(hint);
                    self.build_struct(&name, node);
                    return (Ty::Struct(name), None);
                }
                if let Some(values) = self.map_values(node) {
                    let (t, _) = self.resolve(values, hint, enum_hint);
                    return (Ty::Map(Box::new(t)), None);
                }
                if Self::type_of(node).is_none() {
                    if node.get("enum").is_some() {
                        return (Ty::Str, self.string_enum(node, enum_hint));
                    }
                    if let Some(t) = self.same_alternatives(node, hint) {
                        return t;
                    }
                }
                (Ty::Json, None)
            }
            _ => (Ty::Json, None),
        }
    }

    /// The value schema of a map-like object (`patternProperties` with one entry, or an
    /// `additionalProperties` schema).
    fn map_values(&self, node: &'a Json) -> Option<&'a Json> {
        if let Some(pp) = node.get("patternProperties").and_then(Json::as_object)
            && pp.len() == 1
        {
            return pp.values().next();
        }
        node.get("additionalProperties").filter(|v| v.is_object())
    }

    /// For a `oneOf`/`anyOf` of alternatives that all resolve to the same primitive type.
    fn same_alternatives(&mut self, node: &'a Json, hint: &str) -> Option<(Ty, Option<String>)> {
        let alts = node
            .get("oneOf")
            .or_else(|| node.get("anyOf"))
            .and_then(Json::as_array)?;
        let mut kinds = BTreeSet::new();
        for alt in alts {
            let alt = self.deref(alt);
            kinds.insert(Self::type_of(alt)?.to_string());
        }
        if kinds.len() != 1 {
            return None;
        }
        match kinds.iter().next().map(String::as_str) {
            Some("string") => Some((Ty::Str, None)),
            Some("integer" | "number") => Some((Ty::Num, None)),
            Some("boolean") => Some((Ty::Flag, None)),
            _ => {
                let _ = hint;
                None
            }
        }
    }

    fn string_enum(&mut self, node: &Json, hint: &str) -> Option<String> {
        let values = node.get("enum")?.as_array()?;
        let values: Vec<String> = values
            .iter()
            .filter_map(Json::as_str)
            .map(String::from)
            .collect();
        if values.is_empty() {
            return None;
        }
        Some(self.add_enum(hint, values))
    }

    fn struct_name(&mut self, hint: &str) -> String {
        let mut candidate = names::pascal(hint);
        if RESERVED_TYPES.contains(&candidate.as_str()) {
            candidate.push_str("Property");
        }
        names::unique(&mut self.type_names, candidate)
    }

    fn build_struct(&mut self, name: &str, node: &'a Json) {
        let index = self.structs.len();
        self.structs.push(StructDef {
            name: name.to_string(),
            doc: description(node)
                .map(names::doc_line)
                .unwrap_or_else(|| format!("The `{name}` property type.")),
            fields: Vec::new(),
        });
        let (props, required) = self.object_props(node).unwrap_or_default();
        let fields = self.fields(Some(name), &props, &required, &BTreeSet::new());
        self.structs[index].fields = fields;
    }

    /// The fields of struct `owner` (`None` for the props of the resource).
    fn fields(
        &mut self,
        owner: Option<&str>,
        props: &BTreeMap<String, &'a Json>,
        required: &[String],
        skip: &BTreeSet<String>,
    ) -> Vec<Field> {
        let mut idents = BTreeSet::new();
        let mut out = Vec::new();
        for (cfn_name, node) in props {
            if skip.contains(cfn_name) {
                continue;
            }
            // Inline enums of property types are named after the type and the property.
            let enum_hint = match owner {
                Some(o) => format!("{o}_{cfn_name}"),
                None => cfn_name.clone(),
            };
            let (ty, enum_module) = self.resolve(node, cfn_name, &enum_hint);
            let target = self.deref(node);
            let doc = description(node)
                .or_else(|| description(target))
                .map(names::doc_line)
                .unwrap_or_else(|| format!("The `{cfn_name}` property."));
            let ident = names::unique(&mut idents, names::field_ident(cfn_name));
            out.push(Field {
                cfn_name: cfn_name.clone(),
                ident,
                ty,
                required: required.contains(cfn_name),
                doc,
                enum_module,
                boxed: false,
            });
        }
        out
    }
}

/// Structs reachable from `from` through fields that are not lists or maps.
fn direct_edges(structs: &[StructDef]) -> HashMap<String, Vec<String>> {
    structs
        .iter()
        .map(|s| {
            let targets = s
                .fields
                .iter()
                .filter_map(|f| match &f.ty {
                    Ty::Struct(t) => Some(t.clone()),
                    _ => None,
                })
                .collect();
            (s.name.clone(), targets)
        })
        .collect()
}

fn reaches(edges: &HashMap<String, Vec<String>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        if seen.insert(n.clone()) {
            stack.extend(edges.get(&n).cloned().unwrap_or_default());
        }
    }
    false
}

/// Builds the model of one resource type from its registry schema; `extra_attributes` are
/// top-level properties that `Fn::GetAtt` also supports.
pub fn build(schema: &Json, extra_attributes: &[String]) -> Result<Resource> {
    let type_name = schema
        .get("typeName")
        .and_then(Json::as_str)
        .context("schema has no typeName")?
        .to_string();
    let parts: Vec<&str> = type_name.split("::").collect();
    let [_, service, name] = parts.as_slice() else {
        bail!("unexpected type name {type_name}");
    };
    let empty = JsonMap::new();
    let defs = schema
        .get("definitions")
        .and_then(Json::as_object)
        .unwrap_or(&empty);
    let mut b = Builder {
        schema,
        defs,
        structs: Vec::new(),
        def_types: HashMap::new(),
        type_names: BTreeSet::new(),
        enums: Vec::new(),
        module_names: BTreeSet::new(),
    };
    let handle = format!("Cfn{}", names::pascal(name));
    let props_name = format!("{handle}Props");
    b.type_names.insert(handle.clone());
    b.type_names.insert(props_name.clone());

    let read_only: Vec<String> = str_list(schema.get("readOnlyProperties"))
        .into_iter()
        .filter_map(|p| p.strip_prefix("/properties/").map(String::from))
        .collect();
    let top_read_only: BTreeSet<String> = read_only
        .iter()
        .filter(|p| !p.contains('/'))
        .cloned()
        .collect();

    b.structs.push(StructDef {
        name: props_name.clone(),
        doc: format!("Properties of a [`{handle}`]."),
        fields: Vec::new(),
    });
    let mut props: BTreeMap<String, &Json> = BTreeMap::new();
    if let Some(p) = schema.get("properties").and_then(Json::as_object) {
        for (k, v) in p {
            props.insert(k.clone(), v);
        }
    }
    let required: Vec<String> = str_list(schema.get("required"))
        .into_iter()
        .filter(|r| !top_read_only.contains(r))
        .collect();
    let fields = b.fields(None, &props, &required, &top_read_only);
    b.structs[0].fields = fields;

    // Box struct fields that would otherwise make a type contain itself.
    let edges = direct_edges(&b.structs);
    for s in &mut b.structs {
        for f in &mut s.fields {
            if let Ty::Struct(t) = &f.ty {
                f.boxed = reaches(&edges, t, &s.name);
            }
        }
    }

    let mut attributes = Vec::new();
    let mut methods = BTreeSet::new();
    let mut attribute_paths = read_only.clone();
    for extra in extra_attributes {
        if !attribute_paths.contains(extra) {
            attribute_paths.push(extra.clone());
        }
    }
    for path in &attribute_paths {
        let segments: Vec<&str> = path.split('/').collect();
        let node = lookup(&b, &segments);
        let ty = match node.map(|n| b.deref(n)).and_then(Builder::type_of) {
            Some("string") => Ty::Str,
            Some("integer" | "number") => Ty::Num,
            Some("array") => Ty::List(Box::new(Ty::Str)),
            _ => Ty::Json,
        };
        let attr_name = segments.join(".");
        let method = names::unique(
            &mut methods,
            format!(
                "attr_{}",
                names::bare(&names::field_ident(&segments.join("_")))
            ),
        );
        let doc = node
            .and_then(|n| description(n).or_else(|| description(b.deref(n))))
            .map(names::doc_line)
            .unwrap_or_else(|| format!("The `{attr_name}` attribute."));
        attributes.push(Attribute {
            name: attr_name,
            method,
            ty,
            doc,
        });
    }

    let tagging = tagging_of(schema, &props);
    let mut skipped = Vec::new();
    let rules = crate::rules::reduce_schema(schema, &top_read_only, &mut skipped);
    let Builder { structs, enums, .. } = b;
    Ok(Resource {
        doc: description(schema)
            .map(names::doc_line)
            .unwrap_or_else(|| format!("The `{type_name}` resource.")),
        type_name: type_name.clone(),
        service: service.to_string(),
        name: name.to_string(),
        structs,
        enums,
        attributes,
        tagging,
        rules: serde_json::to_string(&rules)?,
        skipped_patterns: skipped,
        create_only: str_list(schema.get("createOnlyProperties"))
            .into_iter()
            .filter_map(|p| p.strip_prefix("/properties/").map(String::from))
            .collect(),
    })
}

/// The schema node of a (possibly nested) property path.
fn lookup<'a>(b: &Builder<'a>, segments: &[&str]) -> Option<&'a Json> {
    let mut node: &'a Json = b.schema;
    for seg in segments {
        let n = b.deref(node);
        let (props, _) = b.object_props(n)?;
        node = props.get(*seg).copied()?;
    }
    Some(node)
}

fn tagging_of(schema: &Json, props: &BTreeMap<String, &Json>) -> Option<Tagging> {
    let tagging = schema.get("tagging")?;
    if tagging.get("taggable").and_then(Json::as_bool) != Some(true) {
        return None;
    }
    let property = tagging
        .get("tagProperty")
        .and_then(Json::as_str)
        .unwrap_or("/properties/Tags")
        .strip_prefix("/properties/")?
        .to_string();
    if property.contains('/') {
        return None;
    }
    let node = props.get(&property)?;
    let defs = schema.get("definitions");
    let node = match ref_name(node).and_then(|r| defs?.get(r)) {
        Some(t) => t,
        None => node,
    };
    match Builder::type_of(node) {
        Some("array") => Some(Tagging::Standard(property)),
        Some("object") => Some(Tagging::Map(property)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Json {
        json!({
            "typeName": "AWS::Test::Thing",
            "description": "A thing. Second sentence.",
            "additionalProperties": false,
            "required": ["Name", "Arn"],
            "readOnlyProperties": ["/properties/Arn", "/properties/Endpoint/Address"],
            "tagging": {"taggable": true, "tagProperty": "/properties/Tags"},
            "properties": {
                "Name": {"type": "string", "pattern": "^[a-z]+$", "minLength": 1, "description": "The name."},
                "Arn": {"type": "string"},
                "Count": {"type": "integer", "minimum": 1},
                "Enabled": {"type": "boolean"},
                "Policy": {"type": "object"},
                "Mode": {"$ref": "#/definitions/Mode"},
                "Items": {"type": "array", "items": {"$ref": "#/definitions/Item"}},
                "Inline": {"type": "object", "properties": {"Kind": {"type": "string", "enum": ["A", "B"]}}},
                "Choice": {"oneOf": [
                    {"type": "object", "properties": {"Left": {"type": "string"}}},
                    {"$ref": "#/definitions/Right"}
                ]},
                "Endpoint": {"type": "object", "properties": {"Address": {"type": "string"}}},
                "Tags": {"type": "object", "patternProperties": {"^.+$": {"type": "string"}}},
                "Lookaround": {"type": "string", "pattern": "^(?!aws:).*$"},
                "Node": {"$ref": "#/definitions/Node"}
            },
            "definitions": {
                "Mode": {"type": "string", "enum": ["Fast", "ml.m5.large"]},
                "Item": {"type": "object", "required": ["Key"], "additionalProperties": false,
                         "properties": {"Key": {"type": "string"}, "Values": {"type": "array", "items": {"type": "string"}}}},
                "Right": {"type": "object", "properties": {"Right": {"type": "number"}}},
                "Node": {"type": "object", "properties": {"Child": {"$ref": "#/definitions/Node"}, "Children": {"type": "array", "items": {"$ref": "#/definitions/Node"}}}}
            }
        })
    }

    fn field<'a>(s: &'a StructDef, name: &str) -> &'a Field {
        s.fields.iter().find(|f| f.cfn_name == name).expect("field")
    }

    #[test]
    fn models_props_types_enums_and_attributes() {
        let r = build(&schema(), &["Name".to_string()]).expect("builds");
        assert_eq!(r.handle_name(), "CfnThing");
        assert_eq!(r.doc, "A thing.");
        let props = &r.structs[0];
        assert_eq!(props.name, "CfnThingProps");
        let names: Vec<&str> = props.fields.iter().map(|f| f.cfn_name.as_str()).collect();
        // Sorted, read-only `Arn` dropped.
        assert_eq!(
            names,
            [
                "Choice",
                "Count",
                "Enabled",
                "Endpoint",
                "Inline",
                "Items",
                "Lookaround",
                "Mode",
                "Name",
                "Node",
                "Policy",
                "Tags"
            ]
        );
        assert!(field(props, "Name").required);
        assert_eq!(field(props, "Name").doc, "The name.");
        assert_eq!(field(props, "Count").ty, Ty::Num);
        assert_eq!(field(props, "Enabled").ty, Ty::Flag);
        assert_eq!(field(props, "Policy").ty, Ty::Json);
        assert_eq!(
            field(props, "Items").ty,
            Ty::List(Box::new(Ty::Struct("Item".into())))
        );
        assert_eq!(field(props, "Tags").ty, Ty::Map(Box::new(Ty::Str)));
        assert_eq!(field(props, "Mode").ty, Ty::Str);
        assert_eq!(field(props, "Mode").enum_module.as_deref(), Some("mode"));

        let item = r.structs.iter().find(|s| s.name == "Item").expect("Item");
        assert!(field(item, "Key").required);
        assert_eq!(field(item, "Values").ty, Ty::List(Box::new(Ty::Str)));
        // oneOf alternatives merged into one struct.
        let choice = r
            .structs
            .iter()
            .find(|s| s.name == "Choice")
            .expect("Choice");
        let merged: Vec<&str> = choice.fields.iter().map(|f| f.cfn_name.as_str()).collect();
        assert_eq!(merged, ["Left", "Right"]);
        // Inline enums are named after their struct and property.
        let inline = r
            .structs
            .iter()
            .find(|s| s.name == "Inline")
            .expect("Inline");
        assert_eq!(
            field(inline, "Kind").enum_module.as_deref(),
            Some("inline_kind")
        );
        let modes = r.enums.iter().find(|e| e.module == "mode").expect("mode");
        assert_eq!(modes.values, ["Fast", "ml.m5.large"]);
        // Recursion through a direct field is boxed, through a list it is not.
        let node = r.structs.iter().find(|s| s.name == "Node").expect("Node");
        assert!(field(node, "Child").boxed);
        assert!(!field(node, "Children").boxed);

        let attrs: Vec<(&str, &str)> = r
            .attributes
            .iter()
            .map(|a| (a.name.as_str(), a.method.as_str()))
            .collect();
        assert_eq!(
            attrs,
            [
                ("Arn", "attr_arn"),
                ("Endpoint.Address", "attr_endpoint_address"),
                ("Name", "attr_name")
            ]
        );
        assert_eq!(r.tagging, Some(Tagging::Map("Tags".into())));
    }

    #[test]
    fn rules_keep_constraints_and_skip_unsupported_patterns() {
        let r = build(&schema(), &[]).expect("builds");
        let rules: Json = serde_json::from_str(&r.rules).expect("json");
        assert_eq!(rules["required"], json!(["Name"]));
        assert_eq!(
            rules["properties"]["Name"],
            json!({"pattern": "^[a-z]+$", "minLength": 1})
        );
        assert_eq!(rules["properties"]["Count"], json!({"minimum": 1}));
        assert!(rules["properties"].get("Arn").is_none());
        assert_eq!(rules["properties"]["Lookaround"], json!({}));
        assert_eq!(r.skipped_patterns.len(), 1);
        assert_eq!(r.skipped_patterns[0].location, "properties/Lookaround");
        assert_eq!(
            rules["definitions"]["Item"]["additionalProperties"],
            json!(false)
        );
        assert_eq!(rules["definitions"]["Item"]["required"], json!(["Key"]));
        assert_eq!(
            rules["properties"]["Choice"]["properties"],
            json!({"Left": {}, "Right": {}})
        );
    }

    #[test]
    fn emits_deterministic_code() {
        let r = build(&schema(), &[]).expect("builds");
        let a = crate::emit::resource_file(&r, "test");
        let b = crate::emit::resource_file(&build(&schema(), &[]).expect("builds"), "test");
        assert_eq!(a, b);
        assert!(a.contains("pub const RESOURCE_TYPE: &'static str = \"AWS::Test::Thing\";"));
        assert!(a.contains("pub fn new(name: impl Into<cdk::Str>) -> Self"));
        assert!(a.contains("pub fn with_items(mut self, value: impl rt::IntoList<Item>) -> Self"));
        assert!(a.contains("pub child: Option<Box<Node>>,"));
        assert!(a.contains("pub const ML_M5_LARGE: &str = \"ml.m5.large\";"));
        assert!(a.contains("tag_type: cdk::TagType::Map, property: \"Tags\""));
        assert!(a.contains("pub fn attr_endpoint_address(&self) -> cdk::Str"));
    }

    #[test]
    fn each_type_has_a_feature_and_its_service_feature_enables_it() {
        let mut thing = build(&schema(), &[]).expect("builds");
        assert_eq!(thing.feature(), "test_thing");
        // A module named after a keyword keeps its trailing `_` out of the feature name.
        thing.name = "Type".into();
        assert_eq!(thing.module(), "type_");
        assert_eq!(thing.feature(), "test_type");

        let files = crate::render(&[build(&schema(), &[]).expect("builds"), thing]);
        let manifest = &files[std::path::Path::new("Cargo.toml")];
        assert!(manifest.contains("default = [\"test\"]"));
        assert!(manifest.contains("test = [\"test_thing\", \"test_type\"]"));
        assert!(manifest.contains("\ntest_thing = []\n"));
        let service = &files[std::path::Path::new("src/test/mod.rs")];
        assert!(service.contains("#[cfg(feature = \"test_thing\")]\npub mod thing;"));
        assert!(
            service.contains(
                "#[cfg(feature = \"test_type\")]\npub use type_::{CfnType, CfnTypeProps};"
            )
        );
        let lib = &files[std::path::Path::new("src/lib.rs")];
        assert!(lib.contains(
            "#[cfg(any(feature = \"test_thing\", feature = \"test_type\"))]\npub mod test;"
        ));
        let one = crate::render(&[build(&schema(), &[]).expect("builds")]);
        assert!(
            one[std::path::Path::new("src/lib.rs")]
                .contains("#[cfg(feature = \"test_thing\")]\npub mod test;")
        );
    }
}
