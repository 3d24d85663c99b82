//! Templates and annotations of sagecdk stacks, synthesized in memory.

use crate::{Annotation, AnnotationLevel, Annotations, Template, TemplateError};
use sagecdk_core::{App, Level, Scope, Stack, SynthesizedStack};

fn synthesize(stack: &Stack) -> Result<SynthesizedStack, TemplateError> {
    let assembly = App::of(stack).assemble()?;
    let path = stack.node().path();
    assembly
        .stacks
        .into_iter()
        .find(|s| s.path == path)
        .ok_or(TemplateError::NoStack(path))
}

fn annotations_of(stack: &SynthesizedStack) -> Vec<Annotation> {
    stack
        .messages
        .iter()
        .map(|m| {
            let level = match m.level {
                Level::Error => AnnotationLevel::Error,
                Level::Warning => AnnotationLevel::Warning,
                Level::Info => AnnotationLevel::Info,
            };
            Annotation::new(format!("/{}", m.path), level, m.message.clone())
        })
        .collect()
}

impl Template {
    /// Synthesizes the stack's app in memory (no files written) and returns the stack's template.
    ///
    /// ```
    /// use sagecdk_assertions::Template;
    /// use sagecdk_core::{App, CfnResource, Stack, StackProps};
    /// let app = App::for_tests();
    /// let stack = Stack::new(&app, "S", StackProps::default());
    /// CfnResource::new(&stack, "Bucket", "AWS::S3::Bucket");
    /// Template::from_stack(&stack).assert_resource_count_is("AWS::S3::Bucket", 1);
    /// ```
    ///
    /// # Panics
    /// If the app does not synthesize; the message lists every error. Use
    /// [`try_from_stack`](Self::try_from_stack) to get the error instead.
    #[track_caller]
    pub fn from_stack(stack: &Stack) -> Template {
        match Self::try_from_stack(stack) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    /// Like [`from_stack`](Self::from_stack), returning synthesis errors.
    pub fn try_from_stack(stack: &Stack) -> Result<Template, TemplateError> {
        let s = synthesize(stack)?;
        let annotations = annotations_of(&s);
        Ok(Template::from_synthesized(s.template(), annotations))
    }
}

impl Annotations {
    /// The errors, warnings and infos of a stack's constructs, from an in-memory synthesis.
    ///
    /// Synthesis fails when a construct has an error; the errors are then returned in
    /// [`TemplateError::Synth`].
    pub fn from_stack(stack: &Stack) -> Result<Annotations, TemplateError> {
        Ok(Annotations::from_messages(annotations_of(&synthesize(
            stack,
        )?)))
    }
}
