//! A stack deployed from a YAML template (by another tool, or by hand) is read back for `diff`
//! as CloudFormation reads it, its short-form functions in their long forms; tested against the
//! local AWS stand-in.

use sagecdk_deploy::AwsEnvironment;
use sagecdk_deploy::diff::deployed_template;
use sagecdk_deploy::template_diff::diff_templates;
use serde_json::json;

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_yaml_stack_is_compared_with_the_local_template() {
    let env = common::bootstrapped_environment().await;
    let cfn = AwsEnvironment::cloudformation(env.base_config());
    let name = format!("SageCdkYaml{}", std::process::id());
    let yaml = r#"AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub '${AWS::StackName}-alerts'
Outputs:
  TopicArn:
    Value: !Ref Topic
"#;
    cfn.create_stack()
        .stack_name(&name)
        .template_body(yaml)
        .send()
        .await
        .expect("CreateStack");
    let deployed = deployed_template(&cfn, &name)
        .await
        .expect("reads")
        .expect("deployed");
    assert_eq!(
        deployed["Resources"]["Topic"]["Properties"]["TopicName"],
        json!({"Fn::Sub": "${AWS::StackName}-alerts"})
    );
    assert_eq!(
        deployed["Outputs"]["TopicArn"]["Value"],
        json!({"Ref": "Topic"})
    );
    // The same template in JSON: no difference; a changed name: one.
    let mut local = deployed.clone();
    assert!(diff_templates(&deployed, &local).is_empty());
    local["Resources"]["Topic"]["Properties"]["TopicName"] = json!("renamed");
    assert!(!diff_templates(&deployed, &local).is_empty());
    cfn.delete_stack()
        .stack_name(&name)
        .send()
        .await
        .expect("DeleteStack");
}
