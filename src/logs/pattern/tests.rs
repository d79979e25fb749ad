use super::*;

fn matches(pattern: &str, message: &str) -> bool {
    Pattern::parse(pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
        .matches(message)
}

const TRAIL: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accessKeyId":"AKIAEXAMPLE","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}},"eventTime":"2026-01-15T09:00:00Z","eventSource":"iam.amazonaws.com","eventName":"PutUserPolicy","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","errorCode":null,"readOnly":false,"resources":[{"ARN":"arn:aws:iam::111122223333:user/bob","type":"AWS::IAM::User"},{"ARN":"arn:aws:iam::111122223333:policy/x"}],"latency":250,"ratio":0.5}"#;

#[test]
fn terms_phrases_alternatives_and_exclusions() {
    let log = "2026-01-15 [ERROR 401] UNAUTHORIZED REQUEST from 10.0.0.1";
    for (pattern, expected) in [
        ("", true),
        ("ERROR", true),
        ("error", false),
        ("ERROR REQUEST", true),
        ("ERROR WARN", false),
        ("?WARN ?UNAUTHORIZED", true),
        ("?WARN ?DEBUG", false),
        ("ERROR -UNAUTHORIZED", false),
        ("ERROR -DEBUG", true),
        ("\"UNAUTHORIZED REQUEST\"", true),
        ("\"REQUEST UNAUTHORIZED\"", false),
        ("%ERROR [0-9]{3}%", true),
        ("%^ERROR%", false),
        ("ERROR ?WARN ?401", true),
        ("10.0.0.1", true),
    ] {
        assert_eq!(matches(pattern, log), expected, "{pattern}");
    }
}

#[test]
fn json_selectors_comparisons_and_logic() {
    for (pattern, expected) in [
        (r#"{ $.eventName = "PutUserPolicy" }"#, true),
        ("{ $.eventName = PutUserPolicy }", true),
        ("{ $.eventName = putuserpolicy }", false),
        ("{ $.eventName = Put* }", true),
        ("{ $.eventName = *Policy }", true),
        ("{ $.eventName = *User* }", true),
        ("{ $.eventName != PutUserPolicy }", false),
        ("{ $.eventSource = iam.amazonaws.com }", true),
        ("{ $.userIdentity.type = IAMUser }", true),
        (
            "{ $.userIdentity.sessionContext.attributes.mfaAuthenticated = \"false\" }",
            true,
        ),
        ("{ $.latency > 200 }", true),
        ("{ $.latency >= 250 && $.latency <= 250 }", true),
        ("{ $.latency < 100 }", false),
        ("{ $.latency = 250 }", true),
        ("{ $.latency != 250 }", false),
        ("{ $.ratio = 0.5 }", true),
        ("{ $.errorCode IS NULL }", true),
        ("{ $.readOnly IS FALSE }", true),
        ("{ $.readOnly IS TRUE }", false),
        ("{ $.missing NOT EXISTS }", true),
        ("{ $.eventName NOT EXISTS }", false),
        ("{ $.missing = x }", false),
        ("{ $.missing != x }", false),
        (
            "{ $.resources[0].ARN = \"arn:aws:iam::111122223333:user/bob\" }",
            true,
        ),
        ("{ $.resources[1].ARN = *user/bob }", false),
        ("{ $.resources[*].ARN = *policy/x }", true),
        ("{ $.resources.ARN = *policy/x }", true),
        ("{ $.resources[5].ARN NOT EXISTS }", true),
        (
            "{ ($.eventName = A) || ($.eventName = PutUserPolicy) }",
            true,
        ),
        (
            "{ $.eventName = PutUserPolicy && ($.missing NOT EXISTS || $.latency != 1) }",
            true,
        ),
        ("{ $.eventName = PutUserPolicy && $.latency > 1000 }", false),
        ("{ $.sourceIPAddress = %^198\\.51\\.% }", true),
        ("{ $.sourceIPAddress != %^10\\.% }", true),
    ] {
        assert_eq!(matches(pattern, TRAIL), expected, "{pattern}");
    }
    assert!(!matches(
        "{ $.eventName = PutUserPolicy }",
        "not json PutUserPolicy"
    ));
}

#[test]
fn space_delimited_columns_with_ellipsis_and_conditions() {
    let log =
        r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 2326"#;
    for (pattern, expected) in [
        (
            "[ip, id, user, timestamp, request, status_code, size]",
            true,
        ),
        (
            "[ip, id, user, timestamp, request, status_code = 404, size]",
            true,
        ),
        (
            "[ip, id, user, timestamp, request, status_code = 4*, size > 1000]",
            true,
        ),
        (
            "[ip, id, user, timestamp, request, status_code = 200, size]",
            false,
        ),
        ("[..., status_code = 404, size]", true),
        ("[ip = 127.*, ...]", true),
        ("[ip, ..., size < 1000]", false),
        ("[ip, id, user, timestamp, request = *GET*, ...]", true),
        (
            "[ip, id, user, timestamp, request, status_code = 200 || status_code = 404, size]",
            true,
        ),
        (
            "[ip, id, user, timestamp, request, status_code != 200 && status_code != 404, size]",
            false,
        ),
        ("[ip, id, user]", false),
    ] {
        assert_eq!(matches(pattern, log), expected, "{pattern}");
    }
}

#[test]
fn unsupported_syntax_is_refused_with_the_place_and_the_reason() {
    for (pattern, says, column) in [
        ("{ $.a = 1", "expected '}'", 10),
        ("{ a = 1 }", "expected a selector", 3),
        ("{ $.a ~ 1 }", "expected an operator", 7),
        ("{ $.a IS MAYBE }", "NULL, TRUE or FALSE", 10),
        ("{ $.a NOT THERE }", "EXISTS", 11),
        ("{ $.a EXISTS }", "expected an operator", 7),
        ("{ $.a > \"x\" }", "compare numbers", 9),
        ("{ $.a = \"x }", "unclosed quote", 9),
        ("{ $. = 1 }", "field name", 5),
        ("{ $.a[x] = 1 }", "array index", 7),
        ("{ $.a = 1 } extra", "after the pattern", 13),
        ("{ $.a = %(x)% }", "no ( ) groups", 9),
        ("{ $.a = %[% }", "bad regex", 9),
        ("[a, b", "expected ']'", 6),
        ("[a, , b]", "field name", 5),
        ("ERROR \"open", "unclosed quote", 7),
        ("a{b", "braces", 1),
    ] {
        let error = Pattern::parse(pattern).expect_err(pattern);
        assert!(error.message.contains(says), "{pattern}: {error}");
        assert_eq!(error.at + 1, column, "{pattern}: {error}");
    }
}

#[test]
fn the_prefilter_never_changes_an_answer() {
    // Alternatives over one field get a prefilter; a record without any of them is skipped
    // unparsed, and one with them is judged in full.
    let pattern = Pattern::parse("{($.eventName=PutUserPolicy) || ($.eventName=DeleteRolePolicy)}")
        .expect("pattern");
    assert!(pattern.prefilter.is_some());
    assert!(pattern.matches(TRAIL));
    assert!(!pattern.matches(&TRAIL.replace("PutUserPolicy", "GetUser")));
    // The name elsewhere in the record does not make it match.
    let elsewhere = TRAIL
        .replace(
            "\"eventName\":\"PutUserPolicy\"",
            "\"eventName\":\"GetUser\"",
        )
        .replace("alice", "PutUserPolicy");
    assert!(!pattern.matches(&elsewhere));
    // A wildcard or a negation gets none where it would be unsound.
    assert!(
        Pattern::parse("{ $.a != Put }")
            .expect("p")
            .prefilter
            .is_none()
    );
    assert!(
        Pattern::parse("{ $.a = x || $.b NOT EXISTS }")
            .expect("p")
            .prefilter
            .is_none()
    );
}

#[test]
fn a_pattern_names_the_text_to_point_at() {
    let highlight = |p: &str| Pattern::parse(p).expect("pattern").highlight();
    assert_eq!(highlight("ERROR ?WARN"), Some("ERROR".into()));
    assert_eq!(
        highlight("?\"access denied\""),
        Some("access denied".into())
    );
    assert_eq!(
        highlight("{ $.eventName = PutUserPolicy || $.eventName = DeleteRolePolicy }"),
        Some("PutUserPolicy".into())
    );
    assert_eq!(highlight("%^ERR%"), None);
    assert_eq!(highlight("[a, b]"), None);
    assert_eq!(highlight(""), None);
}

#[test]
fn a_keyword_cut_inside_a_wide_character_is_an_error_not_a_panic() {
    // `IS` / `NOT` and a repeated column name are matched as words: the byte after the word's
    // length may be inside `é`.
    for pattern in ["{ $.a Ié }", "{ $.a Nöt EXISTS }", "[ab = 1 && aé = 2]"] {
        assert!(Pattern::parse(pattern).is_err(), "{pattern}");
    }
    assert!(matches("[ab = 1 && ab = 1]", "1"));
}

#[test]
fn nesting_is_bounded_with_a_clear_error() {
    let nested = |depth: usize| format!("{{ {}$.a = 1{} }}", "(".repeat(depth), ")".repeat(depth));
    assert!(matches(&nested(MAX_NESTING), r#"{"a":1}"#));
    let error = Pattern::parse(&nested(MAX_NESTING + 1)).expect_err("too deep");
    assert!(error.message.contains("nest more than 32 deep"), "{error}");
    assert_eq!(error.at, 2 + MAX_NESTING, "at the parenthesis one too deep");
    // Deep enough to overflow the stack of a recursive parser without the bound.
    let error = Pattern::parse(&nested(200_000)).expect_err("far too deep");
    assert!(error.message.contains("nest more than"), "{error}");
}

#[test]
fn selectors_are_bounded_with_a_clear_error() {
    let selector = |steps: usize| format!("{{ $.{} = 1 }}", vec!["a"; steps].join("."));
    assert!(Pattern::parse(&selector(MAX_SELECTOR_STEPS)).is_ok());
    let error = Pattern::parse(&selector(MAX_SELECTOR_STEPS + 1)).expect_err("too long");
    assert!(error.message.contains("at most 64 steps"), "{error}");
    let indexed = format!("{{ $.a{} = 1 }}", "[0]".repeat(100_000));
    assert!(Pattern::parse(&indexed).is_err());
}

#[test]
fn many_ellipses_over_many_columns_answer_at_once() {
    // Trying every split of 200 columns among 30 `...` recursively never ends; the column walk
    // answers in microseconds.
    let pattern = format!("[{}last = 1]", "..., ".repeat(30));
    let columns = vec!["0"; 200].join(" ");
    assert!(!matches(&pattern, &columns));
    assert!(matches(&pattern, &format!("{columns} 1")));
    // Far more fields than a 1,024-character pattern holds, walked without recursion.
    let fields = format!("[{}]", vec!["c"; 20_000].join(","));
    assert!(matches(&fields, &vec!["x"; 20_000].join(" ")));
    assert!(!matches(&fields, &vec!["x"; 19_999].join(" ")));
    for (pattern, message, expected) in [
        ("[..., ...]", "", true),
        ("[a, ..., b]", "1", false),
        ("[a, ..., b]", "1 2", true),
        ("[..., a = 2, ...]", "1 2 3", true),
        ("[..., a = 4, ...]", "1 2 3", false),
    ] {
        assert_eq!(
            matches(pattern, message),
            expected,
            "{pattern} on {message:?}"
        );
    }
}

#[test]
fn regexes_are_bounded_as_cloudwatch_logs_bounds_them() {
    assert!(matches("%ERR% %[0-9]+%", "ERR 42"));
    let error = Pattern::parse("%a% %b% %c%").expect_err("three regexes");
    assert!(error.message.contains("at most 2 %regex%"), "{error}");
    assert_eq!(error.at, 8, "at the third");
    let error = Pattern::parse("{ $.a = %x% || $.b = %y% || $.c = %z% }").expect_err("three");
    assert!(error.message.contains("at most 2"), "{error}");
    let error = Pattern::parse(r"%\w{1000}%").expect_err("a huge regex");
    assert!(error.message.contains("bad regex"), "{error}");
}
