//! `diff`: the deployed template of each stack against the local one.
//!
//! [`diff_stacks`] reads the deployed templates (`GetTemplate`, original stage; a stack that
//! does not exist compares as an empty template), compares them with the local ones
//! ([`crate::template_diff`]), adds the IAM and security group changes ([`crate::security`])
//! and, for a deployed stack with differences, creates a change set (`cdk-diff-change-set`,
//! deleted again right away) to learn which further resources CloudFormation will or may
//! replace (`(may be replaced)`), also of types without a schema here.
//!
//! Not done (unlike `cdk diff`): nested stack templates.

use crate::deploy::{DeployOptions, deploy_role_config, local_template_source, stack_deployment};
use crate::environment::{AwsEnvironment, EnvironmentOptions, Environments};
use crate::error::{DeployError, Result, aws};
use crate::progress::{Reporter, Silent};
use crate::security::{SecurityDiff, security_diff};
use crate::stack::{
    ChangeSetOutcome, ChangeSetPurpose, create_change_set, delete_leftover_change_set,
    describe_stack,
};
use crate::template_diff::{ReplacementKind, ResourceReplacement, TemplateDiff, diff_templates};
use aws_sdk_cloudformation::types::{StackStatus, TemplateStage};
use sagecdk_assembly::StackArtifact;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// The replacement information of a change set's changes, by logical id: the resources that
/// will or may be replaced, and those it says are updated in place. A change without
/// replacement information (as some implementations report) is not listed.
pub fn replacements(
    changes: &[aws_sdk_cloudformation::types::Change],
) -> HashMap<String, ResourceReplacement> {
    use aws_sdk_cloudformation::types::{Replacement, RequiresRecreation, ResourceAttribute};
    let mut out: HashMap<String, ResourceReplacement> = HashMap::new();
    for change in changes {
        let Some(rc) = change.resource_change() else {
            continue;
        };
        let Some(logical) = rc.logical_resource_id() else {
            continue;
        };
        let mut info = ResourceReplacement {
            resource: match rc.replacement() {
                Some(Replacement::True) => Some(ReplacementKind::Always),
                Some(Replacement::Conditional) => Some(ReplacementKind::Conditional),
                _ => None,
            },
            in_place: rc.replacement() == Some(&Replacement::False),
            properties: HashMap::new(),
        };
        for detail in rc.details() {
            let Some(target) = detail.target() else {
                continue;
            };
            let (Some(ResourceAttribute::Properties), Some(name)) =
                (target.attribute(), target.name())
            else {
                continue;
            };
            let kind = match target.requires_recreation() {
                Some(RequiresRecreation::Always) => ReplacementKind::Always,
                Some(RequiresRecreation::Conditionally) => ReplacementKind::Conditional,
                _ => continue,
            };
            let entry = info.properties.entry(name.to_string()).or_insert(kind);
            *entry = (*entry).max(kind);
        }
        if info.resource.is_some() || info.in_place || !info.properties.is_empty() {
            out.insert(logical.to_string(), info);
        }
    }
    out
}

/// Options of `diff`.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// Credentials and region.
    pub environment: EnvironmentOptions,
    /// Do not create a change set (no replacement information).
    pub no_change_set: bool,
    /// Hears the messages (a change set that could not be made, retried reads; default:
    /// [`Silent`]).
    pub reporter: Arc<dyn Reporter>,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            environment: EnvironmentOptions::default(),
            no_change_set: false,
            reporter: Arc::new(Silent),
        }
    }
}

/// The change set `diff` creates (and deletes) to learn about replacements.
pub const DIFF_CHANGE_SET_NAME: &str = "cdk-diff-change-set";

/// The diff of one stack.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StackDiff {
    /// The stack's artifact id.
    pub id: String,
    /// The stack's display name.
    pub display_name: String,
    /// The CloudFormation stack name.
    pub stack_name: String,
    /// Whether the stack exists in CloudFormation.
    pub deployed: bool,
    /// Deployed template → local template (with replacement markers when a change set gave
    /// them).
    pub diff: TemplateDiff,
    /// IAM and security group changes.
    pub security: SecurityDiff,
}

/// The deployed template of `name` (`GetTemplate`, original stage), `None` when the stack does
/// not exist (or was never executed).
pub async fn deployed_template(
    cfn: &aws_sdk_cloudformation::Client,
    name: &str,
) -> Result<Option<Value>> {
    let Some(stack) = describe_stack(cfn, name).await? else {
        return Ok(None);
    };
    if matches!(
        stack.stack_status(),
        Some(StackStatus::DeleteComplete | StackStatus::ReviewInProgress)
    ) {
        return Ok(None);
    }
    let out = cfn
        .get_template()
        .stack_name(stack.stack_id().unwrap_or(name))
        .template_stage(TemplateStage::Original)
        .send()
        .await
        .map_err(|e| aws("CloudFormation GetTemplate", e))?;
    let body = out.template_body().unwrap_or("{}");
    let template = crate::template_text::parse_template(body).map_err(|e| {
        DeployError::Invalid(format!(
            "the deployed template of stack {name} cannot be read: {e}. Redeploy the stack \
             from this app, or compare it by hand"
        ))
    })?;
    Ok(Some(template))
}

/// Reads the deployed template of each stack and compares it with the local one. The read uses
/// the stack's lookup role when it can be assumed, else its deployment role, else the caller's
/// credentials.
pub async fn diff_stacks(
    stacks: &[StackArtifact],
    options: &DiffOptions,
) -> Result<Vec<StackDiff>> {
    let environments = Environments::new(options.environment.clone(), options.reporter.clone());
    let mut diffs = Vec::new();
    for stack in stacks {
        let env = environments.get(&stack.environment).await?;
        let props = &stack.properties;
        let lookup = match &props.lookup_role {
            Some(role) => env
                .config_for_role(
                    Some(&role.arn),
                    role.assume_role_external_id.as_deref(),
                    None,
                )
                .await
                .ok(),
            None => None,
        };
        let config = match lookup {
            Some(config) => config,
            None => deploy_role_config(&env, stack).await?,
        };
        let cfn = AwsEnvironment::cloudformation(&config);
        let deployed = deployed_template(&cfn, stack.stack_name()).await?;
        let local = stack.template()?;
        let old = deployed.as_ref().unwrap_or(&Value::Null);
        let mut diff = diff_templates(old, &local);
        if deployed.is_some() && !options.no_change_set && !diff.is_empty() {
            match change_set_replacements(&env, stack, &local, &*options.reporter).await {
                Ok(info) => diff.apply_replacements(&info),
                Err(e) => options.reporter.message(&format!(
                    "{}: could not create a change set to learn which further resources would \
                     be replaced ({e}); replacements are marked from the resource types' \
                     create-only properties only",
                    stack.display_name
                )),
            }
        }
        diffs.push(StackDiff {
            id: stack.id.clone(),
            display_name: stack.display_name.clone(),
            stack_name: stack.stack_name().to_string(),
            deployed: deployed.is_some(),
            security: security_diff(old, &local),
            diff,
        });
    }
    Ok(diffs)
}

/// Creates a change set of `template` for the (deployed) stack with its deployment role, reads
/// what it says about replacements and deletes it again.
async fn change_set_replacements(
    env: &AwsEnvironment,
    stack: &StackArtifact,
    template: &Value,
    reporter: &dyn Reporter,
) -> Result<HashMap<String, ResourceReplacement>> {
    let config = deploy_role_config(env, stack).await?;
    let cfn = AwsEnvironment::cloudformation(&config);
    let name = stack.stack_name();
    // A change set left by an interrupted diff of this stack.
    delete_leftover_change_set(&cfn, name, DIFF_CHANGE_SET_NAME).await?;
    let source =
        local_template_source(env, &cfn, stack, crate::environment::TOOLKIT_STACK_NAME).await?;
    let deployment = stack_deployment(
        env,
        stack,
        template.clone(),
        source,
        &DeployOptions::default(),
    );
    let (id, changes) = match create_change_set(
        &cfn,
        &deployment,
        DIFF_CHANGE_SET_NAME,
        true,
        ChangeSetPurpose::Diff,
        reporter,
    )
    .await?
    {
        ChangeSetOutcome::Ready { id, changes, .. } => (id, changes),
        ChangeSetOutcome::NoChanges { id } => (id, Vec::new()),
    };
    // By id (the ARN): some implementations look change sets up by name across all stacks.
    cfn.delete_change_set()
        .stack_name(name)
        .change_set_name(&id)
        .send()
        .await
        .map_err(|e| aws("CloudFormation DeleteChangeSet", e))?;
    Ok(replacements(&changes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template_diff::tests::template;
    use serde_json::json;

    /// A `DescribeChangeSet` change as AWS reports it (`Replacement`, `Details[].Target`).
    fn aws_change(
        logical: &str,
        replacement: aws_sdk_cloudformation::types::Replacement,
        targets: &[(&str, aws_sdk_cloudformation::types::RequiresRecreation)],
    ) -> aws_sdk_cloudformation::types::Change {
        use aws_sdk_cloudformation::types::*;
        let mut rc = ResourceChange::builder()
            .action(ChangeAction::Modify)
            .logical_resource_id(logical)
            .resource_type("AWS::SageMaker::Model")
            .replacement(replacement);
        for (name, recreation) in targets {
            rc = rc.details(
                ResourceChangeDetail::builder()
                    .target(
                        ResourceTargetDefinition::builder()
                            .attribute(ResourceAttribute::Properties)
                            .name(*name)
                            .requires_recreation(recreation.clone())
                            .build(),
                    )
                    .evaluation(EvaluationType::Static)
                    .change_source(ChangeSource::DirectModification)
                    .build(),
            );
        }
        Change::builder()
            .r#type(ChangeType::Resource)
            .resource_change(rc.build())
            .build()
    }

    /// [`template`] with resource types that have no schema here (no create-only properties
    /// known), so only a change set marks replacements.
    fn template_without_schemas() -> Value {
        let mut t = template();
        for (id, resource) in t["Resources"].as_object_mut().expect("resources") {
            resource["Type"] = json!(format!("Test::Only::{id}"));
        }
        t
    }

    #[test]
    fn change_set_replacements_mark_resources_and_properties() {
        use aws_sdk_cloudformation::types::{Replacement, RequiresRecreation};
        let old = template_without_schemas();
        let mut new = template_without_schemas();
        let container = &mut new["Resources"]["Model"]["Properties"]["PrimaryContainer"];
        container["Image"] = json!("img:2");
        new["Resources"]["Model"]["Properties"]["ExecutionRoleArn"] = json!("arn:other");
        new["Resources"]["Config"]["Properties"]["ProductionVariants"][0]["InitialInstanceCount"] =
            json!(2);
        let changes = [
            aws_change(
                "Model",
                Replacement::True,
                &[
                    ("PrimaryContainer", RequiresRecreation::Always),
                    ("ExecutionRoleArn", RequiresRecreation::Conditionally),
                ],
            ),
            aws_change(
                "Config",
                Replacement::Conditional,
                &[("ProductionVariants", RequiresRecreation::Conditionally)],
            ),
            aws_change(
                "Unrelated",
                Replacement::False,
                &[("X", RequiresRecreation::Never)],
            ),
        ];
        let info = replacements(&changes);
        assert_eq!(info.len(), 3);
        assert!(info["Unrelated"].in_place && info["Unrelated"].resource.is_none());
        assert_eq!(info["Model"].resource, Some(ReplacementKind::Always));
        assert_eq!(
            info["Model"].properties["ExecutionRoleArn"],
            ReplacementKind::Conditional
        );

        let mut diff = diff_templates(&old, &new);
        diff.apply_replacements(&info);
        assert_eq!(
            diff.to_string(),
            "Resources\n\
             [~] Test::Only::Model Model (requires replacement)\n \
             ├─ [~] ExecutionRoleArn: \"arn:aws:iam::123456789012:role/r\" → \"arn:other\" \
             (may be replaced)\n \
             └─ [~] PrimaryContainer.Image: \"img:1\" → \"img:2\" (requires replacement)\n\
             [~] Test::Only::Config Config (may be replaced)\n \
             └─ [~] ProductionVariants[0].InitialInstanceCount: 1 → 2 (may be replaced)\n\n"
        );
    }

    #[test]
    fn change_sets_without_replacement_data_mark_nothing() {
        use aws_sdk_cloudformation::types::*;
        // What the local test service returns: action, logical id and type only.
        let change = Change::builder()
            .r#type(ChangeType::Resource)
            .resource_change(
                ResourceChange::builder()
                    .action(ChangeAction::Modify)
                    .logical_resource_id("Model")
                    .resource_type("AWS::SageMaker::Model")
                    .build(),
            )
            .build();
        assert!(replacements(&[change]).is_empty());
        let mut new = template_without_schemas();
        new["Resources"]["Model"]["Properties"]["ExecutionRoleArn"] = json!("arn:other");
        let mut diff = diff_templates(&template_without_schemas(), &new);
        diff.apply_replacements(&HashMap::new());
        assert!(!diff.to_string().contains("replace"), "{diff}");
    }

    #[test]
    fn a_change_set_saying_in_place_clears_the_create_only_marks() {
        use aws_sdk_cloudformation::types::{Replacement, RequiresRecreation};
        let mut new = template();
        new["Resources"]["Model"]["Properties"]["ExecutionRoleArn"] = json!("arn:other");
        let mut diff = diff_templates(&template(), &new);
        assert!(
            diff.to_string().contains("(requires replacement)"),
            "{diff}"
        );
        let info = replacements(&[aws_change(
            "Model",
            Replacement::False,
            &[("ExecutionRoleArn", RequiresRecreation::Never)],
        )]);
        diff.apply_replacements(&info);
        assert!(!diff.to_string().contains("replace"), "{diff}");
    }
}
