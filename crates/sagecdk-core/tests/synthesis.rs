//! Behaviour of synthesis: references, dependencies, validation, tags, overrides, writing.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a program of its own: it prints its results

use sagecdk_core::{
    App, AppProps, Aspect, Aspects, Aws, CfnCondition, CfnOutput, CfnParameter, CfnParameterProps,
    CfnResource, Construct, Environment, IndexMap, Lazy, Scope, Stack, StackProps, Str, SynthError,
    TagType, Tags, Value, cfn, fmt_str, fns,
};
use serde_json::{Value as Json, json};

fn app() -> App {
    App::for_tests()
}

fn template(app: &App, stack: &str) -> Json {
    app.assemble()
        .expect("synthesizes")
        .stack(stack)
        .expect("stack")
        .template()
}

fn errors(app: &App) -> Vec<String> {
    match app.assemble() {
        Ok(_) => panic!("expected synthesis to fail"),
        Err(SynthError::Invalid(d)) => d.0.iter().map(|d| d.to_string()).collect(),
        Err(e) => panic!("unexpected error {e}"),
    }
}

#[test]
fn string_concatenation_renders_minimal_joins() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    let r = CfnResource::new(&stack, "R", "AWS::X::Y");
    r.set_property("Literal", Str::from("a") + "b" + "c");
    r.set_property(
        "Arn",
        Str::from("arn:") + Aws::partition() + ":iam::aws:policy/X",
    );
    r.set_property(
        "Nested",
        Str::from("x-") + (Str::from("[") + Aws::region() + "]") + "-y",
    );
    r.set_property(
        "Joined",
        fns::join(
            "-",
            vec![
                Str::from("a"),
                Str::from("b"),
                Aws::region(),
                Str::from("c"),
            ],
        ),
    );
    r.set_property("JoinLiteral", fns::join(",", vec!["a", "b"]));
    r.set_property("Single", fmt_str!("{}", Aws::account_id()));
    r.set_property("Select", fns::select(1, vec!["a", "b"]));
    let t = template(&app, "S");
    let p = &t["Resources"]["R"]["Properties"];
    assert_eq!(p["Literal"], json!("abc"));
    assert_eq!(
        p["Arn"],
        json!({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/X"]]})
    );
    assert_eq!(
        p["Nested"],
        json!({"Fn::Join": ["", ["x-[", {"Ref": "AWS::Region"}, "]-y"]]})
    );
    assert_eq!(
        p["Joined"],
        json!({"Fn::Join": ["-", ["a-b", {"Ref": "AWS::Region"}, "c"]]})
    );
    assert_eq!(p["JoinLiteral"], json!("a,b"));
    assert_eq!(p["Single"], json!({"Ref": "AWS::AccountId"}));
    assert_eq!(p["Select"], json!("b"));
}

#[test]
fn lazy_values_resolve_late_and_absent_values_are_dropped() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    let items = std::rc::Rc::new(std::cell::RefCell::new(vec!["a".to_string()]));
    let seen = items.clone();
    let r = CfnResource::new(&stack, "R", "AWS::X::Y");
    r.set_property(
        "Items",
        Lazy::any(move |_| Some(Value::from(seen.borrow().clone()))),
    );
    r.set_property("Gone", Lazy::any(|_| None));
    items.borrow_mut().push("b".into());
    let t = template(&app, "S");
    assert_eq!(
        t["Resources"]["R"]["Properties"],
        json!({"Items": ["a", "b"]})
    );
}

/// A string that contains itself was reported twice: as too deep, and then for the `null`
/// that stood in for the part given up on.
#[test]
fn a_self_referencing_value_is_one_error() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    let text: std::rc::Rc<std::cell::RefCell<Str>> = Default::default();
    let inner = text.clone();
    let grows = Lazy::string(move |_| Str::from("a") + inner.borrow().clone());
    *text.borrow_mut() = grows.clone();
    CfnResource::new(&stack, "R", "AWS::X::Y").set_property("Name", grows);
    assert_eq!(
        errors(&app),
        ["[S/R] Unable to resolve object tree with circular reference (depth > 200)"]
    );
}

#[test]
fn lazy_values_cannot_modify_the_tree() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    let s2 = stack.clone();
    let r = CfnResource::new(&stack, "R", "AWS::X::Y");
    r.set_property(
        "P",
        Lazy::any(move |_| {
            Construct::new(&s2, "Sneaky");
            Some(Value::from("x"))
        }),
    );
    let errs = errors(&app);
    assert!(
        errs.iter()
            .any(|e| e.contains("cannot be modified while it is being synthesized")),
        "{errs:?}"
    );
}

#[test]
fn cross_stack_references_become_exports_and_imports() {
    let app = app();
    let producer = Stack::new(&app, "Producer", StackProps::default());
    let consumer = Stack::new(&app, "Consumer", StackProps::default());
    let bucket_scope = Construct::new(&producer, "Bucket");
    let bucket = CfnResource::new(&bucket_scope, "Resource", "AWS::S3::Bucket");
    let user = CfnResource::new(&consumer, "User", "AWS::X::Y");
    user.set_property("Name", bucket.reference());
    user.set_property("Arn", bucket.get_att("Arn"));
    user.set_property(
        "Text",
        fmt_str!("name-{}-{}-x", bucket.reference(), Aws::region()),
    );
    let assembly = app.assemble().expect("synthesizes");
    let p = &assembly.stack("Producer").expect("producer").template();
    assert_eq!(
        p["Outputs"]["ExportsOutputRefBucket83908E7781C90AC0"],
        json!({"Value": {"Ref": "Bucket83908E77"}, "Export": {"Name": "Producer:ExportsOutputRefBucket83908E7781C90AC0"}})
    );
    assert_eq!(
        p["Outputs"]["ExportsOutputFnGetAttBucket83908E77Arn063C8555"]["Export"]["Name"],
        json!("Producer:ExportsOutputFnGetAttBucket83908E77Arn063C8555")
    );
    let c = &assembly.stack("Consumer").expect("consumer").template();
    let props = &c["Resources"]["User"]["Properties"];
    assert_eq!(
        props["Name"],
        json!({"Fn::ImportValue": "Producer:ExportsOutputRefBucket83908E7781C90AC0"})
    );
    assert_eq!(
        props["Text"],
        json!({"Fn::Join": ["", ["name-", {"Fn::ImportValue": "Producer:ExportsOutputRefBucket83908E7781C90AC0"}, "-", {"Ref": "AWS::Region"}, "-x"]]})
    );
    let manifest: Json =
        serde_json::from_str(assembly.file("manifest.json").expect("manifest")).expect("json");
    assert_eq!(
        manifest["artifacts"]["Consumer"]["dependencies"],
        json!(["Producer", "Consumer.assets"])
    );
    // Synthesizing again gives the same result (exports are created once).
    let again = app.assemble().expect("again");
    assert_eq!(
        again.file("Producer.template.json"),
        assembly.file("Producer.template.json")
    );
}

#[test]
fn cross_environment_references_are_rejected() {
    let app = app();
    let a = Stack::new(
        &app,
        "A",
        StackProps::default().with_env(Environment::new("111111111111", "us-east-1")),
    );
    let b = Stack::new(
        &app,
        "B",
        StackProps::default().with_env(Environment::new("111111111111", "eu-west-1")),
    );
    let bucket = CfnResource::new(&a, "Bucket", "AWS::S3::Bucket");
    CfnResource::new(&b, "User", "AWS::X::Y").set_property("Name", bucket.reference());
    let errs = errors(&app);
    assert!(
        errs.iter()
            .any(|e| e.starts_with("[B/User]") && e.contains("same environment")),
        "{errs:?}"
    );
    assert_eq!(
        errs.len(),
        1,
        "one error, no internal one beside it: {errs:?}"
    );
}

#[test]
fn reference_cycles_between_stacks_are_reported() {
    let app = app();
    let a = Stack::new(&app, "A", StackProps::default());
    let b = Stack::new(&app, "B", StackProps::default());
    let ra = CfnResource::new(&a, "RA", "AWS::X::Y");
    let rb = CfnResource::new(&b, "RB", "AWS::X::Y");
    ra.set_property("P", rb.reference());
    rb.set_property("P", ra.reference());
    let errs = errors(&app);
    assert!(
        errs.iter().any(|e| e.contains("Stack dependency cycle")),
        "{errs:?}"
    );
}

#[test]
fn construct_dependencies_become_sorted_depends_on() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    let group = Construct::new(&stack, "Group");
    let b = CfnResource::new(&group, "b", "AWS::X::Y");
    let a_upper = CfnResource::new(&group, "A", "AWS::X::Y");
    let a_lower = CfnResource::new(&group, "a", "AWS::X::Y");
    let user = CfnResource::new(&stack, "User", "AWS::X::Y");
    user.node().add_dependency(&group);
    user.add_depends_on(&b);
    let t = template(&app, "S");
    let ids = |r: &CfnResource| {
        let id = r.node().path();
        sagecdk_core::logical_id::make_unique_id(&id.split('/').skip(1).collect::<Vec<_>>())
            .expect("id")
    };
    assert_eq!(
        t["Resources"]["User"]["DependsOn"],
        json!([ids(&a_lower), ids(&a_upper), ids(&b)])
    );
}

#[test]
fn dependencies_across_stacks_order_the_manifest() {
    let app = app();
    let a = Stack::new(&app, "A", StackProps::default());
    let b = Stack::new(&app, "B", StackProps::default());
    let ra = CfnResource::new(&a, "RA", "AWS::X::Y");
    let rb = CfnResource::new(&b, "RB", "AWS::X::Y");
    ra.add_depends_on(&rb);
    let assembly = app.assemble().expect("synthesizes");
    let manifest: Json =
        serde_json::from_str(assembly.file("manifest.json").expect("manifest")).expect("json");
    assert_eq!(
        manifest["artifacts"]["A"]["dependencies"],
        json!(["B", "A.assets"])
    );
    assert!(
        assembly.stack("A").expect("a").template()["Resources"]["RA"]
            .get("DependsOn")
            .is_none()
    );
}

#[test]
fn all_errors_are_collected_with_paths() {
    let app = app();
    let stack = Stack::new(&app, "Bad_Name", StackProps::default());
    Construct::new(&stack, "Twice");
    Construct::new(&stack, "Twice");
    let r = CfnResource::new(&stack, "R", "AWS::X::Y");
    r.override_logical_id("not-valid!");
    stack.rename_logical_id("Nothing", "Else");
    stack
        .node()
        .add_validation(|_| vec!["custom rule broken".to_string()]);
    CfnResource::new(&app, "Orphan", "AWS::X::Y");
    let errs = errors(&app);
    let expect = [
        "[Bad_Name] Stack name must match",
        "[Bad_Name/Twice] There is already a Construct with name 'Twice' in Stack [Bad_Name]",
        "[Bad_Name/R] Invalid logical ID override 'not-valid!'",
        "[Bad_Name] Unable to find a logical ID 'Nothing' to rename",
        "[Bad_Name] custom rule broken",
        "[Orphan] CloudFormation elements must be defined within a Stack",
    ];
    for e in expect {
        assert!(
            errs.iter().any(|x| x.starts_with(e)),
            "missing {e:?} in {errs:#?}"
        );
    }
    // Nothing was written.
    assert!(!app.outdir().join("manifest.json").exists());
}

#[test]
fn renames_and_overrides_apply() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    let g = Construct::new(&stack, "G");
    let r = CfnResource::new(&g, "Resource", "AWS::X::Y");
    let allocated = sagecdk_core::logical_id::make_unique_id(&["G", "Resource"]).expect("id");
    stack.rename_logical_id(allocated, "Renamed");
    let o = CfnResource::new(&stack, "O", "AWS::X::Y");
    o.override_logical_id("Overridden");
    o.set_property("Ref", r.reference());
    let t = template(&app, "S");
    assert_eq!(
        t["Resources"]["Overridden"]["Properties"]["Ref"],
        json!({"Ref": "Renamed"})
    );
}

#[test]
fn duplicate_logical_ids_are_reported() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    CfnResource::new(&stack, "A", "AWS::X::Y").override_logical_id("Same");
    CfnResource::new(&stack, "B", "AWS::X::Y").override_logical_id("Same");
    let errs = errors(&app);
    assert!(
        errs.iter()
            .any(|e| e.contains("section 'Resources' already contains 'Same'")),
        "{errs:?}"
    );
}

#[test]
fn resource_limit_is_enforced_and_configurable() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    for i in 0..501 {
        CfnResource::new(&stack, &format!("R{i}"), "AWS::X::Y");
    }
    let errs = errors(&app);
    assert!(
        errs.iter()
            .any(|e| e.contains("501 is greater than allowed maximum of 500")),
        "{errs:?}"
    );
    stack
        .node()
        .set_context("@aws-cdk/core:stackResourceLimit", json!(1000));
    assert!(app.assemble().is_ok());
}

#[test]
fn oversized_templates_are_rejected() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    for i in 0..12 {
        CfnResource::new(&stack, &format!("R{i}"), "AWS::X::Y")
            .set_property("Big", "x".repeat(100_000));
    }
    let errs = errors(&app);
    assert!(
        errs.iter()
            .any(|e| e.contains("more than CloudFormation's limit")),
        "{errs:?}"
    );
}

#[test]
fn tags_apply_to_taggable_resources_and_stacks() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default().with_tag("owner", "ml"));
    let bucket = CfnResource::new(&stack, "Bucket", "AWS::S3::Bucket").with_properties(cfn!({
        "BucketName": "b",
        "Tags": [{"Key": "initial", "Value": "1"}, {"Key": "z", "Value": "initial"}]
    }));
    bucket.enable_tags(TagType::Standard, "Tags");
    let mapped = CfnResource::new(&stack, "Mapped", "AWS::SSM::Parameter")
        .with_properties(cfn!({"Name": "n", "Value": "v"}));
    mapped.enable_tags(TagType::Map, "Tags");
    let untaggable = CfnResource::new(&stack, "Plain", "AWS::X::Y");
    Tags::of(&app).add("z", "aspect");
    Tags::of(&app).add("A", "1");
    Tags::of(&stack).remove("owner-not-set");
    let assembly = app.assemble().expect("synthesizes");
    let t = &assembly.stack("S").expect("s").template();
    assert_eq!(
        t["Resources"]["Bucket"]["Properties"]["Tags"],
        json!([{"Key": "A", "Value": "1"}, {"Key": "initial", "Value": "1"}, {"Key": "z", "Value": "aspect"}])
    );
    // Keys stay in sorted order for generated resources: Tags goes after Name, before Value.
    let mapped_keys: Vec<&String> = t["Resources"]["Mapped"]["Properties"]
        .as_object()
        .expect("obj")
        .keys()
        .collect();
    assert_eq!(mapped_keys, ["Name", "Tags", "Value"]);
    assert!(t["Resources"]["Plain"].get("Properties").is_none());
    assert!(!untaggable.is_taggable());
    let manifest: Json =
        serde_json::from_str(assembly.file("manifest.json").expect("m")).expect("json");
    assert_eq!(
        manifest["artifacts"]["S"]["properties"]["tags"],
        json!({"A": "1", "owner": "ml", "z": "aspect"})
    );
}

#[test]
fn aspects_visit_every_construct_once_even_across_synths() {
    use std::cell::Cell;
    use std::rc::Rc;
    struct Count(Rc<Cell<usize>>);
    impl Aspect for Count {
        fn visit(&self, _: &Construct) {
            self.0.set(self.0.get() + 1);
        }
    }
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    CfnResource::new(&stack, "A", "AWS::X::Y");
    let n = Rc::new(Cell::new(0));
    Aspects::of(&stack).add(Count(n.clone()));
    app.assemble().expect("ok");
    // The stack and the resource.
    assert_eq!(n.get(), 2);
    // Again: only the bootstrap parameter and rule that the first synthesis added are new.
    app.assemble().expect("ok");
    assert_eq!(n.get(), 4);
    app.assemble().expect("ok");
    assert_eq!(n.get(), 4);
}

#[test]
fn overrides_deep_merge_into_the_rendered_resource() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    let r = CfnResource::new(&stack, "R", "AWS::X::Y")
        .with_properties(cfn!({"A": {"B": 1, "C": 2}, "L": [{"K": "v"}]}));
    r.add_property_override("A.B", 10);
    r.add_property_override("L.0.K", Aws::region());
    r.add_property_deletion_override("A.C");
    r.add_override("Properties.New\\.Key", "dotted");
    r.add_override("UpdatePolicy.Replace", true);
    let t = template(&app, "S");
    assert_eq!(
        t["Resources"]["R"],
        json!({
            "Type": "AWS::X::Y",
            "Properties": {"A": {"B": 10}, "L": [{"K": {"Ref": "AWS::Region"}}], "New.Key": "dotted"},
            "UpdatePolicy": {"Replace": true}
        })
    );
}

/// An override index past the end of a list grew the list to that length: `usize::MAX`
/// overflowed and a few billion asked for hundreds of gigabytes.
#[test]
fn override_indexes_follow_javascript_arrays_and_fit_in_a_template() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    let r = CfnResource::new(&stack, "R", "AWS::X::Y").with_properties(cfn!({"L": ["a", "b"]}));
    r.add_property_override("L.3", "appended");
    r.add_property_override("L.01", "not an index");
    r.add_property_override("L.+1", "not an index");
    r.add_property_override("L.4294967295", "not an index");
    r.add_property_deletion_override("L.9");
    let t = template(&app, "S");
    assert_eq!(
        t["Resources"]["R"]["Properties"],
        json!({"L": ["a", "b", null, "appended"]})
    );

    let app = self::app();
    let stack = Stack::new(&app, "S", StackProps::default());
    let r = CfnResource::new(&stack, "R", "AWS::X::Y").with_properties(cfn!({"L": ["a", "b"]}));
    r.add_property_override("L.18446744073709551615", "x");
    r.add_property_override("L.4294967294", "x");
    r.add_property_override("L.1.K", "x");
    assert_eq!(
        errors(&app),
        [
            "[S/R] override 'Properties.L.4294967294' sets element 4294967294 of a list of 2: a list \
          that long cannot fit in a template (CloudFormation's limit is 1048576 bytes); use an \
          index up to 2"
        ]
    );
}

#[test]
fn parameters_conditions_outputs_and_rules_render() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    let env = CfnParameter::new(
        &stack,
        "Env",
        CfnParameterProps {
            allowed_values: vec!["dev".into(), "prod".into()],
            default: Some("dev".into()),
            ..CfnParameterProps::default()
        },
    );
    let size = CfnParameter::new(
        &stack,
        "Size",
        CfnParameterProps {
            parameter_type: Some("Number".into()),
            min_value: Some(1.0),
            ..CfnParameterProps::default()
        },
    );
    let is_prod = CfnCondition::new(
        &stack,
        "IsProd",
        fns::condition_equals(env.value_as_string(), "prod"),
    );
    let r = CfnResource::new(&stack, "R", "AWS::X::Y");
    r.set_property("Count", size.value_as_number());
    r.set_property("Mode", fns::if_(is_prod.name(), "big", Aws::no_value()));
    r.set_condition(&is_prod);
    CfnOutput::new(&stack, "Out", r.reference())
        .with_export_name("exported")
        .with_condition(&is_prod);
    let t = template(&app, "S");
    assert_eq!(
        t["Parameters"]["Env"],
        json!({"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]})
    );
    assert_eq!(
        t["Parameters"]["Size"],
        json!({"Type": "Number", "MinValue": 1})
    );
    assert_eq!(
        t["Conditions"]["IsProd"],
        json!({"Fn::Equals": [{"Ref": "Env"}, "prod"]})
    );
    assert_eq!(
        t["Resources"]["R"]["Properties"]["Mode"],
        json!({"Fn::If": ["IsProd", "big", {"Ref": "AWS::NoValue"}]})
    );
    assert_eq!(t["Resources"]["R"]["Condition"], json!("IsProd"));
    assert_eq!(
        t["Outputs"]["Out"],
        json!({"Value": {"Ref": "R"}, "Export": {"Name": "exported"}, "Condition": "IsProd"})
    );
    assert!(t["Rules"]["CheckBootstrapVersion"].is_object());
    let sections: Vec<&String> = t.as_object().expect("obj").keys().collect();
    assert_eq!(
        sections,
        ["Parameters", "Conditions", "Resources", "Outputs", "Rules"]
    );
}

#[test]
fn context_is_inherited_and_path_metadata_follows_it() {
    let app = App::with_props(AppProps {
        ignore_environment: true,
        context: IndexMap::from([("k".to_string(), json!("root"))]),
        ..AppProps::default()
    });
    let stack = Stack::new(&app, "S", StackProps::default());
    let inner = Construct::new(&stack, "Inner");
    inner.set_context("k", json!("inner"));
    inner.set_context("aws:cdk:enable-path-metadata", json!(true));
    assert_eq!(stack.node().try_get_context("k"), Some(json!("root")));
    assert_eq!(
        Construct::new(&inner, "Deep").try_get_context("k"),
        Some(json!("inner"))
    );
    CfnResource::new(&inner, "R", "AWS::X::Y");
    CfnResource::new(&stack, "Outside", "AWS::X::Y");
    let t = template(&app, "S");
    let r_id = sagecdk_core::logical_id::make_unique_id(&["Inner", "R"]).expect("id");
    assert_eq!(
        t["Resources"][r_id.as_str()]["Metadata"],
        json!({"aws:cdk:path": "S/Inner/R"})
    );
    assert!(t["Resources"]["Outside"].get("Metadata").is_none());
}

#[test]
fn writing_is_atomic_and_replaces_the_previous_assembly() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("cdk.out");
    let app = App::with_props(AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let stack = Stack::new(&app, "S", StackProps::default());
    CfnResource::new(&stack, "R", "AWS::X::Y");
    app.synth().expect("first");
    let first = std::fs::read_to_string(out.join("S.template.json")).expect("template");
    assert!(!first.ends_with('\n'));
    // A failing synthesis leaves the previous assembly as it was.
    Construct::new(&stack, "R");
    assert!(app.synth().is_err());
    assert_eq!(
        std::fs::read_to_string(out.join("S.template.json")).expect("kept"),
        first
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        1,
        "no staging leftovers"
    );
}

#[test]
fn an_app_never_replaces_a_directory_that_is_not_an_assembly() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir(dir.path().join(".git")).expect("mkdir");
    std::fs::write(dir.path().join("Cargo.toml"), "[package]").expect("write");
    let app = App::with_props(AppProps {
        outdir: Some(dir.path().to_path_buf()),
        ignore_environment: true,
        ..AppProps::default()
    });
    let stack = Stack::new(&app, "S", StackProps::default());
    CfnResource::new(&stack, "R", "AWS::X::Y");
    let err = app.synth().expect_err("refused");
    assert!(err.to_string().contains("is not a cloud assembly"), "{err}");
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    assert_eq!(names, [".git", "Cargo.toml"]);
}

#[test]
fn stacks_under_constructs_get_unique_names() {
    let app = app();
    let group = Construct::new(&app, "Group");
    Stack::new(&group, "Inner", StackProps::default());
    let explicit = Stack::new(
        &app,
        "Named",
        StackProps::default().with_stack_name("my-stack"),
    );
    assert_eq!(explicit.stack_name(), "my-stack");
    let assembly = app.assemble().expect("ok");
    let names: Vec<(&str, &str)> = assembly
        .stacks
        .iter()
        .map(|s| (s.artifact_id.as_str(), s.stack_name.as_str()))
        .collect();
    assert_eq!(names[0].0, names[0].1);
    assert!(names[0].0.starts_with("GroupInner"), "{names:?}");
    assert_eq!(names[1], ("Named", "my-stack"));
    let manifest: Json =
        serde_json::from_str(assembly.file("manifest.json").expect("m")).expect("json");
    assert_eq!(
        manifest["artifacts"]["Named"]["properties"]["stackName"],
        json!("my-stack")
    );
}

#[test]
fn tokens_of_another_app_are_rejected() {
    let other = app();
    let other_stack = Stack::new(&other, "O", StackProps::default());
    // Node indices beyond anything in the consuming app must not be looked up there.
    for i in 0..20 {
        Construct::new(&other_stack, &format!("Pad{i}"));
    }
    let foreign = CfnResource::new(&other_stack, "F", "AWS::X::Y");
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    let r = CfnResource::new(&stack, "R", "AWS::X::Y");
    r.set_property("P", foreign.reference());
    r.set_property("Q", fmt_str!("x-{}", foreign.get_att("Arn")));
    r.set_property("L", foreign.logical_id());
    let errs = errors(&app);
    assert!(errs.iter().any(|e| e.contains("another App")), "{errs:?}");
}

#[test]
fn non_finite_numbers_and_values_in_strings_are_errors() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    let r = CfnResource::new(&stack, "R", "AWS::X::Y");
    r.set_property("N", f64::NAN);
    r.set_property(
        "S",
        Str::from("x")
            + Lazy::string(|_| Str::from("ok"))
            + Str::from(Lazy::any(|_| Some(cfn!({"a": 1})))),
    );
    let errs = errors(&app);
    assert!(
        errs.iter()
            .any(|e| e.contains("NaN is not a finite number")),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.contains("cannot be part of a string")),
        "{errs:?}"
    );
}

#[test]
fn every_intrinsic_renders_in_its_cloudformation_shape() {
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    let r = CfnResource::new(&stack, "R", "AWS::X::Y");
    let vars = IndexMap::from([("Name".to_string(), Aws::stack_name())]);
    r.set_property("Sub", fns::sub("${AWS::Region}-x"));
    r.set_property("SubWith", fns::sub_with("${Name}-x", vars));
    r.set_property("Select", fns::select(0, fns::get_azs("")));
    r.set_property("Split", fns::split(",", "a,b"));
    r.set_property("Base64", fns::base64("hello"));
    r.set_property("Cidr", fns::cidr("10.0.0.0/16", 4, "8"));
    r.set_property("Import", fns::import_value("shared-vpc"));
    r.set_property("FindInMap", fns::find_in_map("M", Aws::region(), "ami"));
    r.set_property("GetAttRaw", fns::get_att("Other", "Arn"));
    r.set_property("RefRaw", fns::ref_logical_id("Other"));
    r.set_property("NotificationArns", Aws::notification_arns());
    r.set_property(
        "And",
        fns::condition_and(vec![fns::condition("A").into(), fns::condition("B").into()]),
    );
    r.set_property(
        "Or",
        fns::condition_or(vec![fns::condition("A").into(), fns::condition("B").into()]),
    );
    r.set_property("JoinList", fns::join(",", fns::split("|", "a|b")));
    let t = template(&app, "S");
    assert_eq!(
        t["Resources"]["R"]["Properties"],
        json!({
            "Sub": {"Fn::Sub": "${AWS::Region}-x"},
            "SubWith": {"Fn::Sub": ["${Name}-x", {"Name": {"Ref": "AWS::StackName"}}]},
            "Select": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
            "Split": {"Fn::Split": [",", "a,b"]},
            "Base64": {"Fn::Base64": "hello"},
            "Cidr": {"Fn::Cidr": ["10.0.0.0/16", 4, "8"]},
            "Import": {"Fn::ImportValue": "shared-vpc"},
            "FindInMap": {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "ami"]},
            "GetAttRaw": {"Fn::GetAtt": ["Other", "Arn"]},
            "RefRaw": {"Ref": "Other"},
            "NotificationArns": {"Ref": "AWS::NotificationARNs"},
            "And": {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]},
            "Or": {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]},
            "JoinList": {"Fn::Join": [",", {"Fn::Split": ["|", "a|b"]}]}
        })
    );
}

/// `App::new()` reads the environment the CLI sets; checked in a child process so the
/// variables never leak into other tests.
#[test]
fn app_reads_the_cli_environment() {
    if let Ok(mode) = std::env::var("SAGECDK_TEST_CHILD") {
        let app = App::new();
        let stack = Stack::new(&app, "S", StackProps::default());
        CfnResource::new(&stack, "R", "AWS::X::Y").set_property(
            "Ctx",
            stack
                .node()
                .try_get_context("custom")
                .map(Value::from)
                .unwrap_or_default(),
        );
        match app.synth() {
            Ok(_) => println!("CHILD-OK {mode}"),
            Err(e) => println!("CHILD-ERR {e}"),
        }
        return;
    }
    let run = |context: &str, outdir: &std::path::Path| {
        let out = std::process::Command::new(std::env::current_exe().expect("exe"))
            .args([
                "--exact",
                "app_reads_the_cli_environment",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("SAGECDK_TEST_CHILD", "1")
            .env("CDK_CONTEXT_JSON", context)
            .env("CDK_OUTDIR", outdir)
            .output()
            .expect("child runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("assembly");
    let stdout = run(
        r#"{"aws:cdk:enable-path-metadata": true, "custom": "from-cli"}"#,
        &out,
    );
    assert!(stdout.contains("CHILD-OK"), "{stdout}");
    let template: Json = serde_json::from_str(
        &std::fs::read_to_string(out.join("S.template.json")).expect("written"),
    )
    .expect("json");
    assert_eq!(
        template["Resources"]["R"]["Metadata"],
        json!({"aws:cdk:path": "S/R"})
    );
    assert_eq!(
        template["Resources"]["R"]["Properties"]["Ctx"],
        json!("from-cli")
    );

    let bad = run("{not json", &dir.path().join("never"));
    assert!(
        bad.contains("CHILD-ERR") && bad.contains("CDK_CONTEXT_JSON is not valid JSON"),
        "{bad}"
    );
    assert!(!dir.path().join("never").exists());
}

#[test]
fn nested_synthesis_and_foreign_dependencies_are_refused() {
    struct Resynth;
    impl Aspect for Resynth {
        fn visit(&self, node: &Construct) {
            if let Err(e) = App::of(node).assemble() {
                node.add_warning(e.to_string());
            }
        }
    }
    let app = app();
    let stack = Stack::new(&app, "S", StackProps::default());
    Aspects::of(&stack).add(Resynth);
    let assembly = app.assemble().expect("outer synthesis works");
    assert!(
        assembly
            .warnings()
            .any(|m| m.message.contains("already being synthesized"))
    );

    let other = self::app();
    let foreign = Stack::new(&other, "F", StackProps::default());
    let foreign_res = CfnResource::new(&foreign, "R", "AWS::X::Y");
    let app = self::app();
    let stack = Stack::new(&app, "S", StackProps::default());
    stack.add_dependency(&foreign, "test");
    CfnResource::new(&stack, "R", "AWS::X::Y").add_depends_on(&foreign_res);
    let errs = errors(&app);
    assert!(
        errs.iter().any(|e| e.contains("stack of another app")),
        "{errs:?}"
    );
    assert!(
        errs.iter().any(|e| e.contains("resource of another app")),
        "{errs:?}"
    );
}

/// The stack's metadata as the CDK writes it: what constructs added first, then the template
/// file, then the stack tags in the cloud assembly schema's `{key, value}` form, sorted by key.
#[test]
fn stack_metadata_lists_tags_as_key_and_value_after_the_template_file() {
    let app = app();
    let stack = Stack::new(
        &app,
        "S",
        StackProps::default()
            .with_tag("team", "ml-platform")
            .with_tag("stage", "prod"),
    );
    stack.node().add_warning("look here");
    CfnResource::new(&stack, "Topic", "AWS::SNS::Topic");
    let assembly = app.assemble().expect("synthesizes");
    let metadata: Json =
        serde_json::from_str(assembly.file("S.metadata.json").expect("metadata")).expect("json");
    assert_eq!(
        metadata["/S"],
        json!([
            {"type": "aws:cdk:warning", "data": "look here"},
            {"type": "aws:cdk:templateFile", "data": "S.template.json"},
            {"type": "aws:cdk:stack-tags", "data": [
                {"key": "stage", "value": "prod"},
                {"key": "team", "value": "ml-platform"}
            ]}
        ])
    );
}

/// A consuming stack and its producer, with `strength` as the reference strength context.
fn referencing_app(strength: Option<Json>) -> App {
    let app = app();
    if let Some(strength) = strength {
        app.node()
            .set_context("@aws-cdk/core:defaultCrossStackReferences", strength);
    }
    let producer = Stack::new(&app, "Producer", StackProps::default());
    let bucket = CfnResource::new(&producer, "Bucket", "AWS::S3::Bucket");
    for id in ["Consumer", "Other"] {
        let consumer = Stack::new(&app, id, StackProps::default());
        CfnResource::new(&consumer, "Topic", "AWS::SNS::Topic")
            .set_property("Name", bucket.reference());
    }
    app
}

/// As in the CDK: the first stack that references another gets the warning that no reference
/// strength is configured (once, however often the app is synthesized), before its template
/// file entry; "strong" silences it; the strengths sagecdk does not write are errors.
#[test]
fn the_first_reference_across_stacks_warns_that_no_strength_is_configured() {
    const WARNING: &str = "No cross-stack-reference strength configured, defaulting to \"strong\". We recommend you set feature flag \"@aws-cdk/core:defaultCrossStackReferences\" to \"both\", then deploy everywhere, then set it to \"weak\". Alternatively, set it to \"strong\" explicitly to lock in the current producer-protecting behavior. (See: https://github.com/aws/aws-cdk/blob/main/packages/aws-cdk-lib/README.md#reference-strength) [ack: @aws-cdk/core:crossStackReferencesDefaultStrong]";
    let stack_metadata = |assembly: &sagecdk_core::Assembly, stack: &str| -> Json {
        let file = assembly
            .file(&format!("{stack}.metadata.json"))
            .expect("metadata");
        serde_json::from_str::<Json>(file).expect("json")[format!("/{stack}")].clone()
    };
    let app = referencing_app(None);
    for _ in 0..2 {
        let assembly = app.assemble().expect("synthesizes");
        assert_eq!(
            stack_metadata(&assembly, "Consumer"),
            json!([
                {"type": "aws:cdk:warning", "data": WARNING},
                {"type": "aws:cdk:templateFile", "data": "Consumer.template.json"}
            ])
        );
        for stack in ["Producer", "Other"] {
            assert_eq!(
                stack_metadata(&assembly, stack),
                json!([{"type": "aws:cdk:templateFile", "data": format!("{stack}.template.json")}])
            );
        }
    }

    let assembly = referencing_app(Some(json!("strong")))
        .assemble()
        .expect("synthesizes");
    assert_eq!(
        stack_metadata(&assembly, "Consumer"),
        json!([{"type": "aws:cdk:templateFile", "data": "Consumer.template.json"}])
    );

    // A stack without references to others gets nothing.
    let lone = self::app();
    let alone = Stack::new(&lone, "Alone", StackProps::default());
    CfnResource::new(&alone, "Topic", "AWS::SNS::Topic");
    let assembly = lone.assemble().expect("synthesizes");
    assert_eq!(assembly.stack("Alone").expect("stack").messages.len(), 0);

    assert_eq!(
        errors(&referencing_app(Some(json!("weak")))),
        [
            "[Consumer] reference strength 'weak' in `@aws-cdk/core:defaultCrossStackReferences` is not supported: sagecdk writes strong references (an export and `Fn::ImportValue`); set it to 'strong' or leave it unset"
        ]
    );
    assert_eq!(
        errors(&referencing_app(Some(json!("firm")))),
        [
            "[Consumer] Invalid value for @aws-cdk/core:defaultCrossStackReferences: \"firm\". Must be \"strong\", \"weak\", or \"both\"."
        ]
    );
}

/// Templates are written an element at a time; the text must still be what writing the whole
/// template as one JSON value gives, JavaScript's key order included (logical IDs that are
/// array indices come first, in numeric order, as `JSON.stringify` writes them).
#[test]
fn template_text_is_the_whole_template_written_as_javascript_would() {
    let app = app();
    let stack = Stack::new(
        &app,
        "S",
        StackProps {
            description: Some("a \"quoted\" description".into()),
            ..StackProps::default()
        },
    );
    for (id, logical_id) in [("B", "B"), ("Ten", "10"), ("Two", "2"), ("A", "A")] {
        CfnResource::new(&stack, id, "AWS::SNS::Topic")
            .with_properties(cfn!({"TopicName": id}))
            .override_logical_id(logical_id);
    }
    CfnOutput::new(&stack, "Out", "value");
    let assembly = app.assemble().expect("valid app");
    let text = &assembly.stack("S").expect("stack").template_text;
    let reparsed: Json = serde_json::from_str(text).expect("JSON");
    assert_eq!(text, &sagecdk_assembly::json::to_js_json(&reparsed, 1));
    let order: Vec<&String> = reparsed["Resources"].as_object().unwrap().keys().collect();
    assert_eq!(order, ["2", "10", "B", "A"]);
    assert!(text.starts_with("{\n \"Description\": \"a \\\"quoted\\\" description\",\n \"Resources\": {\n  \"2\": {\n   \"Type\""));
}
