//! Unresolved CloudFormation values: JSON that may contain tokens anywhere.
//!
//! [`Value`] is the property tree of an element before synthesis. Typed wrappers say what a
//! value may be: [`Str`] (a string that may contain tokens, concatenated like the CDK's template
//! strings), and [`Tokenized`] for numbers ([`Num`]), booleans ([`Flag`]), lists ([`List`]) and
//! maps ([`Map`]) that are either a literal or a token.

use crate::token::Token;
use indexmap::IndexMap;
use std::fmt;

/// A CloudFormation value that may contain [`Token`]s anywhere.
///
/// Build one with [`cfn!`](crate::cfn), with `From` conversions, or from a `serde_json::Value`.
#[derive(Clone, Default)]
pub enum Value {
    /// JSON `null`.
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// A number; all numbers are doubles, as in CloudFormation's JSON and the CDK.
    Number(f64),
    /// A literal string.
    String(String),
    /// A list.
    Array(Vec<Value>),
    /// An object whose keys keep their insertion order.
    Object(IndexMap<String, Value>),
    /// A value known only at deploy time or at synthesis time.
    Token(Token),
}

impl Value {
    /// An empty object.
    pub fn object() -> Self {
        Value::Object(IndexMap::new())
    }

    /// Builds an object from `(key, value)` pairs, keeping their order.
    pub fn object_from<K: Into<String>, V: Into<Value>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// Builds a list.
    pub fn array<V: Into<Value>>(items: impl IntoIterator<Item = V>) -> Self {
        Value::Array(items.into_iter().map(Into::into).collect())
    }

    /// The object's entries, if this is an object.
    pub fn as_object(&self) -> Option<&IndexMap<String, Value>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Mutable object entries, if this is an object.
    pub fn as_object_mut(&mut self) -> Option<&mut IndexMap<String, Value>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The literal string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the value contains a token anywhere (and so is only known later).
    pub fn is_unresolved(&self) -> bool {
        match self {
            Value::Token(_) => true,
            Value::Array(items) => items.iter().any(Value::is_unresolved),
            Value::Object(m) => m.values().any(Value::is_unresolved),
            _ => false,
        }
    }

    /// Sets `key` on an object value (turning a non-object into an empty object first).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        if !matches!(self, Value::Object(_)) {
            *self = Value::object();
        }
        if let Value::Object(m) = self {
            m.insert(key.into(), value.into());
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Array(items) => f.debug_list().entries(items).finish(),
            Value::Object(m) => f.debug_map().entries(m).finish(),
            Value::Token(t) => write!(f, "{t:?}"),
        }
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(a) => Value::Array(a.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(m) => {
                Value::Object(m.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::String(s.clone())
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
macro_rules! number_into_value {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self { Value::Number(n as f64) }
        }
        impl From<$t> for Num {
            fn from(n: $t) -> Self { Tokenized::Literal(n as f64) }
        }
    )*};
}
number_into_value!(f64, f32, i64, i32, i16, i8, u64, u32, u16, u8, usize, isize);

impl From<Token> for Value {
    fn from(t: Token) -> Self {
        Value::Token(t)
    }
}
impl From<&Token> for Value {
    fn from(t: &Token) -> Self {
        Value::Token(t.clone())
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}
impl<V: Into<Value>> From<IndexMap<String, V>> for Value {
    fn from(m: IndexMap<String, V>) -> Self {
        Value::Object(m.into_iter().map(|(k, v)| (k, v.into())).collect())
    }
}
impl From<&Value> for Value {
    fn from(v: &Value) -> Self {
        v.clone()
    }
}

/// Builds a [`Value`] with JSON-like syntax; leaves are any expression convertible into `Value`.
///
/// Wrap a leaf expression that is more than one token (a method call, a path) in parentheses.
///
/// ```
/// use sagecdk_core::{cfn, Aws, Value};
/// let v: Value = cfn!({
///     "Name": "x",
///     "Count": 3,
///     "Region": (Aws::region()),
///     "List": ["a", (Aws::account_id())],
/// });
/// assert!(v.is_unresolved());
/// ```
#[macro_export]
macro_rules! cfn {
    ({ $($key:literal : $val:tt),* $(,)? }) => {
        $crate::Value::Object({
            #[allow(unused_mut)]
            let mut m = $crate::IndexMap::new();
            $( m.insert(::std::string::String::from($key), $crate::cfn!($val)); )*
            m
        })
    };
    ([ $($val:tt),* $(,)? ]) => {
        $crate::Value::Array(vec![ $( $crate::cfn!($val) ),* ])
    };
    (null) => { $crate::Value::Null };
    ($other:expr) => { $crate::Value::from($other) };
}

/// One piece of a [`Str`]: literal text or a token.
#[derive(Clone, Debug)]
pub(crate) enum Fragment {
    Literal(String),
    Token(Token),
}

/// A string that may contain tokens.
///
/// Concatenating with `+` (or [`Str::concat`], or the [`fmt_str!`](crate::fmt_str) macro) keeps
/// the pieces, and synthesis renders the CDK's minimal `Fn::Join`: adjacent literals merged,
/// nested joins spliced, a single token rendered bare.
///
/// ```
/// use sagecdk_core::{Aws, Str};
/// let arn = Str::from("arn:") + Aws::partition() + ":iam::aws:policy/X";
/// assert!(arn.is_unresolved());
/// assert_eq!(Str::from("a") + "b", Str::from("ab"));
/// ```
#[derive(Clone, Default)]
pub struct Str {
    fragments: Vec<Fragment>,
}

impl Str {
    /// A literal string.
    pub fn literal(s: impl Into<String>) -> Self {
        let s = s.into();
        if s.is_empty() {
            return Str::default();
        }
        Str {
            fragments: vec![Fragment::Literal(s)],
        }
    }

    /// The stand-in for a value that could not be made, after the error saying why was
    /// recorded on a construct: a token that resolves to the empty string, so that property
    /// validation does not report the same failure again as an empty value. Synthesis fails on
    /// the recorded error, so the stand-in never reaches a template.
    ///
    /// ```
    /// use sagecdk_core::Str;
    /// assert!(Str::failed().is_unresolved());
    /// ```
    pub fn failed() -> Self {
        crate::Lazy::string(|_| Str::default())
    }

    /// Whether the string contains a token.
    pub fn is_unresolved(&self) -> bool {
        self.fragments
            .iter()
            .any(|f| matches!(f, Fragment::Token(_)))
    }

    /// The text, if the string has no tokens.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for f in &self.fragments {
            match f {
                Fragment::Literal(s) => out.push_str(s),
                Fragment::Token(_) => return None,
            }
        }
        Some(out)
    }

    /// Appends another string.
    pub fn concat(mut self, other: impl Into<Str>) -> Self {
        for f in other.into().fragments {
            self.push(f);
        }
        self
    }

    fn push(&mut self, f: Fragment) {
        match (self.fragments.last_mut(), f) {
            (_, Fragment::Literal(s)) if s.is_empty() => {}
            (Some(Fragment::Literal(last)), Fragment::Literal(s)) => last.push_str(&s),
            (_, f) => self.fragments.push(f),
        }
    }

    /// Converts to a [`Value`]: a literal string, the bare token, or a concatenation token.
    pub fn to_value(&self) -> Value {
        match self.fragments.as_slice() {
            [] => Value::String(String::new()),
            [Fragment::Literal(s)] => Value::String(s.clone()),
            [Fragment::Token(t)] => Value::Token(t.clone()),
            _ => Value::Token(Token::concat(self.fragments.clone())),
        }
    }
}

impl PartialEq for Str {
    /// Literal strings compare by text; strings with tokens never compare equal.
    fn eq(&self, other: &Self) -> bool {
        match (self.as_literal(), other.as_literal()) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for frag in &self.fragments {
            match frag {
                Fragment::Literal(s) => f.write_str(s)?,
                Fragment::Token(t) => write!(f, "${{{t:?}}}")?,
            }
        }
        Ok(())
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str::literal(s)
    }
}
impl From<String> for Str {
    fn from(s: String) -> Self {
        Str::literal(s)
    }
}
impl From<&String> for Str {
    fn from(s: &String) -> Self {
        Str::literal(s.clone())
    }
}
impl From<&Str> for Str {
    fn from(s: &Str) -> Self {
        s.clone()
    }
}
impl From<Token> for Str {
    fn from(t: Token) -> Self {
        Str {
            fragments: vec![Fragment::Token(t)],
        }
    }
}
impl From<&Token> for Str {
    fn from(t: &Token) -> Self {
        Str::from(t.clone())
    }
}
impl From<Str> for Value {
    fn from(s: Str) -> Self {
        s.to_value()
    }
}
impl From<&Str> for Value {
    fn from(s: &Str) -> Self {
        s.to_value()
    }
}

impl<T: Into<Str>> std::ops::Add<T> for Str {
    type Output = Str;
    fn add(self, rhs: T) -> Str {
        self.concat(rhs)
    }
}

impl<T: Into<Str>> std::ops::Add<T> for &Str {
    type Output = Str;
    fn add(self, rhs: T) -> Str {
        self.clone().concat(rhs)
    }
}

/// Formats a [`Str`] like `format!`, where each `{}` argument may be a token.
///
/// ```
/// use sagecdk_core::{fmt_str, Aws};
/// let s = fmt_str!("arn:{}:s3:::{}/*", Aws::partition(), "bucket");
/// assert!(s.is_unresolved());
/// ```
#[macro_export]
macro_rules! fmt_str {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {
        $crate::Str::format($fmt, &[$( $crate::Str::from($arg) ),*])
    };
}

impl Str {
    /// Substitutes each `{}` of `template` with the next argument (`{{` and `}}` escape braces).
    /// Missing arguments leave `{}` in place; extra arguments are appended.
    pub fn format(template: &str, args: &[Str]) -> Str {
        let mut out = Str::default();
        let mut args = args.iter();
        let mut lit = String::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek()) {
                ('{', Some('{')) | ('}', Some('}')) => {
                    lit.push(c);
                    chars.next();
                }
                ('{', Some('}')) => {
                    chars.next();
                    match args.next() {
                        Some(a) => {
                            out = out.concat(std::mem::take(&mut lit)).concat(a);
                        }
                        None => lit.push_str("{}"),
                    }
                }
                _ => lit.push(c),
            }
        }
        let mut out = out.concat(lit);
        for a in args {
            out = out.concat(a);
        }
        out
    }
}

/// A value that is either a literal `T` or a token standing for one.
#[derive(Clone, Debug)]
pub enum Tokenized<T> {
    /// A value known at synthesis time.
    Literal(T),
    /// A value known later (e.g. a `Ref` to a parameter).
    Token(Token),
}

/// A number that may be a token.
pub type Num = Tokenized<f64>;
/// A boolean that may be a token.
pub type Flag = Tokenized<bool>;
/// A list that may be a token (e.g. `Fn::GetAZs`, a `CommaDelimitedList` parameter).
pub type List<T> = Tokenized<Vec<T>>;
/// A string-keyed map that may be a token.
pub type Map<T> = Tokenized<IndexMap<String, T>>;

impl<T> Tokenized<T> {
    /// The literal, if this is one.
    pub fn literal(&self) -> Option<&T> {
        match self {
            Tokenized::Literal(v) => Some(v),
            Tokenized::Token(_) => None,
        }
    }

    /// Whether this is a token.
    pub fn is_unresolved(&self) -> bool {
        matches!(self, Tokenized::Token(_))
    }
}

impl<T> From<Token> for Tokenized<T> {
    fn from(t: Token) -> Self {
        Tokenized::Token(t)
    }
}

impl From<bool> for Flag {
    fn from(b: bool) -> Self {
        Tokenized::Literal(b)
    }
}

impl<T: Into<Str>> From<Vec<T>> for List<Str> {
    fn from(items: Vec<T>) -> Self {
        Tokenized::Literal(items.into_iter().map(Into::into).collect())
    }
}

impl<T: Clone + Into<Value>> From<Tokenized<T>> for Value {
    fn from(t: Tokenized<T>) -> Self {
        match t {
            Tokenized::Literal(v) => v.into(),
            Tokenized::Token(t) => Value::Token(t),
        }
    }
}

impl<T: Clone + Into<Value>> From<&Tokenized<T>> for Value {
    fn from(t: &Tokenized<T>) -> Self {
        t.clone().into()
    }
}
