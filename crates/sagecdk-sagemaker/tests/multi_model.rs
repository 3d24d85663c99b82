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

/// Writes `files` (name, content) as `.tar.gz` stand-ins under `dir`.
fn write_models(dir: &std::path::Path, files: &[(&str, &str)]) {
    for (name, content) in files {
        std::fs::write(dir.join(name), content).expect("write model");
    }
}

/// Synthesizes a model serving `models` (name → file in `dir`) into `dir/out`; the template's
/// `ModelDataUrl` and the asset manifest.
fn synth_multi_model(
    dir: &std::path::Path,
    models: &[(&str, &str)],
) -> (serde_json::Value, serde_json::Value) {
    let out = dir.join("out");
    let app = App::with_props(sagecdk_core::AppProps {
        outdir: Some(out.clone()),
        ignore_environment: true,
        ..sagecdk_core::AppProps::default()
    });
    let s = stack(&app);
    let models: Vec<(String, String)> = models
        .iter()
        .map(|(name, file)| (name.to_string(), dir.join(file).display().to_string()))
        .collect();
    Model::new(
        &s,
        "Tenants",
        ModelProps::with_container(
            ContainerDefinition::new(image())
                .with_multi_model(ModelData::from_multi_model_assets(models)),
        ),
    );
    app.synth().expect("synthesizes");
    let read = |file: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(out.join(file)).expect("read")).expect("json")
    };
    let template = read("S.template.json");
    let mut container =
        resources_of_type(&template, "AWS::SageMaker::Model")[0]["Properties"]["PrimaryContainer"]
            .clone();
    // The role's policy, to check the read grant along with the container.
    container["policy"] =
        resources_of_type(&template, "AWS::IAM::Policy")[0]["Properties"]["PolicyDocument"].clone();
    (container, read("S.assets.json"))
}

/// The object keys an asset manifest publishes, per asset.
fn destination_keys(manifest: &serde_json::Value) -> Vec<Vec<String>> {
    manifest["files"]
        .as_object()
        .expect("files")
        .values()
        .map(|asset| {
            asset["destinations"]
                .as_object()
                .expect("destinations")
                .values()
                .map(|d| d["objectKey"].as_str().expect("key").to_string())
                .collect()
        })
        .collect()
}

#[test]
fn local_models_are_published_under_a_prefix_named_by_the_set() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_models(
        dir.path(),
        &[
            ("a.tar.gz", "model a"),
            ("b.tar.gz", "model b"),
            ("b2.tar.gz", "model b v2"),
        ],
    );
    let (container, manifest) = synth_multi_model(
        dir.path(),
        &[
            ("tenant-a.tar.gz", "a.tar.gz"),
            ("team/tenant-b.tar.gz", "b.tar.gz"),
        ],
    );
    assert_eq!(container["Mode"], "MultiModel");
    let url = container["ModelDataUrl"].to_string();
    let prefix = {
        let start = url.find("/multi-model/").expect("prefix in URL") + 1;
        let end = url[start..].find("/\"").expect("prefix end") + start + 1;
        url[start..end].to_string()
    };
    assert_eq!(prefix.len(), "multi-model/".len() + 64 + 1, "{prefix}");
    // The role reads the set's prefix, not the whole bucket.
    let policy = container["policy"].to_string();
    assert!(policy.contains(&format!("/{prefix}*")), "{policy}");
    assert!(!policy.contains("\"/*\""), "{policy}");
    // Each model at its content hash and under the prefix, by its name.
    let keys = destination_keys(&manifest);
    let model_keys: Vec<&Vec<String>> = keys.iter().filter(|k| k.len() == 2).collect();
    assert_eq!(model_keys.len(), 2, "{keys:?}");
    let mut copies: Vec<&str> = model_keys.iter().map(|k| k[1].as_str()).collect();
    copies.sort_unstable();
    assert_eq!(
        copies,
        [
            format!("{prefix}team/tenant-b.tar.gz"),
            format!("{prefix}tenant-a.tar.gz")
        ]
    );
    for k in &model_keys {
        assert!(k[0].ends_with(".gz") && !k[0].contains('/'), "{k:?}");
    }

    // Same set: same prefix. One model changed: a new prefix, so a new model.
    let (same, _) = synth_multi_model(
        dir.path(),
        &[
            ("team/tenant-b.tar.gz", "b.tar.gz"),
            ("tenant-a.tar.gz", "a.tar.gz"),
        ],
    );
    assert_eq!(same["ModelDataUrl"], container["ModelDataUrl"]);
    let (changed, changed_manifest) = synth_multi_model(
        dir.path(),
        &[
            ("tenant-a.tar.gz", "a.tar.gz"),
            ("team/tenant-b.tar.gz", "b2.tar.gz"),
        ],
    );
    assert_ne!(changed["ModelDataUrl"], container["ModelDataUrl"]);
    // The unchanged model keeps its content key (already in the bucket: copied, not uploaded).
    let content_keys = |keys: &[Vec<String>]| -> Vec<String> {
        keys.iter()
            .filter(|k| k.len() == 2)
            .map(|k| k[0].clone())
            .collect()
    };
    let before = content_keys(&keys);
    let after = content_keys(&destination_keys(&changed_manifest));
    assert_eq!(before.iter().filter(|k| after.contains(k)).count(), 1);
}

#[test]
fn local_multi_model_rules_are_reported_together() {
    let app = App::for_tests();
    let s = stack(&app);
    Model::new(
        &s,
        "Bad",
        ModelProps::with_container(ContainerDefinition::new(image()).with_multi_model(
            ModelData::from_multi_model_assets([
                ("../escape.tar.gz", "a.tar.gz"),
                ("ok.tar.gz", "weights.bin"),
                ("twice.tar.gz", "a.tar.gz"),
                ("twice.tar.gz", "b.tar.gz"),
                ("model.zip", "a.tar.gz"),
            ]),
        )),
    );
    Model::new(
        &s,
        "Empty",
        ModelProps::with_container(ContainerDefinition::new(image()).with_multi_model(
            ModelData::from_multi_model_assets(Vec::<(String, String)>::new()),
        )),
    );
    let found = errors(&s);
    for expected in [
        "[S/Bad] multi-model name '../escape.tar.gz' must be a relative S3 key ending in .tar.gz, of letters, digits and !-_.*'()/ without empty, '.' or '..' segments (clients pass it as TargetModel)",
        "[S/Bad] multi-model 'ok.tar.gz': the file must be a gzipped tar file with extension .tar.gz (weights.bin)",
        "[S/Bad] multi-model name 'twice.tar.gz' is given twice",
        "[S/Bad] multi-model name 'model.zip' must be a relative S3 key ending in .tar.gz, of letters, digits and !-_.*'()/ without empty, '.' or '..' segments (clients pass it as TargetModel)",
        "[S/Empty] `ModelData::from_multi_model_assets` needs at least one model",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "missing {expected}\nin {found:#?}"
        );
    }
}
