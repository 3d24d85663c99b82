//! The compatibility flag ([`CDK_COMPATIBLE_DEFAULTS`]) and what it adds to the cloud
//! assembly: the parts of `manifest.json` that describe the AWS CDK itself, so the manifest is
//! byte-identical to the one the AWS CDK 2.276 writes for the same construct tree.
//!
//! * the `aws-cdk-lib/feature-flag-report` artifact: every feature flag of aws-cdk-lib 2.276.0
//!   (but the expired ones) with its recommended value, explanation and unconfigured behaviour,
//!   and the app's context value as `userValue` when it sets one;
//! * `minimumCliVersion` ([`MINIMUM_CLI_VERSION`]).
//!
//! Without the flag neither is written: the report lists aws-cdk-lib's flags, which sagecdk
//! does not read (but for the few it implements), and the AWS CDK CLI would report them as
//! unconfigured.
//!
//! ```
//! use sagecdk_core::{App, CfnResource, Scope, Stack, StackProps, compat::CDK_COMPATIBLE_DEFAULTS};
//! let app = App::for_tests();
//! app.node().set_context(CDK_COMPATIBLE_DEFAULTS, serde_json::json!(true));
//! let stack = Stack::new(&app, "S", StackProps::default());
//! CfnResource::new(&stack, "Topic", "AWS::SNS::Topic");
//! let assembly = app.assemble().expect("synthesizes");
//! assert!(assembly.file("manifest.json").unwrap().contains("\"aws-cdk-lib/feature-flag-report\""));
//! ```

use crate::tree::Construct;
use sagecdk_assembly::manifest::ArtifactManifest;
use serde_json::{Map, Value as Json, json};

/// Context flag: `true` makes the cloud assembly the AWS CDK's for the same construct tree,
/// byte for byte. The core then writes the manifest parts above; the SageMaker constructs use
/// the CDK's defaults (see the `sagecdk-sagemaker` crate).
pub const CDK_COMPATIBLE_DEFAULTS: &str = "@sagecdk/sagemaker:cdkCompatibleDefaults";

/// The `minimumCliVersion` the AWS CDK 2.276 writes (that of `@aws-cdk/cloud-assembly-schema`
/// 55.6.0).
pub const MINIMUM_CLI_VERSION: &str = "2.1148.2";

/// Id of the feature flag report artifact.
pub const FEATURE_FLAG_REPORT_ID: &str = "aws-cdk-lib/feature-flag-report";

/// Artifact type of the feature flag report.
pub const FEATURE_FLAG_REPORT_ARTIFACT: &str = "cdk:feature-flag-report";

/// aws-cdk-lib 2.276.0's feature flags in its order: name → `recommendedValue`, `explanation`
/// and, when set, `unconfiguredBehavesLike`.
const FLAGS: &str = include_str!("../data/aws-cdk-lib-2.276.0-feature-flags.json");

/// The feature flag report of the app whose root is `root`: each flag as the table has it,
/// preceded by `userValue` when the app's context sets the flag (to anything but `null`).
pub(crate) fn feature_flag_report(root: &Construct) -> ArtifactManifest {
    let table: Map<String, Json> = serde_json::from_str(FLAGS).unwrap_or_default();
    let flags: Map<String, Json> = table
        .into_iter()
        .map(|(name, info)| {
            let mut flag = Map::new();
            if let Some(value) = root.try_get_context(&name).filter(|v| !v.is_null()) {
                flag.insert("userValue".into(), value);
            }
            if let Json::Object(info) = info {
                flag.extend(info);
            }
            (name, Json::Object(flag))
        })
        .collect();
    ArtifactManifest {
        artifact_type: FEATURE_FLAG_REPORT_ARTIFACT.to_string(),
        environment: None,
        properties: Some(json!({"module": "aws-cdk-lib", "flags": flags})),
        dependencies: None,
        metadata: None,
        additional_metadata_file: None,
        display_name: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_lists_every_flag_once() {
        let table: Map<String, Json> = serde_json::from_str(FLAGS).expect("flags table");
        assert_eq!(table.len(), 105);
        assert!(table.values().all(|f| f.get("recommendedValue").is_some()
            && f.get("explanation").is_some_and(Json::is_string)));
    }
}
