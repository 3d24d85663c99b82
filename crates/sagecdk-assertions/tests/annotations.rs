//! `Annotations` assertions.

use sagecdk_assertions::{Annotation, AnnotationLevel, Annotations, AssertionError, Match};

fn annotations() -> Annotations {
    Annotations::from_messages(vec![
        Annotation::error(
            "/Seed/Endpoint/Resource",
            "instance count must be at least 1",
        ),
        Annotation::warning("/Seed/Endpoint/Resource", "ml.t2.medium is deprecated"),
        Annotation::warning("/Seed/Model", "no VPC configured"),
        Annotation::info("/Seed/Model", "using the default execution role"),
    ])
}

fn msg(result: Result<(), AssertionError>) -> String {
    result.expect_err("the assertion should fail").to_string()
}

#[test]
fn has_messages_by_path_and_level() {
    let a = annotations();
    a.assert_has_error(
        "/Seed/Endpoint/Resource",
        "instance count must be at least 1",
    );
    a.assert_has_error("*", Match::string_like_regexp("at least"));
    a.assert_has_warning("/Seed/Model", "no VPC configured");
    a.assert_has_warning("*", Match::string_like_regexp("deprecated$"));
    a.assert_has_info("/Seed/Model", Match::any_value());
    a.assert_has_info("*", "using the default execution role");
}

#[test]
fn has_error_failure_renders_the_closest_messages() {
    let a = annotations();
    assert_eq!(
        msg(a.has_error("/Seed/Model", Match::any_value())),
        r#"Stack has 2 messages at path /Seed/Model, but none match as expected.
The 2 closest matches:
2 :: {
!! Expected error but received warning
  "level": "warning",
  "message": "no VPC configured",
  "path": "/Seed/Model"
}
3 :: {
!! Expected error but received info
  "level": "info",
  "message": "using the default execution role",
  "path": "/Seed/Model"
}"#
    );
}

#[test]
fn failure_lists_all_messages_when_the_path_has_none() {
    let a = annotations();
    assert_eq!(
        msg(a.has_warning("/Seed/Other", "x")),
        "Stack has 0 messages at path /Seed/Other.\nNo matches found\nMessages in the stack:\n  \
         [error] /Seed/Endpoint/Resource: instance count must be at least 1\n  \
         [warning] /Seed/Endpoint/Resource: ml.t2.medium is deprecated\n  \
         [warning] /Seed/Model: no VPC configured\n  \
         [info] /Seed/Model: using the default execution role"
    );
    assert_eq!(
        msg(Annotations::default().has_info("*", "x")),
        "Stack has 0 messages at path *.\nNo matches found\nThe stack has no messages."
    );
}

#[test]
fn has_no_messages() {
    let a = annotations();
    a.assert_has_no_error("/Seed/Model", Match::any_value());
    a.assert_has_no_warning("*", "something else");
    a.assert_has_no_info("/Seed/Endpoint/Resource", Match::any_value());
    assert_eq!(
        msg(a.has_no_warning("*", Match::any_value())),
        r#"Expected no matches, but stack has 2 messages as follows:
  [
    {
      "path": "/Seed/Endpoint/Resource",
      "level": "warning",
      "message": "ml.t2.medium is deprecated"
    },
    {
      "path": "/Seed/Model",
      "level": "warning",
      "message": "no VPC configured"
    }
  ]"#
    );
    assert!(a.has_no_error("*", Match::any_value()).is_err());
    assert!(
        a.has_no_info("*", "using the default execution role")
            .is_err()
    );
}

#[test]
fn find_messages() {
    let a = annotations();
    assert_eq!(
        a.find_warning("*", Match::any_value()),
        vec![
            Annotation::warning("/Seed/Endpoint/Resource", "ml.t2.medium is deprecated"),
            Annotation::warning("/Seed/Model", "no VPC configured"),
        ]
    );
    assert_eq!(a.find_error("/Seed/Model", Match::any_value()), vec![]);
    assert_eq!(
        a.find_info("/Seed/Model", "using the default execution role")
            .len(),
        1
    );
    assert_eq!(
        a.find_error("*", Match::string_like_regexp("count")).len(),
        1
    );
}

#[test]
#[should_panic(expected = "Stack has 4 messages at path *, but none match as expected.")]
fn assert_twins_panic() {
    annotations().assert_has_error("*", "nothing like this");
}

#[test]
fn annotation_types() -> Result<(), serde_json::Error> {
    let a = Annotation::new("/S", AnnotationLevel::Info, "m");
    assert_eq!(a, Annotation::info("/S", "m"));
    assert_eq!(AnnotationLevel::Warning.to_string(), "warning");
    assert_eq!(AnnotationLevel::Error.as_str(), "error");
    assert_eq!(
        serde_json::to_value(&a)?,
        serde_json::json!({ "path": "/S", "level": "info", "message": "m" })
    );
    let collected: Annotations = vec![a.clone()].into_iter().collect();
    assert_eq!(collected.messages(), &[a]);
    Ok(())
}
