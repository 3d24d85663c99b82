//! `Template` queries and assertions.

use std::str::FromStr;

use sagecdk_assertions::{Annotation, AssertionError, Match, Template, TemplateError, pattern};
use serde_json::json;

fn template() -> Template {
    Template::from_json(json!({
        "Parameters": {
            "BootstrapVersion": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/cdk-bootstrap/hnb659fds/version"
            },
            "InstanceType": { "Type": "String", "Default": "ml.m5.xlarge" }
        },
        "Mappings": {
            "Regions": { "us-west-2": { "Image": "west" }, "us-east-1": { "Image": "east" } }
        },
        "Conditions": {
            "IsProd": { "Fn::Equals": [{ "Ref": "Stage" }, "prod"] }
        },
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": { "AssumeRolePolicyDocument": { "Statement": [{ "Action": "sts:AssumeRole" }] } }
            },
            "ModelA": {
                "Type": "AWS::SageMaker::Model",
                "Properties": {
                    "ExecutionRoleArn": { "Fn::GetAtt": ["Role", "Arn"] },
                    "PrimaryContainer": { "Image": "img:a", "Mode": "SingleModel" }
                },
                "DependsOn": ["Role"]
            },
            "ModelB": {
                "Type": "AWS::SageMaker::Model",
                "Properties": {
                    "ExecutionRoleArn": { "Fn::GetAtt": ["Role", "Arn"] },
                    "PrimaryContainer": { "Image": "img:b" }
                }
            },
            "Waiter": { "Type": "AWS::CloudFormation::WaitConditionHandle" }
        },
        "Outputs": {
            "ModelName": { "Value": { "Fn::GetAtt": ["ModelA", "ModelName"] }, "Export": { "Name": "model" } },
            "RoleArn": { "Value": { "Fn::GetAtt": ["Role", "Arn"] } }
        }
    }))
}

fn msg(result: Result<(), AssertionError>) -> String {
    result.expect_err("the assertion should fail").to_string()
}

// ---------------------------------------------------------------- construction

#[test]
fn construction_and_json_access() -> Result<(), TemplateError> {
    let t = Template::from_str(r#"{ "Resources": { "Q": { "Type": "AWS::SQS::Queue" } } }"#)?;
    assert_eq!(
        t.as_json()["Resources"]["Q"]["Type"],
        json!("AWS::SQS::Queue")
    );
    assert_eq!(t.to_json(), t.clone().into_json());
    assert_eq!(serde_json::to_value(&t)?, t.to_json());
    assert!(t.annotations().messages().is_empty());
    assert_eq!(Template::from(json!({})), Template::from_json(json!({})));

    let err = Template::from_str("{ nope").expect_err("invalid JSON");
    assert!(
        err.to_string().starts_with("template is not valid JSON: "),
        "{err}"
    );

    let t = Template::from_synthesized(json!({}), vec![Annotation::warning("/S/R", "careful")]);
    assert_eq!(t.annotations().messages().len(), 1);
    Ok(())
}

// ---------------------------------------------------------------- counts

#[test]
fn resource_count_is() {
    let t = template();
    assert!(t.resource_count_is("AWS::SageMaker::Model", 2).is_ok());
    assert!(t.resource_count_is("AWS::S3::Bucket", 0).is_ok());
    assert_eq!(
        msg(t.resource_count_is("AWS::SageMaker::Model", 1)),
        "Expected 1 resources of type AWS::SageMaker::Model but found 2"
    );
    t.assert_resource_count_is("AWS::IAM::Role", 1);
}

#[test]
fn resource_properties_count_is() {
    let t = template();
    let role_ref = json!({ "ExecutionRoleArn": { "Fn::GetAtt": ["Role", "Arn"] } });
    assert!(
        t.resource_properties_count_is("AWS::SageMaker::Model", role_ref.clone(), 2)
            .is_ok()
    );
    assert!(
        t.resource_properties_count_is(
            "AWS::SageMaker::Model",
            pattern!({ "PrimaryContainer": { "Mode": Match::absent() } }),
            1
        )
        .is_ok()
    );
    // resources without Properties count as having `{}`
    assert!(
        t.resource_properties_count_is("AWS::CloudFormation::WaitConditionHandle", json!({}), 1)
            .is_ok()
    );
    assert_eq!(
        msg(t.resource_properties_count_is("AWS::SageMaker::Model", role_ref.clone(), 3)),
        "Expected 3 resources of type AWS::SageMaker::Model but found 2"
    );
    t.assert_resource_properties_count_is("AWS::SageMaker::Model", role_ref, 2);
}

#[test]
#[should_panic(expected = "Expected 5 resources of type AWS::IAM::Role but found 1")]
fn assert_twins_panic_with_the_report() {
    template().assert_resource_count_is("AWS::IAM::Role", 5);
}

// ---------------------------------------------------------------- has_resource_properties

#[test]
fn has_resource_properties_matches_partially() {
    let t = template();
    t.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        json!({ "PrimaryContainer": { "Image": "img:b" } }),
    );
    t.assert_has_resource_properties(
        "AWS::SageMaker::Model",
        pattern!({ "ExecutionRoleArn": { "Fn::GetAtt": [Match::any_value(), "Arn"] } }),
    );
    // resources without Properties get `{}` first
    t.assert_has_resource_properties("AWS::CloudFormation::WaitConditionHandle", json!({}));
    t.assert_has_resource_properties(
        "AWS::CloudFormation::WaitConditionHandle",
        pattern!({ "X": Match::absent() }),
    );
    // ...except when the whole Properties must be absent
    t.assert_has_resource_properties("AWS::CloudFormation::WaitConditionHandle", Match::absent());
    assert!(
        t.has_resource_properties("AWS::SageMaker::Model", Match::absent())
            .is_err()
    );
}

#[test]
fn has_resource_properties_failure_shows_the_closest_candidates() {
    let t = template();
    let text = msg(t.has_resource_properties(
        "AWS::SageMaker::Model",
        json!({ "PrimaryContainer": { "Image": "img:c", "Mode": "SingleModel" } }),
    ));
    assert_eq!(
        text,
        r#"Template has 2 resources with type AWS::SageMaker::Model, but none match as expected.
The 2 closest matches:
ModelA :: {
  "DependsOn": [ "Role" ],
  "Properties": {
    "ExecutionRoleArn": { "Fn::GetAtt": [ "Role", "Arn" ] },
    "PrimaryContainer": {
!!     Expected img:c but received img:a
      "Image": "img:a",
      "Mode": "SingleModel"
    }
  },
  "Type": "AWS::SageMaker::Model"
}
ModelB :: {
  "Properties": {
    "ExecutionRoleArn": { "Fn::GetAtt": [ "Role", "Arn" ] },
    "PrimaryContainer": {
!!     Expected img:c but received img:b
      "Image": "img:b",
!!     Missing key 'Mode'
      "Mode": undefined
    }
  },
  "Type": "AWS::SageMaker::Model"
}"#
    );
}

#[test]
fn closest_candidates_are_limited_to_three_and_ranked() {
    let mut resources = serde_json::Map::new();
    for (id, mismatches) in [("E", 4), ("A", 3), ("C", 1), ("B", 2), ("D", 1)] {
        let props: serde_json::Map<String, serde_json::Value> = (0..4)
            .map(|i| {
                (
                    format!("P{i}"),
                    json!(if i < mismatches { "bad" } else { "ok" }),
                )
            })
            .collect();
        resources.insert(id.to_owned(), json!({ "Type": "T", "Properties": props }));
    }
    let t = Template::from_json(json!({ "Resources": resources }));
    let text = msg(t.has_resource_properties(
        "T",
        json!({ "P0": "ok", "P1": "ok", "P2": "ok", "P3": "ok" }),
    ));
    assert!(text.starts_with("Template has 5 resources with type T, but none match as expected.\nThe 3 closest matches:\nC :: {"), "{text}");
    let order: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once(" :: ").map(|(id, _)| id))
        .collect();
    assert_eq!(order, vec!["C", "D", "B"]);
}

#[test]
fn has_resource_properties_lists_types_when_none_of_the_type_exist() {
    let text = msg(template().has_resource_properties("AWS::S3::Bucket", json!({})));
    assert_eq!(
        text,
        "Template has 0 resources with type AWS::S3::Bucket.\nNo matches found\n\
         Resource types in the template: AWS::CloudFormation::WaitConditionHandle (1), AWS::IAM::Role (1), AWS::SageMaker::Model (2)"
    );
    let empty = Template::from_json(json!({}));
    assert_eq!(
        msg(empty.has_resource("AWS::S3::Bucket", json!({}))),
        "Template has 0 resources with type AWS::S3::Bucket.\nNo matches found\nThe template has no resources."
    );
}

// ---------------------------------------------------------------- has_resource / all_resources

#[test]
fn has_resource_matches_the_whole_entry() {
    let t = template();
    t.assert_has_resource("AWS::SageMaker::Model", json!({ "DependsOn": ["Role"] }));
    t.assert_has_resource(
        "AWS::SageMaker::Model",
        pattern!({ "DependsOn": Match::absent() }),
    );
    let text = msg(t.has_resource("AWS::IAM::Role", json!({ "DeletionPolicy": "Retain" })));
    assert_eq!(
        text,
        r#"Template has 1 resources with type AWS::IAM::Role, but none match as expected.
The 1 closest matches:
Role :: {
!! Missing key 'DeletionPolicy'
  "DeletionPolicy": undefined,
  "Properties": { "AssumeRolePolicyDocument": { "Statement": [ { "Action": "sts:AssumeRole" } ] } },
  "Type": "AWS::IAM::Role"
}"#
    );
}

#[test]
fn all_resources() {
    let t = template();
    t.assert_all_resources(
        "AWS::SageMaker::Model",
        json!({ "Type": "AWS::SageMaker::Model" }),
    );
    t.assert_all_resources_properties(
        "AWS::SageMaker::Model",
        json!({ "ExecutionRoleArn": { "Fn::GetAtt": ["Role", "Arn"] } }),
    );
    let text = msg(t.all_resources("AWS::SageMaker::Model", json!({ "DependsOn": ["Role"] })));
    assert_eq!(
        text,
        r#"Template has 2 resource(s) with type AWS::SageMaker::Model, but only 1 match as expected.
The following resources do not match the given definition:
	ModelB
The 1 closest matches:
ModelB :: {
!! Missing key 'DependsOn'
  "DependsOn": undefined,
  "Properties": { ... },
  "Type": "AWS::SageMaker::Model"
}"#
    );
    let text =
        msg(t.all_resources_properties("AWS::SageMaker::Model", json!({ "ModelName": "x" })));
    assert!(
        text.starts_with(
            "Template has 2 resource(s) with type AWS::SageMaker::Model, but none match as expected.\n\
             The following resources do not match the given definition:\n\tModelA\n\tModelB\nThe 2 closest matches:\n"
        ),
        "{text}"
    );
    assert!(text.contains("!!   Missing key 'ModelName'"), "{text}");
    let text = msg(t.all_resources("AWS::S3::Bucket", json!({})));
    assert!(
        text.starts_with(
            "Template has 0 resource(s) with type AWS::S3::Bucket, but none match as expected."
        ),
        "{text}"
    );
    assert!(text.ends_with("AWS::SageMaker::Model (2)"), "{text}");
}

// ---------------------------------------------------------------- find / get id

#[test]
fn find_resources() {
    let t = template();
    let all = t.find_resources("AWS::SageMaker::Model", json!({}));
    assert_eq!(all.keys().collect::<Vec<_>>(), vec!["ModelA", "ModelB"]);
    let found = t.find_resources(
        "AWS::SageMaker::Model",
        json!({ "Properties": { "PrimaryContainer": { "Image": "img:b" } } }),
    );
    assert_eq!(found.keys().collect::<Vec<_>>(), vec!["ModelB"]);
    assert_eq!(found["ModelB"]["Type"], json!("AWS::SageMaker::Model"));
    assert!(
        t.find_resources("AWS::SageMaker::Model", json!({ "Nope": 1 }))
            .is_empty()
    );
    assert!(t.find_resources("AWS::S3::Bucket", json!({})).is_empty());
}

#[test]
fn get_resource_id() -> Result<(), AssertionError> {
    let t = template();
    assert_eq!(t.get_resource_id("AWS::IAM::Role", json!({}))?, "Role");
    assert_eq!(
        t.get_resource_id(
            "AWS::SageMaker::Model",
            json!({ "Properties": { "PrimaryContainer": { "Image": "img:a" } } })
        )?,
        "ModelA"
    );
    let err = t
        .get_resource_id("AWS::SageMaker::Model", json!({}))
        .expect_err("two match");
    assert_eq!(
        err.to_string(),
        "Expected one matching resource of type AWS::SageMaker::Model, but found 2: ModelA, ModelB"
    );
    let err = t
        .get_resource_id("AWS::IAM::Role", json!({ "Properties": { "Path": "/" } }))
        .expect_err("none");
    assert!(
        err.to_string().starts_with(
            "Expected one matching resource of type AWS::IAM::Role, but found none.\n\
             Template has 1 resources with type AWS::IAM::Role, but none match as expected.\nThe 1 closest matches:\nRole :: {"
        ),
        "{err}"
    );
    Ok(())
}

// ---------------------------------------------------------------- named sections

#[test]
fn outputs() {
    let t = template();
    t.assert_has_output("ModelName", json!({ "Export": { "Name": "model" } }));
    t.assert_has_output("*", json!({ "Value": { "Fn::GetAtt": ["Role", "Arn"] } }));
    assert_eq!(t.find_outputs("*", json!({})).len(), 2);
    assert_eq!(
        t.find_outputs("RoleArn", json!({}))
            .keys()
            .collect::<Vec<_>>(),
        vec!["RoleArn"]
    );
    assert!(
        t.find_outputs("*", pattern!({ "Export": Match::any_value() }))
            .contains_key("ModelName")
    );
    assert_eq!(
        msg(t.has_output("RoleArn", json!({ "Export": { "Name": "role" } }))),
        r#"Template has 1 outputs named RoleArn, but none match as expected.
The 1 closest matches:
RoleArn :: {
!! Missing key 'Export'
  "Export": undefined,
  "Value": { "Fn::GetAtt": [ "Role", "Arn" ] }
}"#
    );
    assert_eq!(
        msg(t.has_output("Missing", json!({}))),
        "Template has 0 outputs named Missing.\nNo matches found\nOutputs in the template: ModelName, RoleArn"
    );
}

#[test]
fn parameters() {
    let t = template();
    t.assert_has_parameter("InstanceType", json!({ "Type": "String" }));
    t.assert_has_parameter(
        "*",
        json!({ "Default": "/cdk-bootstrap/hnb659fds/version" }),
    );
    assert_eq!(
        t.find_parameters("*", json!({ "Type": "String" }))
            .keys()
            .collect::<Vec<_>>(),
        vec!["InstanceType"]
    );
    let text = msg(t.has_parameter("*", json!({ "Type": "Number" })));
    assert!(
        text.starts_with("Template has 2 parameters named *, but none match as expected.\nThe 2 closest matches:\n"),
        "{text}"
    );
    assert!(
        text.contains("!! Expected Number but received String"),
        "{text}"
    );
}

#[test]
fn mappings() {
    let t = template();
    t.assert_has_mapping("Regions", json!({ "us-west-2": { "Image": "west" } }));
    t.assert_has_mapping("*", json!({ "us-east-1": {} }));
    assert_eq!(t.find_mappings("*", json!({})).len(), 1);
    assert!(t.find_mappings("Other", json!({})).is_empty());
    assert_eq!(
        msg(t.has_mapping("Regions", json!({ "eu-west-1": {} }))),
        r#"Template has 1 mappings named Regions, but none match as expected.
The 1 closest matches:
Regions :: {
!! Missing key 'eu-west-1'
  "eu-west-1": undefined,
  "us-east-1": { "Image": "east" },
  "us-west-2": { "Image": "west" }
}"#
    );
}

#[test]
fn conditions() {
    let t = template();
    t.assert_has_condition(
        "IsProd",
        json!({ "Fn::Equals": [{ "Ref": "Stage" }, "prod"] }),
    );
    t.assert_has_condition(
        "*",
        pattern!({ "Fn::Equals": [Match::any_value(), "prod"] }),
    );
    assert_eq!(t.find_conditions("IsProd", json!({})).len(), 1);
    assert_eq!(
        msg(t.has_condition(
            "IsProd",
            json!({ "Fn::Equals": [{ "Ref": "Stage" }, "dev"] })
        )),
        r#"Template has 1 conditions named IsProd, but none match as expected.
The 1 closest matches:
IsProd :: {
  "Fn::Equals": [
    { "Ref": "Stage" },
!!   Expected dev but received prod
    "prod"
  ]
}"#
    );
    let empty = Template::from_json(json!({}));
    assert_eq!(
        msg(empty.has_condition("*", json!({}))),
        "Template has 0 conditions named *.\nNo matches found\nThe template has no conditions."
    );
}

// ---------------------------------------------------------------- template_matches

#[test]
fn template_matches() {
    let t = template();
    t.assert_template_matches(json!({ "Resources": { "Waiter": { "Type": "AWS::CloudFormation::WaitConditionHandle" } } }));
    t.assert_template_matches(pattern!({ "Transform": Match::absent() }));
    assert_eq!(
        msg(t.template_matches(
            json!({ "Resources": { "Role": { "Type": "AWS::S3::Bucket" } }, "Description": "d" })
        )),
        "Template did not match as expected. The following mismatches were found:\n\
         \tMissing key 'Description' at /Description (using object_like matcher)\n\
         \tExpected AWS::S3::Bucket but received AWS::IAM::Role at /Resources/Role/Type (using object_like matcher)"
    );
    // a matcher is used as is
    assert!(t.template_matches(Match::object_equals(json!({}))).is_err());
}
