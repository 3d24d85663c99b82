//! **sagecdk**: infrastructure as code for Amazon SageMaker, in Rust.
//!
//! Stack programs depend on this crate only. It re-exports the construct tree, tokens,
//! CloudFormation elements and synthesis from `sagecdk-core`; the SageMaker constructs and
//! typed CloudFormation resources are added here as they land.
//!
//! ```
//! use sagecdk::prelude::*;
//!
//! let app = App::for_tests();
//! let stack = Stack::new(&app, "Hello", StackProps::default());
//! CfnResource::new(&stack, "Bucket", "AWS::S3::Bucket");
//! let assembly = app.assemble().expect("valid");
//! assert_eq!(assembly.stacks.len(), 1);
//! ```

pub use sagecdk_core::*;

/// The names most stack programs use.
pub mod prelude {
    pub use sagecdk_core::{
        App, AppProps, ArnComponents, Aspect, Aspects, Aws, CfnCondition, CfnMapping, CfnOutput,
        CfnParameter, CfnParameterProps, CfnResource, CfnRule, Construct, Environment, Lazy,
        RemovalPolicy, Scope, Stack, StackProps, Str, SynthError, Tags, Token, Value, cfn, fmt_str,
        fns,
    };
}
