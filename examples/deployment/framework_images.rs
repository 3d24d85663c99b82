//! ModelBuilder's first best practice, "use the latest container images", as stacks: models
//! whose images are looked up as `image_uris.retrieve` does — XGBoost at its latest version,
//! PyTorch 2.5 for a GPU instance — in a stack deployed to us-west-2 (literal URIs) and in an
//! environment-agnostic one (the account from a mapping of the image's regions, the domain
//! from the partition). `sagecdk images check` lists the pinned ones with a newer version.
//!
//! `cargo run -p sagecdk --example framework_images`.

use sagecdk::prelude::*;

fn main() {
    let app = App::new();
    build(&app);
    app.synth_or_exit();
}

/// Defines the stacks in `app` (shared with the snapshot tests): the one in us-west-2.
pub(crate) fn build(app: &App) -> Stack {
    let regional = Stack::new(
        app,
        "FrameworkImages",
        StackProps::default().with_env(Environment::new("123456789012", "us-west-2")),
    );
    models(&regional);
    let anywhere = Stack::new(app, "FrameworkImagesAnyRegion", StackProps::default());
    models(&anywhere);
    regional
}

fn models(stack: &Stack) {
    let xgboost = ContainerImage::from_framework(ImageQuery::new("xgboost"));
    Model::new(
        stack,
        "Xgboost",
        ModelProps::with_container(ContainerDefinition::new(xgboost)),
    );
    let pytorch = ContainerImage::from_framework(
        ImageQuery::new("pytorch")
            .with_version("2.5")
            .with_scope(ImageScope::Inference)
            .for_instance_type(InstanceType::G5_XLARGE.as_str()),
    );
    Model::new(
        stack,
        "Pytorch",
        ModelProps::with_container(ContainerDefinition::new(pytorch)),
    );
}
