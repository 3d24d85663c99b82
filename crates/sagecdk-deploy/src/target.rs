//! Naming something of the app on the command line: `<stack>/<construct path>` (or
//! `<stack>/<output>`), found in the stacks of the assembly.

use crate::error::{DeployError, Result};
use sagecdk_assembly::StackArtifact;

/// The stack `target` starts with (the longest display name that is `target` or a prefix of
/// it followed by `/`), and the rest of `target` after it.
pub fn split_target<'a>(
    stacks: &'a [StackArtifact],
    target: &str,
) -> Result<(&'a StackArtifact, String)> {
    let target = target.trim_matches('/');
    let stack = stacks
        .iter()
        .filter(|s| target == s.display_name || target.starts_with(&format!("{}/", s.display_name)))
        .max_by_key(|s| s.display_name.len())
        .ok_or_else(|| {
            let names: Vec<&str> = stacks.iter().map(|s| s.display_name.as_str()).collect();
            DeployError::Invalid(format!(
                "'{target}' is in none of the app's stacks ({}): name it as `<stack>/<construct path>`",
                names.join(", ")
            ))
        })?;
    let rest = target[stack.display_name.len()..]
        .trim_start_matches('/')
        .to_string();
    Ok((stack, rest))
}

/// The logical ids and construct paths of the template's resources of type `resource_type`
/// whose path is `path`, or `path/<child>` when `child` is given (a construct's main resource).
pub fn resources_at<'t>(
    template: &'t serde_json::Value,
    resource_type: &str,
    path: &str,
    child: &str,
) -> Vec<(&'t str, &'t serde_json::Value)> {
    let Some(resources) = template["Resources"].as_object() else {
        return Vec::new();
    };
    resources
        .iter()
        .filter(|(_, r)| r["Type"] == resource_type)
        .filter(|(_, r)| {
            r["Metadata"]["aws:cdk:path"].as_str().is_some_and(|p| {
                p == path || p.strip_suffix(child).and_then(|p| p.strip_suffix('/')) == Some(path)
            })
        })
        .map(|(id, r)| (id.as_str(), r))
        .collect()
}

/// The construct paths of the template's resources of `resource_type`, without `/<child>`.
pub fn paths_of(template: &serde_json::Value, resource_type: &str, child: &str) -> Vec<String> {
    template["Resources"]
        .as_object()
        .map(|resources| {
            resources
                .values()
                .filter(|r| r["Type"] == resource_type)
                .filter_map(|r| r["Metadata"]["aws:cdk:path"].as_str())
                .map(|p| {
                    p.strip_suffix(child)
                        .and_then(|p| p.strip_suffix('/'))
                        .unwrap_or(p)
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}
