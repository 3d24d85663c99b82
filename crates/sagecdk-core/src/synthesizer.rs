//! The default stack synthesizer: the bootstrap conventions (qualifier, bucket, repository and
//! roles) and where assets are published, exactly as the CDK's `DefaultStackSynthesizer`.

use crate::fns;
use crate::value::Str;
use sagecdk_assembly::assets::{DockerImageDestination, FileDestination};
use sha2::{Digest, Sha256};

pub use sagecdk_assembly::bootstrap::DEFAULT_QUALIFIER;
use sagecdk_assembly::bootstrap::{
    BootstrapRole, FILE_ASSETS_BUCKET_NAME, IMAGE_ASSETS_REPOSITORY_NAME, VERSION_PARAMETER_NAME,
};
/// Bootstrap stack version the generated templates require.
pub const REQUIRED_BOOTSTRAP_VERSION: u32 = 6;
/// Bootstrap stack version that has the lookup role.
pub const LOOKUP_ROLE_BOOTSTRAP_VERSION: u32 = 8;

/// Settings of the default stack synthesizer; every name may use the placeholders
/// `${Qualifier}`, `${AWS::AccountId}`, `${AWS::Region}` and `${AWS::Partition}`.
#[derive(Clone, Debug)]
pub struct DefaultStackSynthesizer {
    /// Bootstrap qualifier (default: context `@aws-cdk/core:bootstrapQualifier`, else `hnb659fds`).
    pub qualifier: Option<String>,
    /// Staging bucket for file assets.
    pub file_assets_bucket_name: String,
    /// ECR repository for image assets.
    pub image_assets_repository_name: String,
    /// Role the CLI assumes to deploy.
    pub deploy_role_arn: String,
    /// External id for the deploy role.
    pub deploy_role_external_id: Option<String>,
    /// Role CloudFormation uses.
    pub cloud_formation_execution_role: String,
    /// Role that publishes file assets.
    pub file_asset_publishing_role_arn: String,
    /// External id for the file publishing role.
    pub file_asset_publishing_external_id: Option<String>,
    /// Role that publishes image assets.
    pub image_asset_publishing_role_arn: String,
    /// External id for the image publishing role.
    pub image_asset_publishing_external_id: Option<String>,
    /// Role for context lookups.
    pub lookup_role_arn: String,
    /// Prefix of S3 object keys.
    pub bucket_prefix: String,
    /// Prefix of image tags.
    pub docker_tag_prefix: String,
    /// Add the `BootstrapVersion` parameter and `CheckBootstrapVersion` rule.
    pub generate_bootstrap_version_rule: bool,
    /// SSM parameter holding the bootstrap version.
    pub bootstrap_stack_version_ssm_parameter: String,
}

impl Default for DefaultStackSynthesizer {
    fn default() -> Self {
        DefaultStackSynthesizer {
            qualifier: None,
            file_assets_bucket_name: FILE_ASSETS_BUCKET_NAME.into(),
            image_assets_repository_name: IMAGE_ASSETS_REPOSITORY_NAME.into(),
            deploy_role_arn: BootstrapRole::Deploy.arn(),
            deploy_role_external_id: None,
            cloud_formation_execution_role: BootstrapRole::CloudFormationExecution.arn(),
            file_asset_publishing_role_arn: BootstrapRole::FilePublishing.arn(),
            file_asset_publishing_external_id: None,
            image_asset_publishing_role_arn: BootstrapRole::ImagePublishing.arn(),
            image_asset_publishing_external_id: None,
            lookup_role_arn: BootstrapRole::Lookup.arn(),
            bucket_prefix: String::new(),
            docker_tag_prefix: String::new(),
            generate_bootstrap_version_rule: true,
            bootstrap_stack_version_ssm_parameter: VERSION_PARAMETER_NAME.into(),
        }
    }
}

/// The synthesizer bound to one stack's environment: placeholders for known values replaced.
#[derive(Clone, Debug)]
pub(crate) struct BoundSynthesizer {
    pub(crate) settings: DefaultStackSynthesizer,
    pub(crate) qualifier: String,
    pub(crate) account: Option<String>,
    pub(crate) region: Option<String>,
}

impl BoundSynthesizer {
    /// Replaces `${Qualifier}` always, and the account and region when the stack has them.
    pub(crate) fn specialize(&self, s: &str) -> String {
        let mut out = s.replace("${Qualifier}", &self.qualifier);
        if let Some(a) = &self.account {
            out = out.replace("${AWS::AccountId}", a);
        }
        if let Some(r) = &self.region {
            out = out.replace("${AWS::Region}", r);
        }
        out
    }

    pub(crate) fn bucket_name(&self) -> String {
        self.specialize(&self.settings.file_assets_bucket_name)
    }

    pub(crate) fn repository_name(&self) -> String {
        self.specialize(&self.settings.image_assets_repository_name)
    }

    pub(crate) fn ssm_parameter(&self) -> String {
        self.specialize(&self.settings.bootstrap_stack_version_ssm_parameter)
    }

    fn region_or_placeholder(&self) -> String {
        self.region
            .clone()
            .unwrap_or_else(|| "${AWS::Region}".into())
    }

    fn account_or_placeholder(&self) -> String {
        self.account
            .clone()
            .unwrap_or_else(|| "${AWS::AccountId}".into())
    }

    /// The destination id prefix: `<account|current_account>-<region|current_region>-`.
    fn destination_id(&self, destination_json: &serde_json::Value) -> String {
        let text = sagecdk_assembly::json::to_js_json(destination_json, 0);
        let digest = Sha256::digest(text.as_bytes());
        let hex = crate::logical_id::hex_lower(&digest);
        format!(
            "{}-{}-{}",
            self.account.as_deref().unwrap_or("current_account"),
            self.region.as_deref().unwrap_or("current_region"),
            &hex[..8]
        )
    }

    pub(crate) fn file_destination(&self, object_key: &str) -> (String, FileDestination) {
        let dest = FileDestination {
            bucket_name: self.bucket_name(),
            object_key: object_key.to_string(),
            region: self.region.clone(),
            assume_role_arn: Some(self.specialize(&self.settings.file_asset_publishing_role_arn)),
            assume_role_external_id: self.settings.file_asset_publishing_external_id.clone(),
        };
        let json = serde_json::to_value(&dest).unwrap_or_default();
        (self.destination_id(&json), dest)
    }

    pub(crate) fn image_destination(&self, image_tag: &str) -> (String, DockerImageDestination) {
        let dest = DockerImageDestination {
            repository_name: self.repository_name(),
            image_tag: image_tag.to_string(),
            region: self.region.clone(),
            assume_role_arn: Some(self.specialize(&self.settings.image_asset_publishing_role_arn)),
            assume_role_external_id: self.settings.image_asset_publishing_external_id.clone(),
        };
        let json = serde_json::to_value(&dest).unwrap_or_default();
        (self.destination_id(&json), dest)
    }

    /// Where a file asset lands, as template values.
    pub(crate) fn file_location(&self, object_key: &str) -> FileAssetLocation {
        let bucket = self.bucket_name();
        let http = format!(
            "https://s3.{}.${{AWS::URLSuffix}}/{bucket}/{object_key}",
            self.region_or_placeholder()
        );
        let s3_placeholders = format!("s3://{bucket}/{object_key}");
        FileAssetLocation {
            bucket_name: cfnify(&bucket),
            object_key: object_key.to_string(),
            http_url: cfnify(&http),
            s3_object_url: cfnify(&s3_placeholders),
            s3_object_url_with_placeholders: s3_placeholders,
        }
    }

    /// Where an image asset lands, as template values.
    pub(crate) fn image_location(&self, image_tag: &str) -> DockerImageAssetLocation {
        let repo = self.repository_name();
        let uri = format!(
            "{}.dkr.ecr.{}.${{AWS::URLSuffix}}/{repo}:{image_tag}",
            self.account_or_placeholder(),
            self.region_or_placeholder()
        );
        DockerImageAssetLocation {
            image_uri: cfnify(&uri),
            repository_name: cfnify(&repo),
            image_tag: image_tag.to_string(),
        }
    }
}

/// A string with `${…}` placeholders becomes `Fn::Sub`; one without stays literal.
pub(crate) fn cfnify(s: &str) -> Str {
    if s.contains("${") {
        fns::sub(s)
    } else {
        Str::literal(s)
    }
}

/// Where a file asset is published, as values usable in templates.
#[derive(Clone, Debug)]
pub struct FileAssetLocation {
    /// The staging bucket's name.
    pub bucket_name: Str,
    /// The object key in the bucket.
    pub object_key: String,
    /// `https://s3.<region>.<urlSuffix>/<bucket>/<key>`.
    pub http_url: Str,
    /// `s3://<bucket>/<key>`.
    pub s3_object_url: Str,
    /// `s3://<bucket>/<key>` with `${…}` placeholders left in.
    pub s3_object_url_with_placeholders: String,
}

/// Where an image asset is published, as values usable in templates.
#[derive(Clone, Debug)]
pub struct DockerImageAssetLocation {
    /// `<account>.dkr.ecr.<region>.<urlSuffix>/<repository>:<tag>`.
    pub image_uri: Str,
    /// The repository's name.
    pub repository_name: Str,
    /// The image tag.
    pub image_tag: String,
}

/// How a file asset is packaged for upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileAssetPackaging {
    /// Upload the file as is.
    File,
    /// Zip a directory and upload the archive.
    ZipDirectory,
}

/// A file asset to register with a stack.
#[derive(Clone, Debug)]
pub struct FileAssetSource {
    /// The asset hash (S3 key stem and manifest key).
    pub source_hash: String,
    /// Name of the staged file or directory, relative to the cloud assembly.
    pub file_name: String,
    /// How it is packaged.
    pub packaging: FileAssetPackaging,
    /// Shown by the CLI (usually the stack-relative construct path).
    pub display_name: Option<String>,
}

/// A Docker image asset to register with a stack.
#[derive(Clone, Debug, Default)]
pub struct DockerImageAssetSource {
    /// The asset hash (image tag and manifest key).
    pub source_hash: String,
    /// Name of the staged build context directory, relative to the cloud assembly.
    pub directory_name: String,
    /// Shown by the CLI.
    pub display_name: Option<String>,
    /// Build arguments.
    pub docker_build_args: Option<indexmap::IndexMap<String, String>>,
    /// Build secrets.
    pub docker_build_secrets: Option<indexmap::IndexMap<String, String>>,
    /// SSH agent socket or keys.
    pub docker_build_ssh: Option<String>,
    /// Target stage.
    pub docker_build_target: Option<String>,
    /// Dockerfile relative to the context.
    pub docker_file: Option<String>,
    /// Network mode during build.
    pub network_mode: Option<String>,
    /// Target platform.
    pub platform: Option<String>,
    /// Build outputs.
    pub docker_outputs: Option<Vec<String>>,
}

/// File extension as Node's `path.extname`: from the last `.` of the last path component,
/// unless that dot starts the name.
pub(crate) fn extname(name: &str) -> &str {
    let base = name.rsplit('/').next().unwrap_or(name);
    match base.rfind('.') {
        Some(0) | None => "",
        Some(i) => &base[i..],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(account: Option<&str>, region: Option<&str>) -> BoundSynthesizer {
        BoundSynthesizer {
            settings: DefaultStackSynthesizer::default(),
            qualifier: DEFAULT_QUALIFIER.into(),
            account: account.map(Into::into),
            region: region.map(Into::into),
        }
    }

    #[test]
    fn golden_destination_ids() {
        let env = bound(Some("123456789012"), Some("us-west-2"));
        let key = "66ac51d5006eaf7bd98276ec82837ecbf71ee13e8e60543f0143c139d5c2fd39.gz";
        assert_eq!(
            env.file_destination(key).0,
            "123456789012-us-west-2-fb550222"
        );
        let tag = "ce3de9e7f57f21b1165354cd1267582d14be865792f33f4924f6ae96d55d3d07";
        assert_eq!(
            env.image_destination(tag).0,
            "123456789012-us-west-2-9405f5c2"
        );
        let agnostic = bound(None, None);
        assert_eq!(
            agnostic.file_destination(key).0,
            "current_account-current_region-a0575fed"
        );
        assert_eq!(
            agnostic.image_destination(tag).0,
            "current_account-current_region-140ae1b6"
        );
    }

    #[test]
    fn extname_matches_node() {
        assert_eq!(extname("asset.abc.tar.gz"), ".gz");
        assert_eq!(extname("a/b.json"), ".json");
        assert_eq!(extname(".hidden"), "");
        assert_eq!(extname("dir"), "");
    }
}
