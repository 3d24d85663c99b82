//! SNS topics (new or imported) and their subscriptions, as alarm actions need them.
//!
//! ```
//! use sagecdk_aws::sns::{Subscription, Topic, TopicProps};
//! use sagecdk_core::{App, Stack, StackProps};
//! let app = App::for_tests();
//! let stack = Stack::new(&app, "S", StackProps::default());
//! let topic = Topic::new(&stack, "Alarms", TopicProps::default());
//! topic.add_subscription(Subscription::Email("oncall@example.com".into()));
//! ```

use crate::iam::{Grant, Grantable};
use crate::kms::Key;
use sagecdk_cfn::sns::{CfnSubscription, CfnSubscriptionProps, CfnTopic, CfnTopicProps};
use sagecdk_core::{CfnResource, Construct, Scope, Str};

/// Options of a [`Topic`].
#[derive(Clone, Debug, Default)]
pub struct TopicProps {
    /// Physical name (FIFO topics need the `.fifo` suffix, added when missing).
    pub topic_name: Option<String>,
    /// Display name (SMS sender name).
    pub display_name: Option<String>,
    /// Key for server-side encryption.
    pub master_key: Option<Key>,
    /// A FIFO topic.
    pub fifo: bool,
}

/// Where a subscription delivers.
#[derive(Clone, Debug)]
pub enum Subscription {
    /// An e-mail address (`email` protocol).
    Email(String),
    /// An HTTPS or HTTP URL.
    Url(String),
    /// An SQS queue ARN.
    SqsQueue(Str),
    /// A Lambda function ARN.
    LambdaFunction(Str),
    /// A phone number for SMS.
    Sms(String),
}

impl Subscription {
    fn protocol_and_endpoint(&self) -> (&'static str, Str, String) {
        match self {
            Subscription::Email(e) => ("email", Str::from(e.as_str()), e.clone()),
            Subscription::Url(u) => {
                let protocol = if u.starts_with("http://") {
                    "http"
                } else {
                    "https"
                };
                (protocol, Str::from(u.as_str()), u.clone())
            }
            Subscription::SqsQueue(arn) => ("sqs", arn.clone(), "Queue".into()),
            Subscription::LambdaFunction(arn) => ("lambda", arn.clone(), "Function".into()),
            Subscription::Sms(n) => ("sms", Str::from(n.as_str()), n.clone()),
        }
    }
}

/// An SNS topic of this app or an existing one.
#[derive(Clone, Debug)]
pub struct Topic {
    node: Construct,
    arn: Str,
    cfn: Option<CfnTopic>,
}

impl Scope for Topic {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl Topic {
    /// A new topic.
    pub fn new(scope: &impl Scope, id: &str, props: TopicProps) -> Topic {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_sns.Topic");
        let mut topic_props = CfnTopicProps::new();
        if props.fifo {
            topic_props = topic_props
                .with_content_based_deduplication(false)
                .with_fifo_topic(true);
        }
        if let Some(d) = &props.display_name {
            topic_props = topic_props.with_display_name(d.as_str());
        }
        if let Some(key) = &props.master_key {
            topic_props = topic_props.with_kms_master_key_id(key.key_arn());
        }
        if let Some(name) = &props.topic_name {
            let name = if props.fifo && !name.ends_with(".fifo") {
                format!("{name}.fifo")
            } else {
                name.clone()
            };
            let base = name.strip_suffix(".fifo").unwrap_or(&name);
            if base.is_empty()
                || base.len() > 256 - if props.fifo { 5 } else { 0 }
                || !base
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                node.add_error(format!("Invalid topic name '{name}': 1–256 characters of letters, digits, '-' and '_' (plus '.fifo' for FIFO topics)"));
            }
            topic_props = topic_props.with_topic_name(name);
        }
        let cfn = CfnTopic::new(&node, "Resource", topic_props);
        Topic {
            arn: cfn.reference(),
            node,
            cfn: Some(cfn),
        }
    }

    /// An existing topic by ARN.
    pub fn from_topic_arn(scope: &impl Scope, id: &str, arn: impl Into<Str>) -> Topic {
        Topic {
            node: Construct::with_fqn(scope, id, "sagecdk.aws_sns.ImportedTopic"),
            arn: arn.into(),
            cfn: None,
        }
    }

    /// The topic's ARN.
    pub fn topic_arn(&self) -> Str {
        self.arn.clone()
    }

    /// The `AWS::SNS::Topic` resource of a new topic.
    pub fn resource(&self) -> Option<&CfnResource> {
        self.cfn.as_ref().map(CfnTopic::resource)
    }

    /// The typed `AWS::SNS::Topic` of a new topic, whose props can be read and changed until
    /// synthesis.
    pub fn cfn_topic(&self) -> Option<&CfnTopic> {
        self.cfn.as_ref()
    }

    /// Subscribes an endpoint: `<topic>/<endpoint>/Resource` (`Queue` or `Function` for ARNs).
    /// Literal values are checked against the `AWS::SNS::Subscription` schema at synthesis.
    pub fn add_subscription(&self, subscription: Subscription) -> CfnSubscription {
        let (protocol, endpoint, id) = subscription.protocol_and_endpoint();
        let scope = Construct::with_fqn(&self.node, &id, "sagecdk.aws_sns.Subscription");
        CfnSubscription::new(
            &scope,
            "Resource",
            CfnSubscriptionProps::new(protocol, self.topic_arn()).with_endpoint(endpoint),
        )
    }

    /// Allows publishing to the topic.
    pub fn grant_publish(&self, grantee: &dyn Grantable) -> bool {
        Grant::add_to_principal(grantee, ["sns:Publish"], [self.topic_arn()])
    }
}
