//! VPCs (imported by attributes) and security groups, as far as SageMaker models need them.

use sagecdk_core::{CfnResource, Construct, Scope, Str, TagType, Value, cfn};

/// A VPC defined elsewhere, known by its id and subnets.
#[derive(Clone, Debug)]
pub struct Vpc {
    /// The VPC id.
    pub vpc_id: Str,
    /// Subnet ids to place resources in.
    pub subnet_ids: Vec<Str>,
}

impl Vpc {
    /// A VPC by attributes.
    pub fn from_attributes(vpc_id: impl Into<Str>, subnet_ids: Vec<Str>) -> Vpc {
        Vpc {
            vpc_id: vpc_id.into(),
            subnet_ids,
        }
    }
}

/// A security group: created (`<id>/Resource`) or imported by id.
#[derive(Clone, Debug)]
pub struct SecurityGroup {
    node: Construct,
    group_id: Str,
    resource: Option<CfnResource>,
}

impl Scope for SecurityGroup {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl SecurityGroup {
    /// A new security group in `vpc`. With `allow_all_outbound` false, egress is closed by the
    /// CDK's placeholder rule (CloudFormation otherwise opens all egress).
    pub fn new(
        scope: &impl Scope,
        id: &str,
        vpc: &Vpc,
        allow_all_outbound: bool,
        description: Option<&str>,
    ) -> SecurityGroup {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_ec2.SecurityGroup");
        let resource = CfnResource::with_fqn(
            &node,
            "Resource",
            "AWS::EC2::SecurityGroup",
            "sagecdk.aws_ec2.CfnSecurityGroup",
        );
        let description = description.map_or_else(|| node.path(), str::to_string);
        let egress: Value = if allow_all_outbound {
            cfn!([{"CidrIp": "0.0.0.0/0", "Description": "Allow all outbound traffic by default", "IpProtocol": "-1"}])
        } else {
            cfn!([{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "FromPort": 252, "IpProtocol": "icmp", "ToPort": 86}])
        };
        resource.set_property("GroupDescription", description);
        resource.set_property("SecurityGroupEgress", egress);
        resource.set_property("VpcId", vpc.vpc_id.clone());
        resource.enable_tags(TagType::Standard, "Tags");
        SecurityGroup {
            group_id: resource.get_att("GroupId"),
            node,
            resource: Some(resource),
        }
    }

    /// An existing security group by id.
    pub fn from_id(scope: &impl Scope, id: &str, group_id: impl Into<Str>) -> SecurityGroup {
        SecurityGroup {
            node: Construct::with_fqn(scope, id, "sagecdk.aws_ec2.ImportedSecurityGroup"),
            group_id: group_id.into(),
            resource: None,
        }
    }

    /// The group id.
    pub fn security_group_id(&self) -> Str {
        self.group_id.clone()
    }

    /// The `AWS::EC2::SecurityGroup` resource of a new group.
    pub fn resource(&self) -> Option<&CfnResource> {
        self.resource.as_ref()
    }
}
