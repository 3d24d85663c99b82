//! The core of sagecdk: the construct tree, tokens, CloudFormation elements and synthesis to an
//! AWS CDK cloud assembly, byte-for-byte as the AWS CDK writes it.
//!
//! This crate is deliberately light (serde, hashing, indexmap): stack programs depend on it
//! and build fast. Deploying lives in the CLI.
//!
//! # A stack program
//!
//! ```
//! use sagecdk_core::{cfn, App, CfnOutput, CfnResource, Environment, Stack, StackProps, Tags};
//!
//! let app = App::for_tests();
//! let stack = Stack::new(&app, "Storage", StackProps::default()
//!     .with_env(Environment::new("123456789012", "us-west-2")));
//! let bucket = CfnResource::new(&stack, "Bucket", "AWS::S3::Bucket");
//! let policy = CfnResource::new(&stack, "Policy", "AWS::S3::BucketPolicy").with_properties(cfn!({
//!     "Bucket": (bucket.reference()),
//!     "PolicyDocument": {"Statement": [], "Version": "2012-10-17"},
//! }));
//! CfnOutput::new(&stack, "BucketArn", bucket.get_att("Arn"));
//! Tags::of(&stack).add("team", "ml");
//!
//! let assembly = app.assemble().expect("valid");
//! let template = assembly.stack("Storage").unwrap().template();
//! assert_eq!(template["Resources"]["Policy"]["Properties"]["Bucket"]["Ref"], "Bucket");
//! ```
//!
//! # Design
//!
//! * **Ownership**: see [`tree`] — an arena behind `Rc` handles; construction never panics and
//!   records problems, which [`App::synth`] reports all together with construct paths.
//! * **Tokens** are typed ([`Str`], [`Num`], [`List`], [`Token`]) rather than encoded in
//!   strings, so a value that is only known at deploy time cannot be mistaken for a literal.
//! * **Output** is written with JavaScript's `JSON.stringify` rules
//!   ([`sagecdk_assembly::json`]), so templates and manifests are byte-identical to the CDK's.

pub mod app;
pub mod aspects;
pub mod collate;
pub mod compat;
pub mod context_provider;
pub mod duration;
pub mod element;
pub mod error;
pub mod logical_id;
pub mod resolve;
pub mod stack;
pub mod synth;
pub mod synthesizer;
pub mod tags;
pub mod token;
pub mod tree;
pub mod value;

pub use app::{App, AppProps};
pub use aspects::{Aspect, AspectPriority, Aspects};
pub use duration::Duration;
pub use element::{
    CfnCondition, CfnMapping, CfnOutput, CfnParameter, CfnParameterProps, CfnResource, CfnRule,
    RemovalPolicy,
};
pub use error::{Diagnostic, Diagnostics, SynthError};
pub use indexmap::IndexMap;
pub use resolve::ResolveContext;
pub use stack::{ArnComponents, AssemblyDirs, AssemblyWriter, Environment, Stack, StackProps};
pub use synth::{Assembly, Level, Message, SynthesizedStack};
pub use synthesizer::{
    DefaultStackSynthesizer, DockerImageAssetLocation, DockerImageAssetSource, FileAssetLocation,
    FileAssetPackaging, FileAssetSource,
};
pub use tags::{TagManager, TagProps, TagType, Tags};
pub use token::{Aws, Lazy, Token, fns};
pub use tree::{Construct, MetadataEntry, Scope};
pub use value::{Flag, List, Map, Num, Str, Tokenized, Value};
