//! Statement merging under `@aws-cdk/aws-iam:minimizePolicies`: the expected documents are
//! what the AWS CDK renders for the same statements (its merge-statements unit tests), plus the
//! size-limited pass the CDK runs on a role's default policy.

use sagecdk_assertions::{Match, Template};
use sagecdk_aws::iam::{
    ARN_SIZE_ESTIMATE, MINIMIZE_POLICIES, Policy, PolicyStatement, Principal, Role, RoleProps,
};
use sagecdk_core::{App, AppProps, CfnResource, Construct, IndexMap, Lazy, Stack, StackProps, Str};
use serde_json::{Value as Json, json};

const ARN1: &str = "arn:aws:iam::111111111:user/user-name";
const ARN2: &str = "arn:aws:iam::111111111:role/role-name";

fn app(context: &[(&str, Json)]) -> App {
    App::with_props(AppProps {
        ignore_environment: true,
        context: context
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect::<IndexMap<_, _>>(),
        ..AppProps::default()
    })
}

fn minimizing() -> App {
    app(&[(MINIMIZE_POLICIES, json!(true))])
}

fn policy_statements(stack: &Stack) -> Json {
    let template = Template::from_stack(stack);
    let policies = template.find_resources("AWS::IAM::Policy", Match::any_value());
    assert_eq!(policies.len(), 1, "{policies:?}");
    policies.values().next().expect("policy")["Properties"]["PolicyDocument"]["Statement"].clone()
}

/// The statements of a standalone policy holding `statements`, built by `make` in its stack.
fn render(app: App, make: impl FnOnce(&Stack) -> Vec<PolicyStatement>) -> Json {
    let stack = Stack::new(&app, "Stack", StackProps::default());
    let policy = Policy::new(&stack, "Policy");
    policy.add_statements(make(&stack));
    policy_statements(&stack)
}

fn merged(make: impl Fn(&Stack) -> Vec<PolicyStatement>) -> Json {
    render(minimizing(), make)
}

/// Statements the CDK leaves apart: the flag changes nothing.
fn assert_not_merged(make: impl Fn(&Stack) -> Vec<PolicyStatement>) {
    let plain = render(App::for_tests(), &make);
    assert_eq!(merged(&make), plain);
    assert_eq!(plain.as_array().map(Vec::len), Some(2), "{plain}");
}

fn allow() -> PolicyStatement {
    PolicyStatement::allow()
}

/// Allows `action` on `resource` to the principal `ARN1`: the statement the merge cases vary.
fn statement(resource: &str, action: &str) -> PolicyStatement {
    allow()
        .resource(resource)
        .action(action)
        .principal(Principal::arn(ARN1))
}

#[test]
fn resources_merge_but_not_resources_do_not() {
    assert_eq!(
        merged(|_| vec![
            statement("a", "service:Action"),
            statement("b", "service:Action"),
        ]),
        json!([{"Action": "service:Action", "Effect": "Allow", "Principal": {"AWS": ARN1}, "Resource": ["a", "b"]}])
    );
    assert_not_merged(|_| {
        vec![
            allow()
                .not_resource("a")
                .action("service:Action")
                .principal(Principal::arn(ARN1)),
            allow()
                .not_resource("b")
                .action("service:Action")
                .principal(Principal::arn(ARN1)),
        ]
    });
}

#[test]
fn actions_merge_but_not_actions_do_not() {
    assert_eq!(
        merged(|_| vec![
            statement("a", "service:Action1"),
            statement("a", "service:Action2"),
        ]),
        json!([{"Action": ["service:Action1", "service:Action2"], "Effect": "Allow", "Principal": {"AWS": ARN1}, "Resource": "a"}])
    );
    assert_not_merged(|_| {
        vec![
            allow()
                .resource("a")
                .not_action("service:Action1")
                .principal(Principal::arn(ARN1)),
            allow()
                .resource("a")
                .not_action("service:Action2")
                .principal(Principal::arn(ARN1)),
        ]
    });
}

#[test]
fn principals_merge_but_not_principals_do_not() {
    assert_eq!(
        merged(|_| vec![
            statement("a", "service:Action"),
            allow()
                .resource("a")
                .action("service:Action")
                .principal(Principal::arn(ARN2)),
        ]),
        // Sorted: the role ARN before the user ARN.
        json!([{"Action": "service:Action", "Effect": "Allow", "Principal": {"AWS": [ARN2, ARN1]}, "Resource": "a"}])
    );
    assert_not_merged(|_| {
        vec![
            allow()
                .resource("a")
                .action("service:Action")
                .not_principal(Principal::arn(ARN1)),
            allow()
                .resource("a")
                .action("service:Action")
                .not_principal(Principal::arn(ARN2)),
        ]
    });
}

#[test]
fn principals_of_different_types_merge_with_keys_sorted() {
    assert_eq!(
        merged(|_| vec![
            allow()
                .resource("a")
                .action("service:Action")
                .principal(Principal::service("service.amazonaws.com")),
            statement("a", "service:Action"),
        ]),
        json!([{"Action": "service:Action", "Effect": "Allow",
                "Principal": {"AWS": ARN1, "Service": "service.amazonaws.com"}, "Resource": "a"}])
    );
}

#[test]
fn statements_differing_in_two_sets_are_not_merged() {
    assert_not_merged(|_| {
        vec![
            statement("a", "service:Action1"),
            statement("b", "service:Action2"),
        ]
    });
}

#[test]
fn statements_without_principals_merge() {
    assert_eq!(
        merged(|_| vec![
            allow().resource("a").action("service:Action"),
            allow().resource("b").action("service:Action"),
        ]),
        json!([{"Action": "service:Action", "Effect": "Allow", "Resource": ["a", "b"]}])
    );
}

#[test]
fn conditions_must_be_equal() {
    let condition = || json!({"something": "value"});
    assert_not_merged(|_| {
        vec![
            statement("a", "service:Action").condition("StringLike", condition()),
            statement("b", "service:Action"),
        ]
    });
    assert_eq!(
        merged(|_| vec![
            statement("a", "service:Action").condition("StringLike", condition()),
            statement("b", "service:Action").condition("StringLike", condition()),
        ]),
        json!([{"Action": "service:Action", "Condition": {"StringLike": {"something": "value"}},
                "Effect": "Allow", "Principal": {"AWS": ARN1}, "Resource": ["a", "b"]}])
    );
}

#[test]
fn deny_statements_merge_too_but_never_with_allow() {
    assert_eq!(
        merged(|_| vec![
            PolicyStatement::deny()
                .resource("a")
                .action("service:Action")
                .principal(Principal::arn(ARN1)),
            PolicyStatement::deny()
                .resource("b")
                .action("service:Action")
                .principal(Principal::arn(ARN1)),
        ]),
        json!([{"Action": "service:Action", "Effect": "Deny", "Principal": {"AWS": ARN1}, "Resource": ["a", "b"]}])
    );
    assert_not_merged(|_| {
        vec![
            PolicyStatement::deny()
                .resource("a")
                .action("service:Action"),
            allow().resource("b").action("service:Action"),
        ]
    });
}

#[test]
fn statements_with_a_sid_are_left_alone() {
    assert_not_merged(|_| {
        vec![
            allow().sid("First").resource("a").action("service:Action"),
            allow().resource("b").action("service:Action"),
        ]
    });
}

#[test]
fn three_statements_merge_in_several_steps() {
    assert_eq!(
        merged(|_| vec![
            statement("a", "service:Action"),
            statement("b", "service:Action"),
            allow()
                .resources(["a", "b"])
                .action("service:Action2")
                .principal(Principal::arn(ARN1)),
        ]),
        json!([{"Action": ["service:Action", "service:Action2"], "Effect": "Allow",
                "Principal": {"AWS": ARN1}, "Resource": ["a", "b"]}])
    );
}

#[test]
fn literal_duplicates_are_winnowed() {
    assert_eq!(
        merged(|_| vec![
            statement("a", "service:Action"),
            allow()
                .resources(["a", "b"])
                .action("service:Action")
                .principal(Principal::arn(ARN1)),
        ]),
        json!([{"Action": "service:Action", "Effect": "Allow", "Principal": {"AWS": ARN1}, "Resource": ["a", "b"]}])
    );
}

/// A user's ARN as the CDK's `iam.User(stack, id)` exposes it (`<id>/Resource`).
fn user_arn(stack: &Stack, id: &str) -> Str {
    let scope = Construct::new(stack, id);
    CfnResource::new(&scope, "Resource", "AWS::IAM::User").get_att("Arn")
}

#[test]
fn reference_principals_merge_without_deep_merging() {
    let expected = json!([{"Action": "service:Action", "Effect": "Allow",
        "Principal": {"AWS": [{"Fn::GetAtt": ["User1E278A736", "Arn"]}, {"Fn::GetAtt": ["User21F1486D1", "Arn"]}]},
        "Resource": "a"}]);
    // Duplicates winnowed.
    assert_eq!(
        merged(|stack| {
            let (u1, u2) = (user_arn(stack, "User1"), user_arn(stack, "User2"));
            vec![
                allow()
                    .resource("a")
                    .action("service:Action")
                    .principal(Principal::arn(u1.clone())),
                allow()
                    .resource("a")
                    .action("service:Action")
                    .principal(Principal::arn(u1))
                    .principal(Principal::arn(u2)),
            ]
        }),
        expected
    );
    // Two references: listed, not merged into each other.
    assert_eq!(
        merged(|stack| {
            let (u1, u2) = (user_arn(stack, "User1"), user_arn(stack, "User2"));
            vec![
                allow()
                    .resource("a")
                    .action("service:Action")
                    .principal(Principal::arn(u1)),
                allow()
                    .resource("a")
                    .action("service:Action")
                    .principal(Principal::arn(u2)),
            ]
        }),
        expected
    );
    // A lazy resource compares by what it resolves to.
    assert_eq!(
        merged(|stack| {
            let (u1, u2) = (user_arn(stack, "User1"), user_arn(stack, "User2"));
            let lazy = Lazy::string(|_| Str::from("a"));
            vec![
                allow()
                    .resource(lazy.clone())
                    .action("service:Action")
                    .principal(Principal::arn(u1)),
                allow()
                    .resource(lazy)
                    .action("service:Action")
                    .principal(Principal::arn(u2)),
            ]
        }),
        expected
    );
}

#[test]
fn pairs_merge_separately() {
    assert_eq!(
        merged(|_| vec![
            statement("a", "service:Action"),
            statement("c", "service:Action1"),
            statement("b", "service:Action"),
            statement("c", "service:Action2"),
        ]),
        json!([
            {"Action": "service:Action", "Effect": "Allow", "Principal": {"AWS": ARN1}, "Resource": ["a", "b"]},
            {"Action": ["service:Action1", "service:Action2"], "Effect": "Allow", "Principal": {"AWS": ARN1}, "Resource": "c"}
        ])
    );
}

#[test]
fn the_literal_star_principal_merges_only_with_itself() {
    assert_eq!(
        merged(|_| vec![
            allow()
                .action("service:Action1")
                .resource("Resource")
                .principal(Principal::Any),
            allow()
                .action("service:Action2")
                .resource("Resource")
                .principal(Principal::Any),
        ]),
        json!([{"Action": ["service:Action1", "service:Action2"], "Effect": "Allow", "Principal": "*", "Resource": "Resource"}])
    );
    assert_eq!(
        merged(|_| vec![
            allow()
                .action("service:Action")
                .resource("Resource")
                .principal(Principal::Any),
            allow()
                .action("service:Action")
                .resource("Resource")
                .principal(Principal::arn(ARN1)),
        ]),
        json!([
            {"Action": "service:Action", "Effect": "Allow", "Principal": "*", "Resource": "Resource"},
            {"Action": "service:Action", "Effect": "Allow", "Principal": {"AWS": ARN1}, "Resource": "Resource"}
        ])
    );
}

#[test]
fn merging_repeats_until_nothing_changes() {
    // [A, R1], [B, R1], [A, R2], [B, R2] -> [{A, B}, R1], [{A, B}, R2] -> [{A, B}, {R1, R2}]
    assert_eq!(
        merged(|_| vec![
            allow().action("service:A").resource("R1"),
            allow().action("service:B").resource("R1"),
            allow().action("service:A").resource("R2"),
            allow().action("service:B").resource("R2"),
        ]),
        json!([{"Action": ["service:A", "service:B"], "Effect": "Allow", "Resource": ["R1", "R2"]}])
    );
}

#[test]
fn minimizing_sorts_lists_of_unmerged_statements_and_off_keeps_their_order() {
    let make = |_: &Stack| {
        vec![
            allow()
                .actions(["s3:List*", "s3:GetObject*", "s3:GetBucket*"])
                .resources(["b", "a"]),
        ]
    };
    assert_eq!(
        merged(make),
        json!([{"Action": ["s3:GetBucket*", "s3:GetObject*", "s3:List*"], "Effect": "Allow", "Resource": ["a", "b"]}])
    );
    assert_eq!(
        render(App::for_tests(), make),
        json!([{"Action": ["s3:List*", "s3:GetObject*", "s3:GetBucket*"], "Effect": "Allow", "Resource": ["b", "a"]}])
    );
    // The flag must be `true`: anything else leaves documents as they are.
    assert_eq!(
        render(app(&[(MINIMIZE_POLICIES, json!(false))]), make),
        render(App::for_tests(), make)
    );
}

#[test]
fn role_trust_and_inline_policies_follow_the_flag() {
    let app = minimizing();
    let stack = Stack::new(&app, "Stack", StackProps::default());
    let mut props = RoleProps::new(Principal::service("sagemaker.amazonaws.com"));
    props.inline_policies.insert(
        "Inline".into(),
        sagecdk_aws::iam::PolicyDocument::with_statements([
            allow().action("s3:PutObject").resource("arn:aws:s3:::b/*"),
            allow().action("s3:GetObject").resource("arn:aws:s3:::b/*"),
        ]),
    );
    Role::new(&stack, "Role", props);
    let template = Template::from_stack(&stack);
    let roles = template.find_resources("AWS::IAM::Role", Match::any_value());
    let role = &roles.values().next().expect("role")["Properties"];
    assert_eq!(
        role["Policies"],
        json!([{"PolicyDocument": {"Statement": [{"Action": ["s3:GetObject", "s3:PutObject"],
            "Effect": "Allow", "Resource": "arn:aws:s3:::b/*"}], "Version": "2012-10-17"},
            "PolicyName": "Inline"}])
    );
}

/// Two statements on one long resource and one on another: merged freely they group by
/// action; with the CDK's 2000-character limit the first merge is refused, so the actions on
/// the first resource group instead.
fn long_resource_statements(r1: Str, r2: Str) -> Vec<PolicyStatement> {
    vec![
        allow().action("a:A").resource(r1.clone()),
        allow().action("a:A").resource(r2),
        allow().action("a:B").resource(r1),
    ]
}

#[test]
fn a_roles_default_policy_is_merged_within_the_size_limit_first() {
    // Each resource counts 1000 + 3 characters: A on both is 18 + 17 + 13 + 2006 + 2 = 2056.
    let r1 = format!("arn:aws:s3:::{}", "1".repeat(1000 - 13));
    let r2 = format!("arn:aws:s3:::{}", "2".repeat(1000 - 13));
    let standalone = merged(|_| long_resource_statements(r1.as_str().into(), r2.as_str().into()));
    assert_eq!(
        standalone,
        json!([{"Action": "a:A", "Effect": "Allow", "Resource": [r1, r2]},
               {"Action": "a:B", "Effect": "Allow", "Resource": r1}])
    );

    let app = minimizing();
    let stack = Stack::new(&app, "Stack", StackProps::default());
    let role = Role::new(
        &stack,
        "Role",
        RoleProps::new(Principal::service("x.amazonaws.com")),
    );
    for s in long_resource_statements(r1.as_str().into(), r2.as_str().into()) {
        role.add_to_policy(s);
    }
    assert_eq!(
        policy_statements(&stack),
        json!([{"Action": ["a:A", "a:B"], "Effect": "Allow", "Resource": r1},
               {"Action": "a:A", "Effect": "Allow", "Resource": r2}])
    );
}

#[test]
fn the_arn_size_estimate_comes_from_the_context() {
    let statements = |app: App| {
        let stack = Stack::new(&app, "Stack", StackProps::default());
        let role = Role::new(
            &stack,
            "Role",
            RoleProps::new(Principal::service("x.amazonaws.com")),
        );
        let (b1, b2) = (user_arn(&stack, "B1"), user_arn(&stack, "B2"));
        for s in long_resource_statements(b1, b2) {
            role.add_to_policy(s);
        }
        policy_statements(&stack)
    };
    // Default estimate (150): nothing near the limit.
    let free = statements(minimizing());
    assert_eq!(free[0]["Action"], json!("a:A"), "{free}");
    assert_eq!(free.as_array().map(Vec::len), Some(2));
    // Estimated at 1000, two tokens are too large for one statement.
    let limited = statements(app(&[
        (MINIMIZE_POLICIES, json!(true)),
        (ARN_SIZE_ESTIMATE, json!(1000)),
    ]));
    assert_eq!(limited[0]["Action"], json!(["a:A", "a:B"]), "{limited}");
    assert_eq!(limited[0]["Resource"], free[1]["Resource"]);
    assert_eq!(limited[1]["Action"], json!("a:A"));

    let app = app(&[
        (MINIMIZE_POLICIES, json!(true)),
        (ARN_SIZE_ESTIMATE, json!("big")),
    ]);
    let stack = Stack::new(&app, "Stack", StackProps::default());
    let role = Role::new(
        &stack,
        "Role",
        RoleProps::new(Principal::service("x.amazonaws.com")),
    );
    role.add_to_policy(allow().action("a:A").resource("*"));
    let err = Template::try_from_stack(&stack).expect_err("invalid estimate");
    assert!(
        err.to_string().contains(
            "[Stack/Role/DefaultPolicy] Context value @aws-cdk/aws-iam.arnSizeEstimate should be a number, got \"big\""
        ),
        "{err}"
    );
}

#[test]
fn without_the_flag_a_roles_default_policy_drops_statements_equal_as_sets() {
    let make = || {
        vec![
            allow()
                .actions(["s3:GetObject", "s3:PutObject"])
                .resource("*"),
            allow()
                .actions(["s3:PutObject", "s3:GetObject"])
                .resource("*"),
        ]
    };
    let app = App::for_tests();
    let stack = Stack::new(&app, "Stack", StackProps::default());
    let role = Role::new(
        &stack,
        "Role",
        RoleProps::new(Principal::service("x.amazonaws.com")),
    );
    for s in make() {
        role.add_to_policy(s);
    }
    assert_eq!(
        policy_statements(&stack),
        json!([{"Action": ["s3:GetObject", "s3:PutObject"], "Effect": "Allow", "Resource": "*"}])
    );
    // Any other document only drops statements identical as written, like the CDK's.
    assert_eq!(
        render(App::for_tests(), |_| make())
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}
