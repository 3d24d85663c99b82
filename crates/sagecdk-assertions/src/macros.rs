//! The [`pattern!`](crate::pattern!) macro.

/// Builds a [`Pattern`](crate::Pattern) with a `serde_json::json!`-like syntax
/// in which any value may be a matcher or a [`Capture`](crate::Capture).
///
/// * objects: `{ "Key": value, ... }` — keys are string literals, or any
///   expression convertible into `String` in parentheses;
/// * arrays: `[value, ...]`;
/// * `null`;
/// * any other expression is converted with `Pattern::from`: string, number and
///   boolean literals, `serde_json::Value`s, `Match::*` matchers, `&Capture`s,
///   or other patterns.
///
/// ```
/// use sagecdk_assertions::{pattern, Capture, Match};
/// use serde_json::json;
///
/// let image = Capture::new();
/// let key = "Mode";
/// let p = pattern!({
///     "PrimaryContainer": { "Image": &image, (key): "SingleModel" },
///     "VpcConfig": Match::absent(),
///     "Tags": [{ "Key": "team", "Value": Match::any_value() }],
///     "Description": null,
/// });
/// p.check(&json!({
///     "PrimaryContainer": { "Image": "repo:1", "Mode": "SingleModel" },
///     "Tags": [{ "Key": "team", "Value": "ml" }],
///     "Description": null,
/// }))
/// .unwrap();
/// assert_eq!(image.as_string().unwrap(), "repo:1");
/// ```
#[macro_export]
macro_rules! pattern {
    (null) => {
        $crate::Pattern::null()
    };
    ([]) => {
        $crate::Pattern::array(::std::vec::Vec::<$crate::Pattern>::new())
    };
    ([ $($tt:tt)+ ]) => {
        $crate::Pattern::array($crate::__pattern_array!(@acc [] $($tt)+))
    };
    ({}) => {
        $crate::Pattern::object(::std::vec::Vec::<(::std::string::String, $crate::Pattern)>::new())
    };
    ({ $($tt:tt)+ }) => {{
        let mut entries: ::std::vec::Vec<(::std::string::String, $crate::Pattern)> = ::std::vec::Vec::new();
        $crate::__pattern_object!(entries; $($tt)+);
        $crate::Pattern::object(entries)
    }};
    ($other:expr) => {
        $crate::Pattern::from($other)
    };
}

/// Implementation detail of [`pattern!`]: array elements.
#[doc(hidden)]
#[macro_export]
macro_rules! __pattern_array {
    (@acc [$($e:expr),*]) => {
        ::std::vec![$($e),*]
    };
    (@acc [$($e:expr),*] null $(, $($rest:tt)*)?) => {
        $crate::__pattern_array!(@acc [$($e,)* $crate::Pattern::null()] $($($rest)*)?)
    };
    (@acc [$($e:expr),*] [$($inner:tt)*] $(, $($rest:tt)*)?) => {
        $crate::__pattern_array!(@acc [$($e,)* $crate::pattern!([$($inner)*])] $($($rest)*)?)
    };
    (@acc [$($e:expr),*] {$($inner:tt)*} $(, $($rest:tt)*)?) => {
        $crate::__pattern_array!(@acc [$($e,)* $crate::pattern!({$($inner)*})] $($($rest)*)?)
    };
    (@acc [$($e:expr),*] $next:expr, $($rest:tt)*) => {
        $crate::__pattern_array!(@acc [$($e,)* $crate::Pattern::from($next)] $($rest)*)
    };
    (@acc [$($e:expr),*] $last:expr) => {
        $crate::__pattern_array!(@acc [$($e,)* $crate::Pattern::from($last)])
    };
}

/// Implementation detail of [`pattern!`]: object entries.
#[doc(hidden)]
#[macro_export]
macro_rules! __pattern_object {
    ($entries:ident;) => {};
    ($entries:ident; $key:tt : null $(, $($rest:tt)*)?) => {
        $entries.push((::std::string::String::from($key), $crate::Pattern::null()));
        $crate::__pattern_object!($entries; $($($rest)*)?);
    };
    ($entries:ident; $key:tt : [$($inner:tt)*] $(, $($rest:tt)*)?) => {
        $entries.push((::std::string::String::from($key), $crate::pattern!([$($inner)*])));
        $crate::__pattern_object!($entries; $($($rest)*)?);
    };
    ($entries:ident; $key:tt : {$($inner:tt)*} $(, $($rest:tt)*)?) => {
        $entries.push((::std::string::String::from($key), $crate::pattern!({$($inner)*})));
        $crate::__pattern_object!($entries; $($($rest)*)?);
    };
    ($entries:ident; $key:tt : $value:expr, $($rest:tt)*) => {
        $entries.push((::std::string::String::from($key), $crate::Pattern::from($value)));
        $crate::__pattern_object!($entries; $($rest)*);
    };
    ($entries:ident; $key:tt : $value:expr) => {
        $entries.push((::std::string::String::from($key), $crate::Pattern::from($value)));
    };
}
