//! Rust names for CloudFormation names.

/// Rust keywords (strict and reserved) that cannot be used as plain identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// `snake_case` of a CloudFormation name: `RoleARN` → `role_arn`, `VPCConfig` → `vpc_config`,
/// `S3Uri` → `s3_uri`, `ml.m5.large` → `ml_m5_large`.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            let boundary = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower);
            if boundary && !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() {
        "value".to_string()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("v_{out}")
    } else {
        out
    }
}

/// A field or method name: `snake_case`, raw when it is a keyword (`r#type`).
pub fn field_ident(name: &str) -> String {
    let s = snake(name);
    if matches!(s.as_str(), "self" | "super" | "crate") {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// A module name (also a file name): `snake_case`, with `_` appended to keywords.
pub fn module_ident(name: &str) -> String {
    let s = snake(name);
    if KEYWORDS.contains(&s.as_str()) {
        format!("{s}_")
    } else {
        s
    }
}

/// An identifier without the raw prefix, for building method names (`with_type`).
pub fn bare(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// `UPPER_SNAKE` constant name for an enum value.
pub fn constant(value: &str) -> String {
    let s = snake(value).to_ascii_uppercase();
    if value.is_empty() { "EMPTY".into() } else { s }
}

/// `PascalCase` type name: keeps inner capitals, capitalizes each alphanumeric run.
pub fn pascal(name: &str) -> String {
    let mut out = String::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut cs = part.chars();
        if let Some(first) = cs.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(cs);
        }
    }
    if out.is_empty() {
        "Property".into()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("T{out}")
    } else {
        out
    }
}

/// The module of a service: `AWS::SageMaker` → `sagemaker`, `AWS::ApplicationAutoScaling` →
/// `application_auto_scaling`.
pub fn service_module(service: &str) -> String {
    match service {
        "SageMaker" => "sagemaker".into(),
        "CloudWatch" => "cloudwatch".into(),
        "DynamoDB" => "dynamodb".into(),
        "CloudFormation" => "cloudformation".into(),
        "CloudFront" => "cloudfront".into(),
        "CloudTrail" => "cloudtrail".into(),
        "OpenSearchService" => "opensearchservice".into(),
        other => module_ident(other),
    }
}

/// Makes `candidate` unique among `used` by appending a counter, and records it.
pub fn unique(used: &mut std::collections::BTreeSet<String>, candidate: String) -> String {
    let mut name = candidate.clone();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{candidate}{n}");
        n += 1;
    }
    used.insert(name.clone());
    name
}

/// One short line of documentation: the first sentence of `text`, escaped for Markdown.
pub fn doc_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut end = flat.len();
    for (i, _) in flat.match_indices(". ") {
        // Skip abbreviations like "e.g. " and "i.e. ".
        let before = &flat[..i];
        if before.ends_with("e.g") || before.ends_with("i.e") || before.ends_with("etc") {
            continue;
        }
        end = i + 1;
        break;
    }
    let mut first = flat[..end].trim().to_string();
    if first.chars().count() > 160 {
        let cut: String = first.chars().take(157).collect();
        let cut = match cut.rfind(' ') {
            Some(p) if p > 80 => cut[..p].to_string(),
            _ => cut,
        };
        first = format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']));
    }
    let mut out = String::new();
    for c in first.chars() {
        match c {
            '[' | ']' | '<' | '>' | '*' | '_' | '`' | '#' | '|' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_cases() {
        assert_eq!(snake("RoleARN"), "role_arn");
        assert_eq!(snake("VPCConfig"), "vpc_config");
        assert_eq!(snake("S3Uri"), "s3_uri");
        assert_eq!(snake("EnableNetworkIsolation"), "enable_network_isolation");
        assert_eq!(snake("KMSKeyId"), "kms_key_id");
        assert_eq!(snake("Ipv6CidrBlock"), "ipv6_cidr_block");
        assert_eq!(snake("ml.m5.large"), "ml_m5_large");
        assert_eq!(field_ident("Type"), "r#type");
        assert_eq!(module_ident("Type"), "type_");
        assert_eq!(
            constant("GreaterThanOrEqualToThreshold"),
            "GREATER_THAN_OR_EQUAL_TO_THRESHOLD"
        );
        assert_eq!(constant("1.0"), "V_1_0");
        assert_eq!(
            service_module("ApplicationAutoScaling"),
            "application_auto_scaling"
        );
        assert_eq!(service_module("SageMaker"), "sagemaker");
    }

    #[test]
    fn doc_lines_are_first_sentences() {
        assert_eq!(doc_line("The name. More text."), "The name.");
        assert_eq!(doc_line("Use e.g. this. Then"), "Use e.g. this.");
        assert_eq!(doc_line("A [link](x) <b>"), "A \\[link\\](x) \\<b\\>");
    }
}
