//! Alarm validations: each problem reported at the alarm's path, all of them together.

use sagecdk_assertions::{Match, Template, pattern};
use sagecdk_aws::cloudwatch::{AlarmProps, Metric};
use sagecdk_core::{App, Stack, StackProps};
use serde_json::json;

fn metric() -> Metric {
    Metric::new("AWS/SageMaker", "ModelLatency", "Average").with_dimension("EndpointName", "e")
}

fn props(evaluation_periods: u32, datapoints_to_alarm: Option<u32>) -> AlarmProps {
    AlarmProps {
        threshold: 100.0,
        evaluation_periods,
        datapoints_to_alarm,
        ..AlarmProps::default()
    }
}

/// The synthesis error of a stack holding alarms made by `make`.
fn synth_error(make: impl FnOnce(&Stack)) -> String {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    make(&stack);
    Template::try_from_stack(&stack)
        .expect_err("invalid alarm")
        .to_string()
}

#[test]
fn zero_evaluation_periods_is_an_error() {
    let err = synth_error(|s| {
        metric().create_alarm(s, "Alarm", props(0, None));
    });
    assert!(
        err.contains("[S/Alarm] evaluation_periods must be at least 1"),
        "{err}"
    );
    // The schema's minimum says the same of the resource.
    assert!(
        err.contains("[S/Alarm/Resource] AWS::CloudWatch::Alarm property 'EvaluationPeriods'"),
        "{err}"
    );
}

#[test]
fn datapoints_to_alarm_must_be_within_the_evaluation_periods() {
    let err = synth_error(|s| {
        metric().create_alarm(s, "None", props(3, Some(0)));
        metric().create_alarm(s, "TooMany", props(3, Some(4)));
    });
    for (path, d) in [("S/None", 0), ("S/TooMany", 4)] {
        assert!(
            err.contains(&format!(
                "[{path}] datapoints_to_alarm ({d}) must be between 1 and evaluation_periods (3)"
            )),
            "{path}: {err}"
        );
    }
}

#[test]
fn m_out_of_n_alarms_render_the_datapoints() {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    metric().create_alarm(&stack, "Alarm", props(3, Some(3)));
    Template::from_stack(&stack).assert_has_resource_properties(
        "AWS::CloudWatch::Alarm",
        json!({"DatapointsToAlarm": 3, "EvaluationPeriods": 3, "Statistic": "Average"}),
    );
}

#[test]
fn periods_are_high_resolution_or_whole_minutes() {
    let err = synth_error(|s| {
        for period in [1, 5, 10, 30, 60, 120, 3600] {
            metric()
                .with_period(period)
                .create_alarm(s, &format!("Ok{period}"), props(1, None));
        }
        metric()
            .with_period(20)
            .create_alarm(s, "Twenty", props(1, None));
        metric()
            .with_period(90)
            .create_alarm(s, "NinetySeconds", props(1, None));
    });
    for (path, period) in [("S/Twenty", 20), ("S/NinetySeconds", 90)] {
        assert!(
            err.contains(&format!(
                "[{path}] 'period' must be 1, 5, 10, 30, or a multiple of 60 seconds, received {period}"
            )),
            "{err}"
        );
    }
    assert!(!err.contains("[S/Ok"), "{err}");
}

#[test]
fn percentiles_are_extended_statistics_and_other_statistics_are_checked() {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    metric()
        .with_statistic("p99")
        .create_alarm(&stack, "P99", props(1, None));
    metric()
        .with_statistic("tm(10%:90%)")
        .create_alarm(&stack, "Trimmed", props(1, None));
    let template = Template::from_stack(&stack);
    template.assert_has_resource_properties(
        "AWS::CloudWatch::Alarm",
        pattern!({"ExtendedStatistic": "p99", "Statistic": Match::absent()}),
    );
    template.assert_has_resource_properties(
        "AWS::CloudWatch::Alarm",
        json!({"ExtendedStatistic": "tm(10%:90%)"}),
    );
    let err = synth_error(|s| {
        metric()
            .with_statistic("Mean")
            .create_alarm(s, "Mean", props(1, None));
    });
    assert!(
        err.contains("[S/Mean/Resource] AWS::CloudWatch::Alarm property 'Statistic'"),
        "{err}"
    );
}
