//! Reading a template's text as CloudFormation does: JSON, or YAML with its short-form
//! intrinsic functions (`!Ref x`, `!GetAtt a.b`, `!Sub '…'`, `!If [...]`…) turned into their
//! long forms (`{"Ref": "x"}`, `{"Fn::GetAtt": ["a", "b"]}`…).

use serde_json::{Map, Value};

/// The template in `text`, JSON or YAML; the message says why neither reads it.
pub fn parse_template(text: &str) -> Result<Value, String> {
    if let Ok(json) = serde_json::from_str::<Value>(text) {
        return Ok(json);
    }
    let yaml: serde_norway::Value =
        serde_norway::from_str(text).map_err(|e| format!("neither JSON nor YAML ({e})"))?;
    to_json(yaml)
}

fn to_json(value: serde_norway::Value) -> Result<Value, String> {
    use serde_norway::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).map_err(|e| e.to_string())?,
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    other => return Err(format!("a mapping key that is not a scalar: {other:?}")),
                };
                out.insert(key, to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = to_json(tagged.value)?;
            let (function, argument) = match name {
                "Ref" | "Condition" => (name.to_string(), inner),
                // `!GetAtt Resource.Attribute` is the list form's shorthand.
                "GetAtt" => match inner {
                    Value::String(s) => match s.split_once('.') {
                        Some((resource, attribute)) => (
                            "Fn::GetAtt".to_string(),
                            Value::Array(vec![resource.into(), attribute.into()]),
                        ),
                        None => return Err(format!("!GetAtt {s} is not Resource.Attribute")),
                    },
                    list => ("Fn::GetAtt".to_string(), list),
                },
                other => (format!("Fn::{other}"), inner),
            };
            let mut object = Map::new();
            object.insert(function, argument);
            Value::Object(object)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_short_forms_read_as_their_long_forms() {
        let yaml = r#"AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub '${AWS::StackName}-role'
      Path: !If [IsProd, /prod/, !Ref AWS::NoValue]
      Arn: !GetAtt Other.Arn
      Parts: !Join ['', [!Ref AWS::Partition, ':x']]
      Version: 2012-10-17
"#;
        let template = parse_template(yaml).expect("yaml");
        assert_eq!(
            template["Resources"]["Role"]["Properties"],
            json!({
                "RoleName": {"Fn::Sub": "${AWS::StackName}-role"},
                "Path": {"Fn::If": ["IsProd", "/prod/", {"Ref": "AWS::NoValue"}]},
                "Arn": {"Fn::GetAtt": ["Other", "Arn"]},
                "Parts": {"Fn::Join": ["", [{"Ref": "AWS::Partition"}, ":x"]]},
                "Version": "2012-10-17"
            })
        );
        assert_eq!(parse_template("{\"a\": 1}").expect("json"), json!({"a": 1}));
        assert!(
            parse_template("a: [")
                .expect_err("bad")
                .starts_with("neither JSON nor YAML")
        );
    }
}
