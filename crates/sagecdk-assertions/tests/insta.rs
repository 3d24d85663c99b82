//! `insta` integration (feature `insta`).
#![cfg(feature = "insta")]

use sagecdk_assertions::insta;
use sagecdk_assertions::insta_support::asset_hash_redaction;
use sagecdk_assertions::{Template, redact_asset_hashes};
use serde_json::json;

fn template() -> Template {
    let h1 = "ab".repeat(32);
    let h2 = "cd".repeat(32);
    Template::from_json(json!({
        "Resources": {
            "Model": {
                "Type": "AWS::SageMaker::Model",
                "Properties": {
                    "Image": format!("repo:{h1}"),
                    "ModelDataUrl": format!("s3://cdk-hnb659fds-assets-123456789012-us-west-2/{h2}.gz"),
                    "Other": format!("asset.{h1}")
                }
            }
        }
    }))
}

#[test]
fn json_snapshot_of_a_pre_redacted_template() {
    insta::assert_json_snapshot!(redact_asset_hashes(template().as_json()), @r#"
    {
      "Resources": {
        "Model": {
          "Type": "AWS::SageMaker::Model",
          "Properties": {
            "Image": "repo:[ASSET_HASH_1]",
            "ModelDataUrl": "s3://cdk-hnb659fds-assets-123456789012-us-west-2/[ASSET_HASH_2].gz",
            "Other": "asset.[ASSET_HASH_1]"
          }
        }
      }
    }
    "#);
}

#[test]
fn yaml_snapshot_with_an_insta_redaction() {
    let mut settings = insta::Settings::clone_current();
    settings.add_redaction(".", asset_hash_redaction());
    settings.bind(|| {
        insta::assert_yaml_snapshot!(template(), @r#"
        Resources:
          Model:
            Type: "AWS::SageMaker::Model"
            Properties:
              Image: "repo:[ASSET_HASH_1]"
              ModelDataUrl: "s3://cdk-hnb659fds-assets-123456789012-us-west-2/[ASSET_HASH_2].gz"
              Other: "asset.[ASSET_HASH_1]"
        "#);
    });
}

#[test]
fn redaction_below_a_selector() {
    let mut settings = insta::Settings::clone_current();
    settings.add_redaction(".Resources.*.Properties.Image", asset_hash_redaction());
    settings.bind(|| {
        insta::assert_json_snapshot!(template(), @r#"
        {
          "Resources": {
            "Model": {
              "Type": "AWS::SageMaker::Model",
              "Properties": {
                "Image": "repo:[ASSET_HASH_1]",
                "ModelDataUrl": "s3://cdk-hnb659fds-assets-123456789012-us-west-2/cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd.gz",
                "Other": "asset.abababababababababababababababababababababababababababababababab"
              }
            }
          }
        }
        "#);
    });
}
