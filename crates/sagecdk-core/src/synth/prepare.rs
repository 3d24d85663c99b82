//! Preparing the tree: aspects, references across stacks and their exports, bootstrap checks,
//! and the constructs' own validations — everything that may still change the tree.

use super::*;

/// The id the CDK acknowledges its warning about an unset [`CROSS_STACK_REFERENCES_CONTEXT`] by.
pub(super) const DEFAULT_STRONG_WARNING_ID: &str =
    "@aws-cdk/core:crossStackReferencesDefaultStrong";

pub(super) fn collect_cross_refs(
    arena: &Arena,
    plan: &Plan,
    stacks: &[StackInfo],
    errors: &RefCell<Vec<Diagnostic>>,
) -> Vec<CrossRef> {
    let refs = RefCell::new(Vec::new());
    let mode = Mode::Collect(&refs);
    for s in stacks {
        for n in stack_nodes(arena, s.node) {
            if let Some(element) = arena.element(n) {
                let ctx = ResolveContext::new(arena, plan, s.node, n, &mode, errors);
                element.for_each_value(&mut |v| ctx.collect_refs(v));
            }
        }
    }
    refs.into_inner()
}

/// The CDK's check of the reference strength at the first reference across stacks: without
/// [`CROSS_STACK_REFERENCES_CONTEXT`], its warning (with the CDK's acknowledgement id) on the
/// consuming stack, once however often the app is synthesized; a strength other than
/// `"strong"` is an error, as sagecdk writes strong references only.
pub(super) fn check_reference_strength(
    root: &Construct,
    refs: &[CrossRef],
    diags: &mut Vec<Diagnostic>,
) {
    let Some(first) = refs.first() else {
        return;
    };
    let consumer = Construct {
        tree: root.tree.clone(),
        id: first.consumer,
    };
    match consumer.try_get_context(CROSS_STACK_REFERENCES_CONTEXT) {
        None | Some(Json::Null) => {
            let warning = format!(
                "No cross-stack-reference strength configured, defaulting to \"strong\". We \
                 recommend you set feature flag \"{CROSS_STACK_REFERENCES_CONTEXT}\" to \"both\", \
                 then deploy everywhere, then set it to \"weak\". Alternatively, set it to \
                 \"strong\" explicitly to lock in the current producer-protecting behavior. \
                 (See: https://github.com/aws/aws-cdk/blob/main/packages/aws-cdk-lib/README.md#reference-strength) \
                 [ack: {DEFAULT_STRONG_WARNING_ID}]"
            );
            let given = consumer
                .metadata()
                .iter()
                .any(|m| m.entry_type == WARNING_METADATA && m.data.as_str() == Some(&warning));
            if !given {
                consumer.add_warning(warning);
            }
        }
        Some(Json::String(strength)) if strength == "strong" => {}
        Some(Json::String(strength)) if strength == "weak" || strength == "both" => {
            diags.push(Diagnostic::new(
                consumer.path(),
                format!(
                    "reference strength '{strength}' in `{CROSS_STACK_REFERENCES_CONTEXT}` is not supported: sagecdk writes strong references (an export and `Fn::ImportValue`); set it to 'strong' or leave it unset"
                ),
            ));
        }
        Some(other) => {
            let shown = other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_string);
            diags.push(Diagnostic::new(
                consumer.path(),
                format!(
                    "Invalid value for {CROSS_STACK_REFERENCES_CONTEXT}: \"{shown}\". Must be \"strong\", \"weak\", or \"both\"."
                ),
            ));
        }
    }
}

/// Truncates the local part of an export name from the left so the whole stays ≤ 255.
pub(super) fn export_name(stack_name: &str, local: &str) -> String {
    let prefix = format!("{stack_name}:");
    let max_local = 255usize.saturating_sub(prefix.len());
    let local = if local.len() > max_local {
        &local[local.len() - max_local..]
    } else {
        local
    };
    format!("{prefix}{local}")
}

/// Export name per (producing stack, rendered reference).
pub(super) type ExportNames = HashMap<(NodeId, String), String>;

/// Creates the `Exports` outputs of producing stacks; returns (export map, stack deps).
pub(super) fn create_exports(
    root: &Construct,
    refs: &[CrossRef],
) -> (ExportNames, Vec<(NodeId, NodeId)>) {
    let mut exports = HashMap::new();
    let mut stack_deps = Vec::new();
    for r in refs {
        stack_deps.push((r.consumer, r.producer));
        if exports.contains_key(&(r.producer, r.rendered.clone())) {
            continue;
        }
        let producer = Construct {
            tree: root.tree.clone(),
            id: r.producer,
        };
        let exports_scope = producer
            .try_find_child("Exports")
            .unwrap_or_else(|| Construct::new(&producer, "Exports"));
        let output_id = format!("Output{}", r.rendered);
        let local = make_unique_id(&["Exports", output_id.as_str()]).unwrap_or_default();
        let producer_name = root.tree.with(|arena| stack_name(arena, r.producer));
        let name = export_name(&producer_name, &local);
        if exports_scope.try_find_child(&output_id).is_none() {
            let _ = CfnOutput::new(&exports_scope, &output_id, Value::Token(r.token.clone()))
                .with_export_name(name.clone());
        }
        exports.insert((r.producer, r.rendered.clone()), name);
    }
    (exports, stack_deps)
}

pub(super) fn add_bootstrap_checks(root: &Construct, stacks: &[StackInfo]) {
    for s in stacks {
        let stack = Construct {
            tree: root.tree.clone(),
            id: s.node,
        };
        let (generate, parameter) = root.tree.with(|arena| {
            arena
                .stack_data(s.node)
                .map(|d| {
                    (
                        d.synthesizer.settings.generate_bootstrap_version_rule,
                        d.synthesizer.ssm_parameter(),
                    )
                })
                .unwrap_or((false, String::new()))
        });
        if !generate {
            continue;
        }
        let param = match stack.try_find_child("BootstrapVersion") {
            Some(_) => None,
            None => Some(CfnParameter::new(
                &stack,
                "BootstrapVersion",
                CfnParameterProps {
                    parameter_type: Some("AWS::SSM::Parameter::Value<String>".into()),
                    default: Some(Value::String(parameter)),
                    description: Some("Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]".into()),
                    ..CfnParameterProps::default()
                },
            )),
        };
        if stack.try_find_child("CheckBootstrapVersion").is_none() {
            let Some(param) = param else { continue };
            let old_versions: Vec<Value> = (1..REQUIRED_BOOTSTRAP_VERSION)
                .map(|v| Value::String(v.to_string()))
                .collect();
            let rule = CfnRule::new(&stack, "CheckBootstrapVersion", None);
            rule.add_assertion(
                crate::fns::condition_not(crate::fns::condition_contains(
                    Value::Array(old_versions),
                    param.value_as_string(),
                )),
                format!("CDK bootstrap stack version {REQUIRED_BOOTSTRAP_VERSION} required. Please run 'cdk bootstrap' with a recent version of the CDK CLI."),
            );
        }
    }
}

pub(super) fn run_validations(root: &Construct, diags: &mut Vec<Diagnostic>) {
    type Check = Rc<dyn Fn(&Construct) -> Vec<String>>;
    let checks: Vec<(NodeId, String, Check)> = root.tree.with(|arena| {
        arena
            .nodes
            .iter()
            .enumerate()
            .flat_map(|(i, n)| {
                n.validations
                    .iter()
                    .map(move |v| (i as NodeId, arena.path(i as NodeId), v.clone()))
            })
            .collect()
    });
    // User validations run with no borrow of the tree held.
    for (id, path, check) in checks {
        let node = Construct {
            tree: root.tree.clone(),
            id,
        };
        for message in check(&node) {
            diags.push(Diagnostic::new(&path, message));
        }
    }
}

/// What preparing found: the exports that references across stacks need, and the stack
/// dependencies those references make.
pub(super) struct Prepared {
    pub(super) exports: ExportNames,
    pub(super) ref_deps: Vec<(NodeId, NodeId)>,
    /// The logical IDs allocated so far.
    pub(super) allocated_ids: AllocatedIds,
}

/// Runs aspects, finds references across stacks and creates their exports, adds the bootstrap
/// version checks and runs the constructs' validations.
pub(super) fn prepare(root: &Construct, diags: &mut Vec<Diagnostic>) -> Prepared {
    // Aspects may change the tree; no borrow is held while they run.
    let mut invoked = root
        .tree
        .with_mut(String::new, |a| std::mem::take(&mut a.invoked_aspects))
        .unwrap_or_default();
    if let Err(e) = invoke_aspects(root, &mut invoked) {
        diags.push(Diagnostic::new("", e));
    }
    root.tree
        .with_mut(String::new, |a| a.invoked_aspects = invoked);
    root.tree.with(keep_renderings);

    // First pass: find cross-stack references.
    let errors = RefCell::new(Vec::new());
    let mut allocated_ids = AllocatedIds::new();
    let refs = {
        let arena = root.tree.arena.borrow();
        let stacks = stacks_of(&arena);
        let plan = compute_plan(
            &arena,
            root.tree.app_id,
            &stacks,
            &mut allocated_ids,
            &mut Vec::new(),
        );
        collect_cross_refs(&arena, &plan, &stacks, &errors)
    };
    diags.extend(errors.take());
    check_reference_strength(root, &refs, diags);
    let (exports, ref_deps) = create_exports(root, &refs);
    let stacks = root.tree.with(stacks_of);
    add_bootstrap_checks(root, &stacks);
    run_validations(root, diags);
    diags.extend(root.tree.deferred.take());

    Prepared {
        exports,
        ref_deps,
        allocated_ids,
    }
}
