//! [`Template`]: fine-grained assertions on a CloudFormation template.

use std::str::FromStr;

use indexmap::IndexMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::annotations::{Annotation, Annotations};
use crate::error::{AssertionError, TemplateError};
use crate::pattern::Pattern;
use crate::section::{self, SectionOutcome};

/// A synthesized CloudFormation template to run assertions on.
///
/// # Failure model
///
/// Every assertion comes in two flavours:
///
/// * `has_resource_properties(..)`, `resource_count_is(..)`, … return
///   `Result<(), AssertionError>`. The error's `Display` and `Debug` are the
///   complete failure report, so tests can return `Result<(), AssertionError>`
///   and use `?`;
/// * `assert_has_resource_properties(..)`, `assert_resource_count_is(..)`, …
///   panic with the same report (they are `#[track_caller]`, so the panic
///   points at the test line).
///
/// Queries (`find_*`, [`get_resource_id`](Template::get_resource_id)) never panic.
///
/// # Patterns
///
/// Every `props` argument is anything convertible into a [`Pattern`]: a
/// `serde_json::Value` (e.g. from `json!`), a [`pattern!`](crate::pattern!), a
/// [`Match`](crate::Match) matcher or a [`Capture`](crate::Capture). A literal
/// pattern is matched with [`Match::object_like`](crate::Match::object_like)
/// semantics (objects partially, at every level; arrays in full).
///
/// ```
/// use sagecdk_assertions::{pattern, Match, Template};
/// use serde_json::json;
///
/// let template = Template::from_json(json!({
///     "Resources": {
///         "Endpoint": {
///             "Type": "AWS::SageMaker::Endpoint",
///             "Properties": { "EndpointConfigName": { "Fn::GetAtt": ["Config", "EndpointConfigName"] } }
///         },
///         "Config": { "Type": "AWS::SageMaker::EndpointConfig", "Properties": { "ProductionVariants": [] } }
///     }
/// }));
///
/// template.assert_resource_count_is("AWS::SageMaker::Endpoint", 1);
/// template.has_resource_properties(
///     "AWS::SageMaker::Endpoint",
///     pattern!({ "EndpointConfigName": { "Fn::GetAtt": ["Config", Match::any_value()] } }),
/// )?;
/// let err = template
///     .has_resource_properties("AWS::SageMaker::EndpointConfig", json!({ "KmsKeyId": "k" }))
///     .unwrap_err();
/// assert!(err.to_string().contains("!!   Missing key 'KmsKeyId'"));
/// # Ok::<(), sagecdk_assertions::AssertionError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    template: Value,
    annotations: Vec<Annotation>,
}

/// Logical id → entry, in template order (the result of the `find_*` queries).
pub type Entries = Map<String, Value>;

/// The logical id that selects every entry of a section.
pub const ALL: &str = "*";

impl Template {
    /// Assertions on an in-memory template.
    pub fn from_json(template: Value) -> Self {
        Self::from_synthesized(template, Vec::new())
    }

    /// Assertions on a template together with the annotations (errors,
    /// warnings, info) that synthesis reported for its stack.
    ///
    /// This is the constructor used when a stack is synthesized in memory; the
    /// annotations are available through [`annotations`](Template::annotations).
    pub fn from_synthesized(template: Value, annotations: Vec<Annotation>) -> Self {
        Self {
            template,
            annotations,
        }
    }

    /// The template as JSON.
    pub fn as_json(&self) -> &Value {
        &self.template
    }

    /// A copy of the template as JSON.
    pub fn to_json(&self) -> Value {
        self.template.clone()
    }

    /// The template as JSON, consuming `self`.
    pub fn into_json(self) -> Value {
        self.template
    }

    /// The annotations recorded with the template (empty for templates built
    /// with [`from_json`](Template::from_json) or parsed from a string).
    pub fn annotations(&self) -> Annotations {
        Annotations::from_messages(self.annotations.clone())
    }

    fn section(&self, name: &str) -> Option<&Map<String, Value>> {
        self.template.get(name).and_then(Value::as_object)
    }

    fn resources_of_type<'a>(
        &'a self,
        resource_type: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a Value)> {
        self.section("Resources")
            .into_iter()
            .flatten()
            .filter(move |(_, v)| v.get("Type").and_then(Value::as_str) == Some(resource_type))
            .map(|(k, v)| (k.as_str(), v))
    }

    /// Resources of the type, with `Properties: {}` added where missing (unless
    /// the pattern is `Match::absent()`, whose meaning that would change), each
    /// wrapped so that `props` applies to the `Properties` key.
    fn properties_outcome(&self, resource_type: &str, props: Pattern) -> SectionOutcome {
        let amend = !props.is_absent();
        let entries: Vec<(&str, Value)> = self
            .resources_of_type(resource_type)
            .map(|(id, v)| {
                let mut v = v.clone();
                if amend && let Value::Object(map) = &mut v {
                    map.entry("Properties")
                        .or_insert_with(|| Value::Object(Map::new()));
                }
                (id, v)
            })
            .collect();
        let pattern = Pattern::object([("Properties", props)]);
        section::match_section(entries.iter().map(|(id, v)| (*id, v)), &pattern)
    }

    fn resource_types_hint(&self) -> String {
        let mut counts: IndexMap<&str, usize> = IndexMap::new();
        for resource in self
            .section("Resources")
            .into_iter()
            .flat_map(|s| s.values())
        {
            let t = resource
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or("<no Type>");
            *counts.entry(t).or_default() += 1;
        }
        if counts.is_empty() {
            return "\nThe template has no resources.".to_owned();
        }
        counts.sort_keys();
        let list: Vec<String> = counts.iter().map(|(t, n)| format!("{t} ({n})")).collect();
        format!("\nResource types in the template: {}", list.join(", "))
    }

    fn named_hint(&self, section_name: &str, noun: &str, outcome: &SectionOutcome) -> String {
        if !outcome.analyzed.is_empty() {
            return String::new();
        }
        match self.section(section_name) {
            Some(s) if !s.is_empty() => {
                let ids: Vec<&str> = s.keys().map(String::as_str).collect();
                format!("\n{} in the template: {}", capitalize(noun), ids.join(", "))
            }
            _ => format!("\nThe template has no {noun}."),
        }
    }

    // ---------------------------------------------------------------------
    // Resources

    /// Asserts that the template has exactly `count` resources of `resource_type`.
    pub fn resource_count_is(
        &self,
        resource_type: &str,
        count: usize,
    ) -> Result<(), AssertionError> {
        let counted = self.resources_of_type(resource_type).count();
        if counted == count {
            Ok(())
        } else {
            Err(AssertionError::new(format!(
                "Expected {count} resources of type {resource_type} but found {counted}"
            )))
        }
    }

    /// Asserts that exactly `count` resources of `resource_type` have
    /// `Properties` matching `props`.
    pub fn resource_properties_count_is(
        &self,
        resource_type: &str,
        props: impl Into<Pattern>,
        count: usize,
    ) -> Result<(), AssertionError> {
        let counted = self
            .properties_outcome(resource_type, props.into())
            .matches
            .len();
        if counted == count {
            Ok(())
        } else {
            Err(AssertionError::new(format!(
                "Expected {count} resources of type {resource_type} but found {counted}"
            )))
        }
    }

    /// Asserts that some resource of `resource_type` has `Properties` matching
    /// `props` (resources without `Properties` are treated as having `{}`).
    pub fn has_resource_properties(
        &self,
        resource_type: &str,
        props: impl Into<Pattern>,
    ) -> Result<(), AssertionError> {
        let outcome = self.properties_outcome(resource_type, props.into());
        self.has_outcome(resource_type, &outcome)
    }

    /// Asserts that some resource of `resource_type` matches `props` as a whole
    /// (`Type`, `Properties`, `DependsOn`, `Metadata`, …).
    pub fn has_resource(
        &self,
        resource_type: &str,
        props: impl Into<Pattern>,
    ) -> Result<(), AssertionError> {
        let outcome = section::match_section(self.resources_of_type(resource_type), &props.into());
        self.has_outcome(resource_type, &outcome)
    }

    fn has_outcome(
        &self,
        resource_type: &str,
        outcome: &SectionOutcome,
    ) -> Result<(), AssertionError> {
        if outcome.is_match() {
            return Ok(());
        }
        let mut message = section::format_section_failure(
            "Template",
            &format!("resources with type {resource_type}"),
            outcome,
        );
        if outcome.analyzed.is_empty() {
            message.push_str(&self.resource_types_hint());
        }
        Err(AssertionError::new(message))
    }

    /// Asserts that *all* resources of `resource_type` match `props` as a whole.
    /// Fails if there is no resource of that type.
    pub fn all_resources(
        &self,
        resource_type: &str,
        props: impl Into<Pattern>,
    ) -> Result<(), AssertionError> {
        let outcome = section::match_section(self.resources_of_type(resource_type), &props.into());
        self.all_outcome(resource_type, &outcome)
    }

    /// Asserts that the `Properties` of *all* resources of `resource_type` match
    /// `props`. Fails if there is no resource of that type.
    pub fn all_resources_properties(
        &self,
        resource_type: &str,
        props: impl Into<Pattern>,
    ) -> Result<(), AssertionError> {
        let outcome = self.properties_outcome(resource_type, props.into());
        self.all_outcome(resource_type, &outcome)
    }

    fn all_outcome(
        &self,
        resource_type: &str,
        outcome: &SectionOutcome,
    ) -> Result<(), AssertionError> {
        let analyzed = outcome.analyzed.len();
        let matched = outcome.matches.len();
        if analyzed > 0 && matched == analyzed {
            return Ok(());
        }
        let summary = if matched > 0 {
            format!("but only {matched} match as expected")
        } else {
            "but none match as expected".to_owned()
        };
        let mut lines = vec![
            format!("Template has {analyzed} resource(s) with type {resource_type}, {summary}."),
            "The following resources do not match the given definition:".to_owned(),
        ];
        lines.extend(
            outcome
                .analyzed
                .iter()
                .filter(|id| !outcome.matches.contains_key(*id))
                .map(|id| format!("\t{id}")),
        );
        let mut message = lines.join("\n");
        if analyzed == 0 {
            message.push_str(&self.resource_types_hint());
        } else {
            message.push('\n');
            message.push_str(&section::format_closest(&outcome.failures));
        }
        Err(AssertionError::new(message))
    }

    /// The resources of `resource_type` matching `props` as a whole, by logical id.
    /// Pass `json!({})` to get every resource of the type.
    pub fn find_resources(&self, resource_type: &str, props: impl Into<Pattern>) -> Entries {
        section::match_section(self.resources_of_type(resource_type), &props.into()).matches
    }

    /// The logical id of the single resource of `resource_type` matching `props`
    /// as a whole (like [`find_resources`](Template::find_resources)); an error
    /// if none or several match.
    pub fn get_resource_id(
        &self,
        resource_type: &str,
        props: impl Into<Pattern>,
    ) -> Result<String, AssertionError> {
        let outcome = section::match_section(self.resources_of_type(resource_type), &props.into());
        let mut ids = outcome.matches.keys();
        match (ids.next(), outcome.matches.len()) {
            (Some(id), 1) => Ok(id.clone()),
            (None, _) => {
                let mut message = format!(
                    "Expected one matching resource of type {resource_type}, but found none.\n{}",
                    section::format_section_failure(
                        "Template",
                        &format!("resources with type {resource_type}"),
                        &outcome
                    )
                );
                if outcome.analyzed.is_empty() {
                    message.push_str(&self.resource_types_hint());
                }
                Err(AssertionError::new(message))
            }
            (Some(_), n) => {
                let all: Vec<&str> = outcome.matches.keys().map(String::as_str).collect();
                Err(AssertionError::new(format!(
                    "Expected one matching resource of type {resource_type}, but found {n}: {}",
                    all.join(", ")
                )))
            }
        }
    }

    // ---------------------------------------------------------------------
    // Named sections

    fn named_entries<'a>(
        &'a self,
        section_name: &str,
        logical_id: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a Value)> {
        self.section(section_name)
            .into_iter()
            .flatten()
            .filter(move |(k, _)| logical_id == ALL || k.as_str() == logical_id)
            .map(|(k, v)| (k.as_str(), v))
    }

    fn has_named(
        &self,
        section_name: &str,
        noun: &str,
        logical_id: &str,
        props: Pattern,
    ) -> Result<(), AssertionError> {
        let outcome = section::match_section(self.named_entries(section_name, logical_id), &props);
        if outcome.is_match() {
            return Ok(());
        }
        let mut message = section::format_section_failure(
            "Template",
            &format!("{noun} named {logical_id}"),
            &outcome,
        );
        message.push_str(&self.named_hint(section_name, noun, &outcome));
        Err(AssertionError::new(message))
    }

    fn find_named(&self, section_name: &str, logical_id: &str, props: Pattern) -> Entries {
        section::match_section(self.named_entries(section_name, logical_id), &props).matches
    }

    /// Asserts that the output `logical_id` (or any output, with `"*"`) matches `props`.
    pub fn has_output(
        &self,
        logical_id: &str,
        props: impl Into<Pattern>,
    ) -> Result<(), AssertionError> {
        self.has_named("Outputs", "outputs", logical_id, props.into())
    }

    /// The outputs (all, or only `logical_id`) matching `props`.
    pub fn find_outputs(&self, logical_id: &str, props: impl Into<Pattern>) -> Entries {
        self.find_named("Outputs", logical_id, props.into())
    }

    /// Asserts that the parameter `logical_id` (or any, with `"*"`) matches `props`.
    pub fn has_parameter(
        &self,
        logical_id: &str,
        props: impl Into<Pattern>,
    ) -> Result<(), AssertionError> {
        self.has_named("Parameters", "parameters", logical_id, props.into())
    }

    /// The parameters (all, or only `logical_id`) matching `props`.
    pub fn find_parameters(&self, logical_id: &str, props: impl Into<Pattern>) -> Entries {
        self.find_named("Parameters", logical_id, props.into())
    }

    /// Asserts that the mapping `logical_id` (or any, with `"*"`) matches `props`.
    pub fn has_mapping(
        &self,
        logical_id: &str,
        props: impl Into<Pattern>,
    ) -> Result<(), AssertionError> {
        self.has_named("Mappings", "mappings", logical_id, props.into())
    }

    /// The mappings (all, or only `logical_id`) matching `props`.
    pub fn find_mappings(&self, logical_id: &str, props: impl Into<Pattern>) -> Entries {
        self.find_named("Mappings", logical_id, props.into())
    }

    /// Asserts that the condition `logical_id` (or any, with `"*"`) matches `props`.
    pub fn has_condition(
        &self,
        logical_id: &str,
        props: impl Into<Pattern>,
    ) -> Result<(), AssertionError> {
        self.has_named("Conditions", "conditions", logical_id, props.into())
    }

    /// The conditions (all, or only `logical_id`) matching `props`.
    pub fn find_conditions(&self, logical_id: &str, props: impl Into<Pattern>) -> Entries {
        self.find_named("Conditions", logical_id, props.into())
    }

    /// Asserts that the whole template matches `expected` (a literal pattern
    /// matches partially, like [`Match::object_like`](crate::Match::object_like)).
    pub fn template_matches(&self, expected: impl Into<Pattern>) -> Result<(), AssertionError> {
        let result = expected.into().test(&self.template);
        if result.is_success() {
            return Ok(());
        }
        let mut lines = vec![
            "Template did not match as expected. The following mismatches were found:".to_owned(),
        ];
        lines.extend(result.human_strings().into_iter().map(|s| format!("\t{s}")));
        Err(AssertionError::new(lines.join("\n")))
    }

    // ---------------------------------------------------------------------
    // Panicking twins

    /// Panicking form of [`resource_count_is`](Template::resource_count_is).
    #[track_caller]
    pub fn assert_resource_count_is(&self, resource_type: &str, count: usize) {
        or_panic(self.resource_count_is(resource_type, count));
    }

    /// Panicking form of [`resource_properties_count_is`](Template::resource_properties_count_is).
    #[track_caller]
    pub fn assert_resource_properties_count_is(
        &self,
        resource_type: &str,
        props: impl Into<Pattern>,
        count: usize,
    ) {
        or_panic(self.resource_properties_count_is(resource_type, props, count));
    }

    /// Panicking form of [`has_resource_properties`](Template::has_resource_properties).
    #[track_caller]
    pub fn assert_has_resource_properties(&self, resource_type: &str, props: impl Into<Pattern>) {
        or_panic(self.has_resource_properties(resource_type, props));
    }

    /// Panicking form of [`has_resource`](Template::has_resource).
    #[track_caller]
    pub fn assert_has_resource(&self, resource_type: &str, props: impl Into<Pattern>) {
        or_panic(self.has_resource(resource_type, props));
    }

    /// Panicking form of [`all_resources`](Template::all_resources).
    #[track_caller]
    pub fn assert_all_resources(&self, resource_type: &str, props: impl Into<Pattern>) {
        or_panic(self.all_resources(resource_type, props));
    }

    /// Panicking form of [`all_resources_properties`](Template::all_resources_properties).
    #[track_caller]
    pub fn assert_all_resources_properties(&self, resource_type: &str, props: impl Into<Pattern>) {
        or_panic(self.all_resources_properties(resource_type, props));
    }

    /// Panicking form of [`has_output`](Template::has_output).
    #[track_caller]
    pub fn assert_has_output(&self, logical_id: &str, props: impl Into<Pattern>) {
        or_panic(self.has_output(logical_id, props));
    }

    /// Panicking form of [`has_parameter`](Template::has_parameter).
    #[track_caller]
    pub fn assert_has_parameter(&self, logical_id: &str, props: impl Into<Pattern>) {
        or_panic(self.has_parameter(logical_id, props));
    }

    /// Panicking form of [`has_mapping`](Template::has_mapping).
    #[track_caller]
    pub fn assert_has_mapping(&self, logical_id: &str, props: impl Into<Pattern>) {
        or_panic(self.has_mapping(logical_id, props));
    }

    /// Panicking form of [`has_condition`](Template::has_condition).
    #[track_caller]
    pub fn assert_has_condition(&self, logical_id: &str, props: impl Into<Pattern>) {
        or_panic(self.has_condition(logical_id, props));
    }

    /// Panicking form of [`template_matches`](Template::template_matches).
    #[track_caller]
    pub fn assert_template_matches(&self, expected: impl Into<Pattern>) {
        or_panic(self.template_matches(expected));
    }
}

/// Panics with the failure report of `result`, if any.
#[track_caller]
pub(crate) fn or_panic(result: Result<(), AssertionError>) {
    if let Err(e) = result {
        panic!("{e}");
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl FromStr for Template {
    type Err = TemplateError;

    /// Parses a template from JSON text.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::from_json(serde_json::from_str(s)?))
    }
}

impl From<Value> for Template {
    fn from(template: Value) -> Self {
        Self::from_json(template)
    }
}

/// A template serializes as its JSON (annotations are not included), so it can
/// be passed directly to the snapshot functions.
impl Serialize for Template {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.template.serialize(serializer)
    }
}
