//! Context lookups: the values an app reported missing (`manifest.json` `missing`), looked up
//! in their account and region with the AWS SDK, through the bootstrap lookup role when it can
//! be assumed (the caller's credentials of that account otherwise).

use crate::environment::{AwsEnvironment, EnvironmentOptions, Environments, ssm_parameter};
use crate::error::Result;
use crate::progress::{Reporter, Silent};
use aws_config::SdkConfig;
use sagecdk_assembly::manifest::{
    APPROVED_MODEL_PACKAGE_PLUGIN, LATEST_TRAINING_JOB_PLUGIN, MissingContext, TRAINING_JOB_PLUGIN,
};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::Arc;

/// The providers this engine answers (`plugin` ones by their `pluginName`).
pub const PROVIDERS: &[&str] = &[
    "ssm",
    TRAINING_JOB_PLUGIN,
    LATEST_TRAINING_JOB_PLUGIN,
    APPROVED_MODEL_PACKAGE_PLUGIN,
];

/// Account, region and role of a lookup.
type EnvironmentKey = (String, String, Option<String>);

/// Looks up missing context values, reusing each environment's credentials (one identity check
/// and role assumption per account, region and role, however many values are looked up).
#[derive(Debug)]
pub struct ContextLookups {
    environments: Environments,
    configs: tokio::sync::Mutex<HashMap<EnvironmentKey, SdkConfig>>,
}

impl Default for ContextLookups {
    fn default() -> Self {
        Self::new(EnvironmentOptions::default())
    }
}

impl ContextLookups {
    /// Lookups with the credentials `options` selects.
    pub fn new(options: EnvironmentOptions) -> Self {
        ContextLookups {
            environments: Environments::new(options, Arc::new(Silent)),
            configs: tokio::sync::Mutex::default(),
        }
    }

    /// The lookups with `reporter` hearing their warnings (a role that could not be assumed;
    /// default: [`Silent`]).
    pub fn with_reporter(mut self, reporter: Arc<dyn Reporter>) -> Self {
        self.environments = self.environments.with_reporter(reporter);
        self
    }

    /// The configuration for `account`/`region` through `role` (made once).
    async fn config(&self, account: &str, region: &str, role: Option<&str>) -> Result<SdkConfig> {
        let key = (
            account.to_string(),
            region.to_string(),
            role.map(str::to_string),
        );
        let mut configs = self.configs.lock().await;
        if let Some(config) = configs.get(&key) {
            return Ok(config.clone());
        }
        let env = self
            .environments
            .get(&format!("aws://{account}/{region}"))
            .await?;
        let config = env.config_for_role(role, None, Some(region)).await?;
        configs.insert(key, config.clone());
        Ok(config)
    }

    /// The value of one missing context entry, or why it cannot be had (a message for the
    /// user, naming the provider's subject, account and region).
    pub async fn lookup(&self, missing: &MissingContext) -> std::result::Result<Json, String> {
        lookup(self, missing).await
    }
}

async fn lookup(
    lookups: &ContextLookups,
    missing: &MissingContext,
) -> std::result::Result<Json, String> {
    let text = |k: &str| {
        missing
            .props
            .get(k)
            .and_then(Json::as_str)
            .unwrap_or_default()
    };
    let (account, region) = (text("account"), text("region"));
    let found: Result<std::result::Result<Json, String>> = async {
        let role = missing.props.get("lookupRoleArn").and_then(Json::as_str);
        let config = lookups.config(account, region, role).await?;
        Ok(match missing.provider.as_str() {
            "ssm" => {
                let name = text("parameterName");
                match ssm_parameter(&config, name).await? {
                    Some(value) => Ok(Json::String(value)),
                    None => Err(format!(
                        "SSM parameter '{name}' not available in account {account}, region {region}"
                    )),
                }
            }
            "plugin" => match text("pluginName") {
                TRAINING_JOB_PLUGIN => training_job(&config, text("trainingJobName")).await?,
                LATEST_TRAINING_JOB_PLUGIN => {
                    match latest_training_job(&config, text("namePrefix")).await? {
                        Some(name) => training_job(&config, &name).await?,
                        None => Err(format!(
                            "no completed training job named '{}…' in account {account}, region {region}",
                            text("namePrefix")
                        )),
                    }
                }
                APPROVED_MODEL_PACKAGE_PLUGIN => {
                let group = text("modelPackageGroupName");
                match approved_model_package(&config, group).await? {
                    Some(package) => Ok(package),
                    None => Err(format!(
                        "model package group '{group}' has no Approved package in account {account}, region {region}"
                    )),
                }
            }
                other => unknown(other),
            },
            other => unknown(other),
        })
    }
    .await;
    match found {
        Ok(answer) => answer,
        Err(e) => Err(format!("looking up '{}': {e}", missing.key)),
    }
}

fn unknown(provider: &str) -> std::result::Result<Json, String> {
    Err(format!(
        "unknown context provider '{provider}' (this CLI looks up: {})",
        PROVIDERS.join(", ")
    ))
}

/// A training job's artifacts (`DescribeTrainingJob`): `{trainingJobName, modelArtifacts}`.
async fn training_job(
    config: &aws_config::SdkConfig,
    name: &str,
) -> Result<std::result::Result<Json, String>> {
    let described = AwsEnvironment::sagemaker(config)
        .describe_training_job()
        .training_job_name(name)
        .send()
        .await;
    let job = match described {
        Ok(job) => job,
        Err(e) => {
            let err = crate::error::aws("SageMaker DescribeTrainingJob", e);
            if err.code() == Some("ValidationException") {
                return Ok(Err(format!("there is no training job '{name}'")));
            }
            return Err(err);
        }
    };
    let status = job.training_job_status().map(|s| s.as_str());
    let artifacts = job.model_artifacts().and_then(|a| a.s3_model_artifacts());
    let image = job
        .algorithm_specification()
        .and_then(|a| a.training_image())
        .unwrap_or_default();
    Ok(artifacts_of(name, status, artifacts).map(|uri| {
        serde_json::json!({"trainingJobName": name, "modelArtifacts": uri, "trainingImage": image})
    }))
}

/// The artifacts of a training job, or why they are not to be used: only a completed job's.
fn artifacts_of(
    name: &str,
    status: Option<&str>,
    artifacts: Option<&str>,
) -> std::result::Result<String, String> {
    match (status, artifacts) {
        (Some("Completed"), Some(uri)) if !uri.is_empty() => Ok(uri.to_string()),
        (Some("Completed"), _) => Err(format!(
            "training job '{name}' completed without model artifacts"
        )),
        (status, _) => Err(format!(
            "training job '{name}' is {}; its artifacts can be used once it has Completed",
            status.unwrap_or("in an unknown state")
        )),
    }
}

/// The newest Approved package of `group`: `{modelPackageArn, containers: [{image,
/// modelDataUrl}]}`.
async fn approved_model_package(
    config: &aws_config::SdkConfig,
    group: &str,
) -> Result<Option<Json>> {
    use aws_sdk_sagemaker::types::{ModelApprovalStatus, ModelPackageSortBy, SortOrder};
    let sm = AwsEnvironment::sagemaker(config);
    let listed = sm
        .list_model_packages()
        .model_package_group_name(group)
        .model_approval_status(ModelApprovalStatus::Approved)
        .sort_by(ModelPackageSortBy::CreationTime)
        .sort_order(SortOrder::Descending)
        .max_results(1)
        .send()
        .await;
    let listed = match listed {
        Ok(l) => l,
        Err(e) => {
            let err = crate::error::aws("SageMaker ListModelPackages", e);
            if err.code() == Some("ValidationException") {
                return Ok(None);
            }
            return Err(err);
        }
    };
    let Some(arn) = listed
        .model_package_summary_list()
        .first()
        .and_then(|p| p.model_package_arn())
    else {
        return Ok(None);
    };
    let package = sm
        .describe_model_package()
        .model_package_name(arn)
        .send()
        .await
        .map_err(|e| crate::error::aws("SageMaker DescribeModelPackage", e))?;
    let containers: Vec<Json> = package
        .inference_specification()
        .map(|s| s.containers())
        .unwrap_or_default()
        .iter()
        .map(|c| {
            serde_json::json!({
                "image": c.image().unwrap_or_default(),
                "modelDataUrl": c.model_data_url(),
            })
        })
        .collect();
    Ok(Some(
        serde_json::json!({"modelPackageArn": arn, "containers": containers}),
    ))
}

/// The newest completed training job whose name starts with `prefix`.
async fn latest_training_job(
    config: &aws_config::SdkConfig,
    prefix: &str,
) -> Result<Option<String>> {
    use aws_sdk_sagemaker::types::{SortBy, SortOrder, TrainingJobStatus};
    let mut pages = AwsEnvironment::sagemaker(config)
        .list_training_jobs()
        .name_contains(prefix)
        .status_equals(TrainingJobStatus::Completed)
        .sort_by(SortBy::CreationTime)
        .sort_order(SortOrder::Descending)
        .into_paginator()
        .send();
    let mut newest: Option<(aws_sdk_sagemaker::primitives::DateTime, String)> = None;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| crate::error::aws("SageMaker ListTrainingJobs", e))?;
        for job in page.training_job_summaries() {
            let name = job.training_job_name().unwrap_or_default();
            let Some(created) = job.creation_time() else {
                continue;
            };
            if name.starts_with(prefix) && newest.as_ref().is_none_or(|(t, _)| created > t) {
                newest = Some((*created, name.to_string()));
            }
        }
    }
    Ok(newest.map(|(_, name)| name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_completed_jobs_artifacts_are_used() {
        assert_eq!(
            artifacts_of("j", Some("Completed"), Some("s3://b/k/model.tar.gz")),
            Ok("s3://b/k/model.tar.gz".to_string())
        );
        assert_eq!(
            artifacts_of("j", Some("InProgress"), None),
            Err(
                "training job 'j' is InProgress; its artifacts can be used once it has Completed"
                    .to_string()
            )
        );
        assert_eq!(
            artifacts_of("j", Some("Completed"), None),
            Err("training job 'j' completed without model artifacts".to_string())
        );
    }
}
