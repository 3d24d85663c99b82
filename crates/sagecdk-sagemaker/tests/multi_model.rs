//! Multi-model containers (many `.tar.gz` models under one S3 prefix) and models of several
//! containers invoked directly: rendering, grants and SageMaker's rules.

use sagecdk_assertions::Template;
use sagecdk_aws::s3::Bucket;
use sagecdk_core::App;
use sagecdk_sagemaker::*;
use serde_json::json;

mod common;

use common::*;

#[test]
fn a_multi_model_container_serves_the_models_under_a_prefix() {
    let app = App::for_tests();
    let s = stack(&app);
    let bucket = Bucket::from_bucket_name(&s, "Models", "my-models");
    Model::new(
        &s,
        "Cached",
        ModelProps::with_container(
            ContainerDefinition::new(image())
                .with_multi_model(ModelData::from_multi_model_prefix(&bucket, "tenants")),
        ),
    );
    let mut once = ContainerDefinition::new(image())
        .with_multi_model(ModelData::from_multi_model_prefix(&bucket, "batch/"));
    once.mode = ContainerMode::MultiModel {
        cache_models: false,
    };
    Model::new(&s, "Uncached", ModelProps::with_container(once));
    let t = Template::from_stack(&s);
    let json = t.as_json();
    let models = resources_of_type(json, "AWS::SageMaker::Model");
    let container = |i: usize| models[i]["Properties"]["PrimaryContainer"].clone();
    assert_eq!(container(0)["Mode"], "MultiModel");
    assert_eq!(
        container(0)["MultiModelConfig"],
        json!({"ModelCacheSetting": "Enabled"})
    );
    assert_eq!(container(0)["ModelDataUrl"], "s3://my-models/tenants/");
    assert_eq!(
        container(1)["MultiModelConfig"],
        json!({"ModelCacheSetting": "Disabled"})
    );
    assert_eq!(container(1)["ModelDataUrl"], "s3://my-models/batch/");
    // Each role reads its own prefix only.
    let policies: Vec<String> = resources_of_type(json, "AWS::IAM::Policy")
        .into_iter()
        .map(|p| p["Properties"]["PolicyDocument"].to_string())
        .collect();
    assert!(
        policies[0].contains("/tenants/*") && !policies[0].contains("/batch/*"),
        "{policies:#?}"
    );
    assert!(policies[1].contains("/batch/*"), "{policies:#?}");
}

#[test]
fn containers_invoked_directly_render_their_execution_mode() {
    let app = App::for_tests();
    let s = stack(&app);
    Model::new(
        &s,
        "Direct",
        ModelProps {
            inference_execution_mode: Some(InferenceExecutionMode::Direct),
            ..ModelProps::with_containers(vec![
                ContainerDefinition::new(image()).with_hostname("ranker"),
                ContainerDefinition::new(image()).with_hostname("embedder"),
            ])
        },
    );
    let t = Template::from_stack(&s);
    let model = resources_of_type(t.as_json(), "AWS::SageMaker::Model")[0].clone();
    assert_eq!(
        model["Properties"]["InferenceExecutionConfig"],
        json!({"Mode": "Direct"})
    );
}

#[test]
fn multi_model_and_execution_mode_rules_are_reported_together() {
    let app = App::for_tests();
    let s = stack(&app);
    let bucket = Bucket::from_bucket_name(&s, "Models", "my-models");
    let mut object = ContainerDefinition::new(image())
        .with_model_data(ModelData::from_bucket(&bucket, "one/model.tar.gz"));
    object.mode = ContainerMode::MultiModel { cache_models: true };
    Model::new(&s, "ObjectData", ModelProps::with_container(object));
    Model::new(
        &s,
        "PrefixData",
        ModelProps::with_container(
            ContainerDefinition::new(image())
                .with_model_data(ModelData::from_multi_model_prefix(&bucket, "tenants/")),
        ),
    );
    Model::new(
        &s,
        "Pipeline",
        ModelProps::with_containers(vec![
            ContainerDefinition::new(image())
                .with_multi_model(ModelData::from_multi_model_prefix(&bucket, "a/")),
            ContainerDefinition::new(image()),
        ]),
    );
    Model::new(
        &s,
        "Single",
        ModelProps {
            inference_execution_mode: Some(InferenceExecutionMode::Serial),
            ..ModelProps::with_container(ContainerDefinition::new(image()))
        },
    );
    Model::new(
        &s,
        "EmptyPrefix",
        ModelProps::with_container(
            ContainerDefinition::new(image())
                .with_multi_model(ModelData::from_multi_model_prefix(&bucket, "")),
        ),
    );
    let found = errors(&s);
    for expected in [
        "[S/ObjectData] a multi-model container serves the .tar.gz models under an S3 prefix: give it `ModelData::from_multi_model_prefix` (with `with_multi_model`)",
        "[S/PrefixData] `ModelData::from_multi_model_prefix` holds many models: serve it from a multi-model container (`ContainerDefinition::with_multi_model`)",
        "[S/Pipeline] a multi-model container must be its model's only container, found 2 containers",
        "[S/Single] inferenceExecutionMode Serial applies to a model of at least 2 containers, found 1",
        "[S/EmptyPrefix] `ModelData::from_multi_model_prefix` prefix must not be empty: name the folder that holds the models",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "missing {expected}\nin {found:#?}"
        );
    }
}
