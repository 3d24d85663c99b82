//! `Capture` behaviour.

use sagecdk_assertions::{Capture, CaptureError, Match, Pattern, Template, pattern};
use serde_json::json;

fn template() -> Template {
    Template::from_json(json!({
        "Resources": {
            "ModelA": {
                "Type": "AWS::SageMaker::Model",
                "Properties": { "ModelName": "a", "Containers": [{ "Image": "img:a" }], "EnableNetworkIsolation": true }
            },
            "ModelB": {
                "Type": "AWS::SageMaker::Model",
                "Properties": { "ModelName": "b", "Containers": [{ "Image": "img:b" }], "EnableNetworkIsolation": false }
            }
        }
    }))
}

#[test]
fn captures_one_value_per_matching_resource() -> Result<(), Box<dyn std::error::Error>> {
    let name = Capture::new();
    template()
        .all_resources_properties("AWS::SageMaker::Model", pattern!({ "ModelName": &name }))?;
    assert_eq!(name.len(), 2);
    assert_eq!(name.as_string()?, "a");
    assert!(name.next());
    assert_eq!(name.as_string()?, "b");
    assert!(!name.next());
    assert_eq!(name.as_string()?, "b", "stays on the last value");
    assert_eq!(name.values(), vec![json!("a"), json!("b")]);
    Ok(())
}

#[test]
fn typed_accessors() -> Result<(), Box<dyn std::error::Error>> {
    let containers = Capture::new();
    let isolation = Capture::new();
    let whole = Capture::new();
    template().has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({ "ModelName": "a", "Containers": &containers, "EnableNetworkIsolation": &isolation }),
    )?;
    template().has_resource("AWS::SageMaker::Model", pattern!({ "Properties": &whole }))?;
    assert_eq!(containers.as_array()?, vec![json!({ "Image": "img:a" })]);
    assert!(isolation.as_bool()?);
    assert_eq!(whole.as_object()?.get("ModelName"), Some(&json!("a")));
    assert_eq!(containers.value()?, json!([{ "Image": "img:a" }]));
    Ok(())
}

#[test]
fn number_capture() -> Result<(), Box<dyn std::error::Error>> {
    let n = Capture::new();
    pattern!({ "Count": &n }).check(&json!({ "Count": 3 }))?;
    assert_eq!(n.as_number()?, 3.0);
    Ok(())
}

#[test]
fn wrong_type_and_no_value_errors() {
    let c = Capture::new();
    assert_eq!(c.as_string(), Err(CaptureError::NoValue));
    assert_eq!(
        c.as_string().expect_err("empty").to_string(),
        "No value captured"
    );
    assert!(c.is_empty());

    let c = Capture::new();
    let p: Pattern = (&c).into();
    assert!(p.test(&json!({ "a": [1] })).is_success());
    let err = c.as_number().expect_err("not a number");
    assert_eq!(
        err,
        CaptureError::WrongType {
            expected: "number",
            found: "object",
            value: "{\n  \"a\": [\n    1\n  ]\n}".to_owned(),
        }
    );
    assert_eq!(
        err.to_string(),
        "Captured value is expected to be number but found object. Value is {\n  \"a\": [\n    1\n  ]\n}"
    );
    assert!(matches!(
        c.as_string(),
        Err(CaptureError::WrongType {
            expected: "string",
            ..
        })
    ));
    assert!(matches!(
        c.as_bool(),
        Err(CaptureError::WrongType {
            expected: "boolean",
            ..
        })
    ));
    assert!(matches!(
        c.as_array(),
        Err(CaptureError::WrongType {
            expected: "array",
            ..
        })
    ));
    assert!(c.as_object().is_ok());
}

#[test]
fn nothing_is_recorded_when_the_match_fails() {
    let c = Capture::new();
    let result = pattern!({ "a": &c, "b": 2 }).test(&json!({ "a": 1, "b": 3 }));
    assert!(!result.is_success());
    assert!(c.is_empty());
}

#[test]
fn null_and_absent_values_cannot_be_captured() {
    let c = Capture::new();
    assert_eq!(
        pattern!({ "a": &c })
            .test(&json!({ "a": null }))
            .human_strings(),
        vec!["Can only capture non-nullish values. Found null at /a (using Capture matcher)"]
    );
    assert_eq!(
        pattern!({ "a": &c }).test(&json!({})).human_strings(),
        vec!["Missing key 'a' at /a (using object_like matcher)"]
    );
}

#[test]
fn capture_with_pattern_only_records_matching_values() {
    let c = Capture::with_pattern(Match::string_like_regexp("^img:"));
    let p = pattern!({ "Image": &c });
    assert!(p.test(&json!({ "Image": "img:1" })).is_success());
    let failed = p.test(&json!({ "Image": "other" }));
    assert_eq!(
        failed.human_strings(),
        vec![
            "String 'other' did not match pattern '^img:' at /Image (using string_like_regexp matcher)"
        ]
    );
    assert_eq!(c.values(), vec![json!("img:1")]);

    // a literal inner pattern matches like object_like
    let c = Capture::with_pattern(json!({ "Ref": "Role" }));
    assert!(c.clone().pipe_test(&json!({ "Ref": "Role", "x": 1 })));
    assert!(!c.clone().pipe_test(&json!({ "Ref": "Other" })));
    assert_eq!(c.len(), 1);
}

#[test]
fn capture_inside_array_with_records_the_matched_element() -> Result<(), Box<dyn std::error::Error>>
{
    let image = Capture::new();
    Match::array_with([Match::object_like(
        pattern!({ "Image": &image, "Mode": "Multi" }),
    )])
    .check(&json!([
        { "Image": "first", "Mode": "Single" },
        { "Image": "second", "Mode": "Multi" }
    ]))?;
    assert_eq!(image.values(), vec![json!("second")]);
    Ok(())
}

trait PipeTest {
    fn pipe_test(self, value: &serde_json::Value) -> bool;
}

impl PipeTest for Capture {
    fn pipe_test(self, value: &serde_json::Value) -> bool {
        Pattern::from(self).test(value).is_success()
    }
}
