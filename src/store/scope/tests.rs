use super::*;
use crate::store::Row;

/// The clauses on `field`.
fn on(scope: &Scope, field: Field) -> impl Iterator<Item = &Clause> {
    scope.clauses.iter().filter(move |c| c.field == field)
}

fn row(product: &str, account: &str, label: SeverityLabel) -> Row {
    let mut finding = crate::model::fixtures::guardduty(
        "g1",
        account,
        "Recon:EC2/PortProbeUnprotectedPort",
        5.0,
        "2026-01-15T11:00:00Z",
    );
    finding.product = crate::model::SafeText::line(product);
    finding.severity.label = label;
    Row::of(&finding)
}

#[test]
fn the_issue_s_example_becomes_a_product_exclusion_and_three_labels() {
    let scope = Scope::parse("-product:Inspector sev>=medium").expect("pushable");
    assert_eq!(
        scope.clauses,
        [
            Clause {
                field: Field::Product,
                negated: true,
                values: vec![Value::Equals("Inspector".into())],
            },
            Clause {
                field: Field::Severity,
                negated: false,
                values: ["MEDIUM", "HIGH", "CRITICAL"]
                    .map(|l| Value::Equals(l.into()))
                    .to_vec(),
            },
        ]
    );
    let admits = |p, l| scope.admits(&row(p, "111111111111", l).borrowed());
    assert!(admits("GuardDuty", SeverityLabel::High));
    assert!(!admits("Inspector", SeverityLabel::High));
    assert!(!admits("GuardDuty", SeverityLabel::Low));
}

#[test]
fn values_take_aws_spelling_and_prefixes_stay_prefixes() {
    let scope = Scope::parse("region:US-EAST-1,eu-* account:111111111111 type:TTPs*").expect("ok");
    assert_eq!(
        on(&scope, Field::Region).next().map(|c| c.values.clone()),
        Some(vec![
            Value::Equals("us-east-1".into()),
            Value::Prefix("eu-".into())
        ])
    );
    // Severity terms narrow one another; all five labels is no clause at all.
    let scope = Scope::parse("sev>=low -sev:critical sev<=critical").expect("ok");
    assert_eq!(
        on(&scope, Field::Severity).next().map(|c| c.values.len()),
        Some(3)
    );
    assert!(Scope::parse("sev>=info").expect("ok").clauses.is_empty());
    // A prefix and an exclusion on one field: AWS reads the prefix, then the exclusion.
    assert!(Scope::parse("product:Ama* -product:\"Amazon Inspector\"").is_ok());
}

#[test]
fn what_aws_cannot_evaluate_is_refused_with_the_reason() {
    for (scope, reason) in [
        ("account:prod-web", "12-digit"),
        ("ou:Production", "12-digit"),
        ("is:prod", "12-digit"),
        ("status:new", "current state"),
        ("age<1d", "current state"),
        ("source:gd", "[guardduty]"),
        ("title:probe", "titles"),
        ("resource:i-1", "resources"),
        ("cryptominer", "free words"),
        ("type:*Recon*", "may only end"),
        ("sev>=70", "labels"),
        ("sev>critical", "no severity"),
        ("product:A product:B", "second product"),
        ("product:A -product:B", "cannot combine"),
        ("verification:true_positive", "verdict"),
        ("sev>=", "column"),
    ] {
        let refusal = Scope::parse(scope).expect_err(scope);
        assert!(refusal.contains(reason), "{scope}: {refusal}");
    }
}

#[test]
fn a_negated_list_excludes_every_value_and_a_missing_field_is_not_excluded() {
    let scope = Scope::parse("-account:111111111111,222222222222 -control:S3.8").expect("ok");
    let admits = |account| scope.admits(&row("GuardDuty", account, SeverityLabel::High).borrowed());
    assert!(!admits("111111111111"));
    assert!(!admits("222222222222"));
    assert!(
        admits("333333333333"),
        "no control: not excluded by -control"
    );
    let scope = Scope::parse("control:S3.8").expect("ok");
    assert!(
        !scope.admits(&row("GuardDuty", "1", SeverityLabel::High).borrowed()),
        "no control: not in a scope of one"
    );
}

#[test]
fn a_view_filter_splits_into_what_security_hub_applies_and_what_picket_does() {
    let (scope, left) =
        Scope::split("sev>=high account:111122223333 -region:eu-* title:*bucket* status:new");
    let filters = scope.expect("some terms translate").asff_filters();
    assert_eq!(
        filters["AwsAccountId"],
        serde_json::json!([{"Value": "111122223333", "Comparison": "EQUALS"}])
    );
    assert_eq!(
        filters["Region"],
        serde_json::json!([{"Value": "eu-", "Comparison": "PREFIX_NOT_EQUALS"}])
    );
    let labels: Vec<&str> = filters["SeverityLabel"]
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(|f| f["Value"].as_str())
        .collect();
    assert_eq!(labels, ["HIGH", "CRITICAL"]);
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left[0].contains("title"), "{left:?}");
    let (none, why) = Scope::split("title:x");
    assert!(none.is_none() && why.len() == 1, "{why:?}");
}
