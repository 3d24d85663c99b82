//! The target AWS environment: credentials and region from the standard chain, the account from
//! STS, manifest placeholders, bootstrap roles and the bootstrap version check.

use crate::error::{DeployError, Result, aws};
use crate::network::{RecordEndpoint, Timeouts};
use crate::progress::{Reporter, Silent};
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The default bootstrap qualifier.
pub use sagecdk_assembly::bootstrap::DEFAULT_QUALIFIER;
/// The name of the bootstrap stack.
pub const TOOLKIT_STACK_NAME: &str = "CDKToolkit";

/// How to find credentials and region.
#[derive(Debug, Clone, Default)]
pub struct EnvironmentOptions {
    /// A named profile of the shared config files (`--profile`).
    pub profile: Option<String>,
}

/// A resolved account and region with the base credentials.
#[derive(Debug, Clone)]
pub struct AwsEnvironment {
    /// The account id.
    pub account: String,
    /// The region.
    pub region: String,
    /// The partition (`aws`, `aws-cn`, …).
    pub partition: String,
    base: SdkConfig,
    /// The account of the base credentials (the environment's may be another).
    caller_account: String,
    /// Hears the warnings of role assumption.
    reporter: Arc<dyn Reporter>,
}

/// Loads the base SDK configuration: standard credential chain (environment, profiles, SSO,
/// web identity, container and instance metadata), region, `AWS_ENDPOINT_URL`, connect and read
/// timeouts ([`Timeouts`]), and a retry policy with exponential backoff for throttling,
/// transient errors and timeouts.
pub async fn load_config(options: &EnvironmentOptions, region: Option<&str>) -> Result<SdkConfig> {
    let timeouts = Timeouts::from_env().map_err(DeployError::Invalid)?;
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts.api())
        .retry_config(
            // At most about 15 s of waiting per call (0.5 + 1 + 2 + 4 + 8 s), so a deployment
            // whose endpoint goes away fails in bounded time instead of hanging on.
            RetryConfig::standard()
                .with_max_attempts(6)
                .with_initial_backoff(Duration::from_millis(500))
                .with_max_backoff(Duration::from_secs(8)),
        );
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_string()));
    }
    Ok(loader.load().await)
}

/// Splits `aws://account/region`.
pub fn parse_environment(env: &str) -> Result<(String, String)> {
    let rest = env.strip_prefix("aws://").ok_or_else(|| {
        DeployError::Invalid(format!(
            "invalid environment '{env}': expected aws://<account>/<region>"
        ))
    })?;
    let (account, region) = rest.split_once('/').ok_or_else(|| {
        DeployError::Invalid(format!(
            "invalid environment '{env}': expected aws://<account>/<region>"
        ))
    })?;
    Ok((account.to_string(), region.to_string()))
}

fn is_unknown(value: &str) -> bool {
    value.is_empty() || value.starts_with("unknown-")
}

/// Checks that the profile named by `--profile` or `AWS_PROFILE` is defined in the shared
/// config or credentials file: otherwise the SDK would quietly go without it and fail later
/// for want of a region or credentials, without saying why.
async fn check_named_profile(options: &EnvironmentOptions) -> Result<()> {
    use aws_runtime::env_config::file::EnvConfigFiles;
    use aws_types::os_shim_internal::{Env, Fs};
    let from_env = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
    let (profile, given_by) = match (&options.profile, from_env) {
        (Some(profile), _) => (profile.clone(), "--profile"),
        (None, Some(profile)) => (profile, "AWS_PROFILE"),
        (None, None) => return Ok(()),
    };
    // The files as the SDK finds them: the variables, else the defaults in the home directory.
    let file = |var: &str, default: &str| {
        std::env::var(var)
            .ok()
            .filter(|p| !p.is_empty())
            .map_or_else(|| default.to_string(), |p| format!("{p} ({var})"))
    };
    let files = format!(
        "{} and {}",
        file("AWS_CONFIG_FILE", "~/.aws/config"),
        file("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")
    );
    let set = aws_config::profile::load(
        &Fs::real(),
        &Env::real(),
        &EnvConfigFiles::default(),
        Some(profile.clone().into()),
    )
    .await
    .map_err(|e| {
        DeployError::Invalid(format!("could not read the AWS config files {files}: {e}"))
    })?;
    if set.get_profile(&profile).is_none() {
        return Err(DeployError::UnknownProfile {
            profile,
            given_by: given_by.to_string(),
            files,
        });
    }
    Ok(())
}

impl AwsEnvironment {
    /// Resolves `aws://account/region` (either may be `unknown-…`) with the default credentials.
    /// The caller's identity (STS `GetCallerIdentity`) gives the account and the partition.
    pub async fn resolve(options: &EnvironmentOptions, environment: &str) -> Result<Self> {
        let (account, region) = parse_environment(environment)?;
        check_named_profile(options).await?;
        let base = load_config(options, (!is_unknown(&region)).then_some(region.as_str())).await?;
        let region = base
            .region()
            .map(|r| r.to_string())
            .ok_or(DeployError::NoRegion)?;
        let provider = base
            .credentials_provider()
            .ok_or_else(|| DeployError::NoCredentials("no credential provider".into()))?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| DeployError::NoCredentials(e.to_string()))?;
        let identity = Self::sts(&base)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| {
                let from = credential_source(options, credentials.access_key_id());
                aws("STS GetCallerIdentity", e).with_credential_source(&from)
            })?;
        let caller_account = identity.account().unwrap_or_default().to_string();
        let partition = identity
            .arn()
            .and_then(|arn| arn.split(':').nth(1))
            .filter(|p| !p.is_empty())
            .unwrap_or("aws")
            .to_string();
        let account = if is_unknown(&account) {
            caller_account.clone()
        } else {
            account
        };
        Ok(AwsEnvironment {
            account,
            region,
            partition,
            base,
            caller_account,
            reporter: Arc::new(Silent),
        })
    }

    /// The environment with `reporter` hearing its warnings (default: [`Silent`]).
    pub fn with_reporter(mut self, reporter: Arc<dyn Reporter>) -> Self {
        self.reporter = reporter;
        self
    }

    /// Refuses to `action` the environment with credentials of another account: without a
    /// role to assume there (bootstrapping creates those roles), every call would act on the
    /// caller's own account instead.
    pub fn require_caller_account(&self, action: &str) -> Result<()> {
        if self.caller_account == self.account {
            return Ok(());
        }
        Err(DeployError::WrongAccount {
            action: action.to_string(),
            environment: self.name(),
            account: self.account.clone(),
            caller_account: self.caller_account.clone(),
        })
    }

    /// `aws://account/region`.
    pub fn name(&self) -> String {
        format!("aws://{}/{}", self.account, self.region)
    }

    /// The base configuration (the caller's own credentials).
    pub fn base_config(&self) -> &SdkConfig {
        &self.base
    }

    /// Whether a custom endpoint (`AWS_ENDPOINT_URL`) is in use.
    pub fn custom_endpoint(&self) -> bool {
        self.base.endpoint_url().is_some()
    }

    /// Replaces `${AWS::AccountId}`, `${AWS::Region}` and `${AWS::Partition}`.
    pub fn replace_placeholders(&self, text: &str) -> String {
        text.replace("${AWS::AccountId}", &self.account)
            .replace("${AWS::Region}", &self.region)
            .replace("${AWS::Partition}", &self.partition)
    }

    /// A configuration for `role_arn` (placeholders replaced), in `region` (default: this
    /// environment's). When the role cannot be assumed, warns and falls back to the caller's
    /// credentials if they belong to the target account.
    pub async fn config_for_role(
        &self,
        role_arn: Option<&str>,
        external_id: Option<&str>,
        region: Option<&str>,
    ) -> Result<SdkConfig> {
        let region = region.map(|r| self.replace_placeholders(r));
        let mut base = self.base.clone();
        if let Some(region) = region.filter(|r| *r != self.region) {
            base = base.into_builder().region(Region::new(region)).build();
        }
        let Some(role_arn) = role_arn else {
            return Ok(base);
        };
        let role_arn = self.replace_placeholders(role_arn);
        let session = std::env::var("CDK_ROLE_SESSION_NAME")
            .unwrap_or_else(|_| format!("sagecdk-{}", user_name()));
        let mut builder = aws_config::sts::AssumeRoleProvider::builder(&role_arn)
            .session_name(session)
            .configure(&base);
        if let Some(id) = external_id {
            builder = builder.external_id(id);
        }
        let provider = builder.build().await;
        match provider.provide_credentials().await {
            Ok(_) => Ok(base
                .into_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build()),
            Err(e) => {
                if self.caller_account != self.account {
                    return Err(DeployError::NotBootstrapped(format!(
                        "could not assume role {role_arn} ({e}), and the current credentials are \
                         for account {} instead of {}. Bootstrap {} with 'sagecdk bootstrap' \
                         --trust {}, or use credentials of the target account",
                        self.caller_account,
                        self.account,
                        self.name(),
                        self.caller_account,
                    )));
                }
                self.reporter.message(&format!(
                    "current credentials could not be used to assume '{role_arn}', but are for \
                     the right account. Proceeding anyway."
                ));
                Ok(base)
            }
        }
    }

    /// Checks the bootstrap version in SSM (`/cdk-bootstrap/<qualifier>/version` unless the
    /// manifest names another parameter) against `required`.
    pub async fn check_bootstrap_version(
        &self,
        config: &SdkConfig,
        required: u32,
        parameter: Option<&str>,
    ) -> Result<u32> {
        let parameter = parameter.map_or_else(
            || sagecdk_assembly::bootstrap::version_parameter(DEFAULT_QUALIFIER),
            |p| self.replace_placeholders(p),
        );
        let Some(value) = ssm_parameter(config, &parameter).await? else {
            return Err(DeployError::NotBootstrapped(format!(
                "environment {} is not bootstrapped (SSM parameter {parameter} not found). Run \
                 'sagecdk bootstrap {}' first",
                self.name(),
                self.name()
            )));
        };
        let found: u32 = value.trim().parse().map_err(|_| {
            DeployError::NotBootstrapped(format!(
                "SSM parameter {parameter} holds '{value}', not a bootstrap version. Please run \
                 'sagecdk bootstrap {}'",
                self.name()
            ))
        })?;
        if found < required {
            return Err(DeployError::NotBootstrapped(format!(
                "This CDK deployment requires bootstrap stack version '{required}', found \
                 '{found}'. Please run 'sagecdk bootstrap'."
            )));
        }
        Ok(found)
    }

    /// A CloudFormation client.
    pub fn cloudformation(config: &SdkConfig) -> aws_sdk_cloudformation::Client {
        let builder =
            aws_sdk_cloudformation::config::Builder::from(config).interceptor(RecordEndpoint {
                service: "CloudFormation",
            });
        aws_sdk_cloudformation::Client::from_conf(builder.build())
    }

    /// An S3 client; path-style addressing when a custom endpoint is set; the longer read
    /// timeout of uploads.
    pub fn s3(config: &SdkConfig) -> aws_sdk_s3::Client {
        let mut builder = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .interceptor(RecordEndpoint { service: "S3" });
        if let Ok(timeouts) = Timeouts::from_env() {
            builder = builder.timeout_config(timeouts.upload());
        }
        aws_sdk_s3::Client::from_conf(builder.build())
    }

    /// An STS client.
    pub fn sts(config: &SdkConfig) -> aws_sdk_sts::Client {
        let builder = aws_sdk_sts::config::Builder::from(config)
            .interceptor(RecordEndpoint { service: "STS" });
        aws_sdk_sts::Client::from_conf(builder.build())
    }

    /// An ECR client.
    pub fn ecr(config: &SdkConfig) -> aws_sdk_ecr::Client {
        let builder = aws_sdk_ecr::config::Builder::from(config)
            .interceptor(RecordEndpoint { service: "ECR" });
        aws_sdk_ecr::Client::from_conf(builder.build())
    }

    /// A SageMaker client.
    pub fn sagemaker(config: &SdkConfig) -> aws_sdk_sagemaker::Client {
        let builder =
            aws_sdk_sagemaker::config::Builder::from(config).interceptor(RecordEndpoint {
                service: "SageMaker",
            });
        aws_sdk_sagemaker::Client::from_conf(builder.build())
    }

    /// A Step Functions client.
    pub fn step_functions(config: &SdkConfig) -> aws_sdk_sfn::Client {
        let builder = aws_sdk_sfn::config::Builder::from(config).interceptor(RecordEndpoint {
            service: "Step Functions",
        });
        aws_sdk_sfn::Client::from_conf(builder.build())
    }

    /// An SSM client.
    pub fn ssm(config: &SdkConfig) -> aws_sdk_ssm::Client {
        let builder = aws_sdk_ssm::config::Builder::from(config)
            .interceptor(RecordEndpoint { service: "SSM" });
        aws_sdk_ssm::Client::from_conf(builder.build())
    }
}

/// The value of SSM parameter `name`, `None` when there is no such parameter.
pub(crate) async fn ssm_parameter(config: &SdkConfig, name: &str) -> Result<Option<String>> {
    let out = AwsEnvironment::ssm(config)
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await;
    match out {
        Ok(out) => Ok(Some(
            out.parameter()
                .and_then(|p| p.value())
                .unwrap_or_default()
                .to_string(),
        )),
        Err(e) => {
            let err = aws("SSM GetParameter", e);
            if err.code() == Some("ParameterNotFound") {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// Where the default chain found the credentials with `access_key_id`: it tries the
/// environment variables first, then the profile.
fn credential_source(options: &EnvironmentOptions, access_key_id: &str) -> String {
    let set = |var: &str| std::env::var(var).ok().filter(|v| !v.is_empty());
    let from = if set("AWS_ACCESS_KEY_ID").is_some() {
        "the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".to_string()
    } else if let Some(profile) = &options.profile {
        format!("profile '{profile}' (--profile)")
    } else if let Some(profile) = set("AWS_PROFILE") {
        format!("profile '{profile}' (AWS_PROFILE)")
    } else {
        "the default profile or another source of the default credential chain (web identity, \
         container or instance metadata)"
            .to_string()
    };
    format!("{from}, access key ID {access_key_id}")
}

fn user_name() -> String {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "user".to_string());
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+=,.@-".contains(*c))
        .take(50)
        .collect();
    if clean.is_empty() {
        "user".to_string()
    } else {
        clean
    }
}

/// The environments of one command (deploy, diff, destroy), each resolved once, by whichever
/// caller asks first (a failed resolution is tried again by the next caller, which then
/// reports the error); every one reports to the command's reporter.
#[derive(Debug)]
pub(crate) struct Environments {
    options: EnvironmentOptions,
    reporter: Arc<dyn Reporter>,
    resolved: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<AwsEnvironment>>>>,
}

impl Environments {
    pub(crate) fn new(options: EnvironmentOptions, reporter: Arc<dyn Reporter>) -> Self {
        Environments {
            options,
            reporter,
            resolved: Mutex::default(),
        }
    }

    /// The environments reporting to `reporter` instead (none resolved yet).
    pub(crate) fn with_reporter(self, reporter: Arc<dyn Reporter>) -> Self {
        Self::new(self.options, reporter)
    }

    /// The resolved environment `aws://account/region`.
    pub(crate) async fn get(&self, environment: &str) -> Result<AwsEnvironment> {
        let cell = self
            .resolved
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(environment.to_string())
            .or_default()
            .clone();
        cell.get_or_try_init(|| async {
            let env = AwsEnvironment::resolve(&self.options, environment).await?;
            Ok(env.with_reporter(self.reporter.clone()))
        })
        .await
        .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_environments() {
        assert_eq!(
            parse_environment("aws://123456789012/us-west-2").unwrap(),
            ("123456789012".to_string(), "us-west-2".to_string())
        );
        assert!(parse_environment("123456789012/us-west-2").is_err());
        assert!(is_unknown("unknown-account"));
    }
}
