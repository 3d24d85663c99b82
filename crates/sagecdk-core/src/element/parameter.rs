//! `CfnParameter`: a template parameter.

use super::*;

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
                ElementKind::Parameter(Box::new(ParameterData { props })),
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

/// The parameter's entry in the `Parameters` section.
pub(super) fn render_parameter(p: &ParameterData, ctx: &ResolveContext<'_>) -> Option<Json> {
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
