//! `CfnOutput`: a stack output, optionally exported.

use super::*;

/// A stack output, optionally exported for other stacks.
///
/// ```
/// use sagecdk_core::{App, CfnOutput, Stack, StackProps};
/// let app = App::new();
/// let stack = Stack::new(&app, "S", StackProps::default());
/// CfnOutput::new(&stack, "Url", "https://example.com").with_description("Where to go");
/// ```
#[derive(Clone, Debug)]
pub struct CfnOutput {
    node: Construct,
}
element_common!(CfnOutput);

impl CfnOutput {
    /// Creates an output with a value.
    pub fn new(scope: &impl Scope, id: &str, value: impl Into<Value>) -> Self {
        let data = OutputData {
            value: value.into(),
            description: None,
            export_name: None,
            condition: None,
        };
        CfnOutput {
            node: add_element(
                scope,
                id,
                ElementKind::Output(Box::new(data)),
                "sagecdk.CfnOutput",
            ),
        }
    }

    fn update(&self, f: impl FnOnce(&mut OutputData)) {
        self.node.update_element(|e| {
            if let ElementKind::Output(o) = &mut e.kind {
                f(o);
            }
        });
    }

    /// Sets the description.
    pub fn with_description(self, description: impl Into<String>) -> Self {
        let d = description.into();
        self.update(|o| o.description = Some(d));
        self
    }

    /// Exports the value under `name` (so other stacks can `Fn::ImportValue` it).
    pub fn with_export_name(self, name: impl Into<Str>) -> Self {
        let n = name.into();
        self.update(|o| o.export_name = Some(n));
        self
    }

    /// Outputs only when `condition` holds.
    pub fn with_condition(self, condition: &CfnCondition) -> Self {
        let c = condition.name();
        self.update(|o| o.condition = Some(c));
        self
    }

    /// `Fn::ImportValue` of this output's export name (empty if it has none).
    pub fn import_value(&self) -> Str {
        let name = self
            .node
            .read_element(|e| match &e.kind {
                ElementKind::Output(o) => o.export_name.clone(),
                _ => None,
            })
            .flatten();
        match name {
            Some(n) => crate::fns::import_value(n),
            None => {
                self.node
                    .add_error("import_value() needs an output with an export name");
                Str::default()
            }
        }
    }
}

/// The output's entry in the `Outputs` section.
pub(super) fn render_output(o: &OutputData, ctx: &ResolveContext<'_>) -> Option<Json> {
    let mut m = JsonMap::new();
    insert_opt(&mut m, "Description", string_opt(&o.description));
    insert_opt(&mut m, "Value", ctx.resolve_at("Value", &o.value));
    if let Some(name) = &o.export_name {
        let mut export = JsonMap::new();
        insert_opt(
            &mut export,
            "Name",
            ctx.resolve_at("Export.Name", &name.to_value()),
        );
        m.insert("Export".into(), Json::Object(export));
    }
    insert_opt(
        &mut m,
        "Condition",
        o.condition
            .as_ref()
            .and_then(|c| ctx.resolve(&c.to_value())),
    );
    Some(Json::Object(m))
}
