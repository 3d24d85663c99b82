//! Small JSON helpers shared by the matchers and the failure renderer.

use serde_json::Value;

/// The JSON type name of an optional value, `undefined` meaning "absent".
pub(crate) fn type_name(value: Option<&Value>) -> &'static str {
    match value {
        None => "undefined",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "array",
        Some(Value::Object(_)) => "object",
    }
}

/// Formats a number like JavaScript does for the common cases (integral floats
/// print without a fractional part).
pub(crate) fn number_text(n: &serde_json::Number) -> String {
    if n.is_f64()
        && let Some(f) = n.as_f64()
        && f.is_finite()
        && f.fract() == 0.0
        && f.abs() < 1e21
    {
        return format!("{f:.0}");
    }
    n.to_string()
}

/// Renders a value the way string interpolation would: strings without quotes,
/// everything else as compact JSON, absent values as `undefined`.
pub(crate) fn display(value: Option<&Value>) -> String {
    match value {
        None => "undefined".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => compact(Some(other)),
    }
}

/// Compact JSON (`undefined` for absent values).
pub(crate) fn compact(value: Option<&Value>) -> String {
    match value {
        None => "undefined".to_owned(),
        Some(Value::Number(n)) => number_text(n),
        Some(v) => serde_json::to_string(v).unwrap_or_else(|_| "<unserializable>".to_owned()),
    }
}

/// Pretty (2-space indented) JSON (`undefined` for absent values).
pub(crate) fn pretty(value: Option<&Value>) -> String {
    match value {
        None => "undefined".to_owned(),
        Some(Value::Number(n)) => number_text(n),
        Some(v) => {
            serde_json::to_string_pretty(v).unwrap_or_else(|_| "<unserializable>".to_owned())
        }
    }
}

/// JSON-encodes a string (with quotes).
pub(crate) fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Compares two scalar JSON values; numbers compare by numeric value so that
/// `1` and `1.0` are equal.
pub(crate) fn scalar_eq(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Number(a), Value::Number(b)) => {
            if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
                x == y
            } else if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
                x == y
            } else {
                a.as_f64() == b.as_f64()
            }
        }
        _ => expected == actual,
    }
}

/// Adds `pad` spaces in front of every line of `text`.
pub(crate) fn left_pad(text: &str, pad: usize) -> String {
    let pad = " ".repeat(pad);
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_render_like_javascript() {
        assert_eq!(compact(Some(&json!(1.0))), "1");
        assert_eq!(compact(Some(&json!(1.5))), "1.5");
        assert_eq!(compact(Some(&json!(-3))), "-3");
        assert_eq!(display(Some(&json!("abc"))), "abc");
        assert_eq!(display(None), "undefined");
    }

    #[test]
    fn numeric_equality_ignores_representation() {
        assert!(scalar_eq(&json!(1), &json!(1.0)));
        assert!(!scalar_eq(&json!(1), &json!(2)));
        assert!(!scalar_eq(&json!("1"), &json!(1)));
    }
}
