//! `CfnRule`: assertions on parameter values checked before deployment.

use super::*;

/// A template rule: assertions on parameter values checked before deployment.
#[derive(Clone, Debug)]
pub struct CfnRule {
    node: Construct,
}
element_common!(CfnRule);

impl CfnRule {
    /// Creates a rule with an optional condition.
    pub fn new(scope: &impl Scope, id: &str, rule_condition: Option<Value>) -> Self {
        CfnRule {
            node: add_element(
                scope,
                id,
                ElementKind::Rule(Box::new(RuleData {
                    rule_condition,
                    assertions: Vec::new(),
                })),
                "sagecdk.CfnRule",
            ),
        }
    }

    /// Adds an assertion with its failure description.
    pub fn add_assertion(&self, assertion: impl Into<Value>, description: impl Into<String>) {
        let (a, d) = (assertion.into(), description.into());
        self.node.update_element(|e| {
            if let ElementKind::Rule(r) = &mut e.kind {
                r.assertions.push((a, d));
            }
        });
    }
}

/// The rule's entry in the `Rules` section.
pub(super) fn render_rule(r: &RuleData, ctx: &ResolveContext<'_>) -> Option<Json> {
    let mut m = JsonMap::new();
    insert_opt(
        &mut m,
        "RuleCondition",
        r.rule_condition
            .as_ref()
            .and_then(|c| ctx.resolve_at("RuleCondition", c)),
    );
    let assertions: Vec<Json> = r
        .assertions
        .iter()
        .enumerate()
        .map(|(i, (a, d))| {
            let mut e = JsonMap::new();
            insert_opt(
                &mut e,
                "Assert",
                ctx.within("Assertions", || {
                    ctx.within(i, || ctx.resolve_at("Assert", a))
                }),
            );
            e.insert("AssertDescription".into(), Json::String(d.clone()));
            Json::Object(e)
        })
        .collect();
    if !assertions.is_empty() {
        m.insert("Assertions".into(), Json::Array(assertions));
    }
    Some(Json::Object(m))
}
