//! Deploying the stacks of a cloud assembly: environment, version check, approval of security
//! changes, assets, change set.

use crate::assets::{AssetPublisher, PublishOptions, StackAssets, stack_asset_manifests};
use crate::diff::deployed_template;
use crate::environment::{AwsEnvironment, EnvironmentOptions, Environments, TOOLKIT_STACK_NAME};
use crate::error::{DeployError, Result};
use crate::order::DeploymentOrder;
use crate::progress::{ApprovalRequest, Reporter, Silent, StackPhase};
use crate::security::{RequireApproval, security_diff};
use crate::stack::{
    DeployResult, MAX_TEMPLATE_BODY, ParameterValue, StackDeployment, TemplateSource, deploy_stack,
    describe_stack,
};
use indexmap::IndexMap;
use sagecdk_assembly::{CloudAssembly, StackArtifact};
use std::future::Future;
use std::sync::Arc;

/// Options of `deploy`.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// Credentials and region.
    pub environment: EnvironmentOptions,
    /// Create change sets without executing them.
    pub no_execute: bool,
    /// Deploy even when nothing changed, and republish assets.
    pub force: bool,
    /// Which IAM / security group changes need the reporter's approval. The default here is
    /// [`RequireApproval::Never`] (a library asks nothing unless told to); the command line's
    /// default is [`RequireApproval::Broadening`], as in the AWS CDK.
    pub require_approval: RequireApproval,
    /// Shows the progress and messages and asks for approvals (default: [`Silent`], which
    /// approves nothing).
    pub reporter: Arc<dyn Reporter>,
    /// Part sizes and parallelism of asset publishing.
    pub assets: PublishOptions,
    /// The bootstrap stack, whose bucket takes templates too large to pass inline (default
    /// `CDKToolkit`).
    pub toolkit_stack_name: String,
    /// Parameter values given on the command line: for one stack (by its display name or
    /// stack name) or, without one, for every stack that has the parameter.
    pub parameters: Vec<ParameterOverride>,
    /// Tags for every stack, over the stacks' own.
    pub tags: IndexMap<String, String>,
    /// Keep what was changed when an update fails, instead of rolling back.
    pub no_rollback: bool,
    /// How many stacks deploy at the same time (at least one); a stack starts once the stacks
    /// it depends on are deployed.
    pub concurrency: usize,
}

/// A parameter value from the command line (`--parameters [STACK:]KEY=VALUE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterOverride {
    /// The stack it is for (display name or stack name); `None` for all.
    pub stack: Option<String>,
    /// The parameter.
    pub key: String,
    /// Its value.
    pub value: String,
}

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions {
            environment: EnvironmentOptions::default(),
            no_execute: false,
            force: false,
            require_approval: RequireApproval::Never,
            reporter: Arc::new(Silent),
            assets: PublishOptions::default(),
            parameters: Vec::new(),
            tags: IndexMap::new(),
            no_rollback: false,
            concurrency: 1,
            toolkit_stack_name: TOOLKIT_STACK_NAME.to_string(),
        }
    }
}

/// `s3://bucket/key` → `https://s3.<region>.amazonaws.com/bucket/key` (path style).
pub fn s3_url_to_https(url: &str, region: &str) -> Result<String> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| DeployError::Invalid(format!("not an s3:// URL: {url}")))?;
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Ok(format!("https://s3.{region}.{suffix}/{rest}"))
}

/// Deploys the given stacks (already in dependency order) of `assembly`: one after the other,
/// or up to [`DeployOptions::concurrency`] at once, each starting when the stacks it depends on
/// are done (after a failure no further stack starts; those under way are followed to their
/// end). Environments are resolved once each. The reporter hears when each stack starts and is
/// done; the results are in the order of `stacks`.
///
/// The assets of all the stacks start publishing at once, in the background (bounded by
/// [`DeployOptions::assets`]), each destination once however many stacks share it, as in the
/// AWS CDK; a stack is deployed once its own assets are published, so later stacks' assets
/// upload while earlier stacks deploy.
pub async fn deploy_stacks(
    assembly: &CloudAssembly,
    stacks: &[StackArtifact],
    options: &DeployOptions,
) -> Result<Vec<DeployResult>> {
    let publisher = asset_publisher(assembly, options)?;
    let environments = Arc::new(Environments::new(
        options.environment.clone(),
        options.reporter.clone(),
    ));
    // Per stack, until it starts: its assets' publication (under way) and its template.
    let mut pending = Vec::with_capacity(stacks.len());
    for stack in stacks {
        let template = stack.template()?;
        let manifests = if has_resources(&template) {
            stack_asset_manifests(assembly, &stack.other_dependencies)?
        } else {
            Vec::new()
        };
        let (environments, publisher, stack) =
            (environments.clone(), publisher.clone(), stack.clone());
        let publication = Background(tokio::spawn(async move {
            let env = environments.get(&stack.environment).await?;
            publish_stack_assets(&env, &stack, &manifests, &publisher).await
        }));
        pending.push(Some((publication, template)));
    }
    let mut order = DeploymentOrder::new(stacks);
    let concurrency = options.concurrency.max(1);
    let mut results: Vec<Option<DeployResult>> = vec![None; stacks.len()];
    let mut deployed: Vec<String> = Vec::new();
    let mut running = futures_util::stream::FuturesUnordered::new();
    // The first failure: the stack's position and the error.
    let mut failure: Option<(usize, DeployError)> = None;
    let mut started = 0;
    loop {
        while failure.is_none() && running.len() < concurrency {
            let Some(i) = order.start_next(|j| results[j].is_some()) else {
                break;
            };
            started += 1;
            let Some((publication, template)) = pending[i].take() else {
                break;
            };
            let stack = &stacks[i];
            let environments = &environments;
            let position = started;
            running.push(async move {
                let result = async {
                    options.reporter.stack_started(stack);
                    let env = environments.get(&stack.environment).await?;
                    options.reporter.message(&format!(
                        "{}: deploying... [{position}/{}]",
                        stack.display_name,
                        stacks.len()
                    ));
                    let mut publication = publication;
                    let assets = async {
                        (&mut publication.0).await.map_err(|e| {
                            DeployError::Invalid(format!(
                                "{}: asset publishing failed: {e}",
                                stack.display_name
                            ))
                        })?
                    };
                    deploy_with_assets(&env, stack, template, options, assets).await
                }
                .await;
                (i, result)
            });
        }
        let Some((i, result)) = futures_util::StreamExt::next(&mut running).await else {
            break;
        };
        match result {
            Ok(result) => {
                let stack = &stacks[i];
                options.reporter.message(&format!(
                    "\n ✅  {}{}",
                    stack.display_name,
                    if result.no_op { " (no changes)" } else { "" }
                ));
                options.reporter.stack_done(stack, &result);
                deployed.push(stack.display_name.clone());
                results[i] = Some(result);
            }
            // No further stack starts; those under way are followed to their end. The first
            // failure is the error; later ones are reported as they come.
            Err(e) => match &failure {
                None => failure = Some((i, e)),
                Some(_) => options
                    .reporter
                    .message(&format!("{}: {e}", stacks[i].display_name)),
            },
        }
    }
    // Said once every stack under way has ended: the stacks deployed by then.
    if let Some((i, e)) = failure {
        let e = e.interrupted(&stacks[i].display_name, &deployed);
        return Err(e);
    }
    Ok(results.into_iter().flatten().collect())
}

/// A background task, aborted when dropped (when the deployment stops early, the assets of
/// stacks it will not reach stop publishing).
struct Background<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for Background<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The publisher of the assets of `assembly` for a deployment with `options`.
fn asset_publisher(
    assembly: &CloudAssembly,
    options: &DeployOptions,
) -> Result<Arc<AssetPublisher>> {
    Ok(Arc::new(
        AssetPublisher::new(assembly.dir(), options.assets.clone(), options.force)?
            .with_reporter(options.reporter.clone()),
    ))
}

/// Publishes the asset manifests of `stack` (checking the bootstrap version each requires
/// first).
async fn publish_stack_assets(
    env: &AwsEnvironment,
    stack: &StackArtifact,
    manifests: &[StackAssets],
    publisher: &Arc<AssetPublisher>,
) -> Result<()> {
    if manifests.is_empty() {
        return Ok(());
    }
    let deploy_config = deploy_role_config(env, stack).await?;
    for assets in manifests {
        if let Some(required) = assets.requires_bootstrap_stack_version {
            env.check_bootstrap_version(
                &deploy_config,
                required,
                assets.bootstrap_stack_version_ssm_parameter.as_deref(),
            )
            .await?;
        }
    }
    let prefix = format!("{}: ", stack.display_name);
    let publications = manifests
        .iter()
        .map(|assets| publisher.publish_manifest(env, &assets.manifest, &prefix));
    let mut first_error = None;
    for result in futures_util::future::join_all(publications).await {
        if let Err(e) = result {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

fn has_resources(template: &serde_json::Value) -> bool {
    template
        .get("Resources")
        .and_then(|r| r.as_object())
        .is_some_and(|r| !r.is_empty())
}

/// The deployment role's configuration for `stack`.
pub(crate) async fn deploy_role_config(
    env: &AwsEnvironment,
    stack: &StackArtifact,
) -> Result<aws_config::SdkConfig> {
    let props = &stack.properties;
    env.config_for_role(
        props.assume_role_arn.as_deref(),
        props.assume_role_external_id.as_deref(),
        None,
    )
    .await
}

/// What CloudFormation gets for `stack`: its template from `source`, the parameters, tags,
/// execution role and notification topics of the manifest.
pub(crate) fn stack_deployment(
    env: &AwsEnvironment,
    stack: &StackArtifact,
    template: serde_json::Value,
    source: TemplateSource,
    options: &DeployOptions,
) -> StackDeployment {
    let props = &stack.properties;
    let parameters = {
        let mut values: IndexMap<String, ParameterValue> = props
            .parameters
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), ParameterValue::Value(v.clone())))
            .collect();
        for p in &options.parameters {
            let for_this = p.stack.as_deref().is_none_or(|s| {
                s == stack.display_name || s == stack.stack_name() || s == stack.id
            });
            let declared = template["Parameters"].get(&p.key).is_some();
            if for_this && (declared || p.stack.is_some()) {
                values.insert(p.key.clone(), ParameterValue::Value(p.value.clone()));
            }
        }
        values
    };
    StackDeployment {
        stack_name: stack.stack_name().to_string(),
        template,
        source,
        parameters,
        tags: {
            let mut tags = props.tags.clone().unwrap_or_default();
            tags.extend(options.tags.clone());
            tags
        },
        no_rollback: options.no_rollback,
        execution_role_arn: props
            .cloud_formation_execution_role_arn
            .as_deref()
            .map(|r| env.replace_placeholders(r)),
        notification_arns: props.notification_arns.clone().unwrap_or_default(),
        no_execute: options.no_execute,
        force: options.force,
    }
}

/// The template passed inline when small enough, else uploaded to the bucket of the bootstrap
/// stack `toolkit_stack_name`.
pub(crate) async fn local_template_source(
    env: &AwsEnvironment,
    cfn: &aws_sdk_cloudformation::Client,
    stack: &StackArtifact,
    toolkit_stack_name: &str,
) -> Result<TemplateSource> {
    let body = std::fs::read_to_string(&stack.template_path)
        .map_err(DeployError::io(&stack.template_path))?;
    if body.len() <= MAX_TEMPLATE_BODY {
        Ok(TemplateSource::Body(body))
    } else {
        Ok(TemplateSource::Url(
            upload_large_template(env, cfn, stack, &body, toolkit_stack_name).await?,
        ))
    }
}

/// Asks the reporter to approve the IAM and security group changes of `stack` when the
/// approval level requires it (the deployed template against `template`, before the stack is
/// changed).
async fn check_approval(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &StackArtifact,
    template: &serde_json::Value,
    options: &DeployOptions,
) -> Result<()> {
    if options.require_approval == RequireApproval::Never {
        return Ok(());
    }
    let deployed = match deployed_template(cfn, stack.stack_name()).await {
        Ok(t) => t,
        // A deployed template that cannot be read as JSON: compare with nothing, so that every
        // statement and rule counts as new (asking too much rather than too little).
        Err(DeployError::Invalid(_)) => None,
        Err(e) => return Err(e),
    };
    let changes = security_diff(
        deployed.as_ref().unwrap_or(&serde_json::Value::Null),
        template,
    );
    if !options.require_approval.requires(&changes) {
        return Ok(());
    }
    let request = ApprovalRequest {
        stack: stack.display_name.clone(),
        level: options.require_approval,
        changes,
    };
    let reporter = options.reporter.clone();
    // The reporter may block on a terminal: keep it off the runtime's worker threads.
    let answer = tokio::task::spawn_blocking(move || reporter.approve(&request))
        .await
        .map_err(|e| DeployError::Invalid(format!("the approval prompt failed: {e}")))?;
    match answer {
        Ok(true) => Ok(()),
        Ok(false) => Err(DeployError::NotApproved(format!(
            "{}: deployment not approved; nothing was changed",
            stack.display_name
        ))),
        Err(why) => Err(DeployError::NotApproved(why)),
    }
}

/// Deploys one stack artifact into `env`, publishing its assets first (after the approval of
/// its security changes).
pub async fn deploy_artifact(
    env: &AwsEnvironment,
    assembly: &CloudAssembly,
    stack: &StackArtifact,
    options: &DeployOptions,
) -> Result<DeployResult> {
    let publisher = asset_publisher(assembly, options)?;
    let manifests = stack_asset_manifests(assembly, &stack.other_dependencies)?;
    let assets = Box::pin(publish_stack_assets(env, stack, &manifests, &publisher));
    deploy_with_assets(env, stack, stack.template()?, options, assets).await
}

/// Deploys `stack` (its `template` as read) once `assets` (the publication of its assets) is
/// done: a stack without resources is skipped, then the bootstrap version and the approval of
/// security changes are checked, then the assets awaited, then the change set deployed.
async fn deploy_with_assets(
    env: &AwsEnvironment,
    stack: &StackArtifact,
    template: serde_json::Value,
    options: &DeployOptions,
    assets: impl Future<Output = Result<()>>,
) -> Result<DeployResult> {
    let props = &stack.properties;
    let reporter = options.reporter.as_ref();
    reporter.phase(stack.stack_name(), StackPhase::Preparing);
    if !has_resources(&template) {
        reporter.message(&format!(
            "{}: stack has no resources, skipping deployment",
            stack.display_name
        ));
        return Ok(DeployResult {
            stack_name: stack.stack_name().to_string(),
            no_op: true,
            ..DeployResult::default()
        });
    }
    let deploy_config = deploy_role_config(env, stack).await?;
    if let Some(required) = props.requires_bootstrap_stack_version {
        env.check_bootstrap_version(
            &deploy_config,
            required,
            props.bootstrap_stack_version_ssm_parameter.as_deref(),
        )
        .await?;
    }
    let cfn = AwsEnvironment::cloudformation(&deploy_config);
    check_approval(&cfn, stack, &template, options).await?;
    // The assets, including the template itself.
    assets.await?;

    let source = match &props.stack_template_asset_object_url {
        Some(url) => TemplateSource::Url(s3_url_to_https(
            &env.replace_placeholders(url),
            &env.region,
        )?),
        None => local_template_source(env, &cfn, stack, &options.toolkit_stack_name).await?,
    };
    deploy_stack(
        &cfn,
        &stack_deployment(env, stack, template, source, options),
        reporter,
    )
    .await
}

/// Uploads a template too large for `TemplateBody` to the bucket of the bootstrap stack
/// `toolkit_stack_name`.
async fn upload_large_template(
    env: &AwsEnvironment,
    cfn: &aws_sdk_cloudformation::Client,
    stack: &StackArtifact,
    body: &str,
    toolkit_stack_name: &str,
) -> Result<String> {
    use sha2::Digest;
    let bucket = toolkit_bucket(cfn, toolkit_stack_name)
        .await?
        .ok_or_else(|| {
            DeployError::NotBootstrapped(format!(
                "The template of {} is larger than 50 KiB and must be uploaded to the bootstrap \
                 bucket, but {} has no bootstrap stack named {toolkit_stack_name}. Run \
                 'sagecdk bootstrap {}' (with --toolkit-stack-name {toolkit_stack_name} if \
                 that is its name), or name the bootstrap stack with --toolkit-stack-name",
                stack.display_name,
                env.name(),
                env.name()
            ))
        })?;
    let hash = sha2::Sha256::digest(body.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    let key = format!("cdk/{}/{hex}.json", stack.id);
    AwsEnvironment::s3(env.base_config())
        .put_object()
        .bucket(&bucket)
        .key(&key)
        .content_type("application/json")
        .body(body.as_bytes().to_vec().into())
        .send()
        .await
        .map_err(|e| crate::error::aws("S3 PutObject", e))?;
    s3_url_to_https(&format!("s3://{bucket}/{key}"), &env.region)
}

/// The staging bucket of the bootstrap stack `name`: its `BucketName` output, or, when the
/// stack shows no outputs (yet), its `StagingBucket` resource. `None` without such a stack.
async fn toolkit_bucket(
    cfn: &aws_sdk_cloudformation::Client,
    name: &str,
) -> Result<Option<String>> {
    let Some(toolkit) = describe_stack(cfn, name).await? else {
        return Ok(None);
    };
    let output = toolkit
        .outputs()
        .iter()
        .find(|o| o.output_key() == Some("BucketName"))
        .and_then(|o| o.output_value());
    if let Some(bucket) = output {
        return Ok(Some(bucket.to_string()));
    }
    let resource = cfn
        .describe_stack_resource()
        .stack_name(name)
        .logical_resource_id("StagingBucket")
        .send()
        .await;
    match resource {
        Ok(out) => Ok(out
            .stack_resource_detail()
            .and_then(|r| r.physical_resource_id())
            .filter(|id| !id.is_empty())
            .map(str::to_string)),
        Err(e) => {
            let err = crate::error::aws("CloudFormation DescribeStackResource", e);
            if err.to_string().contains("does not exist") {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_urls() {
        assert_eq!(
            s3_url_to_https("s3://b/k/x.json", "us-west-2").unwrap(),
            "https://s3.us-west-2.amazonaws.com/b/k/x.json"
        );
        assert!(s3_url_to_https("https://x", "us-west-2").is_err());
    }
}
