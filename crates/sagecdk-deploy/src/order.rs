//! The order of stacks, in one place: which stacks a deployment takes (with the stacks they
//! depend on), which a destroy takes (with the stacks that depend on them), and when each stack
//! of a concurrent deployment may start. A cloud assembly lists its stacks in deployment order
//! (a stack after the stacks it depends on); every order here keeps it.

use sagecdk_assembly::StackArtifact;
use std::collections::{HashMap, HashSet};

/// The stacks to deploy: `selected` plus, unless `exclusively`, every stack of `all` they
/// depend on (directly or not), in deployment order. `all` is in the assembly's order.
pub fn deploy_order(
    all: &[StackArtifact],
    selected: &[StackArtifact],
    exclusively: bool,
) -> Vec<StackArtifact> {
    let mut wanted: HashSet<&str> = selected.iter().map(|s| s.id.as_str()).collect();
    if !exclusively {
        // Backwards through the deployment order, a stack comes before its dependencies: one
        // pass finds them all.
        for s in all.iter().rev() {
            if wanted.contains(s.id.as_str()) {
                wanted.extend(s.stack_dependencies.iter().map(String::as_str));
            }
        }
    }
    all.iter()
        .filter(|s| wanted.contains(s.id.as_str()))
        .cloned()
        .collect()
}

/// The stacks to destroy: `selected` plus every stack of `all` that depends on one of them
/// (directly or not), in reverse dependency order (dependents first). `all` is in the
/// assembly's deployment order.
pub fn destroy_order(all: &[StackArtifact], selected: &[StackArtifact]) -> Vec<StackArtifact> {
    let mut wanted: HashSet<&str> = selected.iter().map(|s| s.id.as_str()).collect();
    // In deployment order, a stack comes after its dependencies: one pass finds all dependents.
    for s in all {
        if s.stack_dependencies
            .iter()
            .any(|d| wanted.contains(d.as_str()))
        {
            wanted.insert(s.id.as_str());
        }
    }
    all.iter()
        .rev()
        .filter(|s| wanted.contains(s.id.as_str()))
        .cloned()
        .collect()
}

/// Which stack may start next: the first (in the given order) not yet started whose
/// dependencies among the deployed stacks are done. The given order is a dependency order, so
/// with a concurrency of one the stacks deploy one after the other in it.
pub(crate) struct DeploymentOrder {
    /// The positions of each stack's dependencies among the deployed stacks.
    dependencies: Vec<Vec<usize>>,
    started: Vec<bool>,
}

impl DeploymentOrder {
    pub(crate) fn new(stacks: &[StackArtifact]) -> Self {
        let position: HashMap<&str, usize> = stacks
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        DeploymentOrder {
            dependencies: stacks
                .iter()
                .map(|s| {
                    s.stack_dependencies
                        .iter()
                        .filter_map(|d| position.get(d.as_str()).copied())
                        .collect()
                })
                .collect(),
            started: vec![false; stacks.len()],
        }
    }

    /// Marks the next stack whose dependencies are all `done` as started and returns it.
    pub(crate) fn start_next(&mut self, done: impl Fn(usize) -> bool) -> Option<usize> {
        let next = (0..self.started.len())
            .find(|&i| !self.started[i] && self.dependencies[i].iter().all(|&d| done(d)))?;
        self.started[next] = true;
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(id: &str, dependencies: &[&str]) -> StackArtifact {
        StackArtifact {
            id: id.into(),
            display_name: id.into(),
            environment: "aws://unknown-account/unknown-region".into(),
            properties: Default::default(),
            stack_dependencies: dependencies.iter().map(|d| d.to_string()).collect(),
            other_dependencies: Vec::new(),
            template_path: Default::default(),
        }
    }

    /// Network ← Model ← Endpoint, and Monitoring alone.
    fn app() -> Vec<StackArtifact> {
        vec![
            stack("Network", &[]),
            stack("Monitoring", &[]),
            stack("Model", &["Network"]),
            stack("Endpoint", &["Model"]),
        ]
    }

    fn ids(stacks: &[StackArtifact]) -> Vec<&str> {
        stacks.iter().map(|s| s.id.as_str()).collect()
    }

    #[test]
    fn a_deployment_takes_what_the_selection_depends_on_unless_exclusively() {
        let all = app();
        let endpoint = [all[3].clone()];
        assert_eq!(
            ids(&deploy_order(&all, &endpoint, false)),
            ["Network", "Model", "Endpoint"]
        );
        assert_eq!(ids(&deploy_order(&all, &endpoint, true)), ["Endpoint"]);
    }

    #[test]
    fn a_destroy_takes_the_dependents_first() {
        let all = app();
        let network = [all[0].clone()];
        assert_eq!(
            ids(&destroy_order(&all, &network)),
            ["Endpoint", "Model", "Network"]
        );
        assert_eq!(ids(&destroy_order(&all, &all[2..3])), ["Endpoint", "Model"]);
        assert_eq!(ids(&destroy_order(&all, &all[1..2])), ["Monitoring"]);
        assert_eq!(
            ids(&destroy_order(&all, &all)),
            ["Endpoint", "Model", "Monitoring", "Network"]
        );
    }

    #[test]
    fn a_concurrent_deployment_starts_a_stack_once_its_dependencies_are_done() {
        let all = app();
        let mut order = DeploymentOrder::new(&all);
        let mut done = [false; 4];
        // Network and Monitoring have no dependencies; Model waits for Network.
        assert_eq!(order.start_next(|j| done[j]), Some(0));
        assert_eq!(order.start_next(|j| done[j]), Some(1));
        assert_eq!(order.start_next(|j| done[j]), None);
        done[0] = true;
        assert_eq!(order.start_next(|j| done[j]), Some(2));
        assert_eq!(order.start_next(|j| done[j]), None);
        done[2] = true;
        assert_eq!(order.start_next(|j| done[j]), Some(3));
        assert_eq!(order.start_next(|j| done[j]), None);
    }
}
