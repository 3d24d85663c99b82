//! How an endpoint moves to a new configuration when it is updated in place (the endpoint's
//! `DeploymentConfig`): blue/green traffic shifting or rolling batches, alarms that roll the
//! update back, and what of the running variants is kept.

use sagecdk_aws::cloudwatch::Alarm;
use sagecdk_cfn::sagemaker::endpoint::{
    Alarm as CfnAlarm, AutoRollbackConfig, BlueGreenUpdatePolicy, CapacitySize as CfnCapacitySize,
    DeploymentConfig, RollingUpdatePolicy, TrafficRoutingConfig, VariantProperty,
};
use sagecdk_cfn::sagemaker::inference_component::{
    Alarm as CfnComponentAlarm, AutoRollbackConfiguration, InferenceComponentCapacitySize,
    InferenceComponentDeploymentConfig, InferenceComponentRollingUpdatePolicy,
};
use sagecdk_core::duration::whole_seconds;
use sagecdk_core::{Duration, Tokenized};

/// The most alarms an automatic rollback watches (SageMaker's limit).
pub const MAX_ROLLBACK_ALARMS: usize = 10;

/// How much of the fleet a step moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapacitySize {
    /// A number of instances (`INSTANCE_COUNT`).
    Instances(u32),
    /// A percentage of the fleet's capacity (`CAPACITY_PERCENT`, 1–100).
    Percent(u32),
}

/// What is wrong with a batch of `count` units (or `count` percent): at least one unit, a
/// percentage within 1–100.
fn size_problem(what: &str, count: u32, percent: bool, unit: &str) -> Option<String> {
    match (percent, count) {
        (false, 0) => Some(format!("{what} must be at least 1 {unit}")),
        (true, p) if !(1..=100).contains(&p) => {
            Some(format!("{what} must be between 1 and 100 percent, got {p}"))
        }
        _ => None,
    }
}

impl CapacitySize {
    /// `(CloudFormation type, value)`.
    fn parts(self) -> (&'static str, u32) {
        match self {
            CapacitySize::Instances(n) => ("INSTANCE_COUNT", n),
            CapacitySize::Percent(p) => ("CAPACITY_PERCENT", p),
        }
    }

    fn problems(self, what: &str) -> Option<String> {
        let (kind, n) = self.parts();
        size_problem(what, n, kind == "CAPACITY_PERCENT", "instance")
    }

    fn render(self) -> CfnCapacitySize {
        let (kind, n) = self.parts();
        CfnCapacitySize::new(kind, f64::from(n))
    }
}

/// How traffic moves from the old fleet to the new one in a blue/green update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrafficRouting {
    /// All traffic at once, then `wait` (the baking period) before the old fleet goes.
    AllAtOnce {
        /// Time watched before the old fleet is terminated (0–3600 seconds).
        wait: Duration,
    },
    /// A canary of `size` first, the rest after `wait`.
    Canary {
        /// The canary's share.
        size: CapacitySize,
        /// Time watched between the canary and the rest (0–3600 seconds).
        wait: Duration,
    },
    /// Traffic moved `step` at a time, `wait` between steps.
    Linear {
        /// Each step's share.
        step: CapacitySize,
        /// Time watched between steps (0–3600 seconds).
        wait: Duration,
    },
}

/// A blue/green update: a new fleet next to the old one, traffic shifted to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlueGreenUpdate {
    /// How traffic shifts.
    pub traffic_routing: TrafficRouting,
    /// Time the old fleet is kept after all traffic moved (0–3600 seconds; default 0).
    pub termination_wait: Option<Duration>,
    /// The longest the update may take (600–14400 seconds).
    pub maximum_execution_timeout: Option<Duration>,
}

impl BlueGreenUpdate {
    /// An update shifting traffic as `traffic_routing` says.
    pub fn new(traffic_routing: TrafficRouting) -> Self {
        BlueGreenUpdate {
            traffic_routing,
            termination_wait: None,
            maximum_execution_timeout: None,
        }
    }
}

/// A rolling update: the fleet replaced a batch at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollingUpdate {
    /// Each batch's size.
    pub maximum_batch_size: CapacitySize,
    /// Time watched between batches (0–3600 seconds).
    pub wait_interval: Duration,
    /// Each batch's size when rolling back (default: all at once).
    pub rollback_maximum_batch_size: Option<CapacitySize>,
    /// The longest the update may take (600–28800 seconds).
    pub maximum_execution_timeout: Option<Duration>,
}

impl RollingUpdate {
    /// Batches of `maximum_batch_size`, `wait_interval` apart.
    pub fn new(maximum_batch_size: CapacitySize, wait_interval: Duration) -> Self {
        RollingUpdate {
            maximum_batch_size,
            wait_interval,
            rollback_maximum_batch_size: None,
            maximum_execution_timeout: None,
        }
    }
}

/// How the endpoint's fleet is replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateStrategy {
    /// Blue/green.
    BlueGreen(BlueGreenUpdate),
    /// Rolling batches.
    Rolling(RollingUpdate),
}

/// A property of the running variants an update may keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariantPropertyType {
    /// The instance count (`DesiredInstanceCount`), e.g. as autoscaling set it.
    DesiredInstanceCount,
    /// The traffic weight (`DesiredWeight`).
    DesiredWeight,
    /// The data capture configuration (`DataCaptureConfig`).
    DataCaptureConfig,
}

impl VariantPropertyType {
    /// The CloudFormation value.
    pub fn as_str(self) -> &'static str {
        match self {
            VariantPropertyType::DesiredInstanceCount => "DesiredInstanceCount",
            VariantPropertyType::DesiredWeight => "DesiredWeight",
            VariantPropertyType::DataCaptureConfig => "DataCaptureConfig",
        }
    }
}

/// How the endpoint is updated in place when its configuration changes (the endpoint keeps
/// its name and moves to the new configuration).
///
/// ```
/// use sagecdk_sagemaker::*;
/// use std::time::Duration;
/// let update = EndpointUpdate::blue_green(BlueGreenUpdate::new(TrafficRouting::Canary {
///     size: CapacitySize::Percent(10),
///     wait: Duration::from_secs(600),
/// }));
/// ```
#[derive(Clone, Debug, Default)]
pub struct EndpointUpdate {
    /// Blue/green or rolling (SageMaker's default, blue/green all at once, when unset).
    pub strategy: Option<UpdateStrategy>,
    /// Alarms that roll the update back when they fire (at most 10).
    pub auto_rollback_alarms: Vec<Alarm>,
    /// Keep the running variants' properties (instance counts, weights…) instead of the new
    /// configuration's.
    pub retain_all_variant_properties: bool,
    /// With `retain_all_variant_properties`: the properties taken from the new configuration
    /// after all.
    pub exclude_retained_variant_properties: Vec<VariantPropertyType>,
    /// Keep the deployment configuration of the running endpoint.
    pub retain_deployment_config: bool,
}

impl EndpointUpdate {
    /// A blue/green update.
    pub fn blue_green(update: BlueGreenUpdate) -> Self {
        EndpointUpdate {
            strategy: Some(UpdateStrategy::BlueGreen(update)),
            ..EndpointUpdate::default()
        }
    }

    /// A rolling update.
    pub fn rolling(update: RollingUpdate) -> Self {
        EndpointUpdate {
            strategy: Some(UpdateStrategy::Rolling(update)),
            ..EndpointUpdate::default()
        }
    }

    /// Rolled back when `alarm` fires.
    pub fn with_rollback_alarm(mut self, alarm: &Alarm) -> Self {
        self.auto_rollback_alarms.push(alarm.clone());
        self
    }

    /// Keeps the running variants' properties, but for `except`.
    pub fn retaining_variant_properties(
        mut self,
        except: impl IntoIterator<Item = VariantPropertyType>,
    ) -> Self {
        self.retain_all_variant_properties = true;
        self.exclude_retained_variant_properties = except.into_iter().collect();
        self
    }

    /// The deployment configuration, or the rules broken (each a message for the endpoint).
    pub(crate) fn render(&self) -> (Option<DeploymentConfig>, Vec<String>) {
        let mut problems = Vec::new();
        let mut seconds = |value: Option<Duration>, name: &str, range: (u64, u64)| {
            seconds_within(&mut problems, value, name, range)
        };
        let mut config = DeploymentConfig::new();
        match &self.strategy {
            None => {}
            Some(UpdateStrategy::BlueGreen(b)) => {
                let (kind, size, wait) = match b.traffic_routing {
                    TrafficRouting::AllAtOnce { wait } => ("ALL_AT_ONCE", None, wait),
                    TrafficRouting::Canary { size, wait } => ("CANARY", Some(size), wait),
                    TrafficRouting::Linear { step, wait } => ("LINEAR", Some(step), wait),
                };
                let mut routing = TrafficRoutingConfig::new(kind);
                routing.wait_interval_in_seconds =
                    seconds(Some(wait), "trafficRouting.wait", (0, 3600)).map(Into::into);
                match (b.traffic_routing, size) {
                    (TrafficRouting::Canary { .. }, Some(s)) => {
                        routing.canary_size = Some(s.render());
                    }
                    (TrafficRouting::Linear { .. }, Some(s)) => {
                        routing.linear_step_size = Some(s.render());
                    }
                    _ => {}
                }
                let mut policy = BlueGreenUpdatePolicy::new(routing);
                policy.termination_wait_in_seconds =
                    seconds(b.termination_wait, "terminationWait", (0, 3600)).map(Into::into);
                policy.maximum_execution_timeout_in_seconds = seconds(
                    b.maximum_execution_timeout,
                    "maximumExecutionTimeout",
                    (600, 14400),
                )
                .map(Into::into);
                if let Some(p) = size.and_then(|s| s.problems("trafficRouting size")) {
                    problems.push(p);
                }
                config.blue_green_update_policy = Some(policy);
            }
            Some(UpdateStrategy::Rolling(r)) => {
                let wait = seconds(Some(r.wait_interval), "rolling.waitInterval", (0, 3600));
                let mut policy = RollingUpdatePolicy::new(
                    r.maximum_batch_size.render(),
                    wait.unwrap_or_default(),
                );
                policy.rollback_maximum_batch_size =
                    r.rollback_maximum_batch_size.map(CapacitySize::render);
                policy.maximum_execution_timeout_in_seconds = seconds(
                    r.maximum_execution_timeout,
                    "maximumExecutionTimeout",
                    (600, 28800),
                )
                .map(Into::into);
                problems.extend(r.maximum_batch_size.problems("rolling.maximumBatchSize"));
                if let Some(s) = r.rollback_maximum_batch_size {
                    problems.extend(s.problems("rolling.rollbackMaximumBatchSize"));
                }
                config.rolling_update_policy = Some(policy);
            }
        }
        if self.auto_rollback_alarms.len() > MAX_ROLLBACK_ALARMS {
            problems.push(format!(
                "autoRollbackAlarms lists {} alarms; at most {MAX_ROLLBACK_ALARMS} are allowed",
                self.auto_rollback_alarms.len()
            ));
        }
        if !self.auto_rollback_alarms.is_empty() {
            let alarms: Vec<CfnAlarm> = self
                .auto_rollback_alarms
                .iter()
                .map(|a| CfnAlarm::new(a.alarm_name()))
                .collect();
            config.auto_rollback_configuration =
                Some(AutoRollbackConfig::new(Tokenized::Literal(alarms)));
        }
        if !self.exclude_retained_variant_properties.is_empty()
            && !self.retain_all_variant_properties
        {
            problems.push(
                "excludeRetainedVariantProperties only applies when retainAllVariantProperties is set; use `retaining_variant_properties`".to_string(),
            );
        }
        let empty = self.strategy.is_none() && self.auto_rollback_alarms.is_empty();
        ((!empty).then_some(config), problems)
    }

    /// The variant properties not kept, as CloudFormation lists them.
    pub(crate) fn excluded(&self) -> Option<Vec<VariantProperty>> {
        (!self.exclude_retained_variant_properties.is_empty()).then(|| {
            self.exclude_retained_variant_properties
                .iter()
                .map(|p| VariantProperty::new().with_variant_property_type(p.as_str()))
                .collect()
        })
    }
}

/// Whole seconds of `value` within `range`, or the problem recorded in `problems`.
fn seconds_within(
    problems: &mut Vec<String>,
    value: Option<Duration>,
    name: &str,
    range: (u64, u64),
) -> Option<f64> {
    let value = value?;
    match whole_seconds(value, name) {
        Ok(s) if !(range.0..=range.1).contains(&s) => {
            problems.push(format!(
                "{name} must be between {} and {} seconds, got {s}",
                range.0, range.1
            ));
            None
        }
        Ok(s) => Some(s as f64),
        Err(p) => {
            problems.push(p);
            None
        }
    }
}

/// A batch of an inference component's rolling update: copies, or a percentage of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyBatchSize {
    /// A number of copies (`COPY_COUNT`, at least 1).
    Copies(u32),
    /// A percentage of the component's copies (`CAPACITY_PERCENT`, 1–100).
    Percent(u32),
}

impl CopyBatchSize {
    /// `(CloudFormation type, value)`.
    fn parts(self) -> (&'static str, u32) {
        match self {
            CopyBatchSize::Copies(n) => ("COPY_COUNT", n),
            CopyBatchSize::Percent(p) => ("CAPACITY_PERCENT", p),
        }
    }

    fn problems(self, what: &str) -> Option<String> {
        let (kind, n) = self.parts();
        size_problem(what, n, kind == "CAPACITY_PERCENT", "copy")
    }

    fn render(self) -> InferenceComponentCapacitySize {
        let (kind, n) = self.parts();
        InferenceComponentCapacitySize::new(kind, f64::from(n))
    }
}

/// How an inference component moves to a new specification when it is updated in place: new
/// copies in batches, old ones stopped batch by batch, rolled back when an alarm fires
/// (the component's `DeploymentConfig`).
///
/// ```
/// use sagecdk_core::Duration;
/// use sagecdk_sagemaker::{ComponentRollingUpdate, CopyBatchSize};
/// let update = ComponentRollingUpdate::new(CopyBatchSize::Copies(1), Duration::from_secs(120))
///     .with_rollback_batch_size(CopyBatchSize::Percent(100));
/// ```
#[derive(Clone, Debug)]
pub struct ComponentRollingUpdate {
    /// Copies started per batch.
    pub maximum_batch_size: CopyBatchSize,
    /// Time to watch each batch before the next (0–3600 seconds).
    pub wait_interval: Duration,
    /// Copies rolled back per batch (default: all at once).
    pub rollback_maximum_batch_size: Option<CopyBatchSize>,
    /// The longest the update may take (600–28800 seconds).
    pub maximum_execution_timeout: Option<Duration>,
    /// Alarms that roll the update back (at most 10).
    pub auto_rollback_alarms: Vec<Alarm>,
}

impl ComponentRollingUpdate {
    /// Batches of `maximum_batch_size`, `wait_interval` apart.
    pub fn new(maximum_batch_size: CopyBatchSize, wait_interval: Duration) -> Self {
        ComponentRollingUpdate {
            maximum_batch_size,
            wait_interval,
            rollback_maximum_batch_size: None,
            maximum_execution_timeout: None,
            auto_rollback_alarms: Vec::new(),
        }
    }

    /// Sets the rollback batch size.
    pub fn with_rollback_batch_size(mut self, size: CopyBatchSize) -> Self {
        self.rollback_maximum_batch_size = Some(size);
        self
    }

    /// Adds an alarm that rolls the update back.
    pub fn with_rollback_alarm(mut self, alarm: &Alarm) -> Self {
        self.auto_rollback_alarms.push(alarm.clone());
        self
    }

    pub(crate) fn render(&self) -> (InferenceComponentDeploymentConfig, Vec<String>) {
        let mut problems = Vec::new();
        let wait = seconds_within(
            &mut problems,
            Some(self.wait_interval),
            "rollingUpdate.waitInterval",
            (0, 3600),
        );
        let timeout = seconds_within(
            &mut problems,
            self.maximum_execution_timeout,
            "rollingUpdate.maximumExecutionTimeout",
            (600, 28800),
        );
        problems.extend(
            self.maximum_batch_size
                .problems("rollingUpdate.maximumBatchSize"),
        );
        if let Some(s) = self.rollback_maximum_batch_size {
            problems.extend(s.problems("rollingUpdate.rollbackMaximumBatchSize"));
        }
        let mut policy = InferenceComponentRollingUpdatePolicy::new();
        policy.maximum_batch_size = Some(self.maximum_batch_size.render());
        policy.wait_interval_in_seconds = Some(wait.unwrap_or_default().into());
        policy.maximum_execution_timeout_in_seconds = timeout.map(Into::into);
        policy.rollback_maximum_batch_size =
            self.rollback_maximum_batch_size.map(CopyBatchSize::render);
        let mut config = InferenceComponentDeploymentConfig::new();
        config.rolling_update_policy = Some(policy);
        if self.auto_rollback_alarms.len() > MAX_ROLLBACK_ALARMS {
            problems.push(format!(
                "autoRollbackAlarms lists {} alarms; at most {MAX_ROLLBACK_ALARMS} are allowed",
                self.auto_rollback_alarms.len()
            ));
        }
        if !self.auto_rollback_alarms.is_empty() {
            let alarms: Vec<CfnComponentAlarm> = self
                .auto_rollback_alarms
                .iter()
                .map(|a| CfnComponentAlarm::new(a.alarm_name()))
                .collect();
            config.auto_rollback_configuration =
                Some(AutoRollbackConfiguration::new(Tokenized::Literal(alarms)));
        }
        (config, problems)
    }
}
