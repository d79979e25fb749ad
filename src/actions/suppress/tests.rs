use serde_json::json;

use super::*;
use crate::actions::{Action, plan};
use crate::model::fixtures;
use crate::model::guardduty::map_finding;

fn finding(resource: Value) -> Finding {
    map_finding(&json!({
        "id": "f1", "accountId": "222222222222", "region": "us-east-1",
        "type": "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom", "severity": 5.0,
        "title": "t", "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
        "resource": resource,
        "service": {"detectorId": "d-member", "count": 1}
    }))
    .expect("fixture")
}

fn store() -> FindingStore {
    let mut store = FindingStore::default();
    let now = jiff::Timestamp::UNIX_EPOCH;
    for (id, account, kind) in [
        ("a", "111111111111", "Recon:EC2/PortProbeUnprotectedPort"),
        ("b", "222222222222", "Recon:EC2/Portscan"),
        ("c", "222222222222", "CryptoCurrency:EC2/BitcoinTool.B!DNS"),
    ] {
        store.upsert(
            fixtures::guardduty(id, account, kind, 5.0, "2026-01-01T00:00:00Z"),
            now,
            true,
        );
    }
    store
}

fn rule(filter: &str) -> Result<Rule, String> {
    let query = Query::parse(filter).expect("valid filter");
    from_query(&query, filter, &store(), &fixtures::directory())
}

#[test]
fn a_finding_gives_its_type_account_and_resource() {
    let rule = from_finding(&finding(json!({
        "resourceType": "Instance", "instanceDetails": {"instanceId": "i-0abc"}
    })))
    .expect("rule");
    assert_eq!(
        rule.criteria,
        json!({"Criterion": {
            "accountId": {"Equals": ["222222222222"]},
            "resource.instanceDetails.instanceId": {"Equals": ["i-0abc"]},
            "type": {"Equals": ["UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"]}
        }})
    );
    assert!(
        rule.name
            .starts_with("picket-UnauthorizedAccess-IAMUser-Malicious")
    );
    assert_eq!(
        rule.name.len(),
        64,
        "cut to GuardDuty's limit: {}",
        rule.name
    );
    assert!(
        rule.name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    );
}

#[test]
fn a_temporary_key_is_named_by_its_user_a_long_term_key_by_its_id() {
    let temporary = from_finding(&finding(json!({"resourceType": "AccessKey",
        "accessKeyDetails": {"accessKeyId": "ASIAEXAMPLE", "userName": "deploy-role"}})))
    .expect("rule");
    assert_eq!(
        temporary.criteria["Criterion"]["resource.accessKeyDetails.userName"],
        json!({"Equals": ["deploy-role"]})
    );
    let long_term = from_finding(&finding(json!({"resourceType": "AccessKey",
        "accessKeyDetails": {"accessKeyId": "AKIAEXAMPLE", "userName": "alice"}})))
    .expect("rule");
    assert_eq!(
        long_term.criteria["Criterion"]["resource.accessKeyDetails.accessKeyId"],
        json!({"Equals": ["AKIAEXAMPLE"]})
    );
}

#[test]
fn a_finding_without_a_known_resource_is_refused_with_the_way_out() {
    let error = from_finding(&finding(json!({"resourceType": "Mystery"}))).unwrap_err();
    assert!(
        error.contains("Mystery") && error.contains("(F)"),
        "{error}"
    );
}

#[test]
fn a_filter_becomes_criteria_with_types_in_their_own_case() {
    let rule = rule("type:recon* sev>=high -is:prod -status:archived").expect("rule");
    assert_eq!(
        rule.criteria,
        json!({"Criterion": {
            "accountId": {"NotEquals": ["111111111111"]},
            "severity": {"GreaterThanOrEqual": 7},
            "type": {"Equals": ["Recon:EC2/PortProbeUnprotectedPort", "Recon:EC2/Portscan"]}
        }})
    );
    assert_eq!(rule.left_out.len(), 1, "{:?}", rule.left_out);
    assert!(rule.left_out[0].starts_with("-status:archived"));
    assert!(rule.name.starts_with("picket-filter-"));
}

#[test]
fn severity_ranges_and_accounts_by_name() {
    let rule = rule("sev:medium,high account:sandbox region:us-east-1").expect("rule");
    assert_eq!(
        rule.criteria,
        json!({"Criterion": {
            "accountId": {"Equals": ["222222222222"]},
            "region": {"Equals": ["us-east-1"]},
            "severity": {"GreaterThanOrEqual": 4, "LessThan": 9}
        }})
    );
    let rule = self::rule("-sev>=medium type:Recon:EC2/Portscan").expect("rule");
    assert_eq!(
        rule.criteria["Criterion"]["severity"],
        json!({"LessThan": 4})
    );
    assert!(rule.name.starts_with("picket-Recon-EC2-Portscan-"));
}

#[test]
fn terms_a_rule_cannot_express_are_refused_not_dropped() {
    for (filter, says) in [
        ("resource:i-0abc", "(S)"),
        ("bitcoin", "free words"),
        ("sev!=high", "severities to keep"),
        ("sev>=75", "multiple of 10"),
        ("sev:low,high", "one range"),
        ("compliance:failed", "Security Hub"),
        ("type:nothing*", "no finding type"),
        ("account:nobody", "no account"),
        ("source:securityhub", "no GuardDuty"),
        ("type:recon* type:crypto*", "second Equals"),
        ("status:new", "suppress every finding"),
        ("", "suppress every finding"),
    ] {
        let error = rule(filter).expect_err(filter);
        assert!(error.contains(says), "{filter}: {error}");
    }
}

#[test]
fn one_create_filter_per_detector_with_a_description_guardduty_accepts() {
    let rule = rule("type:recon*").expect("rule");
    let target = |n: usize, detector: &str| crate::actions::Target {
        finding: format!("f{n}"),
        account: "222222222222".into(),
        region: "us-east-1".into(),
        production: false,
        hub_id: None,
        product_arn: None,
        detector: Some(detector.into()),
        routes: Vec::new(),
        ..Default::default()
    };
    let targets = vec![target(1, "d1"), target(2, "d1"), target(3, "d2")];
    let plan = plan(
        Action::Suppress { rule },
        targets,
        "alice",
        "noisy scanner — INC-7",
    )
    .expect("plan");
    assert_eq!(plan.calls.len(), 2);
    assert!(plan.needs_token(), "a rule cannot be undone from picket");
    let call = &plan.calls[0];
    assert_eq!(call.api, "guardduty:CreateFilter");
    assert_eq!(call.params["Action"], "ARCHIVE");
    assert_eq!(call.params["DetectorId"], "d1");
    assert_eq!(call.targets.len(), 2);
    let description = call.params["Description"].as_str().expect("description");
    assert_eq!(
        description,
        "filter type:recon  by alice via picket (noisy scanner   INC-7)"
    );
    assert!(description.len() <= DESCRIPTION_LIMIT);
}

#[test]
fn criteria_are_judged_against_a_record_as_guardduty_would() {
    let record = json!({"type": "Recon:EC2/Portscan", "accountId": "222222222222",
        "severity": 5.0, "resource": {"s3BucketDetails": [{"name": "a"}, {"name": "logs"}]}});
    let rule = |criterion: Value| json!({"Criterion": criterion});
    assert!(matches(
        &rule(json!({"type": {"Equals": ["Recon:EC2/Portscan"]},
        "severity": {"GreaterThanOrEqual": 4, "LessThan": 7}})),
        &record
    ));
    assert!(matches(
        &rule(json!({"resource.s3BucketDetails.name": {"Equals": ["logs"]}})),
        &record
    ));
    assert!(!matches(
        &rule(json!({"accountId": {"NotEquals": ["222222222222"]}})),
        &record
    ));
    assert!(!matches(
        &rule(json!({"severity": {"GreaterThanOrEqual": 7}})),
        &record
    ));
    assert!(
        !matches(
            &rule(json!({"type": {"Equals": ["recon:ec2/portscan"]}})),
            &record
        ),
        "case counts"
    );
}
