use super::*;

fn masked(mask: &Mask, text: &str) -> String {
    mask.text(text).into_owned()
}

#[test]
fn shaped_identifiers_are_masked_in_any_text() {
    let mask = Mask::new();
    let out = masked(
        &mask,
        "carol@corp.example.org from 10.1.2.3 and 2600:1f18::42 called from 111122223333 \
         with AKIAIOSFODNN7EXAMPLE at evil-c2.xyz",
    );
    for original in [
        "carol@corp",
        "10.1.2.3",
        "2600:1f18::42",
        "111122223333",
        "AKIAIOSFODNN7EXAMPLE",
        "evil-c2",
    ] {
        assert!(!out.contains(original), "{original} in {out}");
    }
    assert_eq!(
        out,
        "mail-a@example.com from 192.0.2.1 and 2001:db8::1 called from acct-A \
         with AKIAEXAMPLEA at host-a.example"
    );
}

#[test]
fn the_same_value_gets_the_same_stand_in_and_masking_twice_changes_nothing() {
    let mask = Mask::new();
    let once = masked(&mask, "10.0.0.1 10.0.0.2 10.0.0.1 444455556666");
    assert_eq!(once, "192.0.2.1 192.0.2.2 192.0.2.1 acct-A");
    assert_eq!(masked(&mask, &once), once);
    assert_eq!(masked(&mask, "10.0.0.2"), "192.0.2.2");
}

#[test]
fn arns_keep_their_shape_with_account_and_names_masked() {
    let mask = Mask::new();
    assert_eq!(
        masked(
            &mask,
            "arn:aws:sts::111122223333:assumed-role/AdminRole/carol-session"
        ),
        "arn:aws:sts::acct-A:assumed-role/role-A/user-A"
    );
    assert_eq!(
        masked(&mask, "arn:aws:iam::111122223333:user/ops/dave"),
        "arn:aws:iam::acct-A:user/ops/user-B"
    );
    assert_eq!(
        masked(&mask, "arn:aws:s3:::acme-payroll/2026/q4.csv"),
        "arn:aws:s3:::bucket-a/…"
    );
    assert_eq!(
        masked(&mask, "arn:aws:iam::aws:policy/AdministratorAccess"),
        "arn:aws:iam::aws:policy/AdministratorAccess"
    );
    assert_eq!(
        masked(
            &mask,
            "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc1234def567890"
        ),
        "arn:aws:ec2:us-east-1:acct-A:instance/i-0abc1234def567890"
    );
    // The names an ARN carried are masked wherever they appear next.
    assert_eq!(
        masked(&mask, "dave read acme-payroll as AdminRole"),
        "user-B read bucket-a as role-A"
    );
}

#[test]
fn severities_types_counts_and_times_stay_true() {
    let mask = Mask::new();
    for text in [
        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        "CryptoCurrency:EC2/BitcoinTool.B!DNS",
        "HIGH 8.0 · 1,234 findings · 2026-11-30T09:12:03Z · 09:12 UTC",
        "CIS AWS Foundations Benchmark v1.4.0/3.1 · NIST.800-53.r5 AC-3",
        "S3.8 guardduty.amazonaws.com eu-west-1 findings.json",
        "count 1234567890123",
    ] {
        assert_eq!(masked(&mask, text), text);
    }
}

#[test]
fn aws_hosts_are_kept_but_not_a_bucket_or_an_address_inside_them() {
    let mask = Mask::new();
    assert_eq!(
        masked(&mask, "acme-logs.s3.amazonaws.com"),
        "bucket-a.s3.amazonaws.com"
    );
    assert_eq!(
        masked(&mask, "111122223333.dkr.ecr.us-east-1.amazonaws.com"),
        "acct-A.dkr.ecr.us-east-1.amazonaws.com"
    );
    assert_eq!(
        masked(
            &mask,
            "ip-10-0-1-17.ec2.internal ec2-54-1-2-3.compute-1.amazonaws.com"
        ),
        "host-a.example host-b.example"
    );
}

#[test]
fn learned_names_are_masked_wherever_they_appear() {
    let mask = Mask::new();
    let mut directory = Directory::default();
    directory.insert(crate::model::Account {
        id: crate::model::SafeText::line("444455556666"),
        name: crate::model::SafeText::line("prod-web"),
        ou_path: crate::model::SafeText::line("Workloads/Production"),
        production: true,
    });
    mask.learn_directory(&directory);
    mask.learn_principal("AdminRole/carol-session");
    assert_eq!(
        masked(&mask, "prod-web (444455556666): AdminRole/carol-session"),
        "acct-A (acct-A): role-A/user-A"
    );
    assert_eq!(mask.ou_path("Workloads/Production"), "ou-A/ou-B");
    // OU names are everyday words: they are not searched for in text.
    assert_eq!(masked(&mask, "Production database"), "Production database");
}

#[test]
fn json_is_masked_value_by_value_and_stays_json() {
    let mask = Mask::new();
    let record = serde_json::json!({
        "accountId": "111122223333",
        "count": 123456789012u64,
        "userIdentity": {"userName": "mallory", "arn": "arn:aws:iam::111122223333:user/mallory"},
        "service": {"action": {"dnsRequestAction": {"domain": "c2.badhost.zz"}}},
        "note": "mallory queried c2.badhost.zz",
        "10.0.0.9": "key that is an address",
    });
    let out = mask.json(&record);
    let text = serde_json::to_string(&out).expect("test setup");
    for original in ["111122223333", "mallory", "badhost", "10.0.0.9"] {
        assert!(!text.contains(original), "{original} in {text}");
    }
    // A number is a count, not an identifier: JSON numbers are kept.
    assert_eq!(out["count"], 123456789012u64);
    assert_eq!(out["note"], "user-A queried host-a.example");
}

#[test]
fn documentation_addresses_in_the_data_are_masked_but_never_a_stand_in() {
    let mask = Mask::new();
    // The first stand-in would be 192.0.2.1, which the data itself uses.
    assert_eq!(masked(&mask, "192.0.2.1"), "192.0.2.2");
    assert_eq!(masked(&mask, "10.0.0.1"), "192.0.2.3");
    assert_eq!(masked(&mask, "192.0.2.2 192.0.2.3"), "192.0.2.2 192.0.2.3");
}

#[test]
fn a_name_keeps_one_stand_in_as_user_or_role_and_service_principals_stay() {
    let mask = Mask::new();
    mask.learn(Class::User, "AdminRole");
    mask.learn_principal("ec2.amazonaws.com");
    assert_eq!(
        masked(
            &mask,
            "AdminRole arn:aws:iam::111122223333:role/AdminRole ec2.amazonaws.com"
        ),
        "role-A arn:aws:iam::acct-A:role/role-A ec2.amazonaws.com"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Text built from the pieces identifiers are made of, and anything else, between the
    /// separators text has (glued pieces make tokens no record has: those are covered by the
    /// no-panic property below).
    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("arn:aws:iam::111122223333:user/".to_string()),
            Just("arn:aws:s3:::".to_string()),
            Just("https://x.console.aws.amazon.com/?q=%2541".to_string()),
            Just("10.0.".to_string()),
            Just("::".to_string()),
            Just("@corp.example.org".to_string()),
            Just(".amazonaws.com".to_string()),
            Just("AKIA".to_string()),
            Just("carol".to_string()),
            Just("acct-".to_string()),
            "[0-9]{1,13}",
            "[a-zA-Z/:._@%-]{0,12}",
            "\\PC{0,6}",
        ];
        let separator = prop_oneof![
            Just(" "),
            Just(", "),
            Just("\""),
            Just("("),
            Just(")"),
            Just("="),
            Just("\n")
        ];
        proptest::collection::vec((piece, separator), 0..12).prop_map(|pieces| {
            pieces
                .into_iter()
                .map(|(piece, separator)| format!("{piece}{separator}"))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn masking_never_panics_and_masking_again_changes_nothing(
            names in proptest::collection::vec("[a-zA-Z0-9-]{0,10}", 0..4),
            input in text(),
        ) {
            let mask = Mask::new();
            for name in &names {
                mask.learn_principal(name);
                mask.learn(Class::Bucket, name);
            }
            let once = mask.text(&input).into_owned();
            let twice = mask.text(&once).into_owned();
            prop_assert_eq!(&twice, &once, "input {:?}", input);
        }

        #[test]
        fn masking_anything_never_panics(input in "\\PC{0,200}", glued in proptest::collection::vec(text(), 0..3)) {
            let mask = Mask::new();
            mask.learn_principal("carol");
            let _ = mask.text(&input);
            let _ = mask.text(&glued.concat().replace([' ', ','], ""));
            let _ = mask.json(&serde_json::json!({"userName": input, "x": [glued]}));
        }
    }
}
