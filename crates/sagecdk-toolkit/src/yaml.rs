//! Templates as YAML, readable the same way by every YAML parser: a string that a YAML 1.1
//! parser (CloudFormation's, PyYAML, cfn-lint) would read as another type — `2012-10-17` (a
//! date), `yes`/`off` (booleans), `0777` (octal), `1:20` (sexagesimal), `1e3` — is quoted, as the
//! AWS CDK CLI does (`Version: "2012-10-17"`).

use serde_json::Value;
use std::fmt::Write;

/// `value` as a YAML document in block style (two-space indentation, lists under their key).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_list(&mut out, items, 0),
        scalar => {
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
    out
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    for (key, value) in map {
        out.push_str(&" ".repeat(indent));
        out.push_str(&string_text(key));
        out.push(':');
        write_value(out, value, indent, true);
    }
}

fn write_list(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        write_value(out, item, indent, false);
    }
}

/// Writes a value after `key:` (`in_map`) or `-`, at the parent's `indent`.
fn write_value(out: &mut String, value: &Value, indent: usize, in_map: bool) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            if in_map {
                out.push('\n');
                write_map(out, map, indent + 2);
            } else {
                // The first key on the dash's line, the others aligned with it.
                let mut inner = String::new();
                write_map(&mut inner, map, indent + 2);
                out.push(' ');
                out.push_str(inner.trim_start());
            }
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_list(out, items, indent + 2);
        }
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_text(s),
        Value::Array(_) => "[]".to_string(),
        Value::Object(_) => "{}".to_string(),
    }
}

/// A string plain when every YAML parser reads it back as that string, double-quoted
/// otherwise.
fn string_text(s: &str) -> String {
    if is_plain_safe(s) {
        return s.to_string();
    }
    let mut quoted = String::with_capacity(s.len() + 2);
    quoted.push('"');
    for c in s.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(quoted, "\\x{:02x}", c as u32);
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Words YAML 1.1 or 1.2 reads as null or booleans.
const SPECIAL_WORDS: &[&str] = &[
    "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n",
];

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if SPECIAL_WORDS.contains(&s.to_ascii_lowercase().as_str()) {
        return false;
    }
    // Indicators that start something else than a plain scalar.
    if "-?:,[]{}#&*!|>'\"%@` ".contains(first) {
        return false;
    }
    if s.ends_with(' ') || s.ends_with(':') || s.contains(": ") || s.contains(" #") {
        return false;
    }
    if s.chars().any(|c| c.is_control() || c == '\u{feff}') {
        return false;
    }
    !looks_numeric_or_temporal(s)
}

/// Whether a YAML 1.1 or 1.2 resolver might read `s` as a number, a date or a time: anything
/// made only of digits, signs, dots, colons, dashes, underscores, `e`/`E`/`x`/`o`/`b`, hex
/// digits after `0x`, `T`/`Z`/spaces of timestamps, or `.inf`/`.nan`. (Conservative: some of
/// these are quoted without need.)
fn looks_numeric_or_temporal(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let trimmed = lower.trim_start_matches(['+', '-']);
    if matches!(trimmed, ".inf" | ".nan") {
        return true;
    }
    if !s.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c)) {
        return false;
    }
    lower
        .chars()
        .all(|c| c.is_ascii_hexdigit() || "+-.:_eEoObBxXtTzZ ".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_other_parsers_would_retype_are_quoted() {
        let doc = json!({
            "Version": "2012-10-17",
            "Yes": "yes",
            "Octal": "0777",
            "Time": "1:20",
            "Exp": "1e3",
            "Empty": "",
            "Colon": "a: b",
            "Star": "*",
            "Arn": "arn:aws:s3:::bucket/*",
            "Plain": "hello world",
            "Number": 12,
            "Bool": true,
            "Null": null,
            "Multi": "line 1\nline \"2\"",
        });
        let yaml = to_yaml(&doc);
        for expected in [
            "Version: \"2012-10-17\"\n",
            "\"Yes\": \"yes\"\n",
            "Octal: \"0777\"\n",
            "Time: \"1:20\"\n",
            "Exp: \"1e3\"\n",
            "Empty: \"\"\n",
            "Colon: \"a: b\"\n",
            "Star: \"*\"\n",
            "Arn: arn:aws:s3:::bucket/*\n",
            "Plain: hello world\n",
            "Number: 12\n",
            "Bool: true\n",
            "\"Null\": null\n",
            "Multi: \"line 1\\nline \\\"2\\\"\"\n",
        ] {
            assert!(yaml.contains(expected), "{expected:?} missing from\n{yaml}");
        }
        // Read back by a YAML parser: the same document.
        let back: Value = serde_norway::from_str(&yaml).expect("YAML");
        assert_eq!(back, doc);
    }

    #[test]
    fn nesting_reads_back_as_written() {
        let doc = json!({
            "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
                "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [
                    {"Action": ["s3:GetObject", "s3:List*"], "Effect": "Allow", "Resource": "*"}
                ]}}],
                "Tags": [],
                "Empty": {},
                "Lists": [[1, 2], ["a"]],
                "Join": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}]]}
            }}}
        });
        let yaml = to_yaml(&doc);
        let back: Value = serde_norway::from_str(&yaml).expect("YAML");
        assert_eq!(back, doc, "\n{yaml}");
    }
}
