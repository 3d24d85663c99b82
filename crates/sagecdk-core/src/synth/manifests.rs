//! The assembly's other files: each stack's asset manifest and metadata, and `manifest.json`.

use super::*;

pub(super) fn asset_manifest(
    data: &StackData,
    s: &StackInfo,
    template_file: &str,
    template_hash: &str,
) -> AssetManifest {
    let synth = &data.synthesizer;
    let mut files = IndexMap::new();
    let file_entry = |source_hash: &str,
                      display: Option<String>,
                      path: &str,
                      packaging: &str,
                      object_key: &str| {
        let (dest_id, dest) = synth.file_destination(object_key);
        let _ = source_hash;
        FileAsset {
            display_name: display,
            source: FileSource {
                executable: None,
                path: Some(path.to_string()),
                packaging: Some(packaging.to_string()),
            },
            destinations: IndexMap::from([(dest_id, dest)]),
        }
    };
    for (hash, entry) in &data.file_assets {
        let packaging = match entry.source.packaging {
            FileAssetPackaging::File => "file",
            FileAssetPackaging::ZipDirectory => "zip",
        };
        let mut asset = file_entry(
            hash,
            entry.source.display_name.clone(),
            &entry.source.file_name,
            packaging,
            &entry.object_key,
        );
        for key in &entry.copies {
            let (dest_id, dest) = synth.file_destination(key);
            asset.destinations.insert(dest_id, dest);
        }
        files.insert(hash.clone(), asset);
    }
    let template_key = format!("{}{template_hash}.json", synth.settings.bucket_prefix);
    files.insert(
        template_hash.to_string(),
        file_entry(
            template_hash,
            Some(format!("{} Template", s.name)),
            template_file,
            "file",
            &template_key,
        ),
    );
    let mut docker_images = IndexMap::new();
    for (hash, src) in &data.image_assets {
        let tag = format!("{}{hash}", synth.settings.docker_tag_prefix);
        let (dest_id, dest) = synth.image_destination(&tag);
        docker_images.insert(
            hash.clone(),
            DockerImageAsset {
                display_name: src.display_name.clone(),
                source: DockerImageSource {
                    executable: None,
                    directory: Some(src.directory_name.clone()),
                    docker_build_args: src.docker_build_args.clone(),
                    docker_build_contexts: None,
                    docker_build_secrets: src.docker_build_secrets.clone(),
                    docker_build_ssh: src.docker_build_ssh.clone(),
                    docker_build_target: src.docker_build_target.clone(),
                    docker_file: src.docker_file.clone(),
                    network_mode: src.network_mode.clone(),
                    platform: src.platform.clone(),
                    docker_outputs: src.docker_outputs.clone(),
                    ..DockerImageSource::default()
                },
                destinations: IndexMap::from([(dest_id, dest)]),
            },
        );
    }
    AssetManifest {
        version: SCHEMA_VERSION.to_string(),
        files,
        docker_images,
    }
}

/// `<stack>.metadata.json`: breadth-first over the stack's constructs, `"/" + path` → entries.
pub(super) fn metadata_json(
    arena: &Arena,
    s: &StackInfo,
    plan: &Plan,
    template_file: &str,
) -> String {
    use sagecdk_assembly::json::{write_js_json, write_string};
    // Written directly (2-space indent, like the CDK's), without building a document first.
    // It grows as needed and is trimmed at the end: one file per stack is kept in memory, and
    // sizing each by the whole app's constructs reserved megabytes per stack.
    let mut out = String::new();
    let mut first_key = true;
    let entry = |out: &mut String, first: &mut bool, entry_type: &str, data: &Json| {
        out.push_str(if *first {
            "\n    {\n      \"type\": "
        } else {
            ",\n    {\n      \"type\": "
        });
        *first = false;
        write_string(out, entry_type);
        out.push_str(",\n      \"data\": ");
        write_js_json(out, data, 2, 3);
        out.push_str("\n    }");
    };
    out.push('{');
    let mut queue = std::collections::VecDeque::from([s.node]);
    while let Some(n) = queue.pop_front() {
        let node = arena.node(n);
        if n != s.node && matches!(node.kind, NodeKind::Stack(_)) {
            continue;
        }
        queue.extend(node.children.iter().copied());
        let logical_id = plan.logical_ids.get(&n);
        let stack_tags = if n == s.node {
            arena
                .stack_data(n)
                .map(|d| d.tags.tag_values())
                .filter(|t| !t.is_empty())
        } else {
            None
        };
        if n != s.node && logical_id.is_none() && node.metadata.is_empty() {
            continue;
        }
        out.push_str(if first_key { "\n  " } else { ",\n  " });
        first_key = false;
        write_string(&mut out, &format!("/{}", arena.path(n)));
        out.push_str(": [");
        let mut first = true;
        if let Some(id) = logical_id {
            entry(
                &mut out,
                &mut first,
                "aws:cdk:logicalId",
                &Json::String(id.clone()),
            );
        }
        for m in &node.metadata {
            entry(&mut out, &mut first, &m.entry_type, &m.data);
        }
        // The CDK adds these two when it writes the stack, after what the constructs added.
        if n == s.node {
            entry(
                &mut out,
                &mut first,
                "aws:cdk:templateFile",
                &Json::String(template_file.to_string()),
            );
        }
        if let Some(tags) = stack_tags {
            // The cloud assembly schema's `Tag`: lower-case `key` and `value`.
            let list: Vec<Json> = tags
                .into_iter()
                .map(|(key, value)| json!({"key": key, "value": value}))
                .collect();
            entry(
                &mut out,
                &mut first,
                "aws:cdk:stack-tags",
                &Json::Array(list),
            );
        }
        out.push_str("\n  ]");
    }
    out.push_str(if first_key { "}" } else { "\n}" });
    out.shrink_to_fit();
    out
}

/// Builds the assembly of a valid app: each stack's template, asset manifest and metadata,
/// `manifest.json` and the other files, and the `tree.json` snapshot.
pub(super) fn assemble_files(
    root: &Construct,
    arena: &Arena,
    planned: Planned,
    rendered: Vec<RenderedStack>,
) -> Assembly {
    let Planned {
        stacks,
        mut plan,
        deps,
    } = planned;
    let mut files = Vec::new();
    let mut manifest = AssemblyManifest {
        version: SCHEMA_VERSION.to_string(),
        artifacts: IndexMap::new(),
        missing: None,
        minimum_cli_version: None,
    };
    let mut out_stacks = Vec::new();
    // Indexed by node: the rendered properties of each resource, for `tree.json`.
    let mut all_props: Vec<Option<String>> = vec![None; arena.nodes.len()];
    let artifact_ids: HashMap<NodeId, String> = stacks
        .iter()
        .map(|s| (s.node, s.artifact_id.clone()))
        .collect();
    for (s, r) in stacks.iter().zip(rendered) {
        let data = arena.stack_data(s.node);
        let Some(data) = data else { continue };
        for m in &data.missing_context {
            let missing = manifest.missing.get_or_insert_with(Vec::new);
            if missing.iter().all(|known| known.key != m.key) {
                missing.push(m.clone());
            }
        }
        for (n, text) in r.props {
            all_props[n as usize] = Some(text);
        }
        let template_file = format!("{}.template.json", s.artifact_id);
        let assets_file = format!("{}.assets.json", s.artifact_id);
        let metadata_file = format!("{}.metadata.json", s.artifact_id);
        let template_hash = r.hash;
        let asset_manifest = asset_manifest(data, s, &template_file, &template_hash);
        files.push((
            assets_file.clone(),
            to_js_json(
                &serde_json::to_value(&asset_manifest).unwrap_or_default(),
                2,
            ),
        ));
        files.push((
            metadata_file.clone(),
            metadata_json(arena, s, &plan, &template_file),
        ));

        let synth = &data.synthesizer;
        let template_object_url = synth
            .file_location(&format!(
                "{}{template_hash}.json",
                synth.settings.bucket_prefix
            ))
            .s3_object_url_with_placeholders;
        let ssm = synth.ssm_parameter();
        let stack_tags = data.tags.tag_values();
        let props = StackProperties {
            template_file: template_file.clone(),
            parameters: None,
            termination_protection: Some(data.props.termination_protection),
            tags: (!stack_tags.is_empty()).then_some(stack_tags),
            validate_on_synth: Some(false),
            notification_arns: None,
            assume_role_external_id: synth.settings.deploy_role_external_id.clone(),
            assume_role_arn: Some(synth.specialize(&synth.settings.deploy_role_arn)),
            cloud_formation_execution_role_arn: Some(
                synth.specialize(&synth.settings.cloud_formation_execution_role),
            ),
            stack_template_asset_object_url: Some(template_object_url),
            requires_bootstrap_stack_version: Some(REQUIRED_BOOTSTRAP_VERSION),
            bootstrap_stack_version_ssm_parameter: Some(ssm.clone()),
            additional_dependencies: Some(vec![format!("{}.assets", s.artifact_id)]),
            lookup_role: Some(LookupRole {
                arn: synth.specialize(&synth.settings.lookup_role_arn),
                assume_role_external_id: None,
                requires_bootstrap_stack_version: Some(LOOKUP_ROLE_BOOTSTRAP_VERSION),
                bootstrap_stack_version_ssm_parameter: Some(ssm.clone()),
            }),
            stack_name: (s.name != s.artifact_id).then(|| s.name.clone()),
        };
        manifest.artifacts.insert(
            format!("{}.assets", s.artifact_id),
            ArtifactManifest {
                artifact_type: ASSET_MANIFEST_ARTIFACT.to_string(),
                environment: None,
                properties: serde_json::to_value(AssetManifestProperties {
                    file: assets_file,
                    requires_bootstrap_stack_version: Some(REQUIRED_BOOTSTRAP_VERSION),
                    bootstrap_stack_version_ssm_parameter: Some(ssm),
                })
                .ok(),
                dependencies: None,
                metadata: None,
                additional_metadata_file: None,
                display_name: None,
            },
        );
        let mut dependencies: Vec<String> = deps
            .stacks
            .get(&s.node)
            .into_iter()
            .flatten()
            .filter_map(|d| artifact_ids.get(d).cloned())
            .collect();
        dependencies.push(format!("{}.assets", s.artifact_id));
        manifest.artifacts.insert(
            s.artifact_id.clone(),
            ArtifactManifest {
                artifact_type: STACK_ARTIFACT.to_string(),
                environment: Some(env_string(data)),
                properties: serde_json::to_value(props).ok(),
                dependencies: Some(dependencies),
                metadata: None,
                additional_metadata_file: Some(metadata_file),
                display_name: Some(arena.path(s.node)),
            },
        );
        out_stacks.push(SynthesizedStack {
            artifact_id: s.artifact_id.clone(),
            stack_name: s.name.clone(),
            path: arena.path(s.node),
            template_file: template_file.clone(),
            template_text: r.text,
            messages: r.messages,
        });
    }
    manifest.artifacts.insert(
        "Tree".to_string(),
        ArtifactManifest {
            artifact_type: TREE_ARTIFACT.to_string(),
            environment: None,
            properties: Some(json!({ "file": TREE_FILE })),
            dependencies: None,
            metadata: None,
            additional_metadata_file: None,
            display_name: None,
        },
    );
    if root.context_flag(crate::compat::CDK_COMPATIBLE_DEFAULTS) {
        manifest.artifacts.insert(
            crate::compat::FEATURE_FLAG_REPORT_ID.to_string(),
            crate::compat::feature_flag_report(root),
        );
        manifest.minimum_cli_version = Some(crate::compat::MINIMUM_CLI_VERSION.to_string());
    }
    // The plan's logical IDs are not needed any more: the snapshot takes them.
    let tree = Rc::new(TreeSnapshot::new(
        arena,
        std::mem::take(&mut plan.logical_ids),
        all_props,
    ));
    files.push((
        "manifest.json".into(),
        to_js_json(&serde_json::to_value(&manifest).unwrap_or_default(), 2),
    ));
    files.push((
        "cdk.out".into(),
        to_js_json(&json!({"version": SCHEMA_VERSION}), 0),
    ));
    files.push((
        "validation-report.json".into(),
        to_js_json(
            &json!({"version": SCHEMA_VERSION, "title": "Validation Report", "pluginReports": []}),
            2,
        ),
    ));
    let writers = arena.assembly_writers.clone();
    Assembly {
        stacks: out_stacks,
        files,
        tree,
        tree_text: std::cell::OnceCell::new(),
        writers,
    }
}
