//! Supporting AWS constructs for the SageMaker constructs, rendered exactly as the AWS CDK
//! renders them: [`iam`] roles, policy documents and grants; [`s3`] buckets; [`ecr`]
//! repositories; [`cloudwatch`] metrics and alarms.

pub mod cloudwatch;
pub mod ecr;
pub mod iam;
pub mod s3;
