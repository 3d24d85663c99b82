//! Aspects: visitors applied to every construct of a subtree before synthesis.

use crate::tree::{Arena, Construct, NodeId, Scope};
use std::collections::HashSet;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A visitor run over a subtree before synthesis (e.g. to tag, validate or change resources).
///
/// ```
/// use sagecdk_core::{App, Aspect, Aspects, CfnResource, Construct, Stack, StackProps};
/// struct Retain;
/// impl Aspect for Retain {
///     fn visit(&self, node: &Construct) {
///         if let Some(r) = CfnResource::from_construct(node) {
///             r.set_deletion_policy("Retain");
///         }
///     }
/// }
/// let app = App::new();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// Aspects::of(&stack).add(Retain);
/// ```
pub trait Aspect {
    /// Called once for each construct of the subtree the aspect was added to.
    fn visit(&self, node: &Construct);
}

/// Standard aspect priorities: lower runs first on a given construct.
pub struct AspectPriority;

impl AspectPriority {
    /// For aspects that change the tree (tags use this).
    pub const MUTATING: i32 = 200;
    /// The default.
    pub const DEFAULT: i32 = 500;
    /// For aspects that only inspect.
    pub const READONLY: i32 = 1000;
}

#[derive(Clone)]
pub(crate) struct AspectEntry {
    pub(crate) id: u64,
    pub(crate) priority: i32,
    pub(crate) aspect: Rc<dyn Aspect>,
}

static NEXT_ASPECT: AtomicU64 = AtomicU64::new(1);

/// The aspects of a scope.
pub struct Aspects {
    scope: Construct,
}

impl Aspects {
    /// The aspects applied to `scope` and everything under it.
    pub fn of(scope: &impl Scope) -> Aspects {
        Aspects {
            scope: scope.node().clone(),
        }
    }

    /// Adds an aspect with the default priority.
    pub fn add(&self, aspect: impl Aspect + 'static) {
        self.add_with_priority(aspect, AspectPriority::DEFAULT);
    }

    /// Adds an aspect with a priority (see [`AspectPriority`]).
    pub fn add_with_priority(&self, aspect: impl Aspect + 'static, priority: i32) {
        self.scope.add_aspect(AspectEntry {
            id: NEXT_ASPECT.fetch_add(1, Ordering::Relaxed),
            priority,
            aspect: Rc::new(aspect),
        });
    }
}

/// Invokes every aspect on every construct of its subtree, once per (construct, aspect) pair,
/// repeating while aspects add constructs or aspects. Returns an error message if it does not
/// settle.
pub(crate) fn invoke_aspects(
    root: &Construct,
    invoked: &mut HashSet<(NodeId, u64)>,
) -> Result<(), String> {
    const MAX_ROUNDS: usize = 100;
    for _ in 0..MAX_ROUNDS {
        // Collect the work under a short borrow, then call user code with no borrow held.
        let (work, before): (Vec<(NodeId, AspectEntry)>, _) = root
            .tree
            .with(|arena| (pending(arena, root.id, invoked), additions(arena)));
        if work.is_empty() {
            return Ok(());
        }
        for (node, entry) in work {
            if invoked.insert((node, entry.id)) {
                let handle = Construct {
                    tree: root.tree.clone(),
                    id: node,
                };
                entry.aspect.visit(&handle);
            }
        }
        // Settled: the aspects added no construct and no aspect (no second walk of the tree).
        if root.tree.with(additions) == before {
            return Ok(());
        }
    }
    Err(format!(
        "aspects did not settle after {MAX_ROUNDS} rounds (an aspect keeps adding constructs or aspects)"
    ))
}

/// How many constructs and aspects the tree has had: while neither grows, no (construct,
/// aspect) pair is new (neither is ever removed).
fn additions(arena: &Arena) -> (usize, u64) {
    (arena.nodes.len(), arena.aspects_added)
}

fn pending(
    arena: &Arena,
    root: NodeId,
    invoked: &HashSet<(NodeId, u64)>,
) -> Vec<(NodeId, AspectEntry)> {
    let mut out = Vec::new();
    // Depth-first, sharing the (priority-sorted) aspects inherited from ancestors; a new list
    // is made only where a node adds aspects of its own.
    let mut stack: Vec<(NodeId, Rc<Vec<AspectEntry>>)> =
        vec![(root, Rc::new(inherited(arena, root)))];
    while let Some((node, inherited)) = stack.pop() {
        let own = arena.node(node).aspects();
        let applicable = if own.is_empty() {
            inherited
        } else {
            let mut list = (*inherited).clone();
            list.extend(own.iter().cloned());
            list.sort_by_key(|a| a.priority);
            Rc::new(list)
        };
        for a in applicable.iter() {
            if !invoked.contains(&(node, a.id)) {
                out.push((node, a.clone()));
            }
        }
        for child in arena.node(node).children.iter().rev() {
            stack.push((*child, applicable.clone()));
        }
    }
    out
}

fn inherited(arena: &Arena, node: NodeId) -> Vec<AspectEntry> {
    let scopes = arena.scopes(node);
    let mut list: Vec<AspectEntry> = scopes[..scopes.len() - 1]
        .iter()
        .flat_map(|s| arena.node(*s).aspects().iter().cloned())
        .collect();
    list.sort_by_key(|a| a.priority);
    list
}
