//! `manifest.json`: the cloud assembly's table of artifacts (schema version 55).
//!
//! Field order in these structs is the order the AWS CDK writes the keys in; `None` fields are
//! left out, as JavaScript drops `undefined`.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// The cloud assembly schema version written by this crate (the AWS CDK 2.276's).
pub const SCHEMA_VERSION: &str = "55.0.0";

/// The major part of a `MAJOR.MINOR.PATCH[-pre][+build]` version, if it is one.
pub(crate) fn semver_major(version: &str) -> Option<u64> {
    let core = version.split(['-', '+']).next()?;
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    parts[0].parse().ok()
}

/// Checks that this crate can read a manifest of `manifest.version`: any version of
/// [`SCHEMA_VERSION`]'s major or older, as the AWS CDK CLI accepts. Returns what is wrong and
/// what to do otherwise.
pub fn check_schema_version(manifest: &AssemblyManifest) -> Result<(), String> {
    let supported = semver_major(SCHEMA_VERSION).unwrap_or(0);
    let Some(found) = semver_major(&manifest.version) else {
        return Err(format!(
            "invalid cloud assembly schema version '{}' (expected MAJOR.MINOR.PATCH)",
            manifest.version
        ));
    };
    if found > supported {
        let cli = manifest
            .minimum_cli_version
            .as_deref()
            .map(|v| format!(" (the app asks for CLI version {v} or newer)"))
            .unwrap_or_default();
        return Err(format!(
            "cloud assembly schema version {} is newer than this sagecdk reads (up to \
             {supported}.x.x): the app was built with a newer library{cli}; upgrade the sagecdk \
             CLI",
            manifest.version
        ));
    }
    Ok(())
}

/// Artifact type of a CloudFormation stack.
pub const STACK_ARTIFACT: &str = "aws:cloudformation:stack";
/// Artifact type of an asset manifest.
pub const ASSET_MANIFEST_ARTIFACT: &str = "cdk:asset-manifest";
/// Artifact type of the construct tree file.
pub const TREE_ARTIFACT: &str = "cdk:tree";

/// The top-level `manifest.json` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssemblyManifest {
    /// Schema version, [`SCHEMA_VERSION`] when written by sagecdk.
    pub version: String,
    /// Artifacts by id, in the order the synthesizer added them.
    #[serde(default)]
    pub artifacts: IndexMap<String, ArtifactManifest>,
    /// Context lookups the app could not answer; the CLI looks them up and runs the app again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<MissingContext>>,
    /// Oldest CLI that can read this assembly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_cli_version: Option<String>,
}

/// One artifact entry of the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactManifest {
    /// Artifact type, e.g. [`STACK_ARTIFACT`].
    #[serde(rename = "type")]
    pub artifact_type: String,
    /// `aws://<account>/<region>` for stacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Type-specific properties; see [`StackProperties`] and [`AssetManifestProperties`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<serde_json::Value>,
    /// Ids of artifacts that must be deployed first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<Vec<String>>,
    /// Metadata inlined in the manifest (sagecdk writes it to a separate file instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<IndexMap<String, Vec<MetadataEntry>>>,
    /// File holding this artifact's metadata, relative to the assembly directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_metadata_file: Option<String>,
    /// Human-readable name (the construct path for stacks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

impl ArtifactManifest {
    /// Parses the properties of a stack artifact.
    pub fn stack_properties(&self) -> Result<StackProperties, serde_json::Error> {
        serde_json::from_value(self.properties.clone().unwrap_or_default())
    }

    /// Parses the properties of an asset manifest artifact.
    pub fn asset_manifest_properties(&self) -> Result<AssetManifestProperties, serde_json::Error> {
        serde_json::from_value(self.properties.clone().unwrap_or_default())
    }
}

/// A context value the app needs and could not find (`{key, provider, props}`): what the CLI
/// looks up with the AWS SDK and stores in `cdk.context.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissingContext {
    /// The context key the value is stored under.
    pub key: String,
    /// The provider (`ssm`, `availability-zones`, `plugin`…).
    pub provider: String,
    /// What to look up, with `account`, `region` and the `lookupRoleArn`.
    pub props: serde_json::Map<String, serde_json::Value>,
}

/// The `pluginName` of the `plugin` context provider answering a SageMaker training job's
/// artifacts by the job's name (props: `trainingJobName`).
pub const TRAINING_JOB_PLUGIN: &str = "sagecdk/sagemaker-training-job";
/// The `pluginName` answering the newest completed training job whose name starts with a
/// prefix (props: `namePrefix`).
pub const LATEST_TRAINING_JOB_PLUGIN: &str = "sagecdk/sagemaker-latest-training-job";

/// The `pluginName` answering the newest *Approved* package of a model-registry group
/// (props: `modelPackageGroupName`).
pub const APPROVED_MODEL_PACKAGE_PLUGIN: &str = "sagecdk/sagemaker-approved-model-package";

/// The template metadata key of a state machine running SageMaker jobs, for `sagecdk run`:
/// `{"job": "training-job" | "transform-job", "jobNamePrefix": …, "inputs": [execution input
/// keys it reads]}`.
pub const JOB_METADATA: &str = "sagecdk:job";

/// One metadata entry (`{type, data, trace?}`) of a construct.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetadataEntry {
    /// Entry type, e.g. `aws:cdk:logicalId`, `aws:cdk:error`, `aws:cdk:warning`.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// The payload (a string for most types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
    /// Creation stack trace, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<String>>,
}

/// Properties of an `aws:cloudformation:stack` artifact, as the default stack synthesizer
/// writes them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StackProperties {
    /// Template file name, relative to the assembly directory.
    pub template_file: String,
    /// Deploy-time parameter values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<IndexMap<String, String>>,
    /// Whether termination protection is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_protection: Option<bool>,
    /// Stack-level tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<IndexMap<String, String>>,
    /// Whether the CLI validates the template at synth time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate_on_synth: Option<bool>,
    /// SNS topics for stack events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_arns: Option<Vec<String>>,
    /// External id used when assuming the deploy role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role_external_id: Option<String>,
    /// Role the CLI assumes to deploy (with `${AWS::Partition}` placeholders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role_arn: Option<String>,
    /// Role CloudFormation uses to create the resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_formation_execution_role_arn: Option<String>,
    /// `s3://` URL of the template in the bootstrap bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_template_asset_object_url: Option<String>,
    /// Minimum bootstrap stack version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_bootstrap_stack_version: Option<u32>,
    /// SSM parameter holding the bootstrap version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap_stack_version_ssm_parameter: Option<String>,
    /// Artifacts to deploy before this stack that are not stacks (its asset manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_dependencies: Option<Vec<String>>,
    /// Role for context lookups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_role: Option<LookupRole>,
    /// The deployed stack name, when it differs from the artifact id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_name: Option<String>,
}

/// The lookup role of a stack artifact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LookupRole {
    /// Role ARN with placeholders.
    pub arn: String,
    /// External id for `sts:AssumeRole`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role_external_id: Option<String>,
    /// Minimum bootstrap stack version that has this role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_bootstrap_stack_version: Option<u32>,
    /// SSM parameter holding the bootstrap version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap_stack_version_ssm_parameter: Option<String>,
}

/// Properties of a `cdk:asset-manifest` artifact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetManifestProperties {
    /// The asset manifest file, relative to the assembly directory.
    pub file: String,
    /// Minimum bootstrap stack version for publishing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_bootstrap_stack_version: Option<u32>,
    /// SSM parameter holding the bootstrap version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap_stack_version_ssm_parameter: Option<String>,
}

#[cfg(test)]
mod version_tests {
    use super::*;

    fn manifest(version: &str) -> AssemblyManifest {
        AssemblyManifest {
            version: version.into(),
            artifacts: IndexMap::new(),
            missing: None,
            minimum_cli_version: None,
        }
    }

    #[test]
    fn schema_versions() {
        for ok in [
            "55.0.0",
            "55.9.1",
            "36.0.0",
            "1.0.0",
            "55.1.0-beta.1",
            SCHEMA_VERSION,
        ] {
            assert!(check_schema_version(&manifest(ok)).is_ok(), "{ok}");
        }
        let err = check_schema_version(&manifest("56.0.0")).expect_err("newer");
        assert!(
            err.contains("newer than this sagecdk reads (up to 55.x.x)"),
            "{err}"
        );
        let mut m = manifest("99.1.0");
        m.minimum_cli_version = Some("2.1200.0".into());
        let err = check_schema_version(&m).expect_err("newer");
        assert!(err.contains("2.1200.0"), "{err}");
        for bad in ["", "55", "55.0", "v55.0.0", "55.0.0.0", "a.b.c", "55..0"] {
            let err = check_schema_version(&manifest(bad)).expect_err(bad);
            assert!(
                err.contains("invalid cloud assembly schema version"),
                "{err}"
            );
        }
    }
}
