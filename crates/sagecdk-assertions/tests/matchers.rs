//! Matcher semantics and failure rendering.

use sagecdk_assertions::{Match, Pattern, pattern};
use serde_json::{Value, json};

#[track_caller]
fn matches(pattern: impl Into<Pattern>, value: Value) {
    let pattern = pattern.into();
    if let Err(e) = pattern.check(&value) {
        panic!("expected a match:\n{e}");
    }
}

#[track_caller]
fn mismatch(pattern: impl Into<Pattern>, value: Value) -> String {
    let result = pattern.into().test(&value);
    assert!(!result.is_success(), "expected a mismatch");
    result.render_mismatch()
}

#[track_caller]
fn human(pattern: impl Into<Pattern>, value: Value) -> Vec<String> {
    pattern.into().test(&value).human_strings()
}

// ---------------------------------------------------------------- literals

#[test]
fn literal_scalars() {
    matches(json!("abc"), json!("abc"));
    matches(json!(1), json!(1.0));
    matches(json!(true), json!(true));
    matches(Pattern::null(), json!(null));
    assert_eq!(
        mismatch(json!("zzz"), json!("abc")),
        "!! Expected zzz but received abc\n\"abc\""
    );
    assert_eq!(
        mismatch(json!(1), json!("1")),
        "!! Expected type number but received string\n\"1\""
    );
    assert_eq!(
        mismatch(json!(false), json!(true)),
        "!! Expected false but received true\ntrue"
    );
    assert_eq!(
        mismatch(Pattern::null(), json!(0)),
        "!! Expected type null but received number\n0"
    );
}

#[test]
fn check_reports_the_rendering() {
    let err = Pattern::from(json!({ "a": 1 }))
        .check(&json!({ "a": 2 }))
        .expect_err("mismatch");
    assert_eq!(
        err.to_string(),
        "Value did not match the pattern:\n{\n!! Expected 1 but received 2\n  \"a\": 2\n}"
    );
}

// ---------------------------------------------------------------- object_like

#[test]
fn object_like_is_partial_at_every_level() {
    let p = Match::object_like(json!({ "a": { "b": 1 } }));
    matches(p.clone(), json!({ "a": { "b": 1, "c": 2 }, "d": 3 }));
    assert_eq!(
        mismatch(p, json!({ "a": { "b": 2, "c": 2 }, "d": 3 })),
        r#"{
  "a": {
!!   Expected 1 but received 2
    "b": 2,
    "c": 2
  },
  "d": 3
}"#
    );
}

#[test]
fn object_like_missing_key() {
    assert_eq!(
        mismatch(
            Match::object_like(json!({ "a": 1, "z": { "y": 1 } })),
            json!({ "a": 1 })
        ),
        r#"{
  "a": 1,
!! Missing key 'z'
  "z": undefined
}"#
    );
}

#[test]
fn object_like_arrays_must_match_in_full() {
    let p = Match::object_like(json!({ "list": [{ "k": 1 }] }));
    // objects inside the array are still partial
    matches(p.clone(), json!({ "list": [{ "k": 1, "other": true }] }));
    assert_eq!(
        mismatch(p.clone(), json!({ "list": [{ "k": 1 }, { "k": 2 }] })),
        r#"{
  "list": [
    { "k": 1 },
!!   Too many elements in array (expecting 1, got 2)
    { "k": 2 }
  ]
}"#
    );
    assert_eq!(
        mismatch(p, json!({ "list": [] })),
        r#"{
  "list": [
!!   Not enough elements in array (expecting 1, got 0)
  ]
}"#
    );
}

#[test]
fn object_like_type_mismatch_and_invalid_pattern() {
    assert_eq!(
        mismatch(Match::object_like(json!({ "a": 1 })), json!([1])),
        "!! Expected type object but received array\n[\n  1\n]"
    );
    assert_eq!(
        human(Match::object_like(json!("x")), json!({})),
        vec![
            "Invalid pattern: object_like() expects an object pattern (using object_like matcher)"
        ]
    );
}

#[test]
fn human_strings_have_paths_and_matcher_names() {
    assert_eq!(
        human(
            json!({ "a": { "b": [1, 2] } }),
            json!({ "a": { "b": [1, 3] }, "c": 1 })
        ),
        vec!["Expected 2 but received 3 at /a/b/1 (using object_like matcher)"]
    );
}

// ---------------------------------------------------------------- object_equals / exact

#[test]
fn object_equals_rejects_extra_keys() {
    let p = Match::object_equals(json!({ "a": 1 }));
    matches(p.clone(), json!({ "a": 1 }));
    assert_eq!(
        mismatch(p, json!({ "a": 1, "b": [1, 2, 3] })),
        r#"{
  "a": 1,
!! Unexpected key b
  "b": [ ... ]
}"#
    );
}

#[test]
fn object_equals_nested_literals_are_exact() {
    let p = Match::object_equals(json!({ "a": { "b": 1 } }));
    assert_eq!(
        human(p.clone(), json!({ "a": { "b": 1, "c": 2 } })),
        vec!["Unexpected key c at /a/c (using object_equals matcher)"]
    );
    // ...unless wrapped in object_like again
    matches(
        Match::object_equals(pattern!({ "a": Match::object_like(json!({ "b": 1 })) })),
        json!({ "a": { "b": 1, "c": 2 } }),
    );
}

#[test]
fn exact_is_deep() {
    let p = pattern!({ "Props": Match::exact(json!({ "a": { "b": 1 } })) });
    matches(
        p.clone(),
        json!({ "Props": { "a": { "b": 1 } }, "other": 1 }),
    );
    assert_eq!(
        mismatch(p, json!({ "Props": { "a": { "b": 1, "c": true } } })),
        r#"{
  "Props": {
    "a": {
      "b": 1,
!!     Unexpected key c
      "c": true
    }
  }
}"#
    );
    matches(Match::exact(json!([1, "a"])), json!([1, "a"]));
    assert_eq!(
        human(Match::exact(json!("x")), json!("y")),
        vec!["Expected x but received y (using exact matcher)"]
    );
    // a matcher directly inside exact() keeps its own semantics
    matches(Match::exact(Match::any_value()), json!(1));
}

// ---------------------------------------------------------------- arrays

#[test]
fn array_with_matches_an_ordered_subsequence() {
    let p = Match::array_with(json!([1, 3]));
    matches(p.clone(), json!([1, 2, 3, 4]));
    matches(p.clone(), json!([1, 3]));
    assert_eq!(
        mismatch(p, json!([3, 1])),
        r#"[
  3,
!! array_with pattern 0 matched here
  1
!! Could not match array_with pattern 1. No more elements to try
]"#
    );
}

#[test]
fn array_with_reports_the_closest_element() {
    assert_eq!(
        mismatch(Match::array_with(json!([1, 5])), json!([1, 2, 3])),
        r#"[
!! array_with pattern 0 matched here
  1,
!! Could not match array_with pattern 1. This is the closest match
!! Expected 5 but received 2
  2,
  3
]"#
    );
}

#[test]
fn array_with_elements_are_exact_unless_object_like() {
    let value = json!([{ "Action": "s3:GetObject", "Effect": "Allow" }]);
    let exact = Match::array_with(json!([{ "Action": "s3:GetObject" }]));
    assert_eq!(
        human(exact, value.clone()),
        vec![
            "Could not match array_with pattern 0. This is the closest match at /0 (using array_with matcher)",
            "Unexpected key Effect at /0/Effect (using array_with matcher)"
        ]
    );
    matches(
        Match::array_with([Match::object_like(json!({ "Action": "s3:GetObject" }))]),
        value,
    );
}

#[test]
fn array_with_rejects_any_value_and_absent_elements() {
    assert_eq!(
        human(Match::array_with([Match::any_value()]), json!([1])),
        vec![
            "The matcher any_value() cannot be nested within array_with() (using array_with matcher)"
        ]
    );
    assert_eq!(
        human(Match::array_with([Match::absent()]), json!([1])),
        vec![
            "The matcher absent() cannot be nested within array_with() (using array_with matcher)"
        ]
    );
}

#[test]
fn array_matchers_need_arrays() {
    assert_eq!(
        mismatch(Match::array_with(json!([1])), json!({ "a": 1 })),
        "!! Expected type array but received object\n{\n  \"a\": 1\n}"
    );
    assert_eq!(
        human(Match::array_equals(json!({ "a": 1 })), json!([])),
        vec![
            "Invalid pattern: array_equals() expects an array pattern (using array_equals matcher)"
        ]
    );
}

#[test]
fn array_equals_needs_same_length_and_order() {
    let p = Match::array_equals(json!([1, 2]));
    matches(p.clone(), json!([1, 2]));
    assert_eq!(
        human(p.clone(), json!([2, 1])),
        vec![
            "Expected 1 but received 2 at /0 (using array_equals matcher)",
            "Expected 2 but received 1 at /1 (using array_equals matcher)"
        ]
    );
    assert_eq!(
        human(p, json!([1, 2, 3])),
        vec!["Too many elements in array (expecting 2, got 3) at /2 (using array_equals matcher)"]
    );
}

// ---------------------------------------------------------------- any_value / absent / not

#[test]
fn any_value() {
    let p = pattern!({ "a": Match::any_value() });
    matches(p.clone(), json!({ "a": 0 }));
    matches(p.clone(), json!({ "a": { "b": [] } }));
    assert_eq!(
        mismatch(p.clone(), json!({ "a": null })),
        "{\n!! Expected a value but found none\n  \"a\": null\n}"
    );
    assert_eq!(
        mismatch(p, json!({})),
        "{\n!! Missing key 'a'\n  \"a\": undefined\n}"
    );
}

#[test]
fn absent() {
    let p = pattern!({ "a": Match::absent() });
    matches(p.clone(), json!({ "b": 1 }));
    assert_eq!(
        mismatch(p.clone(), json!({ "a": "x" })),
        "{\n!! Received x, but key should be absent\n  \"a\": \"x\"\n}"
    );
    assert_eq!(
        human(p, json!({ "a": { "x": 1 } })),
        vec![r#"Received {"x":1}, but key should be absent at /a (using absent matcher)"#]
    );
}

#[test]
fn not() {
    let p = pattern!({ "a": Match::not("x") });
    matches(p.clone(), json!({ "a": "y" }));
    assert_eq!(
        mismatch(p, json!({ "a": "x" })),
        "{\n!! Found unexpected match: \"x\"\n  \"a\": \"x\"\n}"
    );
    // a literal object inside not() is compared exactly
    let p = Match::not(json!({ "a": 1 }));
    matches(p.clone(), json!({ "a": 1, "b": 2 }));
    assert_eq!(
        human(p, json!({ "a": 1 })),
        vec!["Found unexpected match: {\n  \"a\": 1\n} (using not matcher)"]
    );
    matches(
        Match::not(Match::string_like_regexp("^prod")),
        json!("dev-1"),
    );
}

// ---------------------------------------------------------------- string_like_regexp

#[test]
fn string_like_regexp() {
    let p = Match::string_like_regexp("ml\\.[a-z0-9]+\\.xlarge");
    matches(p.clone(), json!("instance ml.m5.xlarge here"));
    assert_eq!(
        mismatch(p.clone(), json!("ml.t2.medium")),
        "!! String 'ml.t2.medium' did not match pattern 'ml\\.[a-z0-9]+\\.xlarge'\n\"ml.t2.medium\""
    );
    assert_eq!(
        human(p, json!(5)),
        vec!["Expected a string, but got 'number' (using string_like_regexp matcher)"]
    );
    // multi-line mode: ^ and $ match at line boundaries
    matches(
        Match::string_like_regexp("^second$"),
        json!("first\nsecond\nthird"),
    );
}

#[test]
fn string_like_regexp_invalid_expression() {
    let human = human(Match::string_like_regexp("("), json!("("));
    assert_eq!(human.len(), 1);
    assert!(
        human[0].starts_with("Invalid regular expression '(': "),
        "{}",
        human[0]
    );
    assert!(Match::try_string_like_regexp("(").is_err());
    let p = Match::try_string_like_regexp("^a").expect("valid regex");
    matches(p, json!("abc"));
}

// ---------------------------------------------------------------- serialized_json

#[test]
fn serialized_json() {
    let p = pattern!({ "Policy": Match::serialized_json(json!({ "Version": "2012-10-17" })) });
    matches(
        p.clone(),
        json!({ "Policy": "{\"Version\":\"2012-10-17\"}" }),
    );
    assert_eq!(
        mismatch(p.clone(), json!({ "Policy": "{\"Version\":\"2008\"}" })),
        r#"{
!! Encoded JSON value does not match
  "Policy": "{\"Version\":\"2008\"}" <*> {
!!   Expected 2012-10-17 but received 2008
    "Version": "2008"
  }
}"#
    );
    assert_eq!(
        human(p.clone(), json!({ "Policy": { "Version": "2012-10-17" } })),
        vec![
            "Expected JSON as a string but found object at /Policy (using serialized_json matcher)"
        ]
    );
    assert_eq!(
        human(p, json!({ "Policy": "{not json" })),
        vec!["Invalid JSON string: {not json at /Policy (using serialized_json matcher)"]
    );
    // literal objects inside are exact; matchers inside keep their semantics
    assert!(
        !Match::serialized_json(json!({ "a": 1 }))
            .test(&json!("{\"a\":1,\"b\":2}"))
            .is_success()
    );
    matches(
        Match::serialized_json(Match::object_like(json!({ "a": 1 }))),
        json!("{\"a\":1,\"b\":2}"),
    );
}

// ---------------------------------------------------------------- composition & macro

#[test]
fn pattern_macro_builds_nested_patterns() {
    let key = String::from("dynamic");
    let p = pattern!({
        "string": "s",
        "number": 1.5,
        "negative": -2,
        "bool": true,
        "null": null,
        "array": [1, "two", null, [3], { "four": 4 }, Match::any_value()],
        "empty_array": [],
        "empty_object": {},
        "value": json!({ "nested": true }),
        (key.as_str()): Match::string_like_regexp("^d"),
    });
    matches(
        p,
        json!({
            "string": "s",
            "number": 1.5,
            "negative": -2,
            "bool": true,
            "null": null,
            "array": [1, "two", null, [3], { "four": 4, "extra": 0 }, "x"],
            "empty_array": [],
            "empty_object": { "anything": 1 },
            "value": { "nested": true },
            "dynamic": "dd",
        }),
    );
    matches(pattern!(null), json!(null));
    matches(pattern!([]), json!([]));
    matches(pattern!({}), json!({ "a": 1 }));
    matches(pattern!("x"), json!("x"));
    matches(
        pattern!([Match::object_like(json!({ "a": 1 })), 2]),
        json!([{ "a": 1, "b": 2 }, 2]),
    );
}

#[test]
fn patterns_convert_from_rust_values() {
    matches(vec![1, 2], json!([1, 2]));
    matches([true, false], json!([true, false]));
    matches(String::from("s"), json!("s"));
    let owned = String::from("s");
    matches(&owned, json!("s"));
    assert_eq!(owned, "s");
    matches(7u64, json!(7));
    matches(0.5f64, json!(0.5));
    matches(
        Pattern::array(vec![Pattern::from(1), Match::any_value()]),
        json!([1, 2]),
    );
    matches(Pattern::object([("a", Match::absent())]), json!({}));
    let shared = Match::any_value();
    matches(&shared, json!(1));
    assert!(shared.is_matcher());
    assert!(!Pattern::from(json!({})).is_matcher());
}

#[test]
fn matchers_nest_deeply() {
    let p = Match::object_like(pattern!({
        "Statement": Match::array_with([Match::object_like(pattern!({
            "Action": Match::array_with(["s3:GetObject*"]),
            "Resource": Match::not(Match::string_like_regexp("^\\*$")),
            "Condition": Match::absent(),
        }))]),
    }));
    matches(
        p.clone(),
        json!({
            "Statement": [
                { "Action": "kms:Decrypt", "Resource": "*" },
                { "Action": ["s3:GetObject*", "s3:List*"], "Resource": "arn:aws:s3:::bucket/*", "Effect": "Allow" }
            ],
            "Version": "2012-10-17"
        }),
    );
    assert!(
        !p.test(&json!({ "Statement": [{ "Action": ["s3:GetObject*"], "Resource": "*" }] }))
            .is_success()
    );
}
