//! Support code shared by every generated resource: value conversion, the argument traits of the
//! generated setters, resource creation and the data-driven, schema-based validator.
//!
//! This file is written by hand; everything else under `src/` is generated.

use indexmap::IndexMap;
use sagecdk_core::{
    CfnResource, Flag, List, Map, Num, Scope, Str, TagType, Token, Tokenized, Value,
};
use serde_json::Value as Json;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Renders a typed property value into a CloudFormation [`Value`].
pub trait ToCfnValue {
    /// The value as it goes into the template (tokens are kept as tokens).
    fn to_cfn_value(&self) -> Value;
}

impl ToCfnValue for Str {
    fn to_cfn_value(&self) -> Value {
        self.to_value()
    }
}

impl ToCfnValue for Num {
    fn to_cfn_value(&self) -> Value {
        self.into()
    }
}

impl ToCfnValue for Flag {
    fn to_cfn_value(&self) -> Value {
        self.into()
    }
}

impl ToCfnValue for Value {
    fn to_cfn_value(&self) -> Value {
        self.clone()
    }
}

impl<T: ToCfnValue> ToCfnValue for Box<T> {
    fn to_cfn_value(&self) -> Value {
        (**self).to_cfn_value()
    }
}

impl<T: ToCfnValue> ToCfnValue for Tokenized<Vec<T>> {
    fn to_cfn_value(&self) -> Value {
        match self {
            Tokenized::Literal(items) => {
                Value::Array(items.iter().map(ToCfnValue::to_cfn_value).collect())
            }
            Tokenized::Token(t) => Value::Token(t.clone()),
        }
    }
}

impl<T: ToCfnValue> ToCfnValue for Tokenized<IndexMap<String, T>> {
    fn to_cfn_value(&self) -> Value {
        match self {
            Tokenized::Literal(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.to_cfn_value()))
                    .collect(),
            ),
            Tokenized::Token(t) => Value::Token(t.clone()),
        }
    }
}

/// Anything a list property accepts: a `Vec` or array of items convertible into the element
/// type, a [`List`] or a [`Token`] standing for the whole list.
pub trait IntoList<T> {
    /// Converts into a list value.
    fn into_list(self) -> List<T>;
}

impl<T, I: Into<T>> IntoList<T> for Vec<I> {
    fn into_list(self) -> List<T> {
        Tokenized::Literal(self.into_iter().map(Into::into).collect())
    }
}

impl<T, I: Into<T>, const N: usize> IntoList<T> for [I; N] {
    fn into_list(self) -> List<T> {
        Tokenized::Literal(self.into_iter().map(Into::into).collect())
    }
}

impl<T> IntoList<T> for Tokenized<Vec<T>> {
    fn into_list(self) -> List<T> {
        self
    }
}

impl<T> IntoList<T> for Token {
    fn into_list(self) -> List<T> {
        Tokenized::Token(self)
    }
}

/// Anything a map property accepts: an [`IndexMap`] or array of `(key, value)` pairs, a [`Map`]
/// or a [`Token`] standing for the whole map.
pub trait IntoMap<T> {
    /// Converts into a map value.
    fn into_map(self) -> Map<T>;
}

impl<T, I: Into<T>> IntoMap<T> for IndexMap<String, I> {
    fn into_map(self) -> Map<T> {
        Tokenized::Literal(self.into_iter().map(|(k, v)| (k, v.into())).collect())
    }
}

impl<T, K: Into<String>, I: Into<T>, const N: usize> IntoMap<T> for [(K, I); N] {
    fn into_map(self) -> Map<T> {
        Tokenized::Literal(
            self.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl<T> IntoMap<T> for Tokenized<IndexMap<String, T>> {
    fn into_map(self) -> Map<T> {
        self
    }
}

impl<T> IntoMap<T> for Token {
    fn into_map(self) -> Map<T> {
        Tokenized::Token(self)
    }
}

/// Builds the property object of a generated struct; absent (`None`) values are left out.
#[derive(Default)]
pub struct Obj(IndexMap<String, Value>);

impl Obj {
    /// Adds a required property.
    pub fn req(&mut self, name: &str, value: &impl ToCfnValue) {
        self.0.insert(name.to_string(), value.to_cfn_value());
    }

    /// Adds an optional property when it is set.
    pub fn opt(&mut self, name: &str, value: &Option<impl ToCfnValue>) {
        if let Some(v) = value {
            self.req(name, v);
        }
    }

    /// The object value.
    pub fn finish(self) -> Value {
        Value::Object(self.0)
    }
}

/// The validation rules of one resource type: a reduced copy of its registry schema (only the
/// keywords the validator understands), as JSON.
#[derive(Debug)]
pub struct Rules {
    /// The CloudFormation type name, e.g. `AWS::SageMaker::Model`.
    pub type_name: &'static str,
    /// The reduced schema.
    pub json: &'static str,
}

/// How a generated resource is tagged.
#[derive(Clone, Copy, Debug)]
pub struct Tagging {
    /// The tag format.
    pub tag_type: TagType,
    /// The property holding the tags.
    pub property: &'static str,
}

/// The typed props of a generated resource, shared by its handle and the resource's property
/// source, so that changes made after creation reach the template.
pub type SharedProps<P> = std::rc::Rc<RefCell<P>>;

/// Creates a typed resource: the generic resource rendering `props` (an object value) whenever
/// its properties are read, tags enabled when the type is taggable, and the schema validation
/// registered for synthesis.
pub fn create<P: ToCfnValue + 'static>(
    scope: &impl Scope,
    id: &str,
    fqn: &'static str,
    rules: &'static Rules,
    tagging: Option<Tagging>,
    props: &SharedProps<P>,
) -> CfnResource {
    let source = props.clone();
    // Rendered at each read rather than once: the props may change until synthesis, and the
    // rendering is what the template, the validation and `properties()` readers see.
    let resource =
        CfnResource::with_fqn(scope, id, rules.type_name, fqn).with_property_source(move || {
            match source.borrow().to_cfn_value() {
                Value::Object(m) => m,
                _ => IndexMap::new(),
            }
        });
    if let Some(t) = tagging {
        resource.enable_tags(t.tag_type, t.property);
    }
    // The check reads the properties at synthesis, so values set after creation (through
    // `update` or the generic escape hatch) are validated too.
    resource.node().add_validation(move |node| {
        CfnResource::from_construct(node)
            .map(|r| r.inspect_properties(|properties| validate(rules, properties)))
            .unwrap_or_default()
    });
    resource
}

/// Validates resource properties (given as an object) against `rules`; returns one message per
/// violation. Values containing tokens are never validated.
pub fn validate(rules: &Rules, properties: &IndexMap<String, Value>) -> Vec<String> {
    validate_with(rules, properties)
}

fn validate_with(rules: &Rules, properties: &IndexMap<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    let root = match parsed(rules) {
        Ok(j) => j,
        Err(e) => {
            out.push(format!(
                "{}: invalid validation rules: {e}",
                rules.type_name
            ));
            return out;
        }
    };
    let v = Validator {
        type_name: rules.type_name,
        root,
        out: &mut out,
    };
    v.top_level(properties);
    out
}

/// Parsed rules by the address and length of their JSON text.
type RulesCache = HashMap<(usize, usize), Result<&'static Json, String>>;

/// The rules of `rules`, parsed once per process.
///
/// An app of thousands of typed resources validates each against its type's rules; parsing the
/// JSON for each of them took about half of the synthesis time. The text is `&'static`, so its
/// address and length identify it for the life of the process (two `Rules` of one type share
/// the generated text; a hand-made `Rules` has its own), and the parsed value, kept for the life
/// of the process as the text is, can be handed out as `&'static` (one per distinct text: a few
/// hundred kilobytes when every generated type is used).
fn parsed(rules: &Rules) -> Result<&'static Json, String> {
    static CACHE: OnceLock<Mutex<RulesCache>> = OnceLock::new();
    let key = (rules.json.as_ptr() as usize, rules.json.len());
    let cache = CACHE.get_or_init(Default::default);
    // A panic while holding the lock cannot leave a half-inserted entry, so a poisoned lock is
    // still sound to use.
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    cache
        .entry(key)
        .or_insert_with(|| {
            serde_json::from_str::<Json>(rules.json)
                .map(|j| &*Box::leak(Box::new(j)))
                .map_err(|e| e.to_string())
        })
        .clone()
}

/// Deepest schema nesting followed (guards recursive definitions).
const MAX_DEPTH: usize = 64;

struct Validator<'a> {
    type_name: &'a str,
    root: &'a Json,
    out: &'a mut Vec<String>,
}

impl Validator<'_> {
    fn report(&mut self, path: &Path<'_>, detail: String) {
        self.out
            .push(format!("{} property '{path}': {detail}", self.type_name));
    }

    fn top_level(mut self, properties: &IndexMap<String, Value>) {
        let property = |name: &str| properties.get(name);
        let root = self.root;
        // Every registry resource schema forbids top-level properties it does not define.
        if let Some(known) = root.get("properties").and_then(Json::as_object) {
            for name in properties
                .keys()
                .filter(|k| !known.contains_key(k.as_str()))
            {
                self.report(
                    &Path::Root(name),
                    "unknown property (additionalProperties is false)".into(),
                );
            }
        }
        if let Some(required) = root.get("required").and_then(Json::as_array) {
            for name in required.iter().filter_map(Json::as_str) {
                if matches!(property(name), None | Some(Value::Null)) {
                    self.report(&Path::Root(name), "required property is missing".into());
                }
            }
        }
        if let Some(props) = root.get("properties").and_then(Json::as_object) {
            for (name, schema) in props {
                if let Some(value) = property(name) {
                    self.check(value, schema, &Path::Root(name), 0);
                }
            }
        }
    }

    fn check(&mut self, value: &Value, schema: &Json, path: &Path<'_>, depth: usize) {
        if depth > MAX_DEPTH || matches!(value, Value::Token(_) | Value::Null) {
            return;
        }
        let Some(s) = schema.as_object() else { return };
        let k = Keywords::of(s);
        let root = self.root;
        if let Some(target) = k.reference.and_then(|r| definition(root, r)) {
            self.check(value, target, path, depth + 1);
        }
        if let Some(allowed) = k.allowed
            && !enum_allows(allowed, value)
            && let Some(literal) = scalar(value)
        {
            let mut shown: Vec<String> = allowed.iter().take(10).map(show).collect();
            if allowed.len() > 10 {
                shown.push(format!("… ({} more)", allowed.len() - 10));
            }
            self.report(
                path,
                format!(
                    "value {} is not one of {}",
                    show(&literal),
                    shown.join(", ")
                ),
            );
        }
        match value {
            Value::String(text) => self.check_string(text, &k, path),
            Value::Number(n) => {
                if let Some(min) = k.minimum
                    && *n < min
                {
                    self.report(
                        path,
                        format!("value {} is less than minimum {}", num(*n), num(min)),
                    );
                }
                if let Some(max) = k.maximum
                    && *n > max
                {
                    self.report(
                        path,
                        format!("value {} is greater than maximum {}", num(*n), num(max)),
                    );
                }
            }
            Value::Array(items) => {
                let count = items.len() as f64;
                if let Some(min) = k.min_items
                    && count < min
                {
                    self.report(
                        path,
                        format!(
                            "has {} items, fewer than minItems {}",
                            items.len(),
                            num(min)
                        ),
                    );
                }
                if let Some(max) = k.max_items
                    && count > max
                {
                    self.report(
                        path,
                        format!("has {} items, more than maxItems {}", items.len(), num(max)),
                    );
                }
                if let Some(item_schema) = k.items {
                    for (i, item) in items.iter().enumerate() {
                        self.check(item, item_schema, &Path::Index(path, i), depth + 1);
                    }
                }
            }
            Value::Object(entries) => self.check_object(entries, &k, path, depth),
            _ => {}
        }
    }

    fn check_string(&mut self, text: &str, k: &Keywords<'_>, path: &Path<'_>) {
        let len = text.chars().count() as f64;
        if let Some(min) = k.min_length
            && len < min
        {
            self.report(
                path,
                format!("value '{text}' is shorter than minLength {}", num(min)),
            );
        }
        if let Some(max) = k.max_length
            && len > max
        {
            self.report(
                path,
                format!("value '{text}' is longer than maxLength {}", num(max)),
            );
        }
        if let Some(pattern) = k.pattern
            && matches(pattern, text) == Some(false)
        {
            self.report(
                path,
                format!("value '{text}' does not match pattern '{pattern}'"),
            );
        }
    }

    fn check_object(
        &mut self,
        entries: &IndexMap<String, Value>,
        k: &Keywords<'_>,
        path: &Path<'_>,
        depth: usize,
    ) {
        if let Some(required) = k.required {
            for name in required.iter().filter_map(Json::as_str) {
                if matches!(entries.get(name), None | Some(Value::Null)) {
                    self.report(
                        &Path::Key(path, name),
                        "required property is missing".into(),
                    );
                }
            }
        }
        for (key, value) in entries {
            let child = Path::Key(path, key);
            let mut known = false;
            if let Some(schema) = k.properties.and_then(|p| p.get(key)) {
                known = true;
                self.check(value, schema, &child, depth + 1);
            }
            for (pattern, schema) in k.pattern_properties.into_iter().flatten() {
                // A pattern the regex engine cannot compile is taken to match.
                if matches(pattern, key) != Some(false) {
                    known = true;
                    self.check(value, schema, &child, depth + 1);
                }
            }
            match k.additional {
                Some(Json::Bool(false)) if !known => {
                    self.report(
                        &child,
                        "unknown property (additionalProperties is false)".into(),
                    );
                }
                Some(schema @ Json::Object(_)) if !known => {
                    self.check(value, schema, &child, depth + 1);
                }
                _ => {}
            }
        }
    }
}

/// Where a value is in the properties: written out only for a report (making it for every
/// value checked was much of the validation's work).
enum Path<'a> {
    /// A top-level property.
    Root(&'a str),
    /// A key of an object.
    Key(&'a Path<'a>, &'a str),
    /// An item of a list.
    Index(&'a Path<'a>, usize),
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Root(name) => f.write_str(name),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// The keywords of one schema object the validator understands, read in one pass over its
/// few entries (looking each keyword up hashed it: most of the validation's time).
#[derive(Default)]
struct Keywords<'j> {
    reference: Option<&'j str>,
    allowed: Option<&'j [Json]>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    min_items: Option<f64>,
    max_items: Option<f64>,
    items: Option<&'j Json>,
    min_length: Option<f64>,
    max_length: Option<f64>,
    pattern: Option<&'j str>,
    properties: Option<&'j serde_json::Map<String, Json>>,
    required: Option<&'j [Json]>,
    pattern_properties: Option<&'j serde_json::Map<String, Json>>,
    additional: Option<&'j Json>,
}

impl<'j> Keywords<'j> {
    fn of(schema: &'j serde_json::Map<String, Json>) -> Self {
        let mut k = Keywords::default();
        for (key, v) in schema {
            match key.as_str() {
                "$ref" => k.reference = v.as_str(),
                "enum" => k.allowed = v.as_array().map(Vec::as_slice),
                "minimum" => k.minimum = v.as_f64(),
                "maximum" => k.maximum = v.as_f64(),
                "minItems" => k.min_items = v.as_f64(),
                "maxItems" => k.max_items = v.as_f64(),
                "items" => k.items = Some(v),
                "minLength" => k.min_length = v.as_f64(),
                "maxLength" => k.max_length = v.as_f64(),
                "pattern" => k.pattern = v.as_str(),
                "properties" => k.properties = v.as_object(),
                "required" => k.required = v.as_array().map(Vec::as_slice),
                "patternProperties" => k.pattern_properties = v.as_object(),
                "additionalProperties" => k.additional = Some(v),
                _ => {}
            }
        }
        k
    }
}

fn definition<'j>(root: &'j Json, reference: &str) -> Option<&'j Json> {
    let name = reference.strip_prefix("#/definitions/")?;
    root.get("definitions")?.get(name)
}

/// Whether `value` is one of `allowed`, or not a scalar (which `enum` does not check). Strings,
/// the common case, are compared without making a JSON value.
fn enum_allows(allowed: &[Json], value: &Value) -> bool {
    match value {
        Value::String(text) => allowed.iter().any(|a| a.as_str() == Some(text.as_str())),
        _ => scalar(value).is_none_or(|literal| allowed.contains(&literal)),
    }
}

/// A literal scalar as JSON, for `enum` comparison.
fn scalar(value: &Value) -> Option<Json> {
    match value {
        Value::String(s) => Some(Json::String(s.clone())),
        Value::Bool(b) => Some(Json::Bool(*b)),
        Value::Number(n) => {
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                Some(Json::from(*n as i64))
            } else {
                serde_json::Number::from_f64(*n).map(Json::Number)
            }
        }
        _ => None,
    }
}

fn show(v: &Json) -> String {
    match v {
        Json::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

fn num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

thread_local! {
    static REGEX_CACHE: RefCell<HashMap<String, Option<regex::Regex>>> =
        RefCell::new(HashMap::new());
}

/// Whether `text` matches `pattern` (searching, as JSON Schema does); `None` when the pattern
/// does not compile.
fn matches(pattern: &str, text: &str) -> Option<bool> {
    REGEX_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        // Looked up before any key is made: patterns repeat for every resource of a type.
        if let Some(re) = cache.get(pattern) {
            return re.as_ref().map(|re| re.is_match(text));
        }
        let re = regex::Regex::new(pattern).ok();
        let matched = re.as_ref().map(|re| re.is_match(text));
        cache.insert(pattern.to_string(), re);
        matched
    })
}
