//! `sagecdk images`: framework image URIs (`uri`), the catalog (`list`) and the app's outdated
//! pins (`check`).

use crate::args::{ImageCheckArgs, ImageListArgs, ImageUriArgs, ImagesArgs, ImagesCommand};
use anyhow::{Context, anyhow};
use sagecdk_assembly::CloudAssembly;
use sagecdk_images::{
    FRAMEWORK_IMAGE_METADATA, ImageQuery, ImageScope, latest_version, list_frameworks, list_scopes,
    list_versions,
};
use std::io::Write;
use std::process::ExitCode;

pub(crate) fn run(session: &super::Session<'_>, args: &ImagesArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        ImagesCommand::Uri(a) => uri(a),
        ImagesCommand::List(a) => list(a),
        ImagesCommand::Check(a) => check(session, a),
    }
}

fn scope(text: Option<&str>) -> anyhow::Result<Option<ImageScope>> {
    text.map(|s| s.parse::<ImageScope>().map_err(|e| anyhow!(e)))
        .transpose()
}

fn uri(args: &ImageUriArgs) -> anyhow::Result<ExitCode> {
    let query = ImageQuery {
        framework: args.framework.clone(),
        version: args.version.clone(),
        scope: scope(args.scope.as_deref())?,
        instance_type: args.instance_type.clone(),
        py_version: args.py_version.clone(),
        base_framework_version: args.base_framework_version.clone(),
        serverless: args.serverless,
        ..ImageQuery::default()
    };
    let uri = sagecdk_images::retrieve(&query, &args.region)?;
    writeln!(std::io::stdout().lock(), "{uri}")?;
    Ok(ExitCode::SUCCESS)
}

fn list(args: &ImageListArgs) -> anyhow::Result<ExitCode> {
    let scope = scope(args.scope.as_deref())?;
    let mut out = std::io::stdout().lock();
    let Some(framework) = &args.framework else {
        writeln!(out, "{:<34} latest", "framework")?;
        for name in list_frameworks()? {
            // Frameworks without the scope asked for are left out.
            if let Ok(latest) = latest_version(&name, scope) {
                writeln!(out, "{name:<34} {latest}")?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    };
    let scopes: Vec<Option<ImageScope>> = match scope {
        Some(s) => vec![Some(s)],
        None => {
            let named: Vec<Option<ImageScope>> = list_scopes(framework)?
                .iter()
                .filter_map(|s| s.parse::<ImageScope>().ok())
                .map(Some)
                .collect();
            if named.is_empty() { vec![None] } else { named }
        }
    };
    for s in scopes {
        let label = s.map_or("all scopes", ImageScope::as_str);
        let versions = list_versions(framework, s)?;
        let latest = latest_version(framework, s)?;
        writeln!(out, "{framework} ({label})")?;
        writeln!(out, "  latest:   {latest}")?;
        writeln!(out, "  versions: {}", versions.join(", "))?;
        // The regions of the latest version (its images' registry table).
        let mut query = ImageQuery::new(framework.clone()).with_version(latest);
        query.scope = s;
        if let Ok(image) = query.resolve()
            && let Ok(accounts) = image.accounts()
        {
            let regions: Vec<&str> = accounts.iter().map(|(r, _)| *r).collect();
            writeln!(out, "  regions:  {}", regions.join(", "))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// An outdated pin found in the app.
struct Outdated {
    path: String,
    framework: String,
    scope: Option<String>,
    version: String,
    latest: String,
}

fn check(session: &super::Session<'_>, args: &ImageCheckArgs) -> anyhow::Result<ExitCode> {
    let assembly = session.synth()?;
    let outdated = outdated_images(&assembly)?;
    let mut out = std::io::stdout().lock();
    if outdated.is_empty() {
        writeln!(
            out,
            "Every pinned framework image is at the latest version of its line."
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    for o in &outdated {
        let scope = o
            .scope
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        writeln!(
            out,
            "{}: {}{scope} {} is pinned; the latest is {}",
            o.path, o.framework, o.version, o.latest
        )?;
    }
    Ok(if args.exit_code {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The framework images of the assembly's stacks pinned to a version older than the latest of
/// their framework and scope.
fn outdated_images(assembly: &CloudAssembly) -> anyhow::Result<Vec<Outdated>> {
    let mut found = Vec::new();
    for stack in assembly.stacks()? {
        let metadata = assembly
            .artifact_metadata(&stack.id)
            .with_context(|| format!("reading the metadata of stack {}", stack.id))?;
        for (path, entries) in metadata {
            for entry in entries
                .iter()
                .filter(|e| e.entry_type == FRAMEWORK_IMAGE_METADATA)
            {
                let Some(data) = &entry.data else { continue };
                // An image taken at its latest is not a pin.
                if data["requestedVersion"].is_null() {
                    continue;
                }
                let text = |key: &str| data[key].as_str().unwrap_or_default().to_string();
                let (framework, version) = (text("framework"), text("version"));
                let scope_name = data["scope"].as_str().map(str::to_string);
                let scope = scope_name.as_deref().and_then(|s| s.parse().ok());
                let Ok(latest) = latest_version(&framework, scope) else {
                    continue;
                };
                if sagecdk_images::version::compare_versions(&version, &latest).is_lt() {
                    found.push(Outdated {
                        path: path.trim_start_matches('/').to_string(),
                        framework,
                        scope: scope_name,
                        version,
                        latest,
                    });
                }
            }
        }
    }
    Ok(found)
}
