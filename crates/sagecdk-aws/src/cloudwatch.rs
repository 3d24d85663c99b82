//! CloudWatch metrics and alarms.

use indexmap::IndexMap;
use sagecdk_cfn::cloudwatch::alarm::Dimension;
use sagecdk_cfn::cloudwatch::{CfnAlarm, CfnAlarmProps};
use sagecdk_core::{CfnResource, Construct, Duration, List, Scope, Str, Tokenized};

/// Something an alarm can notify or trigger: an SNS topic, a scaling policy, or any ARN.
pub trait AlarmAction {
    /// The ARN the alarm lists among its actions.
    fn alarm_action_arn(&self) -> Str;
}

impl AlarmAction for Str {
    fn alarm_action_arn(&self) -> Str {
        self.clone()
    }
}

impl AlarmAction for crate::sns::Topic {
    fn alarm_action_arn(&self) -> Str {
        self.topic_arn()
    }
}

/// How datapoints are compared with the threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComparisonOperator {
    /// `GreaterThanOrEqualToThreshold` (the default).
    GreaterThanOrEqualToThreshold,
    /// `GreaterThanThreshold`.
    GreaterThanThreshold,
    /// `LessThanThreshold`.
    LessThanThreshold,
    /// `LessThanOrEqualToThreshold`.
    LessThanOrEqualToThreshold,
}

impl ComparisonOperator {
    fn as_str(self) -> &'static str {
        match self {
            Self::GreaterThanOrEqualToThreshold => "GreaterThanOrEqualToThreshold",
            Self::GreaterThanThreshold => "GreaterThanThreshold",
            Self::LessThanThreshold => "LessThanThreshold",
            Self::LessThanOrEqualToThreshold => "LessThanOrEqualToThreshold",
        }
    }
}

/// How missing data is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TreatMissingData {
    /// `breaching`.
    Breaching,
    /// `notBreaching`.
    NotBreaching,
    /// `ignore`.
    Ignore,
    /// `missing`.
    Missing,
}

impl TreatMissingData {
    fn as_str(self) -> &'static str {
        match self {
            Self::Breaching => "breaching",
            Self::NotBreaching => "notBreaching",
            Self::Ignore => "ignore",
            Self::Missing => "missing",
        }
    }
}

/// A statistic as CloudWatch takes it: the five simple statistics go to an alarm's `Statistic`,
/// everything else (percentiles, trimmed and winsorized means, trimmed counts and sums,
/// percentile ranks, `IQM`) to its `ExtendedStatistic`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Statistic {
    /// `Average`, `Sum`, `Minimum`, `Maximum` or `SampleCount`.
    Simple(&'static str),
    /// An extended statistic in CloudWatch's spelling, e.g. `p99.9` or `TM(10%:90%)`.
    Extended(String),
}

impl Statistic {
    /// Recognises a statistic as the AWS CDK does: simple names in any case and with their
    /// short forms (`avg`, `min`, `max`, `n`), `p`/`tm`/`wm`/`tc`/`ts` followed by a number
    /// from 0 to 100 (prefix lowercased), and `PR`/`TM`/`WM`/`TC`/`TS` ranges such as
    /// `tm(10%:90%)` or `pr(:300)` (uppercased). `None` for anything else.
    pub fn parse(statistic: &str) -> Option<Statistic> {
        let lower = statistic.to_ascii_lowercase();
        let simple = match lower.as_str() {
            "average" | "avg" => Some("Average"),
            "minimum" | "min" => Some("Minimum"),
            "maximum" | "max" => Some("Maximum"),
            "samplecount" | "n" => Some("SampleCount"),
            "sum" => Some("Sum"),
            // The CDK counts IQM among the simple statistics, yet CloudWatch (and the alarm
            // schema's `Statistic` enum) only takes it as an extended statistic.
            "iqm" => return Some(Statistic::Extended("IQM".into())),
            _ => None,
        };
        if let Some(s) = simple {
            return Some(Statistic::Simple(s));
        }
        let single = |prefix: &str| {
            let number = lower.strip_prefix(prefix)?;
            is_decimal(number)
                .then(|| number.parse::<f64>().ok())
                .flatten()
                .filter(|v| (0.0..=100.0).contains(v))
                .map(|_| lower.clone())
        };
        let pair = |prefix: &str| is_range(&lower, prefix).then(|| statistic.to_ascii_uppercase());
        // The CDK's order: percentiles, percentile ranks, then the single or range forms of
        // the trimmed and winsorized statistics.
        single("p")
            .or_else(|| pair("pr"))
            .or_else(|| {
                ["tm", "wm", "tc", "ts"]
                    .iter()
                    .find_map(|p| single(p).or_else(|| pair(p)))
            })
            .map(Statistic::Extended)
    }

    /// The statistic as written to the template.
    pub fn as_str(&self) -> &str {
        match self {
            Statistic::Simple(s) => s,
            Statistic::Extended(s) => s,
        }
    }

    /// Whether it goes to `ExtendedStatistic`.
    pub fn is_extended(&self) -> bool {
        matches!(self, Statistic::Extended(_))
    }
}

/// The accepted statistics, for error messages.
const STATISTIC_FORMS: &str = "Average (avg), Sum, Minimum (min), Maximum (max), SampleCount (n), IQM, a percentile such as p99 or p99.9, tm/wm/tc/ts followed by a percentage such as tm99, or a range such as TM(10%:90%), WM(5%:95%), TC(:500), TS(10%:) or PR(10:)";

/// Normalises a statistic the way the AWS CDK does (`avg` → `Average`, `P99` → `p99`,
/// `tm(10%:90%)` → `TM(10%:90%)`); unrecognised statistics are returned unchanged (an alarm on
/// them reports the error).
pub fn normalize_statistic(statistic: &str) -> String {
    Statistic::parse(statistic)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|| statistic.to_string())
}

/// A non-negative decimal: digits, optionally a dot and more digits.
fn is_decimal(s: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(s),
    }
}

/// `prefix(lower:upper)` with at least one bound; bounds are non-negative numbers, both
/// percentages (at most 100) or both absolute values. `lower` is already lowercased.
fn is_range(lower: &str, prefix: &str) -> bool {
    let Some(inner) = lower
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.strip_suffix(')'))
    else {
        return false;
    };
    // Stricter than the CDK, which ignores anything after a second ':' that CloudWatch rejects.
    let Some((lhs, rhs)) = inner.split_once(':') else {
        return false;
    };
    if inner.contains(')') || rhs.contains(':') {
        return false;
    }
    /// `None` for an empty bound, `Some(Err)` for a bad one, else whether it is a percentage.
    fn bound(text: &str) -> Option<Result<bool, ()>> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let (number, percent) = match text.strip_suffix('%') {
            Some(n) => (n.trim(), true),
            None => (text, false),
        };
        let ok = matches!(number.parse::<f64>(), Ok(v) if v.is_finite() && v >= 0.0 && (!percent || v <= 100.0));
        Some(if ok { Ok(percent) } else { Err(()) })
    }
    match (bound(lhs), bound(rhs)) {
        (None, None) | (Some(Err(())), _) | (_, Some(Err(()))) => false,
        (Some(Ok(a)), Some(Ok(b))) => a == b,
        _ => true,
    }
}

/// A metric: namespace, name, dimensions, statistic and period.
#[derive(Clone, Debug)]
pub struct Metric {
    /// Namespace, e.g. `AWS/SageMaker`.
    pub namespace: String,
    /// Metric name.
    pub metric_name: String,
    /// Dimensions (rendered sorted by name).
    pub dimensions: IndexMap<String, Str>,
    /// `Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount` or an extended statistic like
    /// `p99` (normalised by [`Metric::new`] and [`Metric::with_statistic`]; see [`Statistic`]).
    pub statistic: String,
    /// Period (default 5 minutes; 1, 5, 10, 30 seconds or whole minutes for alarms).
    pub period: Duration,
    /// The unit to filter the metric's data by (default: all units).
    pub unit: Option<Unit>,
}

/// A CloudWatch metric unit (the CDK's `cloudwatch.Unit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // the names are CloudWatch's units
pub enum Unit {
    Seconds,
    Microseconds,
    Milliseconds,
    Bytes,
    Kilobytes,
    Megabytes,
    Gigabytes,
    Terabytes,
    Bits,
    Kilobits,
    Megabits,
    Gigabits,
    Terabits,
    Percent,
    Count,
    BytesPerSecond,
    KilobytesPerSecond,
    MegabytesPerSecond,
    GigabytesPerSecond,
    TerabytesPerSecond,
    BitsPerSecond,
    KilobitsPerSecond,
    MegabitsPerSecond,
    GigabitsPerSecond,
    TerabitsPerSecond,
    CountPerSecond,
    None,
}

impl Unit {
    /// The unit as CloudFormation takes it (`Bytes/Second`, `Count`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Seconds => "Seconds",
            Unit::Microseconds => "Microseconds",
            Unit::Milliseconds => "Milliseconds",
            Unit::Bytes => "Bytes",
            Unit::Kilobytes => "Kilobytes",
            Unit::Megabytes => "Megabytes",
            Unit::Gigabytes => "Gigabytes",
            Unit::Terabytes => "Terabytes",
            Unit::Bits => "Bits",
            Unit::Kilobits => "Kilobits",
            Unit::Megabits => "Megabits",
            Unit::Gigabits => "Gigabits",
            Unit::Terabits => "Terabits",
            Unit::Percent => "Percent",
            Unit::Count => "Count",
            Unit::BytesPerSecond => "Bytes/Second",
            Unit::KilobytesPerSecond => "Kilobytes/Second",
            Unit::MegabytesPerSecond => "Megabytes/Second",
            Unit::GigabytesPerSecond => "Gigabytes/Second",
            Unit::TerabytesPerSecond => "Terabytes/Second",
            Unit::BitsPerSecond => "Bits/Second",
            Unit::KilobitsPerSecond => "Kilobits/Second",
            Unit::MegabitsPerSecond => "Megabits/Second",
            Unit::GigabitsPerSecond => "Gigabits/Second",
            Unit::TerabitsPerSecond => "Terabits/Second",
            Unit::CountPerSecond => "Count/Second",
            Unit::None => "None",
        }
    }
}

impl Metric {
    /// A metric with the CloudWatch default period of 300 s; the statistic is normalised as
    /// the CDK does (`avg` → `Average`, see [`normalize_statistic`]).
    pub fn new(
        namespace: impl Into<String>,
        metric_name: impl Into<String>,
        statistic: impl Into<String>,
    ) -> Self {
        Metric {
            namespace: namespace.into(),
            metric_name: metric_name.into(),
            dimensions: IndexMap::new(),
            statistic: normalize_statistic(&statistic.into()),
            period: Duration::from_secs(300),
            unit: None,
        }
    }

    /// Adds a dimension.
    pub fn with_dimension(mut self, name: impl Into<String>, value: impl Into<Str>) -> Self {
        self.dimensions.insert(name.into(), value.into());
        self
    }

    /// The dimensions sorted by name, as CloudFormation templates list them.
    pub fn sorted_dimensions(&self) -> Vec<(&str, &Str)> {
        let mut dims: Vec<(&str, &Str)> = self
            .dimensions
            .iter()
            .map(|(k, v)| (k.as_str(), v))
            .collect();
        dims.sort_by(|a, b| a.0.cmp(b.0));
        dims
    }

    /// Sets the statistic (normalised, see [`normalize_statistic`]).
    pub fn with_statistic(mut self, statistic: impl Into<String>) -> Self {
        self.statistic = normalize_statistic(&statistic.into());
        self
    }

    /// Sets the unit the metric's data is filtered by.
    pub fn with_unit(mut self, unit: Unit) -> Self {
        self.unit = Some(unit);
        self
    }

    /// Sets the period (`Duration::from_secs(60)`).
    pub fn with_period(mut self, period: Duration) -> Self {
        self.period = period;
        self
    }

    /// Creates an alarm on this metric at `<id>/Resource`.
    pub fn create_alarm(&self, scope: &impl Scope, id: &str, props: AlarmProps) -> Alarm {
        Alarm::new(scope, id, self, props)
    }
}

/// Options of an [`Alarm`].
#[derive(Clone, Debug, Default)]
pub struct AlarmProps {
    /// Threshold to compare with.
    pub threshold: f64,
    /// Number of periods evaluated.
    pub evaluation_periods: u32,
    /// Datapoints within the evaluation periods that must breach.
    pub datapoints_to_alarm: Option<u32>,
    /// Comparison (default greater than or equal).
    pub comparison_operator: Option<ComparisonOperator>,
    /// Missing data treatment.
    pub treat_missing_data: Option<TreatMissingData>,
    /// Actions (e.g. SNS topic ARNs) when the alarm fires; see also
    /// [`Alarm::add_alarm_action`].
    pub alarm_actions: Vec<Str>,
    /// Actions when it returns to OK.
    pub ok_actions: Vec<Str>,
    /// Actions when there is not enough data.
    pub insufficient_data_actions: Vec<Str>,
    /// Physical name.
    pub alarm_name: Option<String>,
    /// Description.
    pub alarm_description: Option<String>,
}

impl AlarmProps {
    /// An alarm breaching at `threshold` over `evaluation_periods` periods (the CDK's required
    /// props); the rest as in [`Default`].
    pub fn new(threshold: f64, evaluation_periods: u32) -> Self {
        AlarmProps {
            threshold,
            evaluation_periods,
            ..AlarmProps::default()
        }
    }
}

/// An `AWS::CloudWatch::Alarm`.
#[derive(Clone, Debug)]
pub struct Alarm {
    node: Construct,
    cfn: CfnAlarm,
}

/// A list of actions as the props hold it: left out while empty.
fn action_list(actions: &[Str]) -> Option<List<Str>> {
    (!actions.is_empty()).then(|| Tokenized::Literal(actions.to_vec()))
}

/// Appends `action` to a list of actions of the props.
fn push_action(list: &mut Option<List<Str>>, action: Str) {
    match list {
        Some(Tokenized::Literal(actions)) => actions.push(action),
        Some(Tokenized::Token(_)) => {
            // A list replaced by a token through `cfn_alarm` is the caller's to fill: there
            // is no literal list to add to.
        }
        None => *list = Some(Tokenized::Literal(vec![action])),
    }
}

impl Scope for Alarm {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl Alarm {
    /// Creates the alarm.
    pub fn new(scope: &impl Scope, id: &str, metric: &Metric, props: AlarmProps) -> Alarm {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_cloudwatch.Alarm");
        if props.evaluation_periods == 0 {
            node.add_error("evaluation_periods must be at least 1");
        }
        if let Some(d) = props.datapoints_to_alarm
            && (d == 0 || d > props.evaluation_periods)
        {
            node.add_error(format!(
                "datapoints_to_alarm ({d}) must be between 1 and evaluation_periods ({})",
                props.evaluation_periods
            ));
        }
        // CloudWatch accepts high-resolution periods of 1, 5, 10 and 30 seconds, otherwise
        // whole minutes (the CDK refuses other metric periods the same way).
        let period = metric.period.as_secs();
        if metric.period.subsec_nanos() != 0
            || (![1, 5, 10, 30].contains(&period) && !period.is_multiple_of(60))
        {
            node.add_error(format!(
                "'period' must be 1, 5, 10, 30, or a multiple of 60 seconds, received {}",
                metric.period.as_secs_f64()
            ));
        }
        let dims = metric.sorted_dimensions();
        // Parsed again: the field is public, so it may not have gone through normalisation.
        let statistic = Statistic::parse(&metric.statistic);
        if statistic.is_none() {
            node.add_error(format!(
                "Unrecognized statistic '{}' for metric '{}': use {STATISTIC_FORMS}",
                metric.statistic, metric.metric_name
            ));
        }
        let mut cfn_props = CfnAlarmProps::new()
            .with_comparison_operator(
                props
                    .comparison_operator
                    .unwrap_or(ComparisonOperator::GreaterThanOrEqualToThreshold)
                    .as_str(),
            )
            .with_evaluation_periods(props.evaluation_periods)
            .with_metric_name(metric.metric_name.as_str())
            .with_namespace(metric.namespace.as_str())
            .with_period(u32::try_from(period).unwrap_or(u32::MAX))
            .with_threshold(props.threshold);
        cfn_props.alarm_actions = action_list(&props.alarm_actions);
        cfn_props.insufficient_data_actions = action_list(&props.insufficient_data_actions);
        cfn_props.ok_actions = action_list(&props.ok_actions);
        if let Some(d) = &props.alarm_description {
            cfn_props = cfn_props.with_alarm_description(d.as_str());
        }
        if let Some(n) = &props.alarm_name {
            cfn_props = cfn_props.with_alarm_name(n.as_str());
        }
        if let Some(d) = props.datapoints_to_alarm {
            cfn_props = cfn_props.with_datapoints_to_alarm(d);
        }
        if !dims.is_empty() {
            cfn_props = cfn_props.with_dimensions(
                dims.into_iter()
                    .map(|(k, v)| Dimension::new(k, v.clone()))
                    .collect::<Vec<_>>(),
            );
        }
        match &statistic {
            Some(Statistic::Simple(s)) => cfn_props = cfn_props.with_statistic(*s),
            Some(Statistic::Extended(s)) => {
                cfn_props = cfn_props.with_extended_statistic(s.as_str())
            }
            None => {}
        }
        if let Some(t) = props.treat_missing_data {
            cfn_props = cfn_props.with_treat_missing_data(t.as_str());
        }
        if let Some(unit) = metric.unit {
            cfn_props = cfn_props.with_unit(unit.as_str());
        }
        let cfn = CfnAlarm::new(&node, "Resource", cfn_props);
        Alarm { node, cfn }
    }

    /// Notifies or triggers `action` when the alarm fires (e.g. an SNS topic).
    pub fn add_alarm_action(&self, action: &dyn AlarmAction) {
        let arn = action.alarm_action_arn();
        self.cfn.update(|p| push_action(&mut p.alarm_actions, arn));
    }

    /// Notifies or triggers `action` when the alarm returns to OK.
    pub fn add_ok_action(&self, action: &dyn AlarmAction) {
        let arn = action.alarm_action_arn();
        self.cfn.update(|p| push_action(&mut p.ok_actions, arn));
    }

    /// Notifies or triggers `action` when there is not enough data.
    pub fn add_insufficient_data_action(&self, action: &dyn AlarmAction) {
        let arn = action.alarm_action_arn();
        self.cfn
            .update(|p| push_action(&mut p.insufficient_data_actions, arn));
    }

    /// The `AWS::CloudWatch::Alarm` resource (the escape hatch for overrides and resource
    /// options).
    pub fn resource(&self) -> &CfnResource {
        self.cfn.resource()
    }

    /// The typed `AWS::CloudWatch::Alarm`, whose props can be read and changed until synthesis.
    pub fn cfn_alarm(&self) -> &CfnAlarm {
        &self.cfn
    }

    /// The alarm's ARN.
    pub fn alarm_arn(&self) -> Str {
        self.cfn.attr_arn()
    }

    /// The alarm's name (`Ref`).
    pub fn alarm_name(&self) -> Str {
        self.cfn.reference()
    }
}
