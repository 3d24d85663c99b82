//! Framework images in stacks: looked up from the catalog, literal in an environment-specific
//! stack, through a mapping in an environment-agnostic one, pulled by the model's role, and
//! what the catalog does not have reported at the model's path with what is available.

use sagecdk_assertions::Template;
use sagecdk_core::{App, Environment, Scope, Stack, StackProps};
use sagecdk_images::{ImageQuery, ImageScope};
use sagecdk_sagemaker::*;

mod common;

use common::*;

fn framework_model(stack: &Stack, id: &str, query: ImageQuery) -> Model {
    Model::new(
        stack,
        id,
        ModelProps::with_container(ContainerDefinition::new(ContainerImage::from_framework(
            query,
        ))),
    )
}

#[test]
fn a_framework_image_is_literal_in_its_region_and_pulled_by_the_role() {
    let app = App::for_tests();
    let s = Stack::new(
        &app,
        "S",
        StackProps::default().with_env(Environment::new("123456789012", "cn-north-1")),
    );
    let model = framework_model(&s, "M", ImageQuery::new("xgboost").with_version("1.7-1"));
    let t = Template::from_stack(&s);
    let json = t.as_json();
    let image = &resources_of_type(json, "AWS::SageMaker::Model")[0]["Properties"]["PrimaryContainer"]
        ["Image"];
    assert_eq!(
        image,
        "450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-xgboost:1.7-1"
    );
    let policy =
        resources_of_type(json, "AWS::IAM::Policy")[0]["Properties"]["PolicyDocument"].to_string();
    assert!(policy.contains("ecr:BatchGetImage"), "{policy}");
    assert!(
        policy.contains("450853457545:repository/sagemaker-xgboost"),
        "{policy}"
    );
    // The lookup is recorded for `sagecdk images check`.
    let recorded: Vec<_> = model
        .node()
        .metadata()
        .into_iter()
        .filter(|m| m.entry_type == sagecdk_images::FRAMEWORK_IMAGE_METADATA)
        .collect();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].data["version"], "1.7-1");
    assert_eq!(recorded[0].data["requestedVersion"], "1.7-1");
}

#[test]
fn framework_image_problems_list_what_is_available() {
    let app = App::for_tests();
    let s = stack(&app);
    framework_model(&s, "Unknown", ImageQuery::new("pytorchh"));
    framework_model(
        &s,
        "Version",
        ImageQuery::new("xgboost").with_version("9.9-9"),
    );
    framework_model(
        &s,
        "Processor",
        ImageQuery::new("pytorch")
            .with_version("2.5")
            .with_scope(ImageScope::Inference),
    );
    let far = Stack::new(
        &app,
        "Far",
        StackProps::default().with_env(Environment::new("123456789012", "moon-east-1")),
    );
    framework_model(
        &far,
        "Region",
        ImageQuery::new("xgboost").with_version("1.7-1"),
    );
    let found = errors(&s);
    let has = |prefix: &str, needle: &str| {
        found
            .iter()
            .any(|f| f.starts_with(prefix) && f.contains(needle))
    };
    assert!(
        has(
            "[S/Unknown] container image: unknown framework 'pytorchh'; available: ",
            "pytorch, "
        ),
        "{found:#?}"
    );
    assert!(
        has(
            "[S/Version] container image: xgboost: unsupported version '9.9-9'; available: ",
            "1.7-1"
        ),
        "{found:#?}"
    );
    assert!(
        has(
            "[S/Processor] container image: pytorch: ",
            "give the instance type"
        ),
        "{found:#?}"
    );
    let far_errors = errors(&far);
    assert!(
        far_errors.iter().any(|f| f.starts_with(
            "[Far/Region] container image: xgboost: unsupported region 'moon-east-1'; available: "
        ) && f.contains("us-west-2")),
        "{far_errors:#?}"
    );
}
