//! JSON text exactly as JavaScript's `JSON.stringify(value, undefined, indent)` writes it.
//!
//! The AWS CDK writes every cloud assembly file with `JSON.stringify`, so byte-identical output
//! needs its rules, which differ from `serde_json`'s pretty printer in four places:
//!
//! * the indent is configurable (1 space for templates, 2 for manifests, none for `tree.json`);
//! * numbers use ECMAScript `Number::toString` (`1e+21`, `1.5e-7`, `2` for `2.0`, `0` for `-0`);
//! * object keys that are canonical array indices (`"0"`, `"17"`, …) come first, in numeric
//!   order, before the other keys in insertion order — that is how JavaScript objects iterate;
//! * control characters are escaped as lowercase `\u00xx`, and `/` and non-ASCII are left alone.
//!
//! ```
//! use sagecdk_assembly::json::to_js_json;
//! let v = serde_json::json!({"b": 1.0, "10": true, "a": [1e21, 1.5e-7]});
//! assert_eq!(to_js_json(&v, 0), r#"{"10":true,"b":1,"a":[1e+21,1.5e-7]}"#);
//! ```

use serde_json::{Number, Value};
use std::fmt::Write as _;

/// Serializes `value` like `JSON.stringify(value, undefined, indent)`.
///
/// `indent == 0` gives the compact form. No trailing newline is written, as in the CDK.
pub fn to_js_json(value: &Value, indent: usize) -> String {
    let mut out = String::with_capacity(256);
    write_value(&mut out, value, indent, 0);
    out
}

/// Appends `value` as it would appear nested `depth` levels deep in a document written with
/// `indent` (for writers that stream a document without building it first).
pub fn write_js_json(out: &mut String, value: &Value, indent: usize, depth: usize) {
    write_value(out, value, indent, depth);
}

fn write_value(out: &mut String, value: &Value, indent: usize, depth: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_value(out, item, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            let mut write_entry = |i: usize, key: &String, item: &Value| {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_string(out, key);
                out.push(':');
                if indent > 0 {
                    out.push(' ');
                }
                write_value(out, item, indent, depth + 1);
            };
            // Reordering is only needed when a key can be an array index.
            if map
                .keys()
                .any(|k| k.starts_with(|c: char| c.is_ascii_digit()))
            {
                for (i, (key, item)) in js_key_order(map).into_iter().enumerate() {
                    write_entry(i, key, item);
                }
            } else {
                for (i, (key, item)) in map.iter().enumerate() {
                    write_entry(i, key, item);
                }
            }
            newline(out, indent, depth);
            out.push('}');
        }
    }
}

fn newline(out: &mut String, indent: usize, depth: usize) {
    const SPACES: &str = "                                                                ";
    if indent > 0 {
        out.push('\n');
        let mut n = indent * depth;
        while n > 0 {
            let k = n.min(SPACES.len());
            out.push_str(&SPACES[..k]);
            n -= k;
        }
    }
}

/// The iteration order of a JavaScript object built by inserting the keys of `entries` in
/// order: canonical array indices first, in numeric order, then the other keys as inserted.
pub fn js_key_order<'m, V>(
    entries: impl IntoIterator<Item = (&'m String, &'m V)>,
) -> Vec<(&'m String, &'m V)> {
    let mut indices: Vec<(u32, (&String, &V))> = Vec::new();
    let mut others = Vec::new();
    for entry in entries {
        match array_index(entry.0) {
            Some(i) => indices.push((i, entry)),
            None => others.push(entry),
        }
    }
    if indices.is_empty() {
        return others;
    }
    indices.sort_by_key(|(i, _)| *i);
    indices.into_iter().map(|(_, e)| e).chain(others).collect()
}

/// A canonical array index per ECMAScript: `"0"` or no leading zero, below 2³² − 1.
fn array_index(key: &str) -> Option<u32> {
    if key.is_empty() || key.len() > 10 || (key.len() > 1 && key.starts_with('0')) {
        return None;
    }
    if !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = key.parse().ok()?;
    if n < u64::from(u32::MAX) {
        u32::try_from(n).ok()
    } else {
        None
    }
}

/// Appends `s` as a JSON string literal, escaped like `JSON.stringify`.
pub fn write_string(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    if !needs_escaping(bytes) {
        // Nearly every string of a template: copied whole.
        out.reserve(bytes.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    out.push('"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b if b < 0x20 => "",
            _ => continue,
        };
        // Runs of characters that need no escaping are copied whole; every byte matched above
        // is ASCII, so the slice boundaries are character boundaries.
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Whether any byte of `bytes` must be escaped in a JSON string. Checked a block at a time
/// without stopping early inside one, which the compiler turns into vector instructions.
fn needs_escaping(bytes: &[u8]) -> bool {
    const BLOCK: usize = 16;
    let special = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    let mut blocks = bytes.chunks_exact(BLOCK);
    let in_blocks = blocks
        .by_ref()
        .any(|block| block.iter().fold(false, |found, &b| found | special(b)));
    in_blocks || blocks.remainder().iter().any(|&b| special(b))
}

fn write_number(out: &mut String, n: &Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        // JavaScript numbers are doubles: very large integers print as the double would.
        out.push_str(&js_number(u as f64));
    } else if let Some(f) = n.as_f64() {
        out.push_str(&js_number(f));
    } else {
        out.push_str("null");
    }
}

/// Formats a double as ECMAScript `Number.prototype.toString()` does.
///
/// ```
/// use sagecdk_assembly::json::js_number;
/// assert_eq!(js_number(100000.0), "100000");
/// assert_eq!(js_number(0.5), "0.5");
/// assert_eq!(js_number(1e21), "1e+21");
/// assert_eq!(js_number(1.5e-7), "1.5e-7");
/// assert_eq!(js_number(-0.0), "0");
/// ```
pub fn js_number(x: f64) -> String {
    if x.is_nan() || x.is_infinite() {
        // JSON.stringify writes non-finite numbers as null.
        return "null".to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    // Rust's `{:e}` gives the shortest round-trip digits, like ECMAScript requires.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i64;
    let n = exp.parse::<i64>().unwrap_or(0) + 1;
    let body = if k <= n && n <= 21 {
        let mut s = digits.clone();
        s.extend(std::iter::repeat_n('0', (n - k) as usize));
        s
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        format!("{int}.{frac}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{}", "0".repeat((-n) as usize), digits)
    } else {
        let e = n - 1;
        let esign = if e < 0 { '-' } else { '+' };
        if k == 1 {
            format!("{digits}e{esign}{}", e.abs())
        } else {
            format!("{}.{}e{esign}{}", &digits[..1], &digits[1..], e.abs())
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every character that needs escaping is found at any position, inside the blocks the
    /// fast check reads or in the rest after them.
    #[test]
    fn strings_are_escaped_wherever_the_character_is() {
        for len in 0..40 {
            for at in 0..len {
                for special in ['"', '\\', '\n', '\u{1}', '\u{1f}'] {
                    let mut text: Vec<char> = "abcdéfghijklmnopqrstuvwxyz0123456789ABCDE"
                        .chars()
                        .take(len)
                        .collect();
                    text[at] = special;
                    let text: String = text.into_iter().collect();
                    let mut out = String::new();
                    write_string(&mut out, &text);
                    assert_eq!(out, serde_json::to_string(&text).unwrap(), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn numbers_follow_ecmascript() {
        let cases = [
            (1.0, "1"),
            (123.456, "123.456"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.25e22, "1.25e+22"),
            (0.000001, "0.000001"),
            (0.0000001, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (-2.5, "-2.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ];
        for (x, want) in cases {
            assert_eq!(js_number(x), want, "{x}");
        }
    }

    #[test]
    fn integer_keys_come_first() {
        let v: Value = serde_json::from_str(r#"{"b":1,"2":2,"a":3,"01":4,"1":5,"4294967295":6}"#)
            .expect("valid json");
        assert_eq!(
            to_js_json(&v, 0),
            r#"{"1":5,"2":2,"b":1,"a":3,"01":4,"4294967295":6}"#
        );
    }

    #[test]
    fn indentation_matches_json_stringify() {
        let v = json!({"a": [], "b": {}, "c": [1, {"d": "x"}]});
        assert_eq!(
            to_js_json(&v, 1),
            "{\n \"a\": [],\n \"b\": {},\n \"c\": [\n  1,\n  {\n   \"d\": \"x\"\n  }\n ]\n}"
        );
        assert_eq!(to_js_json(&json!([]), 2), "[]");
    }

    #[test]
    fn strings_escape_like_javascript() {
        let v = json!("a\"b\\c\n\u{1}/é\u{7f}\u{2028}");
        assert_eq!(
            to_js_json(&v, 0),
            "\"a\\\"b\\\\c\\n\\u0001/é\u{7f}\u{2028}\""
        );
    }
}
