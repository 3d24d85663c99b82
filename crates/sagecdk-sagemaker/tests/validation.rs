//! Input SageMaker or Application Auto Scaling would reject at deploy time (errors at the
//! construct path), or accept although it is surely a mistake (warnings).

use sagecdk_assertions::Annotations;
use sagecdk_core::{App, Stack};
use sagecdk_sagemaker::*;

mod common;

use common::*;

fn warnings(s: &Stack) -> Vec<String> {
    Annotations::from_stack(s)
        .expect("synthesizes")
        .messages()
        .iter()
        .map(|m| format!("[{}] {}", m.path, m.message))
        .collect()
}

#[test]
fn variants_that_all_weigh_nothing_are_a_warning() {
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    instance_config(
        &s,
        "Config",
        vec![
            InstanceProductionVariantProps::new(&m, "a").with_weight(0.0),
            InstanceProductionVariantProps::new(&m, "b").with_weight(0.0),
        ],
    );
    serverless_config(&s, "Serverless", {
        let mut v = ServerlessProductionVariantProps::new(&m, "s", 2048, 5);
        v.initial_variant_weight = Some(0.0);
        v
    });
    let found = warnings(&s);
    assert_eq!(
        found,
        vec![
            "[/S/Config] all 2 production variants have initialVariantWeight 0, so the endpoint routes no traffic; give at least one variant a positive weight",
            "[/S/Serverless] the only production variant has initialVariantWeight 0, so the endpoint routes no traffic; give at least one variant a positive weight",
        ]
    );

    // One variant with traffic is enough; a second synthesis does not repeat the warning.
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    instance_config(
        &s,
        "Config",
        vec![
            InstanceProductionVariantProps::new(&m, "shadow").with_weight(0.0),
            InstanceProductionVariantProps::new(&m, "live"),
        ],
    );
    assert!(warnings(&s).is_empty(), "{:?}", warnings(&s));
    let app = App::for_tests();
    let s = stack(&app);
    let m = model(&s, "M");
    instance_config(
        &s,
        "Config",
        vec![InstanceProductionVariantProps::new(&m, "a").with_weight(0.0)],
    );
    app.assemble().expect("first synthesis");
    assert_eq!(warnings(&s).len(), 1);
}
