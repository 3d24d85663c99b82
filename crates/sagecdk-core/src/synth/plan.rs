//! What synthesis works from: the stacks, their names and artifact ids, the dependencies
//! between resources and between stacks, and the logical ID plan.

use super::*;

/// The CloudFormation stack name of a stack node.
pub(crate) fn stack_name(arena: &Arena, stack: NodeId) -> String {
    if let Some(name) = arena
        .stack_data(stack)
        .and_then(|s| s.props.stack_name.clone())
    {
        return name;
    }
    generated_stack_id(arena, stack)
}

/// The stack id derived from construct ids: the id of a top-level stack, else a unique name
/// made from the path.
pub(super) fn generated_stack_id(arena: &Arena, stack: NodeId) -> String {
    let ids: Vec<String> = arena.scopes(stack)[1..]
        .iter()
        .map(|n| arena.node(*n).id.clone())
        .collect();
    if ids.len() == 1 {
        return ids[0].clone();
    }
    make_unique_resource_name(&ids, 128).unwrap_or_default()
}

pub(super) fn artifact_id(arena: &Arena, stack: NodeId) -> String {
    generated_stack_id(arena, stack)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub(super) fn valid_stack_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.len() <= 128
}

pub(super) struct StackInfo {
    pub(super) node: NodeId,
    pub(super) artifact_id: String,
    pub(super) name: String,
}

/// Resource-level and stack-level dependencies derived from the tree.
#[derive(Default)]
pub(super) struct Dependencies {
    pub(super) resources: HashMap<NodeId, Vec<NodeId>>,
    pub(super) stacks: IndexMap<NodeId, Vec<NodeId>>,
}

pub(super) fn resources_under(arena: &Arena, node: NodeId) -> Vec<NodeId> {
    arena
        .preorder(node)
        .into_iter()
        .filter(|n| {
            arena
                .element(*n)
                .is_some_and(|e| matches!(e.kind, ElementKind::Resource(_)))
        })
        .collect()
}

pub(super) fn derive_dependencies(arena: &Arena, stacks: &[StackInfo]) -> Dependencies {
    let mut deps = Dependencies::default();
    for s in stacks {
        let explicit = arena
            .stack_data(s.node)
            .map(|d| d.dependencies.iter().map(|(n, _)| *n).collect::<Vec<_>>())
            .unwrap_or_default();
        deps.stacks.insert(s.node, explicit);
    }
    let add = |deps: &mut Dependencies, source: NodeId, target: NodeId| {
        if source == target {
            return;
        }
        let (ss, ts) = (arena.node(source).stack, arena.node(target).stack);
        match (ss, ts) {
            (Some(a), Some(b)) if a == b => {
                let list = deps.resources.entry(source).or_default();
                if !list.contains(&target) {
                    list.push(target);
                }
            }
            (Some(a), Some(b)) => {
                let list = deps.stacks.entry(a).or_default();
                if !list.contains(&b) {
                    list.push(b);
                }
            }
            _ => {}
        }
    };
    for n in 0..arena.nodes.len() as NodeId {
        let node = arena.node(n);
        if !node.dependencies().is_empty() {
            let sources = resources_under(arena, n);
            for t in node.dependencies() {
                let targets = resources_under(arena, *t);
                for s in &sources {
                    for r in &targets {
                        add(&mut deps, *s, *r);
                    }
                }
            }
        }
        if let Some(ElementKind::Resource(r)) = arena.element(n).map(|e| &e.kind) {
            for t in &r.depends_on {
                add(&mut deps, n, *t);
            }
        }
    }
    deps
}

/// Finds a dependency cycle among stacks, returning the cycle's paths.
pub(super) fn stack_cycle(
    arena: &Arena,
    deps: &IndexMap<NodeId, Vec<NodeId>>,
) -> Option<Vec<String>> {
    fn visit(
        n: NodeId,
        deps: &IndexMap<NodeId, Vec<NodeId>>,
        state: &mut HashMap<NodeId, u8>,
        path: &mut Vec<NodeId>,
    ) -> Option<Vec<NodeId>> {
        match state.get(&n) {
            Some(2) => return None,
            Some(1) => {
                let start = path.iter().position(|x| *x == n).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(n);
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(n, 1);
        path.push(n);
        for d in deps.get(&n).into_iter().flatten() {
            if let Some(c) = visit(*d, deps, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n, 2);
        None
    }
    let mut state = HashMap::new();
    for n in deps.keys() {
        if let Some(c) = visit(*n, deps, &mut state, &mut Vec::new()) {
            return Some(c.into_iter().map(|n| arena.path(n)).collect());
        }
    }
    None
}

/// Allocates logical IDs and validates renames and overrides.
/// Logical IDs allocated from construct paths, by element: a path never changes, so the IDs
/// found while preparing are reused by the final plan (allocating hashes every path).
pub(super) type AllocatedIds = HashMap<NodeId, String>;

pub(super) fn compute_plan(
    arena: &Arena,
    app_id: u64,
    stacks: &[StackInfo],
    allocated_ids: &mut AllocatedIds,
    diags: &mut Vec<Diagnostic>,
) -> Plan {
    let mut plan = Plan {
        app_id,
        ..Plan::default()
    };
    let mut used_renames: HashSet<(NodeId, String)> = HashSet::new();
    let mut rename_targets: HashMap<(NodeId, String), String> = HashMap::new();
    for n in 0..arena.nodes.len() as NodeId {
        let Some(element) = arena.element(n) else {
            continue;
        };
        let node = arena.node(n);
        let Some(stack) = node.stack else {
            diags.push(Diagnostic::new(
                arena.path(n),
                "CloudFormation elements must be defined within a Stack",
            ));
            continue;
        };
        let id = if let Some(o) = &element.logical_id_override {
            o.clone()
        } else {
            let allocated = match allocated_ids.get(&n) {
                Some(id) => id.clone(),
                None => match make_unique_id(&arena.ids_from(stack, n)) {
                    Ok(id) => {
                        allocated_ids.insert(n, id.clone());
                        id
                    }
                    Err(e) => {
                        diags.push(Diagnostic::new(arena.path(n), e.to_string()));
                        continue;
                    }
                },
            };
            match arena
                .stack_data(stack)
                .and_then(|s| s.renames.get(&allocated))
            {
                Some(new) => {
                    used_renames.insert((stack, allocated.clone()));
                    if let Some(prev) =
                        rename_targets.insert((stack, new.clone()), allocated.clone())
                        && prev != allocated
                    {
                        diags.push(Diagnostic::new(
                            arena.path(n),
                            format!("Two logical IDs renamed to the same new ID '{new}': '{prev}' and '{allocated}'"),
                        ));
                    }
                    new.clone()
                }
                None => allocated,
            }
        };
        plan.logical_ids.insert(n, id);
    }
    for s in stacks {
        if let Some(data) = arena.stack_data(s.node) {
            plan.stack_env.insert(s.node, env_string(data));
            for old in data.renames.keys() {
                if !used_renames.contains(&(s.node, old.clone())) {
                    diags.push(Diagnostic::new(
                        arena.path(s.node),
                        format!("Unable to find a logical ID '{old}' to rename (rename_logical_id was called with an ID no element has)"),
                    ));
                }
            }
        }
    }
    plan
}

pub(super) fn stacks_of(arena: &Arena) -> Vec<StackInfo> {
    arena
        .preorder(0)
        .into_iter()
        .filter(|n| matches!(arena.node(*n).kind, NodeKind::Stack(_)))
        .map(|n| StackInfo {
            node: n,
            artifact_id: artifact_id(arena, n),
            name: stack_name(arena, n),
        })
        .collect()
}

/// Nodes of a stack in depth-first pre-order, not descending into other stacks.
pub(super) fn stack_nodes(arena: &Arena, stack: NodeId) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut todo = vec![stack];
    while let Some(n) = todo.pop() {
        if n != stack && matches!(arena.node(n).kind, NodeKind::Stack(_)) {
            continue;
        }
        out.push(n);
        todo.extend(arena.node(n).children.iter().rev());
    }
    out
}

/// The stacks, the logical ID plan and the dependencies of a prepared app.
pub(super) struct Planned {
    pub(super) stacks: Vec<StackInfo>,
    pub(super) plan: Plan,
    pub(super) deps: Dependencies,
}

/// Plans the app: stacks, logical IDs, exports, dependencies (a cycle is an error).
pub(super) fn plan_app(
    root: &Construct,
    arena: &Arena,
    mut prepared: Prepared,
    diags: &mut Vec<Diagnostic>,
) -> Planned {
    let stacks = stacks_of(arena);
    let mut plan = compute_plan(
        arena,
        root.tree.app_id,
        &stacks,
        &mut prepared.allocated_ids,
        diags,
    );
    plan.exports = prepared.exports;
    let mut deps = derive_dependencies(arena, &stacks);
    for (consumer, producer) in prepared.ref_deps {
        let list = deps.stacks.entry(consumer).or_default();
        if !list.contains(&producer) {
            list.push(producer);
        }
    }
    if let Some(cycle) = stack_cycle(arena, &deps.stacks) {
        diags.push(Diagnostic::new(
            cycle.first().cloned().unwrap_or_default(),
            format!(
                "Stack dependency cycle: {} (references and dependencies must not form a loop)",
                cycle.join(" -> ")
            ),
        ));
    }
    Planned { stacks, plan, deps }
}
