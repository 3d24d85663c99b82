//! Supporting AWS constructs for the SageMaker constructs: [`iam`] roles, policy documents and
//! grants, rendered exactly as the AWS CDK renders them.

pub mod iam;
