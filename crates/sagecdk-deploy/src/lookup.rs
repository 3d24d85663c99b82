//! Context lookups: the values an app reported missing (`manifest.json` `missing`), looked up
//! in their account and region with the AWS SDK, through the bootstrap lookup role when it can
//! be assumed (the caller's credentials of that account otherwise).

use crate::environment::{AwsEnvironment, EnvironmentOptions, ssm_parameter};
use crate::error::Result;
use sagecdk_assembly::manifest::MissingContext;
use serde_json::Value as Json;

/// The providers this engine answers.
pub const PROVIDERS: &[&str] = &["ssm"];

/// The value of one missing context entry, or why it cannot be had (a message for the user,
/// naming the provider's subject, account and region).
pub async fn lookup(
    options: &EnvironmentOptions,
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
        let env = AwsEnvironment::resolve(options, &format!("aws://{account}/{region}")).await?;
        let role = missing.props.get("lookupRoleArn").and_then(Json::as_str);
        let config = env.config_for_role(role, None, Some(region)).await?;
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
            other => Err(format!(
                "unknown context provider '{other}' (this CLI looks up: {})",
                PROVIDERS.join(", ")
            )),
        })
    }
    .await;
    match found {
        Ok(answer) => answer,
        Err(e) => Err(format!("looking up '{}': {e}", missing.key)),
    }
}
