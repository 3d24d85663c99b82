//! Tokens: values known only at synthesis or deploy time, and the intrinsic functions that make
//! them.
//!
//! A [`Token`] is a typed, cheaply clonable handle. Unlike the AWS CDK, tokens are never encoded
//! into plain strings: a string that contains one is a [`Str`], so the type tells whether a value
//! can be inspected at synthesis time.

use crate::resolve::ResolveContext;
use crate::tree::ElementRef;
use crate::value::{Fragment, List, Num, Str, Tokenized, Value};
use indexmap::IndexMap;
use std::fmt;
use std::rc::Rc;

/// A value that is resolved during synthesis: a reference, an intrinsic function or a lazy value.
#[derive(Clone)]
pub struct Token(pub(crate) Rc<TokenKind>);

/// A lazily computed value: called during synthesis with the resolution context.
pub(crate) type LazyFn = dyn Fn(&ResolveContext<'_>) -> Option<Value>;

/// A lazily computed value that resolves itself: called during synthesis with the resolution
/// context, it returns template JSON.
pub(crate) type LazyJsonFn = dyn Fn(&ResolveContext<'_>) -> Option<serde_json::Value>;

pub(crate) enum TokenKind {
    /// `{"Ref": …}`.
    Ref(RefTarget),
    /// `{"Fn::GetAtt": [logicalId, attribute]}`.
    GetAtt {
        target: ElementRef,
        attribute: String,
    },
    /// The bare logical ID of an element, as a string.
    LogicalId(ElementRef),
    /// `{"Fn::Join": [delimiter, values]}`, rendered minimally.
    Join { delimiter: String, values: Value },
    /// A string concatenation, rendered as the minimal `Fn::Join` with an empty delimiter.
    Concat(Vec<Fragment>),
    /// Any other intrinsic: `{name: args}`.
    Intrinsic { name: &'static str, args: Value },
    /// A value computed at synthesis time.
    Lazy(Rc<LazyFn>),
    /// A value computed and resolved at synthesis time.
    LazyJson(Rc<LazyJsonFn>),
}

/// What a `Ref` points at.
pub(crate) enum RefTarget {
    Element(ElementRef),
    Pseudo(&'static str),
    LogicalId(String),
}

impl Token {
    pub(crate) fn new(kind: TokenKind) -> Self {
        Token(Rc::new(kind))
    }

    pub(crate) fn kind(&self) -> &TokenKind {
        &self.0
    }

    pub(crate) fn concat(fragments: Vec<Fragment>) -> Self {
        Token::new(TokenKind::Concat(fragments))
    }

    pub(crate) fn intrinsic(name: &'static str, args: impl Into<Value>) -> Self {
        Token::new(TokenKind::Intrinsic {
            name,
            args: args.into(),
        })
    }

    pub(crate) fn element_ref(target: ElementRef) -> Self {
        Token::new(TokenKind::Ref(RefTarget::Element(target)))
    }

    pub(crate) fn get_att(target: ElementRef, attribute: impl Into<String>) -> Self {
        Token::new(TokenKind::GetAtt {
            target,
            attribute: attribute.into(),
        })
    }

    pub(crate) fn logical_id(target: ElementRef) -> Self {
        Token::new(TokenKind::LogicalId(target))
    }

    /// This token as a string value.
    pub fn to_str(&self) -> Str {
        Str::from(self.clone())
    }

    /// This token as a number value.
    pub fn to_num(&self) -> Num {
        Tokenized::Token(self.clone())
    }

    /// This token as a list of strings.
    pub fn to_list(&self) -> List<Str> {
        Tokenized::Token(self.clone())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            TokenKind::Ref(RefTarget::Element(e)) => write!(f, "Ref({e:?})"),
            TokenKind::Ref(RefTarget::Pseudo(p)) => write!(f, "Ref({p})"),
            TokenKind::Ref(RefTarget::LogicalId(id)) => write!(f, "Ref({id})"),
            TokenKind::GetAtt { target, attribute } => write!(f, "GetAtt({target:?}.{attribute})"),
            TokenKind::LogicalId(e) => write!(f, "LogicalId({e:?})"),
            TokenKind::Join { delimiter, values } => write!(f, "Join({delimiter:?}, {values:?})"),
            TokenKind::Concat(frags) => write!(f, "Concat({frags:?})"),
            TokenKind::Intrinsic { name, args } => write!(f, "{name}({args:?})"),
            TokenKind::Lazy(_) | TokenKind::LazyJson(_) => f.write_str("Lazy"),
        }
    }
}

/// Lazily computed values, resolved during synthesis.
///
/// Use these when a value depends on something that may still change after the construct is
/// created (for example a list that other code appends to). The closure must only read: it runs
/// while the construct tree is being synthesized.
///
/// ```
/// use sagecdk_core::{Lazy, Value};
/// let n = Lazy::number(|_| 3.0);
/// assert!(n.is_unresolved());
/// ```
pub struct Lazy;

impl Lazy {
    /// A lazily computed value of any shape; `None` means "leave the property out".
    pub fn any(f: impl Fn(&ResolveContext<'_>) -> Option<Value> + 'static) -> Token {
        Token::new(TokenKind::Lazy(Rc::new(f)))
    }

    /// A lazily computed value that resolves its parts itself, with
    /// [`ResolveContext::resolve`], and returns template JSON, which goes into the template as
    /// it is; `None` means "leave the property out". For values built from many resolved parts
    /// (a policy document), this spares converting the result back into a [`Value`] only to
    /// resolve it again.
    ///
    /// While references across stacks are collected (the first pass, see
    /// [`ResolveContext::is_collecting_references`]), `f` is called for the references its
    /// `resolve` calls find; its result is not used.
    pub fn resolved(
        f: impl Fn(&ResolveContext<'_>) -> Option<serde_json::Value> + 'static,
    ) -> Token {
        Token::new(TokenKind::LazyJson(Rc::new(f)))
    }

    /// A lazily computed string.
    pub fn string(f: impl Fn(&ResolveContext<'_>) -> Str + 'static) -> Str {
        Str::from(Lazy::any(move |ctx| Some(f(ctx).to_value())))
    }

    /// A lazily computed number.
    pub fn number(f: impl Fn(&ResolveContext<'_>) -> f64 + 'static) -> Num {
        Tokenized::Token(Lazy::any(move |ctx| Some(Value::Number(f(ctx)))))
    }

    /// A lazily computed list of strings.
    pub fn list(f: impl Fn(&ResolveContext<'_>) -> Vec<Str> + 'static) -> List<Str> {
        Tokenized::Token(Lazy::any(move |ctx| {
            Some(Value::Array(f(ctx).into_iter().map(Value::from).collect()))
        }))
    }
}

/// The CloudFormation pseudo parameters.
///
/// ```
/// use sagecdk_core::Aws;
/// let url = sagecdk_core::Str::from("https://s3.") + Aws::region() + "." + Aws::url_suffix();
/// assert!(url.is_unresolved());
/// ```
pub struct Aws;

impl Aws {
    fn pseudo(name: &'static str) -> Token {
        Token::new(TokenKind::Ref(RefTarget::Pseudo(name)))
    }

    /// `AWS::AccountId`.
    pub fn account_id() -> Str {
        Self::pseudo("AWS::AccountId").to_str()
    }
    /// `AWS::Region`.
    pub fn region() -> Str {
        Self::pseudo("AWS::Region").to_str()
    }
    /// `AWS::Partition` (`aws`, `aws-cn`, `aws-us-gov`, …).
    pub fn partition() -> Str {
        Self::pseudo("AWS::Partition").to_str()
    }
    /// `AWS::URLSuffix` (`amazonaws.com`, `amazonaws.com.cn`, …).
    pub fn url_suffix() -> Str {
        Self::pseudo("AWS::URLSuffix").to_str()
    }
    /// `AWS::StackName`.
    pub fn stack_name() -> Str {
        Self::pseudo("AWS::StackName").to_str()
    }
    /// `AWS::StackId`.
    pub fn stack_id() -> Str {
        Self::pseudo("AWS::StackId").to_str()
    }
    /// `AWS::NotificationARNs`.
    pub fn notification_arns() -> List<Str> {
        Self::pseudo("AWS::NotificationARNs").to_list()
    }
    /// `AWS::NoValue`: removes the property it is assigned to (useful inside `Fn::If`).
    pub fn no_value() -> Token {
        Self::pseudo("AWS::NoValue")
    }
}

/// CloudFormation intrinsic functions (the CDK's `Fn`).
///
/// ```
/// use sagecdk_core::{fns, Str};
/// let s = fns::join("-", vec![Str::from("a"), Str::from("b")]);
/// // Literal-only joins are still rendered by synthesis, which folds them to "a-b".
/// assert!(s.is_unresolved());
/// ```
pub mod fns {
    use super::*;

    /// `Fn::Join`: joins `values` with `delimiter` (rendered minimally, a single value bare).
    pub fn join(delimiter: impl Into<String>, values: impl Into<List<Str>>) -> Str {
        Token::new(TokenKind::Join {
            delimiter: delimiter.into(),
            values: values.into().into(),
        })
        .to_str()
    }

    /// `Fn::Sub` with a template body.
    pub fn sub(body: impl Into<Str>) -> Str {
        Token::intrinsic("Fn::Sub", body.into()).to_str()
    }

    /// `Fn::Sub` with a template body and variables.
    pub fn sub_with(body: impl Into<Str>, variables: IndexMap<String, Str>) -> Str {
        let vars = Value::Object(
            variables
                .into_iter()
                .map(|(k, v)| (k, v.to_value()))
                .collect(),
        );
        Token::intrinsic("Fn::Sub", Value::Array(vec![body.into().into(), vars])).to_str()
    }

    /// `Fn::Select`: the `index`-th element of `list`. Selecting from a literal list at a literal
    /// index gives the element itself.
    pub fn select(index: impl Into<Num>, list: impl Into<List<Str>>) -> Str {
        let (index, list) = (index.into(), list.into());
        if let (Tokenized::Literal(i), Tokenized::Literal(items)) = (&index, &list) {
            let idx = *i as usize;
            if i.fract() == 0.0 && *i >= 0.0 && idx < items.len() && !items[idx].is_unresolved() {
                return items[idx].clone();
            }
        }
        Token::intrinsic("Fn::Select", Value::Array(vec![index.into(), list.into()])).to_str()
    }

    /// `Fn::Split`: splits `source` by `delimiter`.
    pub fn split(delimiter: impl Into<String>, source: impl Into<Str>) -> List<Str> {
        Token::intrinsic(
            "Fn::Split",
            Value::Array(vec![Value::String(delimiter.into()), source.into().into()]),
        )
        .to_list()
    }

    /// `Fn::Base64`.
    pub fn base64(data: impl Into<Str>) -> Str {
        Token::intrinsic("Fn::Base64", data.into()).to_str()
    }

    /// `Fn::GetAZs` for `region` (empty string: the stack's region).
    pub fn get_azs(region: impl Into<Str>) -> List<Str> {
        Token::intrinsic("Fn::GetAZs", region.into()).to_list()
    }

    /// `Fn::Cidr`.
    pub fn cidr(
        ip_block: impl Into<Str>,
        count: impl Into<Num>,
        size_mask: impl Into<Str>,
    ) -> List<Str> {
        Token::intrinsic(
            "Fn::Cidr",
            Value::Array(vec![
                ip_block.into().into(),
                count.into().into(),
                size_mask.into().into(),
            ]),
        )
        .to_list()
    }

    /// `Fn::ImportValue`: a value exported by another stack.
    pub fn import_value(name: impl Into<Str>) -> Str {
        Token::intrinsic("Fn::ImportValue", name.into()).to_str()
    }

    /// `Fn::FindInMap`.
    pub fn find_in_map(
        map_name: impl Into<Str>,
        top_level_key: impl Into<Str>,
        second_level_key: impl Into<Str>,
    ) -> Str {
        Token::intrinsic(
            "Fn::FindInMap",
            Value::Array(vec![
                map_name.into().into(),
                top_level_key.into().into(),
                second_level_key.into().into(),
            ]),
        )
        .to_str()
    }

    /// `Fn::GetAtt` by raw logical ID (prefer the typed accessors on resources).
    pub fn get_att(logical_id: impl Into<String>, attribute: impl Into<String>) -> Str {
        Token::intrinsic(
            "Fn::GetAtt",
            Value::Array(vec![
                Value::String(logical_id.into()),
                Value::String(attribute.into()),
            ]),
        )
        .to_str()
    }

    /// `Ref` by raw logical ID (prefer `reference()` on elements).
    pub fn ref_logical_id(logical_id: impl Into<String>) -> Str {
        Token::new(TokenKind::Ref(RefTarget::LogicalId(logical_id.into()))).to_str()
    }

    /// `Fn::If`: `if_true` when `condition` holds, else `if_false`.
    pub fn if_(
        condition: impl Into<Str>,
        if_true: impl Into<Value>,
        if_false: impl Into<Value>,
    ) -> Token {
        Token::intrinsic(
            "Fn::If",
            Value::Array(vec![
                condition.into().into(),
                if_true.into(),
                if_false.into(),
            ]),
        )
    }

    /// `Fn::And` over 2–10 conditions.
    pub fn condition_and(conditions: Vec<Value>) -> Token {
        Token::intrinsic("Fn::And", Value::Array(conditions))
    }

    /// `Fn::Or` over 2–10 conditions.
    pub fn condition_or(conditions: Vec<Value>) -> Token {
        Token::intrinsic("Fn::Or", Value::Array(conditions))
    }

    /// `Fn::Not`.
    pub fn condition_not(condition: impl Into<Value>) -> Token {
        Token::intrinsic("Fn::Not", Value::Array(vec![condition.into()]))
    }

    /// `Fn::Equals`.
    pub fn condition_equals(lhs: impl Into<Value>, rhs: impl Into<Value>) -> Token {
        Token::intrinsic("Fn::Equals", Value::Array(vec![lhs.into(), rhs.into()]))
    }

    /// `Fn::Contains` (rules only): whether `value` is one of `list`.
    pub fn condition_contains(list: impl Into<Value>, value: impl Into<Value>) -> Token {
        Token::intrinsic(
            "Fn::Contains",
            Value::Array(vec![list.into(), value.into()]),
        )
    }

    /// `Fn::EachMemberEquals` (rules only).
    pub fn condition_each_member_equals(list: impl Into<Value>, value: impl Into<Value>) -> Token {
        Token::intrinsic(
            "Fn::EachMemberEquals",
            Value::Array(vec![list.into(), value.into()]),
        )
    }

    /// `Fn::EachMemberIn` (rules only).
    pub fn condition_each_member_in(list: impl Into<Value>, allowed: impl Into<Value>) -> Token {
        Token::intrinsic(
            "Fn::EachMemberIn",
            Value::Array(vec![list.into(), allowed.into()]),
        )
    }

    /// `Fn::RefAll` (rules only): all values of a parameter type.
    pub fn ref_all(parameter_type: impl Into<String>) -> List<Str> {
        Token::intrinsic("Fn::RefAll", Value::String(parameter_type.into())).to_list()
    }

    /// `Fn::ValueOf` (rules only).
    pub fn value_of(parameter: impl Into<Str>, attribute: impl Into<String>) -> Str {
        Token::intrinsic(
            "Fn::ValueOf",
            Value::Array(vec![
                parameter.into().into(),
                Value::String(attribute.into()),
            ]),
        )
        .to_str()
    }

    /// `{"Condition": name}`: refers to a named condition inside another condition.
    pub fn condition(name: impl Into<Str>) -> Token {
        Token::intrinsic("Condition", name.into())
    }
}
