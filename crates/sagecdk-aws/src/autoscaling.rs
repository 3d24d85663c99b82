//! Application Auto Scaling for any service's scalable dimension: a scalable target and its
//! policies — target tracking, step scaling with the AWS CDK's alarm layout, scheduled actions.
//! Service constructs (a SageMaker variant's instance count) build on [`ScalableTarget`].

use crate::cloudwatch::{Alarm, AlarmProps, ComparisonOperator, Metric};
use sagecdk_cfn::application_auto_scaling::scalable_target::{
    ScalableTargetAction, ScheduledAction,
};
use sagecdk_cfn::application_auto_scaling::scaling_policy::{
    CustomizedMetricSpecification, MetricDimension, PredefinedMetricSpecification, StepAdjustment,
    StepScalingPolicyConfiguration, TargetTrackingScalingPolicyConfiguration,
};
use sagecdk_cfn::application_auto_scaling::{
    CfnScalableTarget, CfnScalableTargetProps, CfnScalingPolicy, CfnScalingPolicyProps,
};
use sagecdk_core::duration::whole_seconds;
use sagecdk_core::{CfnResource, Construct, Duration, Scope, Str, Tokenized};

/// Options of a [`ScalableTarget`].
#[derive(Clone, Debug)]
pub struct ScalableTargetProps {
    /// The service (`sagemaker`, `ecs`, …).
    pub service_namespace: String,
    /// The scaled resource (`endpoint/<name>/variant/<variant>` for SageMaker).
    pub resource_id: Str,
    /// The scaled dimension (`sagemaker:variant:DesiredInstanceCount`, …).
    pub scalable_dimension: String,
    /// The lowest capacity autoscaling sets.
    pub min_capacity: u32,
    /// The highest capacity autoscaling sets.
    pub max_capacity: u32,
    /// The role Application Auto Scaling uses (default: the service-linked role).
    pub role_arn: Option<Str>,
}

impl ScalableTargetProps {
    /// A target of `resource_id`'s `scalable_dimension` in `service_namespace`, between
    /// `min_capacity` and `max_capacity`.
    pub fn new(
        service_namespace: impl Into<String>,
        resource_id: impl Into<Str>,
        scalable_dimension: impl Into<String>,
        min_capacity: u32,
        max_capacity: u32,
    ) -> Self {
        ScalableTargetProps {
            service_namespace: service_namespace.into(),
            resource_id: resource_id.into(),
            scalable_dimension: scalable_dimension.into(),
            min_capacity,
            max_capacity,
            role_arn: None,
        }
    }

    /// Sets the role.
    pub fn with_role_arn(mut self, role_arn: impl Into<Str>) -> Self {
        self.role_arn = Some(role_arn.into());
        self
    }
}

/// A scalable dimension of a resource: `<id>/Resource` is the
/// `AWS::ApplicationAutoScaling::ScalableTarget`; policies go under `<id>/<policy id>`.
#[derive(Clone, Debug)]
pub struct ScalableTarget {
    target_scope: Construct,
    target: CfnScalableTarget,
}

impl Scope for ScalableTarget {
    fn node(&self) -> &Construct {
        &self.target_scope
    }
}

/// Options of [`ScalableTarget::scale_to_track_metric`].
#[derive(Clone, Debug, Default)]
pub struct TargetTrackingProps {
    /// Target value of the metric.
    pub target_value: f64,
    /// A predefined metric type (e.g. `SageMakerVariantInvocationsPerInstance`).
    pub predefined_metric: Option<String>,
    /// A custom metric (used when no predefined metric is given).
    pub custom_metric: Option<Metric>,
    /// Physical policy name (default: unique from the path).
    pub policy_name: Option<String>,
    /// Never scale in.
    pub disable_scale_in: Option<bool>,
    /// Time after a scale-in activity before the next one (whole seconds).
    pub scale_in_cooldown: Option<Duration>,
    /// Time after a scale-out activity before the next one (whole seconds).
    pub scale_out_cooldown: Option<Duration>,
}

/// A scheduled change of the capacity limits.
#[derive(Clone, Debug, Default)]
pub struct ScheduledScalingProps {
    /// `cron(...)`, `rate(...)` or `at(...)`.
    pub schedule: String,
    /// New minimum capacity.
    pub min_capacity: Option<u32>,
    /// New maximum capacity.
    pub max_capacity: Option<u32>,
    /// Time zone of the schedule (e.g. `Europe/Berlin`).
    pub timezone: Option<String>,
    /// When the schedule starts (ISO 8601).
    pub start_time: Option<String>,
    /// When it ends (ISO 8601).
    pub end_time: Option<String>,
}

/// One step of step scaling: when the metric is within `[lower, upper)`, change the capacity by
/// `change` (or to `change` with [`AdjustmentType::ExactCapacity`]). Open ends extend to the
/// next step or to infinity.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ScalingInterval {
    /// Inclusive lower bound of the metric.
    pub lower: Option<f64>,
    /// Exclusive upper bound of the metric.
    pub upper: Option<f64>,
    /// The capacity change.
    pub change: f64,
}

impl ScalingInterval {
    /// Applies when the metric is below `upper`.
    pub fn below(upper: f64, change: f64) -> Self {
        ScalingInterval {
            lower: None,
            upper: Some(upper),
            change,
        }
    }

    /// Applies when the metric is at or above `lower`.
    pub fn at_least(lower: f64, change: f64) -> Self {
        ScalingInterval {
            lower: Some(lower),
            upper: None,
            change,
        }
    }
}

/// How a step's change applies to the capacity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AdjustmentType {
    /// Add the change to the capacity (the default).
    #[default]
    ChangeInCapacity,
    /// Add the change as a percentage of the capacity.
    PercentChangeInCapacity,
    /// Set the capacity to the change.
    ExactCapacity,
}

impl AdjustmentType {
    fn as_str(self) -> &'static str {
        match self {
            AdjustmentType::ChangeInCapacity => "ChangeInCapacity",
            AdjustmentType::PercentChangeInCapacity => "PercentChangeInCapacity",
            AdjustmentType::ExactCapacity => "ExactCapacity",
        }
    }
}

/// Options of [`ScalableTarget::scale_on_metric`].
#[derive(Clone, Debug)]
pub struct StepScalingProps {
    /// The metric the alarms watch (statistic `Average`, `Minimum` or `Maximum`).
    pub metric: Metric,
    /// At least two steps; at most one range of the metric may be left without a change.
    pub scaling_steps: Vec<ScalingInterval>,
    /// How changes apply (default [`AdjustmentType::ChangeInCapacity`]).
    pub adjustment_type: Option<AdjustmentType>,
    /// Time after a scaling activity before the next one (whole seconds).
    pub cooldown: Option<Duration>,
    /// Smallest change with [`AdjustmentType::PercentChangeInCapacity`].
    pub min_adjustment_magnitude: Option<u32>,
    /// Periods the alarms evaluate (default 1).
    pub evaluation_periods: Option<u32>,
    /// Breaching datapoints within those periods that trigger a step.
    pub datapoints_to_alarm: Option<u32>,
}

impl StepScalingProps {
    /// Step scaling on `metric` with these steps.
    pub fn new(metric: Metric, scaling_steps: Vec<ScalingInterval>) -> Self {
        StepScalingProps {
            metric,
            scaling_steps,
            adjustment_type: None,
            cooldown: None,
            min_adjustment_magnitude: None,
            evaluation_periods: None,
            datapoints_to_alarm: None,
        }
    }
}

/// A step with both bounds known; `change: None` is the range where nothing happens.
#[derive(Clone, Copy, Debug, PartialEq)]
struct CompleteInterval {
    lower: f64,
    upper: f64,
    change: Option<f64>,
}

fn describe(i: &ScalingInterval) -> String {
    let bound = |b: Option<f64>| b.map_or_else(|| "open".to_string(), |v| v.to_string());
    format!(
        "[{}, {}) change {}",
        bound(i.lower),
        bound(i.upper),
        i.change
    )
}

/// Orders the steps, fills in open bounds from their neighbours, and covers the whole number
/// line (from 0 to infinity) by adding no-change ranges in the gaps — the AWS CDK's
/// normalisation, so the same steps give the same alarms and adjustments.
fn normalize_intervals(
    steps: &[ScalingInterval],
    absolute: bool,
) -> Result<Vec<CompleteInterval>, String> {
    if steps.len() < 2 {
        return Err("You must supply at least 2 intervals for autoscaling".into());
    }
    if let Some(bad) = steps
        .iter()
        .find(|i| i.lower.is_none() && i.upper.is_none())
    {
        return Err(format!(
            "Must supply at least one of 'upper' or 'lower', got: {}",
            describe(bad)
        ));
    }
    let problems: Vec<String> = steps.iter().filter_map(interval_problem).collect();
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    let mut steps: Vec<ScalingInterval> = steps.to_vec();
    let key = |i: &ScalingInterval| i.lower.or(i.upper).unwrap_or(0.0);
    steps.sort_by(|a, b| key(a).total_cmp(&key(b)));
    // As given, in the order the open bounds are filled in from the neighbours.
    let given = steps.clone();
    loop {
        let mut changed = false;
        for i in 0..steps.len() - 1 {
            if let Some(upper) = steps[i].upper
                && steps[i + 1].lower.is_none()
            {
                steps[i + 1].lower = Some(upper);
                changed = true;
            }
        }
        for i in (1..steps.len()).rev() {
            if let Some(lower) = steps[i].lower
                && steps[i - 1].upper.is_none()
            {
                steps[i - 1].upper = Some(lower);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // An open bound taken from a neighbour that lies beyond the step's own bound means the two
    // steps overlap (e.g. `[0, 20)` and `below(10)`).
    for i in 0..steps.len() {
        if let (Some(lower), Some(upper)) = (steps[i].lower, steps[i].upper)
            && lower >= upper
        {
            let other = if given[i].lower.is_none() {
                i - 1
            } else {
                i + 1
            };
            let (a, b) = (i.min(other), i.max(other));
            return Err(format!(
                "Two intervals overlap: {} and {}",
                describe(&given[a]),
                describe(&given[b])
            ));
        }
    }
    let last = steps.len() - 1;
    steps[0].lower.get_or_insert(0.0);
    steps[last].upper.get_or_insert(f64::INFINITY);
    let mut full: Vec<CompleteInterval> = steps
        .iter()
        .map(|i| CompleteInterval {
            lower: i.lower.unwrap_or(0.0),
            upper: i.upper.unwrap_or(f64::INFINITY),
            change: Some(i.change),
        })
        .collect();
    for pair in full.windows(2) {
        if pair[0].lower < pair[1].upper && pair[0].upper > pair[1].lower {
            return Err(format!(
                "Two intervals overlap: [{}, {}) and [{}, {})",
                pair[0].lower, pair[0].upper, pair[1].lower, pair[1].upper
            ));
        }
    }
    if full[0].lower != 0.0 {
        let upper = full[0].lower;
        full.insert(
            0,
            CompleteInterval {
                lower: 0.0,
                upper,
                change: None,
            },
        );
    }
    if let Some(last) = full.last().copied()
        && last.upper != f64::INFINITY
    {
        full.push(CompleteInterval {
            lower: last.upper,
            upper: f64::INFINITY,
            change: None,
        });
    }
    let mut i = 1;
    while i < full.len() {
        if full[i - 1].upper < full[i].lower {
            let gap = CompleteInterval {
                lower: full[i - 1].upper,
                upper: full[i].lower,
                change: None,
            };
            full.insert(i, gap);
        } else {
            i += 1;
        }
    }
    if !absolute {
        for interval in &mut full {
            if interval.change == Some(0.0) {
                interval.change = None;
            }
        }
    }
    let mut i = 0;
    while i + 1 < full.len() {
        if full[i].change.is_none() && full[i + 1].change.is_none() {
            full[i].upper = full[i + 1].upper;
            full.remove(i + 1);
        } else {
            i += 1;
        }
    }
    let gaps: Vec<String> = full
        .iter()
        .filter(|i| i.change.is_none())
        .map(|i| format!("[{}, {})", i.lower, i.upper))
        .collect();
    if gaps.len() > 1 {
        return Err(format!(
            "Can have at most one no-change interval, got {} ({}); cover the ranges between the steps",
            gaps.len(),
            gaps.join(", ")
        ));
    }
    Ok(full)
}

/// What is wrong with one step on its own: a bound that is not a finite number, a negative
/// bound (the steps cover the metric from 0 up, as in the AWS CDK), or a lower bound not below
/// the upper one.
fn interval_problem(i: &ScalingInterval) -> Option<String> {
    let bounds = [("lower", i.lower), ("upper", i.upper)];
    if let Some((name, v)) = bounds
        .iter()
        .find_map(|(n, b)| b.filter(|v| !v.is_finite()).map(|v| (n, v)))
    {
        return Some(format!(
            "interval {}: the {name} bound ({v}) must be a finite number",
            describe(i)
        ));
    }
    if let Some((name, v)) = bounds
        .iter()
        .find_map(|(n, b)| b.filter(|v| *v < 0.0).map(|v| (n, v)))
    {
        return Some(format!(
            "interval {}: the {name} bound ({v}) must not be negative (steps cover the metric from 0 up)",
            describe(i)
        ));
    }
    match (i.lower, i.upper) {
        (Some(lower), Some(upper)) if lower >= upper => Some(format!(
            "interval {}: the lower bound ({lower}) must be less than the upper bound ({upper})",
            describe(i)
        )),
        _ => None,
    }
}

/// Indexes of the steps the lower and upper alarms sit on: either side of the no-change range,
/// or the middle when every range changes something.
fn alarm_thresholds(intervals: &[CompleteInterval]) -> (Option<usize>, Option<usize>) {
    if let Some(gap) = intervals.iter().position(|i| i.change.is_none()) {
        return (
            gap.checked_sub(1),
            (gap + 1 < intervals.len()).then_some(gap + 1),
        );
    }
    if intervals.len() == 1 {
        return (None, Some(0));
    }
    let middle = intervals.len() / 2;
    (Some(middle - 1), Some(middle))
}

impl ScalableTarget {
    /// Creates the scalable target.
    pub fn new(scope: &impl Scope, id: &str, props: ScalableTargetProps) -> ScalableTarget {
        let target_scope = Construct::new(scope, id);
        // Scheduled actions are added later (`scale_on_schedule`); the property is left out
        // while there are none.
        let mut cfn_props = CfnScalableTargetProps::new(
            props.max_capacity,
            props.min_capacity,
            props.resource_id,
            props.scalable_dimension.as_str(),
            props.service_namespace.as_str(),
        );
        if let Some(role) = props.role_arn {
            cfn_props = cfn_props.with_role_arn(role);
        }
        let target = CfnScalableTarget::new(&target_scope, "Resource", cfn_props);
        ScalableTarget {
            target_scope,
            target,
        }
    }

    /// Target tracking on any metric: a predefined type or a custom CloudWatch metric.
    pub fn scale_to_track_metric(&self, id: &str, props: TargetTrackingProps) {
        let scope = Construct::new(&self.target_scope, id);
        // Application Auto Scaling accepts any TargetValue between -2^360 and 2^360, but the
        // predefined metrics (utilization, invocations, concurrency) are never negative: at a
        // target of 0 or less the policy only ever scales out.
        if let Some(metric) = &props.predefined_metric
            && props.target_value <= 0.0
        {
            scope.add_warning(format!(
                "targetValue {} of predefined metric {metric} is not above 0, which the metric never goes below, so the policy only ever scales out; use a positive target",
                props.target_value
            ));
        }
        let mut config = TargetTrackingScalingPolicyConfiguration::new(props.target_value);
        match (&props.predefined_metric, &props.custom_metric) {
            (None, Some(metric)) => {
                let dimensions: Vec<MetricDimension> = metric
                    .sorted_dimensions()
                    .into_iter()
                    .map(|(k, v)| MetricDimension::new(k, v.clone()))
                    .collect();
                config.customized_metric_specification = Some(
                    CustomizedMetricSpecification::new()
                        .with_dimensions(dimensions)
                        .with_metric_name(metric.metric_name.as_str())
                        .with_namespace(metric.namespace.as_str())
                        .with_statistic(metric.statistic.as_str()),
                );
            }
            (None, None) => {
                scope.add_error("Target tracking needs a predefined or a custom metric");
                return;
            }
            (Some(_), Some(_)) => {
                scope.add_error(
                    "Target tracking takes either a predefined or a custom metric, not both",
                );
                return;
            }
            (Some(_), None) => {}
        }
        config.disable_scale_in = props.disable_scale_in.map(Into::into);
        config.predefined_metric_specification = props
            .predefined_metric
            .as_ref()
            .map(|p| PredefinedMetricSpecification::new(p.as_str()));
        config.scale_in_cooldown = props
            .scale_in_cooldown
            .and_then(|c| seconds_or_error(&scope, c, "ScaleInCooldown"))
            .map(Into::into);
        config.scale_out_cooldown = props
            .scale_out_cooldown
            .and_then(|c| seconds_or_error(&scope, c, "ScaleOutCooldown"))
            .map(Into::into);
        let name = props
            .policy_name
            .clone()
            .unwrap_or_else(|| scope.unique_id());
        scaling_policy(&scope, name, "TargetTrackingScaling", &self.target).update(|p| {
            p.target_tracking_scaling_policy_configuration = Some(config);
        });
    }

    /// Step scaling: alarms on `metric` at the edges of the no-change range trigger step
    /// policies (`<id>/LowerPolicy` + `<id>/LowerAlarm`, `<id>/UpperPolicy` + `<id>/UpperAlarm`),
    /// laid out as the AWS CDK's `scaleOnMetric` does.
    ///
    /// ```
    /// use sagecdk_aws::autoscaling::{ScalableTarget, ScalableTargetProps, ScalingInterval, StepScalingProps};
    /// use sagecdk_aws::cloudwatch::Metric;
    /// use sagecdk_core::{App, Stack, StackProps};
    /// let app = App::for_tests();
    /// let stack = Stack::new(&app, "S", StackProps::default());
    /// let target = ScalableTarget::new(&stack, "Target", ScalableTargetProps::new(
    ///     "sagemaker", "endpoint/e/variant/v", "sagemaker:variant:DesiredInstanceCount", 1, 10));
    /// let cpu = Metric::new("/aws/sagemaker/Endpoints", "CPUUtilization", "Average");
    /// target.scale_on_metric("CpuSteps", StepScalingProps::new(
    ///     cpu,
    ///     vec![ScalingInterval::below(20.0, -1.0), ScalingInterval::at_least(70.0, 2.0)],
    /// ));
    /// ```
    pub fn scale_on_metric(&self, id: &str, props: StepScalingProps) {
        let scope = Construct::with_fqn(
            &self.target_scope,
            id,
            "sagecdk.aws_applicationautoscaling.StepScalingPolicy",
        );
        let adjustment = props.adjustment_type.unwrap_or_default();
        let mut problems = Vec::new();
        let aggregation = match props.metric.statistic.as_str() {
            "Average" => Some("Average"),
            "Minimum" => Some("Minimum"),
            "Maximum" => Some("Maximum"),
            other => {
                problems.push(format!(
                    "Cannot only scale on 'Minimum', 'Maximum', 'Average' metrics, got {other}"
                ));
                None
            }
        };
        if props.datapoints_to_alarm == Some(0) {
            problems.push("datapointsToAlarm cannot be less than 1".to_string());
        }
        if props.min_adjustment_magnitude.is_some()
            && adjustment != AdjustmentType::PercentChangeInCapacity
        {
            problems.push(
                "minAdjustmentMagnitude only applies with PercentChangeInCapacity".to_string(),
            );
        }
        let intervals = match normalize_intervals(
            &props.scaling_steps,
            adjustment == AdjustmentType::ExactCapacity,
        ) {
            Ok(i) => i,
            Err(e) => {
                problems.push(e);
                Vec::new()
            }
        };
        if !problems.is_empty() {
            for p in problems {
                scope.add_error(p);
            }
            return;
        }
        let (lower, upper) = alarm_thresholds(&intervals);
        let sides = [
            lower.map(|index| {
                let threshold = intervals[index].upper;
                let steps: Vec<StepAdjustment> = (0..=index)
                    .rev()
                    .map(|i| {
                        step_adjustment(
                            (i != 0).then(|| intervals[i].lower - threshold),
                            Some(intervals[i].upper - threshold),
                            intervals[i].change.unwrap_or_default(),
                        )
                    })
                    .collect();
                (
                    "Lower",
                    threshold,
                    steps,
                    ComparisonOperator::LessThanOrEqualToThreshold,
                )
            }),
            upper.map(|index| {
                let threshold = intervals[index].lower;
                let last = intervals.len() - 1;
                let steps: Vec<StepAdjustment> = (index..intervals.len())
                    .map(|i| {
                        step_adjustment(
                            Some(intervals[i].lower - threshold),
                            (i != last).then(|| intervals[i].upper - threshold),
                            intervals[i].change.unwrap_or_default(),
                        )
                    })
                    .collect();
                (
                    "Upper",
                    threshold,
                    steps,
                    ComparisonOperator::GreaterThanOrEqualToThreshold,
                )
            }),
        ];
        for (side, threshold, steps, comparison) in sides.into_iter().flatten() {
            let policy_scope = Construct::with_fqn(
                &scope,
                &format!("{side}Policy"),
                "sagecdk.aws_applicationautoscaling.StepScalingAction",
            );
            let mut config = StepScalingPolicyConfiguration::new()
                .with_adjustment_type(adjustment.as_str())
                .with_step_adjustments(steps);
            config.cooldown = props
                .cooldown
                .and_then(|c| seconds_or_error(&scope, c, "Cooldown"))
                .map(Into::into);
            config.metric_aggregation_type = aggregation.map(Into::into);
            config.min_adjustment_magnitude = props.min_adjustment_magnitude.map(Into::into);
            let policy = scaling_policy(
                &policy_scope,
                policy_scope.unique_id(),
                "StepScaling",
                &self.target,
            );
            policy.update(|p| p.step_scaling_policy_configuration = Some(config));
            let alarm = Alarm::new(
                &scope,
                &format!("{side}Alarm"),
                &props.metric,
                AlarmProps {
                    threshold,
                    evaluation_periods: props.evaluation_periods.unwrap_or(1),
                    datapoints_to_alarm: props.datapoints_to_alarm,
                    comparison_operator: Some(comparison),
                    alarm_description: Some(format!("{side} threshold scaling alarm")),
                    ..AlarmProps::default()
                },
            );
            alarm.add_alarm_action(&policy.reference());
        }
    }

    /// Changes the capacity limits on a schedule.
    pub fn scale_on_schedule(&self, id: &str, props: ScheduledScalingProps) {
        if props.min_capacity.is_none() && props.max_capacity.is_none() {
            self.target_scope.add_error(format!(
                "Scheduled action '{id}' must set min_capacity, max_capacity or both"
            ));
            return;
        }
        let taken = match &self.target.props().scheduled_actions {
            Some(Tokenized::Literal(actions)) => actions
                .iter()
                .any(|a| a.scheduled_action_name.as_literal().as_deref() == Some(id)),
            _ => false,
        };
        if taken {
            self.target_scope.add_error(format!(
                "There is already a scheduled action named '{id}' on this scalable target"
            ));
            return;
        }
        let mut limits = ScalableTargetAction::new();
        limits.max_capacity = props.max_capacity.map(Into::into);
        limits.min_capacity = props.min_capacity.map(Into::into);
        let mut action =
            ScheduledAction::new(props.schedule.as_str(), id).with_scalable_target_action(limits);
        action.end_time = props.end_time.as_deref().map(Into::into);
        action.start_time = props.start_time.as_deref().map(Into::into);
        action.timezone = props.timezone.as_deref().map(Into::into);
        self.target.update(|p| match &mut p.scheduled_actions {
            Some(Tokenized::Literal(actions)) => actions.push(action),
            _ => p.scheduled_actions = Some(Tokenized::Literal(vec![action])),
        });
    }

    /// The `AWS::ApplicationAutoScaling::ScalableTarget` resource (the escape hatch for
    /// overrides and resource options).
    pub fn resource(&self) -> &CfnResource {
        self.target.resource()
    }

    /// The typed `AWS::ApplicationAutoScaling::ScalableTarget`, whose props can be read and
    /// changed until synthesis (`scale_on_schedule` adds to its `ScheduledActions`).
    pub fn cfn_scalable_target(&self) -> &CfnScalableTarget {
        &self.target
    }
}

/// The whole seconds of a duration prop, or `None` with an error at `scope`.
fn seconds_or_error(scope: &Construct, duration: Duration, prop: &str) -> Option<u64> {
    whole_seconds(duration, prop)
        .map_err(|problem| scope.add_error(problem))
        .ok()
}

/// Creates `<scope>/Resource`, a scaling policy of `target`; the caller sets its configuration
/// through `update`.
fn scaling_policy(
    scope: &Construct,
    name: String,
    policy_type: &str,
    target: &CfnScalableTarget,
) -> CfnScalingPolicy {
    CfnScalingPolicy::new(
        scope,
        "Resource",
        CfnScalingPolicyProps::new(name, policy_type).with_scaling_target_id(target.reference()),
    )
}

/// One entry of `StepAdjustments`, bounds relative to the alarm threshold.
fn step_adjustment(lower: Option<f64>, upper: Option<f64>, change: f64) -> StepAdjustment {
    let mut step = StepAdjustment::new(change);
    step.metric_interval_lower_bound = lower.map(Into::into);
    step.metric_interval_upper_bound = upper.map(Into::into);
    step
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(list: &[(Option<f64>, Option<f64>, f64)]) -> Vec<ScalingInterval> {
        list.iter()
            .map(|&(lower, upper, change)| ScalingInterval {
                lower,
                upper,
                change,
            })
            .collect()
    }

    #[test]
    fn normalizes_like_the_cdk() {
        // A gap between 10 and 50 becomes the no-change range; alarms sit on either side.
        let full = normalize_intervals(
            &steps(&[
                (None, Some(10.0), -1.0),
                (Some(50.0), None, 1.0),
                (Some(70.0), None, 3.0),
            ]),
            false,
        )
        .unwrap();
        let bounds: Vec<(f64, f64, Option<f64>)> =
            full.iter().map(|i| (i.lower, i.upper, i.change)).collect();
        assert_eq!(
            bounds,
            vec![
                (0.0, 10.0, Some(-1.0)),
                (10.0, 50.0, None),
                (50.0, 70.0, Some(1.0)),
                (70.0, f64::INFINITY, Some(3.0)),
            ]
        );
        assert_eq!(alarm_thresholds(&full), (Some(0), Some(2)));
    }

    #[test]
    fn zero_changes_are_no_change_unless_absolute() {
        let s = steps(&[(None, Some(10.0), 0.0), (Some(10.0), None, 2.0)]);
        let relative = normalize_intervals(&s, false).unwrap();
        assert_eq!(relative[0].change, None);
        assert_eq!(alarm_thresholds(&relative), (None, Some(1)));
        let absolute = normalize_intervals(&s, true).unwrap();
        assert_eq!(absolute[0].change, Some(0.0));
        // No gap: the alarms sit in the middle.
        assert_eq!(alarm_thresholds(&absolute), (Some(0), Some(1)));
    }

    #[test]
    fn rejects_bad_steps() {
        let one = normalize_intervals(&steps(&[(Some(1.0), None, 1.0)]), false);
        assert_eq!(
            one.unwrap_err(),
            "You must supply at least 2 intervals for autoscaling"
        );
        let open = normalize_intervals(&steps(&[(None, None, 1.0), (Some(1.0), None, 1.0)]), false);
        assert!(open.unwrap_err().starts_with("Must supply at least one of"));
        let overlap = normalize_intervals(
            &steps(&[(Some(0.0), Some(20.0), 1.0), (Some(10.0), Some(30.0), 2.0)]),
            false,
        );
        assert!(overlap.unwrap_err().starts_with("Two intervals overlap"));
        let two_gaps = normalize_intervals(
            &steps(&[(Some(10.0), Some(20.0), 1.0), (Some(30.0), Some(40.0), 2.0)]),
            false,
        );
        assert_eq!(
            two_gaps.unwrap_err(),
            "Can have at most one no-change interval, got 3 ([0, 10), [20, 30), [40, inf)); cover the ranges between the steps"
        );
    }

    #[test]
    fn names_the_step_at_fault() {
        let inverted = normalize_intervals(
            &steps(&[(Some(30.0), Some(10.0), 1.0), (Some(50.0), None, 2.0)]),
            false,
        );
        assert_eq!(
            inverted.unwrap_err(),
            "interval [30, 10) change 1: the lower bound (30) must be less than the upper bound (10)"
        );
        let negative = normalize_intervals(
            &steps(&[(Some(-10.0), Some(0.0), -1.0), (None, Some(-5.0), 1.0)]),
            false,
        );
        assert_eq!(
            negative.unwrap_err(),
            "interval [-10, 0) change -1: the lower bound (-10) must not be negative (steps cover the metric from 0 up); \
             interval [open, -5) change 1: the upper bound (-5) must not be negative (steps cover the metric from 0 up)"
        );
        let nan = normalize_intervals(
            &steps(&[(None, Some(f64::NAN), -1.0), (Some(10.0), None, 1.0)]),
            false,
        );
        assert_eq!(
            nan.unwrap_err(),
            "interval [open, NaN) change -1: the upper bound (NaN) must be a finite number"
        );
        // An open bound filled in from a neighbour that reaches past the step.
        let covered = normalize_intervals(
            &steps(&[(Some(0.0), Some(20.0), 1.0), (None, Some(10.0), 2.0)]),
            false,
        );
        assert_eq!(
            covered.unwrap_err(),
            "Two intervals overlap: [0, 20) change 1 and [open, 10) change 2"
        );
        let same_start = normalize_intervals(
            &steps(&[(Some(10.0), None, 1.0), (Some(10.0), Some(20.0), 2.0)]),
            false,
        );
        assert_eq!(
            same_start.unwrap_err(),
            "Two intervals overlap: [10, open) change 1 and [10, 20) change 2"
        );
    }
}
