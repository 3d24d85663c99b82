//! `CfnCondition`: a template condition.

use super::*;

/// A template condition.
#[derive(Clone, Debug)]
pub struct CfnCondition {
    node: Construct,
}
element_common!(CfnCondition);

impl CfnCondition {
    /// Creates a condition from a condition expression (`fns::condition_equals`, …).
    pub fn new(scope: &impl Scope, id: &str, expression: impl Into<Value>) -> Self {
        CfnCondition {
            node: add_element(
                scope,
                id,
                ElementKind::Condition(Box::new(expression.into())),
                "sagecdk.CfnCondition",
            ),
        }
    }

    /// The condition's name (its logical ID), for `Fn::If` and resource conditions.
    pub fn name(&self) -> Str {
        self.logical_id()
    }
}
