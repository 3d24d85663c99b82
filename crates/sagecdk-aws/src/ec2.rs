//! VPCs (imported by attributes), security groups and their rules, and [`Connections`]: as
//! far as SageMaker models need them.
//!
//! Rules follow the AWS CDK: rules between a new group and an address range are written
//! inline in the group (`SecurityGroupIngress` / `SecurityGroupEgress`); rules naming another
//! group, and rules on imported groups, are separate `AWS::EC2::SecurityGroupIngress` /
//! `…Egress` resources under the group, with ids like `from <peer>:<port>`. Identical rules are
//! written once.
//!
//! ```
//! use sagecdk_aws::ec2::{Peer, Port, SecurityGroup, SecurityGroupProps, Vpc};
//! use sagecdk_core::{App, Stack, StackProps};
//! let app = App::for_tests();
//! let stack = Stack::new(&app, "S", StackProps::default());
//! let vpc = Vpc::from_attributes("vpc-1", vec!["subnet-1".into()]);
//! let group = SecurityGroup::new(&stack, "Group", SecurityGroupProps {
//!     allow_all_outbound: false,
//!     ..SecurityGroupProps::new(&vpc)
//! });
//! group.connections().allow_from(&Peer::ipv4("10.0.0.0/16"), Port::tcp(443));
//! ```

use sagecdk_cfn::ec2::security_group::{Egress, Ingress};
use sagecdk_cfn::ec2::{
    CfnSecurityGroup, CfnSecurityGroupEgress, CfnSecurityGroupEgressProps, CfnSecurityGroupIngress,
    CfnSecurityGroupIngressProps, CfnSecurityGroupProps,
};
use sagecdk_core::{CfnResource, Construct, Scope, Str, Tokenized};
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

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

/// A range of ports of one protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    protocol: &'static str,
    from: Option<u16>,
    to: Option<u16>,
    label: String,
}

impl Port {
    /// One TCP port.
    pub fn tcp(port: u16) -> Port {
        Port::range("tcp", port, port, port.to_string())
    }

    /// A range of TCP ports.
    pub fn tcp_range(from: u16, to: u16) -> Port {
        Port::range("tcp", from, to, format!("{from}-{to}"))
    }

    /// All TCP ports.
    pub fn all_tcp() -> Port {
        Port::range("tcp", 0, 65535, "ALL PORTS".into())
    }

    /// One UDP port.
    pub fn udp(port: u16) -> Port {
        Port::range("udp", port, port, format!("UDP {port}"))
    }

    /// A range of UDP ports.
    pub fn udp_range(from: u16, to: u16) -> Port {
        Port::range("udp", from, to, format!("UDP {from}-{to}"))
    }

    /// All UDP ports.
    pub fn all_udp() -> Port {
        Port::range("udp", 0, 65535, "UDP ALL PORTS".into())
    }

    /// All traffic of every protocol.
    pub fn all_traffic() -> Port {
        Port {
            protocol: "-1",
            from: None,
            to: None,
            label: "ALL TRAFFIC".into(),
        }
    }

    fn range(protocol: &'static str, from: u16, to: u16, label: String) -> Port {
        Port {
            protocol,
            from: Some(from),
            to: Some(to),
            label,
        }
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// The other end of a rule: an address range, a prefix list or a security group.
#[derive(Clone, Debug)]
pub enum Peer {
    /// An IPv4 CIDR block.
    Ipv4(String),
    /// An IPv6 CIDR block.
    Ipv6(String),
    /// A managed prefix list id.
    PrefixList(String),
    /// A security group (its id, and the unique id naming rules).
    SecurityGroup {
        /// The group id.
        group_id: Str,
        /// Unique id of the group's construct, used in rule ids and descriptions.
        unique_id: String,
    },
}

impl Peer {
    /// An IPv4 CIDR block such as `10.0.0.0/16`.
    pub fn ipv4(cidr: impl Into<String>) -> Peer {
        Peer::Ipv4(cidr.into())
    }

    /// Any IPv4 address.
    pub fn any_ipv4() -> Peer {
        Peer::Ipv4("0.0.0.0/0".into())
    }

    /// An IPv6 CIDR block.
    pub fn ipv6(cidr: impl Into<String>) -> Peer {
        Peer::Ipv6(cidr.into())
    }

    /// Any IPv6 address.
    pub fn any_ipv6() -> Peer {
        Peer::Ipv6("::/0".into())
    }

    /// A managed prefix list.
    pub fn prefix_list(id: impl Into<String>) -> Peer {
        Peer::PrefixList(id.into())
    }

    /// A security group.
    pub fn security_group(group: &SecurityGroup) -> Peer {
        Peer::SecurityGroup {
            group_id: group.security_group_id(),
            unique_id: group.node.unique_id(),
        }
    }

    fn unique_id(&self) -> &str {
        match self {
            Peer::Ipv4(c) | Peer::Ipv6(c) | Peer::PrefixList(c) => c,
            Peer::SecurityGroup { unique_id, .. } => unique_id,
        }
    }

    /// Inline rules are only written for address ranges and prefix lists, as in the CDK.
    fn can_inline(&self) -> bool {
        !matches!(self, Peer::SecurityGroup { .. })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn word(self) -> &'static str {
        match self {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        }
    }
}

/// A peer as the fields of a rule: an address range, a prefix list or a security group (the
/// last two are `Source…` fields of ingress rules and `Destination…` fields of egress rules).
#[derive(Default)]
struct PeerFields {
    cidr_ip: Option<Str>,
    cidr_ipv6: Option<Str>,
    prefix_list_id: Option<Str>,
    security_group_id: Option<Str>,
}

impl PeerFields {
    fn of(peer: &Peer) -> PeerFields {
        let mut fields = PeerFields::default();
        match peer {
            Peer::Ipv4(c) => fields.cidr_ip = Some(c.as_str().into()),
            Peer::Ipv6(c) => fields.cidr_ipv6 = Some(c.as_str().into()),
            Peer::PrefixList(id) => fields.prefix_list_id = Some(id.as_str().into()),
            Peer::SecurityGroup { group_id, .. } => {
                fields.security_group_id = Some(group_id.clone());
            }
        }
        fields
    }
}

/// What a rule says: the one place a peer and a port become rule fields, whichever form the
/// rule takes (inline in its group or a resource of its own).
struct Rule<'a> {
    peer: &'a Peer,
    port: &'a Port,
    description: &'a str,
}

impl Rule<'_> {
    /// The rule inline in a group's `SecurityGroupIngress`. Only address ranges and prefix
    /// lists are written inline.
    fn inline_ingress(&self) -> Ingress {
        let peer = PeerFields::of(self.peer);
        Ingress {
            cidr_ip: peer.cidr_ip,
            cidr_ipv6: peer.cidr_ipv6,
            description: Some(self.description.into()),
            from_port: self.port.from.map(Into::into),
            source_prefix_list_id: peer.prefix_list_id,
            source_security_group_id: peer.security_group_id,
            to_port: self.port.to.map(Into::into),
            ..Ingress::new(self.port.protocol)
        }
    }

    /// The rule inline in a group's `SecurityGroupEgress` (as [`inline_ingress`](Self::inline_ingress)).
    fn inline_egress(&self) -> Egress {
        let peer = PeerFields::of(self.peer);
        Egress {
            cidr_ip: peer.cidr_ip,
            cidr_ipv6: peer.cidr_ipv6,
            description: Some(self.description.into()),
            destination_prefix_list_id: peer.prefix_list_id,
            destination_security_group_id: peer.security_group_id,
            from_port: self.port.from.map(Into::into),
            to_port: self.port.to.map(Into::into),
            ..Egress::new(self.port.protocol)
        }
    }

    /// The rule as an `AWS::EC2::SecurityGroupIngress` of the group `group_id`.
    fn ingress(&self, scope: &Construct, id: &str, group_id: &Str) {
        let peer = PeerFields::of(self.peer);
        let props = CfnSecurityGroupIngressProps {
            cidr_ip: peer.cidr_ip,
            cidr_ipv6: peer.cidr_ipv6,
            description: Some(self.description.into()),
            from_port: self.port.from.map(Into::into),
            group_id: Some(group_id.clone()),
            source_prefix_list_id: peer.prefix_list_id,
            source_security_group_id: peer.security_group_id,
            to_port: self.port.to.map(Into::into),
            ..CfnSecurityGroupIngressProps::new(self.port.protocol)
        };
        CfnSecurityGroupIngress::new(scope, id, props);
    }

    /// The rule as an `AWS::EC2::SecurityGroupEgress` of the group `group_id`.
    fn egress(&self, scope: &Construct, id: &str, group_id: &Str) {
        let peer = PeerFields::of(self.peer);
        let props = CfnSecurityGroupEgressProps {
            cidr_ip: peer.cidr_ip,
            cidr_ipv6: peer.cidr_ipv6,
            description: Some(self.description.into()),
            destination_prefix_list_id: peer.prefix_list_id,
            destination_security_group_id: peer.security_group_id,
            from_port: self.port.from.map(Into::into),
            to_port: self.port.to.map(Into::into),
            ..CfnSecurityGroupEgressProps::new(group_id.clone(), self.port.protocol)
        };
        CfnSecurityGroupEgress::new(scope, id, props);
    }
}

/// Adds the rule made by `make` under `key` unless a rule with that key is there; whether it
/// was added.
fn add_once<R>(list: &mut Vec<(String, R)>, key: String, make: impl FnOnce() -> R) -> bool {
    if list.iter().any(|(k, _)| *k == key) {
        return false;
    }
    list.push((key, make()));
    true
}

#[derive(Debug, Default)]
struct InlineRules {
    /// Rules with the text they are compared by (inline peers are plain strings).
    ingress: Vec<(String, Ingress)>,
    egress: Vec<(String, Egress)>,
    /// Whether all outbound traffic is allowed (then egress rules are not written).
    allow_all_outbound: bool,
}

impl InlineRules {
    /// Writes the rules into the group's props. Egress is never left out: CloudFormation would
    /// then open all egress, so a group closed to outbound traffic without rules gets the
    /// CDK's placeholder rule; ingress is left out while there is none.
    fn write_to(&self, group: &CfnSecurityGroup) {
        let egress = if self.allow_all_outbound {
            vec![Egress {
                cidr_ip: Some("0.0.0.0/0".into()),
                description: Some("Allow all outbound traffic by default".into()),
                ..Egress::new("-1")
            }]
        } else if self.egress.is_empty() {
            vec![Egress {
                cidr_ip: Some("255.255.255.255/32".into()),
                description: Some("Disallow all traffic".into()),
                from_port: Some(252.into()),
                to_port: Some(86.into()),
                ..Egress::new("icmp")
            }]
        } else {
            self.egress.iter().map(|(_, r)| r.clone()).collect()
        };
        let ingress: Vec<Ingress> = self.ingress.iter().map(|(_, r)| r.clone()).collect();
        group.update(|p| {
            p.security_group_egress = Some(Tokenized::Literal(egress));
            p.security_group_ingress = (!ingress.is_empty()).then_some(Tokenized::Literal(ingress));
        });
    }
}

#[derive(Clone, Debug)]
enum Ownership {
    /// Created here: inline rules are possible.
    Owned {
        resource: CfnSecurityGroup,
        rules: Rc<RefCell<InlineRules>>,
    },
    /// Imported and open to new rules (as separate resources).
    Mutable,
    /// Imported and closed: rules are dropped.
    Immutable,
}

/// Options of a new [`SecurityGroup`] (the CDK's `SecurityGroupProps`).
#[derive(Clone, Debug)]
pub struct SecurityGroupProps {
    /// The VPC the group belongs to.
    pub vpc: Vpc,
    /// Whether all outbound traffic is allowed (default `true`); `false` lets the group take
    /// egress rules.
    pub allow_all_outbound: bool,
    /// The group's description (default: its construct path).
    pub description: Option<String>,
}

impl SecurityGroupProps {
    /// A group in `vpc` allowing all outbound traffic.
    pub fn new(vpc: &Vpc) -> Self {
        SecurityGroupProps {
            vpc: vpc.clone(),
            allow_all_outbound: true,
            description: None,
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// Options of [`SecurityGroup::from_id_with`] (the CDK's `SecurityGroupImportOptions`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecurityGroupImportOptions {
    /// Whether rules added to the group are written (default `true`); `false` drops them.
    pub mutable: bool,
    /// Whether the group allows all outbound traffic (default `true`, so egress rules are
    /// skipped); `false` lets it take egress rules.
    pub allow_all_outbound: bool,
}

impl Default for SecurityGroupImportOptions {
    fn default() -> Self {
        SecurityGroupImportOptions {
            mutable: true,
            allow_all_outbound: true,
        }
    }
}

/// A security group: created (`<id>/Resource`) or imported by id.
#[derive(Clone, Debug)]
pub struct SecurityGroup {
    node: Construct,
    group_id: Str,
    allow_all_outbound: bool,
    ownership: Ownership,
}

impl Scope for SecurityGroup {
    fn node(&self) -> &Construct {
        &self.node
    }
}

impl SecurityGroup {
    /// A new security group in `props.vpc`. With `allow_all_outbound` false, egress is closed
    /// by the CDK's placeholder rule (CloudFormation otherwise opens all egress) until a rule
    /// is added.
    pub fn new(scope: &impl Scope, id: &str, props: SecurityGroupProps) -> SecurityGroup {
        let node = Construct::with_fqn(scope, id, "sagecdk.aws_ec2.SecurityGroup");
        let description = props.description.unwrap_or_else(|| node.path());
        let allow_all_outbound = props.allow_all_outbound;
        let vpc = props.vpc;
        let resource = CfnSecurityGroup::new(
            &node,
            "Resource",
            CfnSecurityGroupProps::new(description).with_vpc_id(vpc.vpc_id.clone()),
        );
        let rules = InlineRules {
            allow_all_outbound,
            ..InlineRules::default()
        };
        rules.write_to(&resource);
        let rules = Rc::new(RefCell::new(rules));
        SecurityGroup {
            group_id: resource.attr_group_id(),
            node,
            allow_all_outbound,
            ownership: Ownership::Owned { resource, rules },
        }
    }

    /// An existing security group by id. It takes ingress rules (as separate resources);
    /// egress rules are skipped since imported groups are taken to allow all outbound traffic,
    /// as in the CDK. See [`SecurityGroup::from_id_with`] for other choices.
    pub fn from_id(scope: &impl Scope, id: &str, group_id: impl Into<Str>) -> SecurityGroup {
        SecurityGroup::from_id_with(scope, id, group_id, SecurityGroupImportOptions::default())
    }

    /// An existing security group by id, with the CDK's import options.
    pub fn from_id_with(
        scope: &impl Scope,
        id: &str,
        group_id: impl Into<Str>,
        options: SecurityGroupImportOptions,
    ) -> SecurityGroup {
        SecurityGroup {
            node: Construct::with_fqn(scope, id, "sagecdk.aws_ec2.ImportedSecurityGroup"),
            group_id: group_id.into(),
            allow_all_outbound: options.allow_all_outbound,
            ownership: if options.mutable {
                Ownership::Mutable
            } else {
                Ownership::Immutable
            },
        }
    }

    /// The group id.
    pub fn security_group_id(&self) -> Str {
        self.group_id.clone()
    }

    /// The `AWS::EC2::SecurityGroup` resource of a new group (the escape hatch for overrides
    /// and resource options).
    pub fn resource(&self) -> Option<&CfnResource> {
        self.cfn_security_group().map(CfnSecurityGroup::resource)
    }

    /// The typed `AWS::EC2::SecurityGroup` of a new group, whose props can be read and changed
    /// until synthesis. Its inline rules are the group's: adding a rule rewrites
    /// `SecurityGroupIngress` and `SecurityGroupEgress`.
    pub fn cfn_security_group(&self) -> Option<&CfnSecurityGroup> {
        match &self.ownership {
            Ownership::Owned { resource, .. } => Some(resource),
            _ => None,
        }
    }

    /// Network access through this group.
    pub fn connections(&self) -> Connections {
        Connections::new(vec![self.clone()])
    }

    /// Allows traffic from `peer` on `port` (described as `from <peer>:<port>`).
    pub fn add_ingress_rule(&self, peer: &Peer, port: &Port) {
        self.add_rule(Direction::Ingress, peer, port, None, false);
    }

    /// [`add_ingress_rule`](Self::add_ingress_rule) with the rule's description.
    pub fn add_ingress_rule_described(&self, peer: &Peer, port: &Port, description: &str) {
        self.add_rule(Direction::Ingress, peer, port, Some(description), false);
    }

    /// Allows traffic to `peer` on `port` (described as `to <peer>:<port>`). Ignored, with a
    /// warning on a new group, when the group allows all outbound traffic.
    pub fn add_egress_rule(&self, peer: &Peer, port: &Port) {
        self.add_rule(Direction::Egress, peer, port, None, false);
    }

    /// [`add_egress_rule`](Self::add_egress_rule) with the rule's description.
    pub fn add_egress_rule_described(&self, peer: &Peer, port: &Port, description: &str) {
        self.add_rule(Direction::Egress, peer, port, Some(description), false);
    }

    /// Adds a rule; `remote` rules are the other side of a [`Connections`] rule, which an open
    /// group skips silently (the warning is for rules asked for directly, as in the CDK).
    fn add_rule(
        &self,
        direction: Direction,
        peer: &Peer,
        port: &Port,
        description: Option<&str>,
        remote: bool,
    ) {
        if matches!(self.ownership, Ownership::Immutable) {
            return;
        }
        let is_ipv6 = matches!(peer, Peer::Ipv6(_));
        if direction == Direction::Egress && self.allow_all_outbound && !is_ipv6 {
            if !remote && matches!(self.ownership, Ownership::Owned { .. }) {
                self.node.add_warning("Ignoring Egress rule since 'allowAllOutbound' is set to true; To add customized rules, set allowAllOutbound=false on the SecurityGroup");
            }
            return;
        }
        let description = description.map_or_else(
            || format!("{} {}:{port}", direction.word(), peer.unique_id()),
            str::to_string,
        );
        let rule = Rule {
            peer,
            port,
            description: &description,
        };
        if let Ownership::Owned { resource, rules } = &self.ownership
            && peer.can_inline()
        {
            let key = format!("{peer:?} {port:?} {description}");
            let mut rules = rules.borrow_mut();
            let added = match direction {
                Direction::Ingress => add_once(&mut rules.ingress, key, || rule.inline_ingress()),
                Direction::Egress => add_once(&mut rules.egress, key, || rule.inline_egress()),
            };
            if added {
                rules.write_to(resource);
            }
            return;
        }
        let id = format!("{} {}:{port}", direction.word(), peer.unique_id());
        if self.node.try_find_child(&id).is_some() {
            return;
        }
        match direction {
            Direction::Ingress => rule.ingress(&self.node, &id, &self.group_id),
            Direction::Egress => rule.egress(&self.node, &id, &self.group_id),
        }
    }
}

/// Network access of something placed in security groups: rules added here go to every one of
/// its groups, and rules between two groups are written on both sides (ingress on one, egress
/// on the other), as the CDK's `Connections` does.
#[derive(Clone, Debug)]
pub struct Connections {
    security_groups: Vec<SecurityGroup>,
}

/// Something with network access rules: security groups, constructs placed in them, or an
/// address range ([`Peer`]).
pub trait Connectable {
    /// Its connections (the groups rules are added to).
    fn connections(&self) -> Connections;

    /// The peers that rules on the other side name: by default its security groups.
    fn peers(&self) -> Vec<Peer> {
        self.connections()
            .security_groups
            .iter()
            .map(Peer::security_group)
            .collect()
    }
}

impl Connectable for SecurityGroup {
    fn connections(&self) -> Connections {
        SecurityGroup::connections(self)
    }
}

impl Connectable for Connections {
    fn connections(&self) -> Connections {
        self.clone()
    }
}

impl Connectable for Peer {
    /// An address range has no groups to add rules to.
    fn connections(&self) -> Connections {
        Connections::new(Vec::new())
    }

    fn peers(&self) -> Vec<Peer> {
        vec![self.clone()]
    }
}

impl Connections {
    /// Connections through these groups.
    pub fn new(security_groups: Vec<SecurityGroup>) -> Connections {
        Connections { security_groups }
    }

    /// The groups.
    pub fn security_groups(&self) -> &[SecurityGroup] {
        &self.security_groups
    }

    /// Allows traffic from `other` on `port`; when `other` is in security groups, their
    /// matching egress rules are added too.
    pub fn allow_from(&self, other: &dyn Connectable, port: Port) {
        self.rules_from(other, &port, None);
    }

    /// [`allow_from`](Self::allow_from) with the rules' description.
    pub fn allow_from_described(&self, other: &dyn Connectable, port: Port, description: &str) {
        self.rules_from(other, &port, Some(description));
    }

    /// Allows traffic to `other` on `port`; when `other` is in security groups, their
    /// matching ingress rules are added too.
    pub fn allow_to(&self, other: &dyn Connectable, port: Port) {
        self.rules_to(other, &port, None);
    }

    /// [`allow_to`](Self::allow_to) with the rules' description.
    pub fn allow_to_described(&self, other: &dyn Connectable, port: Port, description: &str) {
        self.rules_to(other, &port, Some(description));
    }

    /// Allows traffic from any IPv4 address.
    pub fn allow_from_any_ipv4(&self, port: Port) {
        self.rules_from(&Peer::any_ipv4(), &port, None);
    }

    /// Allows traffic to any IPv4 address.
    pub fn allow_to_any_ipv4(&self, port: Port) {
        self.rules_to(&Peer::any_ipv4(), &port, None);
    }

    /// Allows traffic between the members of these groups.
    pub fn allow_internally(&self, port: Port) {
        self.rules_within(&port, None);
    }

    /// [`allow_internally`](Self::allow_internally) with the rules' description.
    pub fn allow_internally_described(&self, port: Port, description: &str) {
        self.rules_within(&port, Some(description));
    }

    fn rules_from(&self, other: &dyn Connectable, port: &Port, description: Option<&str>) {
        for group in &self.security_groups {
            for peer in other.peers() {
                group.add_rule(Direction::Ingress, &peer, port, description, false);
            }
        }
        for group in other.connections().security_groups {
            for peer in self.peers() {
                group.add_rule(Direction::Egress, &peer, port, description, true);
            }
        }
    }

    fn rules_to(&self, other: &dyn Connectable, port: &Port, description: Option<&str>) {
        for group in &self.security_groups {
            for peer in other.peers() {
                group.add_rule(Direction::Egress, &peer, port, description, false);
            }
        }
        for group in other.connections().security_groups {
            for peer in self.peers() {
                group.add_rule(Direction::Ingress, &peer, port, description, true);
            }
        }
    }

    fn rules_within(&self, port: &Port, description: Option<&str>) {
        for group in &self.security_groups {
            for peer in self.peers() {
                group.add_rule(Direction::Ingress, &peer, port, description, false);
                group.add_rule(Direction::Egress, &peer, port, description, false);
            }
        }
    }
}
