//! Alarm validations: each problem reported at the alarm's path, all of them together.

use sagecdk_assertions::{Match, Template, pattern};
use sagecdk_aws::cloudwatch::{AlarmProps, Metric, Statistic, Unit};
use sagecdk_core::{App, Stack, StackProps};
use serde_json::json;
use std::time::Duration;

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
                .with_period(Duration::from_secs(period))
                .create_alarm(s, &format!("Ok{period}"), props(1, None));
        }
        metric()
            .with_period(Duration::from_secs(20))
            .create_alarm(s, "Twenty", props(1, None));
        metric().with_period(Duration::from_secs(90)).create_alarm(
            s,
            "NinetySeconds",
            props(1, None),
        );
        metric()
            .with_period(Duration::from_millis(60_500))
            .create_alarm(s, "Fractional", props(1, None));
    });
    for (path, period) in [
        ("S/Twenty", "20"),
        ("S/NinetySeconds", "90"),
        ("S/Fractional", "60.5"),
    ] {
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
    // Ranges are uppercased, as the CDK writes them.
    template.assert_has_resource_properties(
        "AWS::CloudWatch::Alarm",
        json!({"ExtendedStatistic": "TM(10%:90%)"}),
    );
    let err = synth_error(|s| {
        metric()
            .with_statistic("Mean")
            .create_alarm(s, "Mean", props(1, None));
    });
    assert!(
        err.contains("[S/Mean] Unrecognized statistic 'Mean' for metric 'ModelLatency': use Average (avg), Sum,"),
        "{err}"
    );
}

#[test]
fn statistics_are_normalised_as_the_cdk_does() {
    let simple = [
        ("avg", "Average"),
        ("AVERAGE", "Average"),
        ("Average", "Average"),
        ("sum", "Sum"),
        ("min", "Minimum"),
        ("minimum", "Minimum"),
        ("max", "Maximum"),
        ("Maximum", "Maximum"),
        ("n", "SampleCount"),
        ("samplecount", "SampleCount"),
        ("SampleCount", "SampleCount"),
    ];
    let extended = [
        ("p99", "p99"),
        ("P99.9", "p99.9"),
        ("p0", "p0"),
        ("p100", "p100"),
        ("tm99", "tm99"),
        ("TC90", "tc90"),
        ("ts90", "ts90"),
        ("wm99", "wm99"),
        ("pr(10:)", "PR(10:)"),
        ("pr(:300.5)", "PR(:300.5)"),
        ("TM(10%:90%)", "TM(10%:90%)"),
        ("wm(5%:95%)", "WM(5%:95%)"),
        ("tc(:500)", "TC(:500)"),
        ("ts(10%:)", "TS(10%:)"),
        ("iqm", "IQM"),
    ];
    for (given, expected) in simple {
        assert_eq!(
            Statistic::parse(given),
            Some(Statistic::Simple(expected)),
            "{given}"
        );
    }
    for (given, expected) in extended {
        assert_eq!(
            Statistic::parse(given),
            Some(Statistic::Extended(expected.into())),
            "{given}"
        );
    }
    let bad = [
        "Mean",
        "p",
        "p101",
        "p-1",
        "p99.",
        "p.5",
        "p99x",
        "tm(10%:90)",
        "tm(:)",
        "tm(10)",
        "tm(10%:90%:95%)",
        "pr(-1:)",
        "tm(10%:101%)",
        "tm(a:b)",
        "x99",
        "",
    ];
    for given in bad {
        assert_eq!(Statistic::parse(given), None, "{given}");
    }

    // The metric keeps the normalised statistic (other users, e.g. scaling policies, see it
    // too), and the alarm puts each kind where CloudFormation takes it.
    assert_eq!(metric().with_statistic("avg").statistic, "Average");
    assert_eq!(
        Metric::new("AWS/SageMaker", "ModelLatency", "tm(10%:90%)").statistic,
        "TM(10%:90%)"
    );
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    for (i, (given, _)) in simple.iter().chain(extended.iter()).enumerate() {
        metric()
            .with_statistic(*given)
            .create_alarm(&stack, &format!("A{i}"), props(1, None));
    }
    let template = Template::from_stack(&stack);
    for (_, expected) in simple {
        template.assert_has_resource_properties(
            "AWS::CloudWatch::Alarm",
            pattern!({"Statistic": expected, "ExtendedStatistic": Match::absent()}),
        );
    }
    for (_, expected) in extended {
        template.assert_has_resource_properties(
            "AWS::CloudWatch::Alarm",
            pattern!({"ExtendedStatistic": expected, "Statistic": Match::absent()}),
        );
    }

    // Every bad statistic is reported, each at its alarm, together with other problems.
    let err = synth_error(|s| {
        let mut m = metric();
        // Set directly, bypassing normalisation: the alarm still checks it.
        m.statistic = "p101".into();
        m.create_alarm(s, "Pct", props(1, None));
        metric()
            .with_statistic("tm(10%:90)")
            .create_alarm(s, "Mixed", props(0, None));
    });
    assert!(
        err.contains("[S/Pct] Unrecognized statistic 'p101' for metric 'ModelLatency'"),
        "{err}"
    );
    assert!(
        err.contains("[S/Mixed] Unrecognized statistic 'tm(10%:90)'"),
        "{err}"
    );
    assert!(
        err.contains("[S/Mixed] evaluation_periods must be at least 1"),
        "{err}"
    );
    // No second, schema-level report of the same statistic.
    assert!(!err.contains("property 'Statistic'"), "{err}");
    assert!(!err.contains("property 'ExtendedStatistic'"), "{err}");
}

#[test]
fn metric_options_statistic_period_and_unit_reach_the_alarm() {
    let app = App::for_tests();
    let stack = Stack::new(&app, "S", StackProps::default());
    metric()
        .with_statistic("p99")
        .with_period(Duration::from_secs(60))
        .with_unit(Unit::Milliseconds)
        .create_alarm(&stack, "Alarm", AlarmProps::new(250.0, 2));
    Template::from_stack(&stack).assert_has_resource_properties(
        "AWS::CloudWatch::Alarm",
        pattern!({
            "ExtendedStatistic": "p99",
            "Period": 60,
            "Threshold": 250,
            "EvaluationPeriods": 2,
            "Unit": "Milliseconds",
            "Statistic": Match::absent()
        }),
    );
}
