//! `ContainerImage::from_inference_spec`: the serving program is built with cargo at
//! synthesis and staged on `scratch` with its shared libraries; the image asset's hash is the
//! same for the same program; a crate or binary that is not there is an error at the model.

use sagecdk_core::{App, Stack, StackProps};
use sagecdk_sagemaker::*;
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The image of a model serving `binary` of `crate_dir`, and the app's errors.
fn synth(crate_dir: PathBuf, binary: &str) -> (serde_json::Value, Vec<String>) {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    Model::new(
        &stack,
        "Model",
        ModelProps::with_container(ContainerDefinition::new(
            ContainerImage::from_inference_spec(crate_dir, binary),
        )),
    );
    match app.assemble() {
        Ok(assembly) => (assembly.stacks[0].template(), Vec::new()),
        Err(e) => (serde_json::Value::Null, vec![e.to_string()]),
    }
}

#[test]
fn the_serving_program_is_staged_on_scratch_with_a_stable_hash() {
    let server = repo().join("examples/serving/linear-server");
    let (first, errors) = synth(server.clone(), "linear-server");
    assert!(errors.is_empty(), "{errors:?}");
    let image = |t: &serde_json::Value| {
        t["Resources"]
            .as_object()
            .expect("resources")
            .values()
            .find(|r| r["Type"] == "AWS::SageMaker::Model")
            .map(|m| m["Properties"]["PrimaryContainer"]["Image"].to_string())
            .expect("model")
    };
    let (second, _) = synth(server.clone(), "linear-server");
    assert_eq!(
        image(&first),
        image(&second),
        "the same program, the same image asset"
    );

    let context = newest_context(&server, "linear-server");
    let dockerfile = std::fs::read_to_string(context.join("Dockerfile")).expect("Dockerfile");
    assert!(dockerfile.starts_with("FROM scratch\n"), "{dockerfile}");
    assert!(
        dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/serve\"]"),
        "{dockerfile}"
    );
    let binary = context.join("rootfs/usr/local/bin/serve");
    assert!(std::fs::metadata(&binary).expect("binary").len() > 100_000);
    // The dynamic loader and the C library come along for `scratch`.
    let libraries: Vec<String> = walk(&context.join("rootfs"))
        .into_iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    assert!(
        libraries.iter().any(|l| l.starts_with("ld-linux")),
        "{libraries:?}"
    );
    assert!(
        libraries.iter().any(|l| l.starts_with("libc.so")),
        "{libraries:?}"
    );
}

/// The newest build context of `binary` staged for the crate (another build's context may
/// stay for a while: see `stage_serving_image`).
fn newest_context(crate_dir: &std::path::Path, binary: &str) -> PathBuf {
    std::fs::read_dir(crate_dir.join("target/sagecdk-serving/context"))
        .expect("contexts")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{binary}.")))
        })
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .expect("a context")
}

#[test]
fn stack_programs_staging_the_same_program_side_by_side_all_get_a_whole_context() {
    let server = repo().join("examples/serving/linear-server");
    let images: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..4)
            .map(|_| {
                let server = server.clone();
                scope.spawn(move || {
                    let (template, errors) = synth(server, "linear-server");
                    assert!(errors.is_empty(), "{errors:?}");
                    template.to_string()
                })
            })
            .collect();
        runs.into_iter()
            .map(|r| r.join().expect("synthesis"))
            .collect()
    });
    assert!(images.windows(2).all(|w| w[0] == w[1]));
    let context = newest_context(&server, "linear-server");
    assert!(context.join("rootfs/usr/local/bin/serve").is_file());
    assert!(context.join("Dockerfile").is_file());
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_missing_crate_or_binary_is_an_error_at_the_model() {
    let empty = tempfile::tempdir().expect("tmp");
    let (_, errors) = synth(empty.path().to_path_buf(), "server");
    assert!(
        errors[0].contains("[S/Model] serving image: ") && errors[0].contains("has no Cargo.toml"),
        "{errors:?}"
    );
    // The image that could not be made is not reported again as an empty `Image`.
    assert!(errors[0].contains("with 1 error"), "{errors:?}");
    let (_, errors) = synth(repo().join("examples/serving/linear-server"), "nope");
    assert!(
        errors[0].contains("[S/Model] serving image: "),
        "{errors:?}"
    );
    assert!(errors[0].contains("nope"), "{errors:?}");
}
