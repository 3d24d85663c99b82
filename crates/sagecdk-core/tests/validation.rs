//! Input CloudFormation would reject at deploy time, refused at synthesis with the construct
//! path: export names, tags, stack descriptions and environments, override paths, numbers that
//! are not finite.

use sagecdk_core::{
    App, CfnOutput, CfnParameter, CfnParameterProps, CfnResource, Environment, Lazy, Stack,
    StackProps, SynthError, TagType, Tags, cfn,
};

fn errors(app: &App) -> Vec<String> {
    match app.assemble() {
        Ok(_) => panic!("expected synthesis to fail"),
        Err(SynthError::Invalid(d)) => d.0.iter().map(|d| d.to_string()).collect(),
        Err(e) => panic!("unexpected error {e}"),
    }
}

fn env(region: &str) -> Environment {
    Environment::new("123456789012", region)
}

#[test]
fn export_names_are_unique_per_environment() {
    let app = App::for_tests();
    let a = Stack::new(&app, "A", StackProps::default().with_env(env("us-west-2")));
    let b = Stack::new(&app, "B", StackProps::default().with_env(env("us-west-2")));
    let elsewhere = Stack::new(&app, "C", StackProps::default().with_env(env("eu-west-1")));
    CfnOutput::new(&a, "One", "1").with_export_name("shared");
    CfnOutput::new(&a, "Two", "2").with_export_name("shared");
    CfnOutput::new(&b, "Three", "3").with_export_name("shared");
    // Another region has its own export names.
    CfnOutput::new(&elsewhere, "Four", "4").with_export_name("shared");
    CfnOutput::new(&elsewhere, "Empty", "5").with_export_name("");
    CfnOutput::new(&elsewhere, "Long", "6").with_export_name("x".repeat(256));
    CfnOutput::new(&elsewhere, "Longest", "7").with_export_name("y".repeat(255));
    assert_eq!(
        errors(&app),
        [
            "[A/Two] export name 'shared' is also used by 'A/One' in aws://123456789012/us-west-2; export names must be unique per account and region",
            "[B/Three] export name 'shared' is also used by 'A/One' in aws://123456789012/us-west-2; export names must be unique per account and region",
            "[C/Empty] export name must not be empty",
            "[C/Long] export name 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' is 256 characters, more than CloudFormation's limit of 255",
        ]
    );
}

#[test]
fn tags_follow_the_aws_limits() {
    let app = App::for_tests();
    let stack = Stack::new(
        &app,
        "S",
        StackProps::default()
            .with_tag("AWS:owner", "me")
            .with_tag("fine", "v".repeat(256)),
    );
    let r = CfnResource::new(&stack, "R", "AWS::S3::Bucket");
    r.enable_tags(TagType::Standard, "Tags");
    Tags::of(&r).add("aws:cloudformation:stack-name", "x");
    Tags::of(&r).add("", "x");
    Tags::of(&r).add("k".repeat(129), "x");
    Tags::of(&r).add("ü".repeat(128), "é".repeat(256));
    Tags::of(&r).add("long", "v".repeat(257));
    // Tags given in the resource's own properties are checked too.
    r.set_property("Tags", cfn!([{"Key": "aws:given", "Value": "x"}]));
    assert_eq!(
        errors(&app),
        [
            "[S] tag key 'AWS:owner' must not start with 'aws:' (reserved for AWS)",
            "[S/R] tag key 'aws:cloudformation:stack-name' must not start with 'aws:' (reserved for AWS)",
            "[S/R] tag key must not be empty",
            "[S/R] tag key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk…' is 129 characters, more than the limit of 128",
            "[S/R] value of tag 'long' is 257 characters, more than the limit of 256",
            "[S/R] tag key 'aws:given' must not start with 'aws:' (reserved for AWS)",
        ]
    );
}

#[test]
fn stack_descriptions_and_environments_are_checked() {
    let app = App::for_tests();
    Stack::new(
        &app,
        "Long",
        StackProps::default().with_description("d".repeat(1025)),
    );
    Stack::new(
        &app,
        "Fits",
        StackProps::default().with_description("é".repeat(512)),
    );
    Stack::new(
        &app,
        "Short",
        StackProps::default().with_env(Environment::new("12345", "us-west-2")),
    );
    Stack::new(
        &app,
        "Letters",
        StackProps::default().with_env(Environment::new("12345678901a", "")),
    );
    // Agnostic values and unset parts are allowed.
    let agnostic = Stack::new(
        &app,
        "Agnostic",
        StackProps::default().with_env(Environment::new("unknown-account", "unknown-region")),
    );
    assert!(agnostic.is_environment_agnostic());
    assert!(agnostic.literal_account().is_none());
    Stack::new(
        &app,
        "RegionOnly",
        StackProps::default().with_env(Environment {
            account: None,
            region: Some("us-east-1".into()),
        }),
    );
    assert_eq!(
        errors(&app),
        [
            "[Long] description is 1025 bytes, more than CloudFormation's limit of 1024 bytes",
            "[Short] account '12345' in `env` must be 12 digits (leave it unset for an environment-agnostic stack)",
            "[Letters] account '12345678901a' in `env` must be 12 digits (leave it unset for an environment-agnostic stack)",
            "[Letters] region in `env` must not be empty (leave it unset for an environment-agnostic stack)",
        ]
    );
}

#[test]
fn override_paths_need_every_key() {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    let r = CfnResource::new(&stack, "R", "AWS::X::Y");
    r.add_override("", "x");
    r.add_override("Properties..X", "x");
    r.add_override(".Properties", "x");
    r.add_deletion_override("Properties.X.");
    r.add_property_override("", "x");
    r.add_property_override("A..B", "x");
    r.add_property_deletion_override(".A");
    // An escaped dot is part of a key.
    r.add_property_override("A\\.B.C", "fine");
    let e = errors(&app);
    assert_eq!(
        e,
        [
            "[S/R] `add_override` path must not be empty",
            "[S/R] `add_override` path 'Properties..X' has an empty key (a leading, trailing or doubled '.'); write the keys between single dots, with `\\.` for a dot inside a key",
            "[S/R] `add_override` path '.Properties' has an empty key (a leading, trailing or doubled '.'); write the keys between single dots, with `\\.` for a dot inside a key",
            "[S/R] `add_deletion_override` path 'Properties.X.' has an empty key (a leading, trailing or doubled '.'); write the keys between single dots, with `\\.` for a dot inside a key",
            "[S/R] `add_property_override` path must not be empty",
            "[S/R] `add_property_override` path 'A..B' has an empty key (a leading, trailing or doubled '.'); write the keys between single dots, with `\\.` for a dot inside a key",
            "[S/R] `add_property_deletion_override` path '.A' has an empty key (a leading, trailing or doubled '.'); write the keys between single dots, with `\\.` for a dot inside a key",
        ]
    );
}

#[test]
fn numbers_that_are_not_finite_name_their_property() {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    let r = CfnResource::new(&stack, "R", "AWS::X::Y").with_properties(cfn!({
        "Config": {"List": [1, {"Weight": (f64::NAN)}]},
        "Later": (Lazy::number(|_| f64::INFINITY))
    }));
    r.add_property_override("Scaling.Max", f64::NEG_INFINITY);
    CfnOutput::new(&stack, "Out", f64::NAN);
    CfnParameter::new(
        &stack,
        "P",
        CfnParameterProps {
            max_value: Some(f64::NAN),
            ..CfnParameterProps::default()
        },
    );
    assert_eq!(
        errors(&app),
        [
            "[S/R] property 'Properties.Config.List.1.Weight': NaN is not a finite number",
            "[S/R] property 'Properties.Later': inf is not a finite number",
            "[S/R] property 'Properties.Scaling.Max': -inf is not a finite number",
            "[S/Out] property 'Value': NaN is not a finite number",
            "[S/P] property 'MaxValue': NaN is not a finite number",
        ]
    );
}
