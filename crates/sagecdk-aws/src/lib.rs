//! Supporting AWS constructs for the SageMaker constructs, rendered exactly as the AWS CDK
//! renders them: [`iam`] roles, policy documents and grants; [`s3`] buckets; [`ecr`]
//! repositories; [`cloudwatch`] metrics and alarms; [`ec2`] VPCs, security groups and connections;
//! [`kms`] keys; [`sns`] topics for alarm actions.

pub mod autoscaling;
pub mod cloudwatch;
pub mod ec2;
pub mod ecr;
pub mod iam;
pub mod kms;
pub mod s3;
pub mod sns;
pub mod ssm;
