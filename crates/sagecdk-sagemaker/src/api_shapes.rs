//! Checks a job request against the SageMaker API model before it goes into a state machine
//! (where nothing checks it until an execution fails): the shapes in `api_shapes.json` are
//! extracted from botocore's service description by `sagecdk-api-gen`.
//!
//! Values holding tokens (placeholders) and JSONPath parameters (`Name.$`) are checked for
//! presence only.

use serde_json::{Map, Value};
use std::sync::OnceLock;

/// The extracted shapes, parsed on first use.
fn shapes() -> &'static Map<String, Value> {
    static SHAPES: OnceLock<Map<String, Value>> = OnceLock::new();
    SHAPES.get_or_init(|| {
        let model: Value = serde_json::from_str(include_str!("api_shapes.json"))
            .unwrap_or_else(|_| Value::Object(Map::new()));
        model["shapes"].as_object().cloned().unwrap_or_default()
    })
}

/// The problems of `request` as a `shape` (`CreateTransformJobRequest`), each naming the
/// parameter's path and the rule.
pub(crate) fn check(shape: &str, request: &Value) -> Vec<String> {
    let operation = shape.trim_end_matches("Request");
    let mut problems = Vec::new();
    Checker {
        operation,
        problems: &mut problems,
    }
    .value(shape, request, "");
    problems
}

struct Checker<'a> {
    operation: &'a str,
    problems: &'a mut Vec<String>,
}

impl Checker<'_> {
    fn problem(&mut self, path: &str, rule: String) {
        let path = if path.is_empty() { "request" } else { path };
        self.problems
            .push(format!("{path} {rule} (SageMaker API {})", self.operation));
    }

    fn value(&mut self, shape_name: &str, value: &Value, path: &str) {
        let Some(shape) = shapes().get(shape_name) else {
            return;
        };
        if is_placeholder(value) {
            return;
        }
        match shape["type"].as_str().unwrap_or_default() {
            "structure" => self.structure(shape, value, path),
            "list" => match value.as_array() {
                Some(items) => {
                    self.bounds(shape, items.len() as f64, path, "items");
                    let member = shape["member"].as_str().unwrap_or_default();
                    for (i, item) in items.iter().enumerate() {
                        self.value(member, item, &format!("{path}[{i}]"));
                    }
                }
                None => self.problem(path, "must be a list".into()),
            },
            "map" => match value.as_object() {
                Some(entries) => {
                    self.bounds(shape, entries.len() as f64, path, "entries");
                    let key = shape["key"].as_str().unwrap_or_default();
                    let val = shape["value"].as_str().unwrap_or_default();
                    for (k, v) in entries {
                        let entry = format!("{path}.{k}");
                        self.value(key, &Value::String(k.clone()), &format!("{entry} (key)"));
                        self.value(val, v, &entry);
                    }
                }
                None => self.problem(path, "must be an object".into()),
            },
            "string" => match value.as_str() {
                Some(text) => self.string(shape, text, path),
                None => self.problem(path, "must be a string".into()),
            },
            "integer" | "long" => match value.as_f64() {
                Some(n) if n.fract() == 0.0 => self.bounds(shape, n, path, ""),
                _ => self.problem(path, format!("must be a whole number, got {value}")),
            },
            "float" | "double" => match value.as_f64() {
                Some(n) => self.bounds(shape, n, path, ""),
                None => self.problem(path, format!("must be a number, got {value}")),
            },
            "boolean" if !value.is_boolean() => {
                self.problem(path, format!("must be true or false, got {value}"));
            }
            _ => {}
        }
    }

    fn structure(&mut self, shape: &Value, value: &Value, path: &str) {
        let Some(fields) = value.as_object() else {
            self.problem(path, "must be an object".into());
            return;
        };
        let members = shape["members"].as_object();
        let join = |name: &str| {
            if path.is_empty() {
                name.to_string()
            } else {
                format!("{path}.{name}")
            }
        };
        let present =
            |name: &str| fields.contains_key(name) || fields.contains_key(&format!("{name}.$"));
        for (key, field) in fields {
            let (name, by_path) = match key.strip_suffix(".$") {
                Some(name) => (name, true),
                None => (key.as_str(), false),
            };
            match members.and_then(|m| m.get(name)).and_then(Value::as_str) {
                Some(member) if !by_path => self.value(member, field, &join(name)),
                Some(_) => {}
                None => self.problem(&join(name), "is not a parameter of the request".into()),
            }
        }
        for required in shape["required"].as_array().into_iter().flatten() {
            if let Some(name) = required.as_str()
                && !present(name)
            {
                self.problem(&join(name), "is required".into());
            }
        }
        if shape["union"].as_bool() == Some(true) && fields.len() != 1 {
            let names: Vec<&str> = members
                .map(|m| m.keys().map(String::as_str).collect())
                .unwrap_or_default();
            self.problem(
                path,
                format!(
                    "must set exactly one of {}, found {}",
                    names.join(", "),
                    fields.len()
                ),
            );
        }
    }

    fn string(&mut self, shape: &Value, text: &str, path: &str) {
        if text.contains(PLACEHOLDER) {
            return;
        }
        if let Some(allowed) = shape["enum"].as_array()
            && !allowed.iter().any(|a| a.as_str() == Some(text))
        {
            let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
            self.problem(
                path,
                format!("must be one of {}, got '{text}'", names.join(", ")),
            );
            return;
        }
        self.bounds(shape, text.chars().count() as f64, path, "characters");
        if let Some(pattern) = shape["pattern"].as_str()
            // Patterns in Java's dialect that the regex crate does not read (lookbehind,
            // POSIX classes) are left to the service.
            && let Ok(re) = regex::Regex::new(&format!("^(?:{pattern})$"))
            && !re.is_match(text)
        {
            self.problem(
                path,
                format!("'{text}' does not match the pattern {pattern}"),
            );
        }
    }

    /// Checks `n` (a value, or a count of `unit`) against the shape's `min` and `max`.
    fn bounds(&mut self, shape: &Value, n: f64, path: &str, unit: &str) {
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        if let Some(min) = shape["min"].as_f64()
            && n < min
        {
            self.problem(path, format!("must be at least {min}{unit}, got {n}"));
        }
        if let Some(max) = shape["max"].as_f64()
            && n > max
        {
            self.problem(path, format!("must be at most {max}{unit}, got {n}"));
        }
    }
}

/// What marks a token in a request (see `job::Parameters`).
const PLACEHOLDER: &str = "@@sagecdk:";

fn is_placeholder(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.contains(PLACEHOLDER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn transform(overrides: Value) -> Value {
        let mut request = json!({
            "ModelName": "m",
            "TransformJobName.$": "States.UUID()",
            "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}},
            "TransformOutput": {"S3OutputPath": "s3://b/out"},
            "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1}
        });
        if let (Some(r), Some(o)) = (request.as_object_mut(), overrides.as_object()) {
            for (k, v) in o {
                r.insert(k.clone(), v.clone());
            }
        }
        request
    }

    #[test]
    fn a_valid_request_passes_and_json_path_names_count_as_present() {
        assert!(shapes().len() > 100, "the extracted shapes are embedded");
        assert_eq!(
            check("CreateTransformJobRequest", &transform(json!({}))),
            Vec::<String>::new()
        );
    }

    #[test]
    fn every_rule_is_reported_with_the_parameter_path() {
        let request = transform(json!({
            "ModelName": "@@sagecdk:3@@",
            "BatchStrategy": "AllAtOnce",
            "MaxPayloadInMB": 1.5,
            "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 0},
            "Environment": {"bad key!": "x"},
            "DataProcessing": {"JoinSource": "Input", "InputFilter": 3},
            "Unknown": true
        }));
        let mut problems = check("CreateTransformJobRequest", &request);
        problems.sort();
        assert_eq!(
            problems,
            [
                "BatchStrategy must be one of MultiRecord, SingleRecord, got 'AllAtOnce' (SageMaker API CreateTransformJob)",
                "DataProcessing.InputFilter must be a string (SageMaker API CreateTransformJob)",
                "Environment.bad key! (key) 'bad key!' does not match the pattern [a-zA-Z_][a-zA-Z0-9_]{0,1023} (SageMaker API CreateTransformJob)",
                "MaxPayloadInMB must be a whole number, got 1.5 (SageMaker API CreateTransformJob)",
                "TransformResources.InstanceCount must be at least 1, got 0 (SageMaker API CreateTransformJob)",
                "Unknown is not a parameter of the request (SageMaker API CreateTransformJob)",
            ]
        );
        let missing = check("CreateTrainingJobRequest", &json!({"TrainingJobName": "a"}));
        assert!(
            missing.contains(&"RoleArn is required (SageMaker API CreateTrainingJob)".to_string()),
            "{missing:?}"
        );
    }
}
