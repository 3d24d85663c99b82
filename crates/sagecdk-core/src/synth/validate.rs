//! Checks of the whole app before anything is rendered: stack names and limits, export names,
//! and the errors annotated on constructs.

use super::*;

pub(super) const MAX_OUTPUTS: usize = 200;
pub(super) const MAX_PARAMETERS: usize = 200;
pub(super) const MAX_MAPPINGS: usize = 200;

pub(super) fn messages_of(arena: &Arena, nodes: &[NodeId]) -> Vec<Message> {
    let mut out = Vec::new();
    for n in nodes {
        let node = arena.node(*n);
        // Paths are made only for the constructs that have messages.
        let mut path = None;
        for m in &node.metadata {
            let level = match m.entry_type.as_str() {
                ERROR_METADATA => Level::Error,
                WARNING_METADATA => Level::Warning,
                INFO_METADATA => Level::Info,
                _ => continue,
            };
            out.push(Message {
                path: path.get_or_insert_with(|| arena.path(*n)).clone(),
                level,
                message: m
                    .data
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| m.data.to_string()),
            });
        }
    }
    out
}

pub(super) fn dedupe(diags: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    diags.retain(|d| seen.insert((d.path.clone(), d.message.clone())));
}

pub(super) fn validate_stacks(arena: &Arena, stacks: &[StackInfo], diags: &mut Vec<Diagnostic>) {
    let mut artifact_ids: HashMap<&str, &str> = HashMap::new();
    let mut names: HashMap<(String, String), String> = HashMap::new();
    let paths: Vec<String> = stacks.iter().map(|s| arena.path(s.node)).collect();
    for (s, path) in stacks.iter().zip(&paths) {
        if !valid_stack_name(&s.name) {
            diags.push(Diagnostic::new(
                path,
                format!("Stack name must match the regular expression /^[A-Za-z][A-Za-z0-9-]*$/ and be at most 128 characters, got '{}'", s.name),
            ));
        }
        if let Some(other) = artifact_ids.insert(&s.artifact_id, path.as_str()) {
            diags.push(Diagnostic::new(
                path,
                format!(
                    "Stack artifact id '{}' is also used by '{other}'",
                    s.artifact_id
                ),
            ));
        }
        let env = arena.stack_data(s.node).map(env_string).unwrap_or_default();
        if let Some(other) = names.insert((env.clone(), s.name.clone()), path.clone()) {
            diags.push(Diagnostic::new(
                path,
                format!("Stack name '{}' is also used by '{other}' in {env}", s.name),
            ));
        }
    }
}

/// The longest export name CloudFormation accepts.
pub(super) const MAX_EXPORT_NAME: usize = 255;

/// Literal export names: not empty, at most 255 characters, and unique among the stacks of one
/// environment (CloudFormation export names are unique per account and region).
pub(super) fn validate_exports(arena: &Arena, stacks: &[StackInfo], diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<(String, String), NodeId> = HashMap::new();
    for s in stacks {
        let env = arena.stack_data(s.node).map(env_string).unwrap_or_default();
        for n in stack_nodes(arena, s.node) {
            let Some(ElementKind::Output(o)) = arena.element(n).map(|e| &e.kind) else {
                continue;
            };
            let Some(name) = o.export_name.as_ref().and_then(|n| n.as_literal()) else {
                continue;
            };
            let path = arena.path(n);
            if name.is_empty() {
                diags.push(Diagnostic::new(&path, "export name must not be empty"));
                continue;
            }
            if let Some(problem) = too_long(
                format_args!("export name '{}'", abbreviate(&name)),
                &name,
                MAX_EXPORT_NAME,
                "CloudFormation's",
            ) {
                diags.push(Diagnostic::new(&path, problem));
            }
            match seen.entry((env.clone(), name)) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    diags.push(Diagnostic::new(
                        path,
                        format!(
                            "export name '{}' is also used by '{}' in {env}; export names must be unique per account and region",
                            first.key().1,
                            arena.path(*first.get())
                        ),
                    ));
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(n);
                }
            }
        }
    }
}

/// Checks the stacks and exports of a planned app and collects the errors annotated on
/// constructs.
pub(super) fn validate(arena: &Arena, stacks: &[StackInfo], diags: &mut Vec<Diagnostic>) {
    validate_stacks(arena, stacks, diags);
    validate_exports(arena, stacks, diags);

    // Errors annotated on constructs fail synthesis too.
    for m in messages_of(arena, &arena.preorder(0)) {
        if m.level == Level::Error {
            diags.push(Diagnostic::new(m.path, m.message));
        }
    }
}
