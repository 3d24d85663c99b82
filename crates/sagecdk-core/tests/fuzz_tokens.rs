//! Bounded fuzzing of token resolution.
//!
//! Random construct values — literal strings that look like token markers (`${Token[…]}`,
//! `#{`, partial markers, Unicode), real tokens (`Ref`, `Fn::GetAtt`, lazy values, pseudo
//! parameters, intrinsic functions) concatenated and nested in random ways, maps and lists,
//! non-finite numbers, overrides — are set on resources and synthesized in memory. Synthesis
//! must never panic or hang: it returns the assembly or every diagnostic. Literal values,
//! concatenations and joins must resolve exactly as the model in this file says.
//!
//! Each property runs a fixed number of cases from a fixed seed, so a run is the same on every
//! machine and a failure reproduces. To search further, set the case count or the seed (they
//! apply to every property of this file):
//!
//! ```text
//! PROPTEST_CASES=20000 PROPTEST_RNG_SEED=7 cargo test -p sagecdk-core --test fuzz_tokens
//! ```
//!
//! A failing case is saved in `fuzz_tokens.proptest-regressions` beside this file and replayed
//! first on later runs; commit that file with the fix.

use proptest::prelude::*;
use sagecdk_core::{
    App, Aws, CfnOutput, CfnParameter, CfnParameterProps, CfnResource, Lazy, Stack, StackProps,
    Str, SynthError, Value, fns,
};
use serde_json::{Value as Json, json};

#[path = "../../../tests/common/bounded.rs"]
mod bounded;

use bounded::{config, within_limit};

/// The seed used unless `PROPTEST_RNG_SEED` is set.
const SEED: u64 = 0x70ce_45ee;

// ---------------------------------------------------------------------------------------------
// What a case builds: plain data (so it can cross to the worker thread and be shrunk), turned
// into construct values by `Scene`.

/// A string value.
#[derive(Debug, Clone)]
enum S {
    Lit(String),
    /// `Aws::account_id()`, `region()`, … by index.
    Pseudo(usize),
    /// `reference()` of one of the stack's resources.
    Ref(usize),
    /// `get_att(attribute)` of one of the stack's resources.
    GetAtt(usize, String),
    /// `logical_id()` of one of the stack's resources.
    LogicalId(usize),
    /// The stack's parameter as a string.
    Param,
    /// `fns::ref_logical_id`.
    RefLogicalId(String),
    /// A resource of another stack of the same environment (an export and an import).
    CrossStack,
    /// `Lazy::string` returning the inner string.
    Lazy(Box<S>),
    /// `Lazy::any` of any value, used as a string.
    LazyAny(Box<V>),
    /// `a + b + …`.
    Concat(Vec<S>),
    /// The concatenation's token, taken out of its value and used as a string again (a
    /// concatenation inside a concatenation).
    Rewrapped(Box<S>),
    Join(String, Vec<S>),
    /// `fns::join` of a list token.
    JoinList(String, Box<L>),
    Select(f64, Vec<S>),
    Sub(Box<S>),
    Base64(Box<S>),
    ImportValue(Box<S>),
    /// `Str::format` with a template and arguments.
    Format(String, Vec<S>),
}

/// A list token.
#[derive(Debug, Clone)]
enum L {
    Split(String, S),
    GetAzs(S),
    NotificationArns,
    Param,
}

/// Any value.
#[derive(Debug, Clone)]
enum V {
    Null,
    Bool(bool),
    Num(f64),
    Str(S),
    List(L),
    Array(Vec<V>),
    Object(Vec<(String, V)>),
    /// `Lazy::any`; `None` leaves the value out.
    Lazy(Option<Box<V>>),
    LazyNumber(f64),
    ParamNumber,
    If(S, Box<V>, Box<V>),
    NoValue,
}

const RESOURCES: usize = 3;
const PSEUDO: usize = 6;

/// The constructs a case's values refer to, in a fresh app.
struct Scene {
    app: App,
    stack: Stack,
    resources: Vec<CfnResource>,
    other: CfnResource,
    param: CfnParameter,
}

impl Scene {
    fn new() -> Scene {
        let app = App::for_tests();
        let stack = Stack::new(&app, "S", StackProps::default());
        let resources = (0..RESOURCES)
            .map(|i| CfnResource::new(&stack, &format!("R{i}"), "AWS::X::Y"))
            .collect();
        let param = CfnParameter::new(&stack, "P", CfnParameterProps::default());
        let other_stack = Stack::new(&app, "Other", StackProps::default());
        let other = CfnResource::new(&other_stack, "O", "AWS::X::Y");
        Scene {
            app,
            stack,
            resources,
            other,
            param,
        }
    }

    fn resource(&self, i: usize) -> &CfnResource {
        &self.resources[i % RESOURCES]
    }

    fn str(&self, s: &S) -> Str {
        match s {
            S::Lit(t) => Str::from(t.as_str()),
            S::Pseudo(i) => match i % PSEUDO {
                0 => Aws::account_id(),
                1 => Aws::region(),
                2 => Aws::partition(),
                3 => Aws::url_suffix(),
                4 => Aws::stack_name(),
                _ => Aws::stack_id(),
            },
            S::Ref(i) => self.resource(*i).reference(),
            S::GetAtt(i, attribute) => self.resource(*i).get_att(attribute),
            S::LogicalId(i) => self.resource(*i).logical_id(),
            S::Param => self.param.value_as_string(),
            S::RefLogicalId(id) => fns::ref_logical_id(id.as_str()),
            S::CrossStack => self.other.reference(),
            S::Lazy(inner) => {
                let inner = self.str(inner);
                Lazy::string(move |_| inner.clone())
            }
            S::LazyAny(v) => {
                let v = self.value(v);
                Str::from(Lazy::any(move |_| Some(v.clone())))
            }
            S::Concat(parts) => parts
                .iter()
                .fold(Str::default(), |acc, p| acc + self.str(p)),
            S::Rewrapped(inner) => match self.str(inner).to_value() {
                Value::Token(t) => Str::from(t),
                Value::String(s) => Str::from(s),
                _ => Str::default(),
            },
            S::Join(delimiter, parts) => fns::join(
                delimiter.as_str(),
                parts.iter().map(|p| self.str(p)).collect::<Vec<_>>(),
            ),
            S::JoinList(delimiter, list) => fns::join(delimiter.as_str(), self.list(list)),
            S::Select(index, parts) => fns::select(
                *index,
                parts.iter().map(|p| self.str(p)).collect::<Vec<_>>(),
            ),
            S::Sub(inner) => fns::sub(self.str(inner)),
            S::Base64(inner) => fns::base64(self.str(inner)),
            S::ImportValue(inner) => fns::import_value(self.str(inner)),
            S::Format(template, args) => Str::format(
                template,
                &args.iter().map(|a| self.str(a)).collect::<Vec<_>>(),
            ),
        }
    }

    fn list(&self, l: &L) -> sagecdk_core::List<Str> {
        match l {
            L::Split(delimiter, source) => fns::split(delimiter.as_str(), self.str(source)),
            L::GetAzs(region) => fns::get_azs(self.str(region)),
            L::NotificationArns => Aws::notification_arns(),
            L::Param => self.param.value_as_list(),
        }
    }

    fn value(&self, v: &V) -> Value {
        match v {
            V::Null => Value::Null,
            V::Bool(b) => Value::Bool(*b),
            V::Num(n) => Value::Number(*n),
            V::Str(s) => self.str(s).into(),
            V::List(l) => self.list(l).into(),
            V::Array(items) => Value::Array(items.iter().map(|i| self.value(i)).collect()),
            V::Object(entries) => {
                Value::object_from(entries.iter().map(|(k, v)| (k.clone(), self.value(v))))
            }
            V::Lazy(inner) => {
                let inner = inner.as_ref().map(|v| self.value(v));
                Lazy::any(move |_| inner.clone()).into()
            }
            V::LazyNumber(n) => {
                let n = *n;
                Lazy::number(move |_| n).into()
            }
            V::ParamNumber => self.param.value_as_number().into(),
            V::If(condition, yes, no) => {
                fns::if_(self.str(condition), self.value(yes), self.value(no)).into()
            }
            V::NoValue => Aws::no_value().into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generators

/// Text that looks like the AWS CDK's string-encoded tokens, or is otherwise awkward.
fn tricky_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "",
            "${Token[",
            "${Token[TOKEN.999999]}",
            "${Token[AWS.Region.9]}",
            "${Token[TOKEN.1]",
            "Token[TOKEN.2]}",
            "#{",
            "#{Token[TOKEN.3]}",
            "${",
            "}",
            "{}",
            "{{",
            "}}",
            "{",
            "-1.8881545897087626e+289",
            "Ref",
            "Fn::Join",
            "Fn::GetAtt",
            "AWS::Region",
            "\u{0}",
            "\"",
            "\\",
            "é字🦀",
            "\u{2028}",
            "a.b",
        ])
        .prop_map(str::to_string),
        2 => "[a-z${}#\\[\\].:-]{0,8}",
        1 => any::<String>(),
    ]
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>(),
        2 => (-1000i32..1000).prop_map(f64::from),
        1 => prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            1e21,
            9_007_199_254_740_993.0,
            5e-324,
        ]),
    ]
}

/// A token that renders to one intrinsic (or, for a logical ID, to a literal).
fn simple_token() -> impl Strategy<Value = S> {
    prop_oneof![
        (0..PSEUDO).prop_map(S::Pseudo),
        (0..RESOURCES).prop_map(S::Ref),
        ((0..RESOURCES), tricky_text()).prop_map(|(i, a)| S::GetAtt(i, a)),
        (0..RESOURCES).prop_map(S::LogicalId),
        Just(S::Param),
        tricky_text().prop_map(S::RefLogicalId),
    ]
}

fn any_str() -> impl Strategy<Value = S> + Clone {
    let leaf = prop_oneof![
        3 => tricky_text().prop_map(S::Lit),
        3 => simple_token(),
        1 => Just(S::CrossStack),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            3 => prop::collection::vec(inner.clone(), 0..4).prop_map(S::Concat),
            1 => inner.clone().prop_map(|s| S::Lazy(Box::new(s))),
            1 => inner.clone().prop_map(|s| S::Rewrapped(Box::new(s))),
            2 => (tricky_text(), prop::collection::vec(inner.clone(), 0..4))
                .prop_map(|(d, parts)| S::Join(d, parts)),
            1 => (tricky_text(), list_token(inner.clone()))
                .prop_map(|(d, l)| S::JoinList(d, Box::new(l))),
            1 => (number(), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(i, parts)| S::Select(i, parts)),
            1 => inner.clone().prop_map(|s| S::Sub(Box::new(s))),
            1 => inner.clone().prop_map(|s| S::Base64(Box::new(s))),
            1 => inner.clone().prop_map(|s| S::ImportValue(Box::new(s))),
            1 => (tricky_text(), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(t, args)| S::Format(t, args)),
            1 => literal_value().prop_map(|v| S::LazyAny(Box::new(v))),
        ]
    })
}

fn list_token(s: impl Strategy<Value = S> + Clone + 'static) -> impl Strategy<Value = L> {
    prop_oneof![
        (tricky_text(), s.clone()).prop_map(|(d, s)| L::Split(d, s)),
        s.prop_map(L::GetAzs),
        Just(L::NotificationArns),
        Just(L::Param),
    ]
}

/// Values without tokens: what synthesis must give back as they are (non-finite numbers
/// aside, which are errors).
fn literal_value() -> impl Strategy<Value = V> {
    let leaf = prop_oneof![
        Just(V::Null),
        any::<bool>().prop_map(V::Bool),
        number().prop_map(V::Num),
        tricky_text().prop_map(|t| V::Str(S::Lit(t))),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(V::Array),
            prop::collection::vec((key(), inner), 0..4).prop_map(V::Object),
        ]
    })
}

/// Object keys, array-index-like ones included (JavaScript orders those first).
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["0", "1", "10", "01", "Ref", "Fn::Join", "a", "b"])
            .prop_map(str::to_string),
        tricky_text(),
    ]
}

fn any_value() -> impl Strategy<Value = V> {
    let leaf = prop_oneof![
        2 => literal_value(),
        3 => any_str().prop_map(V::Str),
        1 => list_token(any_str()).prop_map(V::List),
        1 => number().prop_map(V::LazyNumber),
        1 => Just(V::ParamNumber),
        1 => Just(V::NoValue),
        1 => Just(V::Lazy(None)),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            2 => prop::collection::vec(inner.clone(), 0..4).prop_map(V::Array),
            2 => prop::collection::vec((key(), inner.clone()), 0..4).prop_map(V::Object),
            1 => inner.clone().prop_map(|v| V::Lazy(Some(Box::new(v)))),
            1 => (any_str(), inner.clone(), inner)
                .prop_map(|(c, a, b)| V::If(c, Box::new(a), Box::new(b))),
        ]
    })
}

/// Override paths: dotted keys, escaped dots, list indexes (some far too large).
fn override_path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        prop::sample::select(vec![
            "P0",
            "P1",
            "0",
            "1",
            "2",
            "01",
            "+1",
            "1000",
            "4294967294",
            "4294967295",
            "18446744073709551615",
            "",
            "a\\.b",
            "Properties",
        ])
        .prop_map(str::to_string),
        tricky_text(),
    ];
    prop::collection::vec(segment, 1..4).prop_map(|s| s.join("."))
}

// ---------------------------------------------------------------------------------------------
// Checks

/// Synthesizes `S` with `properties` on `R0`, an output and overrides, and checks the answer:
/// a template, or diagnostics that each name a construct and say something. Gives the
/// resolved properties of `R0`, or the diagnostics.
fn synthesize(
    properties: Vec<V>,
    output: Option<V>,
    overrides: Vec<(String, Option<V>)>,
) -> Result<Result<Json, Vec<String>>, String> {
    let scene = Scene::new();
    let target = scene.resource(0);
    for (i, p) in properties.iter().enumerate() {
        target.set_property(format!("P{i}"), scene.value(p));
    }
    if let Some(o) = &output {
        CfnOutput::new(&scene.stack, "Out", scene.value(o));
    }
    for (path, value) in &overrides {
        match value {
            Some(v) => target.add_property_override(path, scene.value(v)),
            None => target.add_property_deletion_override(path),
        }
    }
    match scene.app.assemble() {
        Ok(assembly) => {
            let stack = assembly.stack("S").ok_or("no stack 'S' in the assembly")?;
            let template: Json = serde_json::from_str(&stack.template_text)
                .map_err(|e| format!("the template is not JSON: {e}"))?;
            Ok(Ok(template["Resources"]["R0"]["Properties"].clone()))
        }
        Err(SynthError::Invalid(diagnostics)) => {
            if diagnostics.0.is_empty() {
                return Err("synthesis failed without a diagnostic".into());
            }
            for d in &diagnostics.0 {
                if d.message.trim().is_empty() || d.message.starts_with("internal") {
                    return Err(format!("unhelpful diagnostic: {d}"));
                }
            }
            Ok(Err(diagnostics.0.iter().map(ToString::to_string).collect()))
        }
        Err(e) => Err(format!("unexpected error: {e}")),
    }
}

/// What CloudFormation JSON a literal value resolves to, or `None` when it holds a
/// non-finite number (an error).
fn expected_literal(v: &V) -> Option<Json> {
    Some(match v {
        V::Null => Json::Null,
        V::Bool(b) => Json::Bool(*b),
        V::Num(n) => {
            if !n.is_finite() {
                return None;
            }
            json!(n)
        }
        V::Str(S::Lit(t)) => Json::from(t.as_str()),
        V::Array(items) => Json::Array(items.iter().map(expected_literal).collect::<Option<_>>()?),
        V::Object(entries) => {
            // A key set twice keeps its first place and its last value.
            let mut last: sagecdk_core::IndexMap<&str, &V> = sagecdk_core::IndexMap::new();
            for (k, v) in entries {
                last.insert(k.as_str(), v);
            }
            let mut m = serde_json::Map::new();
            for (k, v) in last {
                m.insert(k.to_string(), expected_literal(v)?);
            }
            Json::Object(m)
        }
        other => panic!("not a literal: {other:?}"),
    })
}

/// JSON equality with numbers compared by value (`1e21` and `1000000000000000000000`).
fn same_json(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// One piece of a concatenation or join, as the model sees it.
#[derive(Debug, Clone)]
enum Part {
    Lit(String),
    Token(S),
}

/// A piece: literal text, or a token that resolves to one intrinsic.
fn part() -> impl Strategy<Value = Part> {
    prop_oneof![
        tricky_text().prop_map(Part::Lit),
        simple_token().prop_map(Part::Token),
        tricky_text().prop_map(|t| Part::Token(S::Lazy(Box::new(S::Lit(t))))),
    ]
}

/// What a piece resolves to on its own: a string for literals (and logical IDs and lazy
/// literals), else the intrinsic.
fn resolved_part(p: &Part) -> Json {
    match p {
        Part::Lit(t) => Json::from(t.as_str()),
        Part::Token(S::Lazy(inner)) => match inner.as_ref() {
            S::Lit(t) => Json::from(t.as_str()),
            other => panic!("not a lazy literal: {other:?}"),
        },
        Part::Token(S::Pseudo(i)) => {
            let name = [
                "AWS::AccountId",
                "AWS::Region",
                "AWS::Partition",
                "AWS::URLSuffix",
                "AWS::StackName",
                "AWS::StackId",
            ][i % PSEUDO];
            json!({"Ref": name})
        }
        Part::Token(S::Ref(i)) => json!({"Ref": format!("R{}", i % RESOURCES)}),
        Part::Token(S::GetAtt(i, a)) => {
            json!({"Fn::GetAtt": [format!("R{}", i % RESOURCES), a]})
        }
        Part::Token(S::LogicalId(i)) => Json::from(format!("R{}", i % RESOURCES)),
        Part::Token(S::Param) => json!({"Ref": "P"}),
        Part::Token(S::RefLogicalId(id)) => json!({"Ref": id}),
        Part::Token(other) => panic!("not a simple token: {other:?}"),
    }
}

/// The CDK's minimal join: adjacent strings merged with the delimiter between them.
fn merged(delimiter: &str, items: Vec<Json>) -> Vec<Json> {
    let mut out: Vec<Json> = Vec::new();
    for item in items {
        match (out.last_mut(), &item) {
            (Some(Json::String(prev)), Json::String(next)) => {
                prev.push_str(delimiter);
                prev.push_str(next);
            }
            _ => out.push(item),
        }
    }
    out
}

/// A concatenation of pieces: empty literals vanish, the rest merge; one piece is bare.
fn expected_concat(parts: &[Part]) -> Json {
    let items: Vec<Json> = parts
        .iter()
        .filter(|p| !matches!(p, Part::Lit(t) if t.is_empty()))
        .map(resolved_part)
        .collect();
    let mut items = merged("", items);
    match items.len() {
        0 => Json::from(""),
        1 => items.remove(0),
        _ => json!({"Fn::Join": ["", items]}),
    }
}

/// `fns::join` of pieces: every piece stays (empty ones too); one piece is bare; none is an
/// error.
fn expected_join(delimiter: &str, parts: &[Part]) -> Option<Json> {
    let mut items = merged(delimiter, parts.iter().map(resolved_part).collect());
    match items.len() {
        0 => None,
        1 => Some(items.remove(0)),
        _ => Some(json!({"Fn::Join": [delimiter, items]})),
    }
}

fn part_str(p: &Part) -> S {
    match p {
        Part::Lit(t) => S::Lit(t.clone()),
        Part::Token(s) => s.clone(),
    }
}

/// Groups pieces into nested concatenations at the given cut points (concatenation is
/// associative, so the grouping must not show).
fn grouped(parts: &[Part], cuts: &[prop::sample::Index]) -> S {
    if parts.len() < 2 || cuts.is_empty() {
        return S::Concat(parts.iter().map(part_str).collect());
    }
    let at = cuts[0].index(parts.len() - 1) + 1;
    let (left, right) = parts.split_at(at);
    S::Concat(vec![grouped(left, &cuts[1..]), grouped(right, &cuts[1..])])
}

/// A `Str::format` template and arguments giving `parts`: literal text escaped into the
/// template, tokens as `{}` arguments.
fn as_format(parts: &[Part]) -> S {
    let mut template = String::new();
    let mut args = Vec::new();
    for p in parts {
        match p {
            Part::Lit(t) => template.push_str(&t.replace('{', "{{").replace('}', "}}")),
            Part::Token(s) => {
                template.push_str("{}");
                args.push(s.clone());
            }
        }
    }
    S::Format(template, args)
}

fn run(
    properties: Vec<V>,
    output: Option<V>,
    overrides: Vec<(String, Option<V>)>,
) -> Result<Result<Json, Vec<String>>, TestCaseError> {
    within_limit("synthesis", move || {
        synthesize(properties, output, overrides)
    })?
    .map_err(TestCaseError::fail)
}

proptest! {
    #![proptest_config(config(SEED, 1024))]

    /// Any values, outputs and overrides: synthesis gives a template or diagnostics, never a
    /// panic or a hang.
    #[test]
    fn synthesis_never_panics(
        properties in prop::collection::vec(any_value(), 0..4),
        output in prop::option::of(any_value()),
        overrides in prop::collection::vec(
            (override_path(), prop::option::of(any_value())),
            0..3,
        ),
    ) {
        let _ = run(properties, output, overrides)?;
    }
}

proptest! {
    #![proptest_config(config(SEED, 512))]

    /// A value without tokens resolves to itself; a non-finite number in it is an error naming
    /// the resource.
    #[test]
    fn literal_values_resolve_to_themselves(value in literal_value()) {
        let result = run(vec![value.clone()], None, Vec::new())?;
        match (expected_literal(&value), result) {
            (Some(want), Ok(props)) => {
                prop_assert!(same_json(&props["P0"], &want), "{} != {}", props["P0"], want);
            }
            (None, Err(errors)) => prop_assert!(
                errors.iter().all(|e| e.starts_with("[S/R0] ") && e.contains("not a finite number")),
                "{:?}", errors
            ),
            (want, got) => prop_assert!(false, "expected {:?}, got {:?}", want, got),
        }
    }

    /// Literal strings (token-marker look-alikes included) and concatenations of them resolve
    /// to the text itself.
    #[test]
    fn literal_strings_resolve_to_their_text(parts in prop::collection::vec(tricky_text(), 0..5)) {
        let whole: String = parts.concat();
        let concat = S::Concat(parts.iter().cloned().map(S::Lit).collect());
        let result = run(
            vec![V::Str(S::Lit(whole.clone())), V::Str(concat)],
            None,
            Vec::new(),
        )?;
        let props = result.map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(&props["P0"], &Json::from(whole.as_str()));
        prop_assert_eq!(&props["P1"], &Json::from(whole.as_str()));
    }

    /// Concatenating literals and tokens, grouped in any way or written with `Str::format`,
    /// gives the minimal `Fn::Join` (a single token its bare intrinsic); `fns::join` merges
    /// literals with its delimiter.
    #[test]
    fn concatenations_and_joins_are_minimal(
        parts in prop::collection::vec(part(), 0..6),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
        delimiter in tricky_text(),
    ) {
        let concat = expected_concat(&parts);
        let join = expected_join(&delimiter, &parts);
        let values = vec![
            V::Str(grouped(&parts, &cuts)),
            V::Str(as_format(&parts)),
            V::Str(S::Join(delimiter.clone(), parts.iter().map(part_str).collect())),
        ];
        match (run(values, None, Vec::new())?, join) {
            (Ok(props), Some(join)) => {
                prop_assert_eq!(&props["P0"], &concat);
                prop_assert_eq!(&props["P1"], &concat);
                prop_assert_eq!(&props["P2"], &join);
            }
            (Err(errors), None) => prop_assert_eq!(
                errors,
                vec!["[S/R0] Fn::Join requires at least one value".to_string()]
            ),
            (got, want) => prop_assert!(false, "expected join {:?}, got {:?}", want, got),
        }
    }
}

/// Values nested deeper than resolution follows, and lazy values that produce themselves,
/// are errors, not a stack overflow (on a test thread's 2 MiB stack).
#[test]
fn deep_and_self_referencing_values_are_errors() {
    let errors = within_limit("synthesis", || {
        let scene = Scene::new();
        let target = scene.resource(0);
        let mut deep = Value::from("x");
        for _ in 0..300 {
            deep = Value::Array(vec![deep]);
        }
        target.set_property("Deep", deep);
        let mut encoded = Str::from("x");
        for _ in 0..300 {
            encoded = fns::base64(encoded);
        }
        target.set_property("Encoded", encoded);

        let cell: std::rc::Rc<std::cell::RefCell<Option<Value>>> = Default::default();
        let inner = cell.clone();
        let itself = Lazy::any(move |_| Some(Value::Array(vec![inner.borrow().clone()?])));
        *cell.borrow_mut() = Some(itself.clone().into());
        target.set_property("Itself", itself);

        let text: std::rc::Rc<std::cell::RefCell<Str>> = Default::default();
        let inner = text.clone();
        let grows = Lazy::string(move |_| Str::from("a") + inner.borrow().clone());
        *text.borrow_mut() = grows.clone();
        target.set_property("Grows", grows);

        match scene.app.assemble() {
            Err(SynthError::Invalid(d)) => d.0.iter().map(ToString::to_string).collect(),
            Ok(_) => vec![],
            Err(e) => vec![e.to_string()],
        }
    })
    .expect("no panic, no hang");
    assert!(!errors.is_empty(), "synthesis succeeded");
    assert!(
        errors.iter().all(|e| e.starts_with("[S/R0] ")
            && e.contains("Unable to resolve object tree with circular reference")),
        "{errors:#?}"
    );
}
