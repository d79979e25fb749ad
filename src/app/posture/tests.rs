use super::*;
use crate::model::standards::{EnabledStandard, StandardControl};
use serde_json::json;

fn now() -> jiff::Timestamp {
    "2026-01-15T09:30:00Z".parse().expect("time")
}

/// A control finding as Security Hub sends it.
fn control(
    n: u32,
    control: &str,
    account: &str,
    status: &str,
    workflow: &str,
) -> serde_json::Value {
    json!({
        "SchemaVersion": "2018-10-08",
        "Id": format!("arn:aws:securityhub:us-east-1:{account}:security-control/{control}/finding/{n}"),
        "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "GeneratorId": format!("security-control/{control}"),
        "AwsAccountId": account,
        "Region": "us-east-1",
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "CreatedAt": "2026-01-15T08:00:00Z",
        "UpdatedAt": "2026-01-15T09:00:00Z",
        "Severity": {"Label": "HIGH"},
        "Title": format!("{control} title"),
        "Description": "d",
        "Resources": [{"Type": "AwsS3Bucket", "Id": format!("arn:aws:s3:::bucket-{n}")}],
        "Compliance": {"Status": status, "SecurityControlId": control,
            "RelatedRequirements": ["CIS AWS Foundations Benchmark v3.0.0/2.1.4"],
            "AssociatedStandards": [{"StandardsId": "standards/aws-foundational-security-best-practices/v/1.0.0"}]},
        "Workflow": {"Status": workflow},
        "RecordState": "ACTIVE"
    })
}

fn store(records: &[serde_json::Value]) -> FindingStore {
    let mut store = FindingStore::default();
    for record in records {
        let finding = crate::model::asff::map_finding(record).expect("maps");
        store.upsert(finding, now(), true);
    }
    store
}

fn directory() -> Directory {
    let mut directory = Directory::default();
    for (id, ou) in [
        ("111111111111", "Workloads/Production"),
        ("222222222222", "Sandbox"),
    ] {
        directory.insert(crate::model::Account {
            id: crate::model::SafeText::line(id),
            name: crate::model::SafeText::line(id),
            ou_path: crate::model::SafeText::line(ou),
            production: false,
        });
    }
    directory
}

const A: &str = "111111111111";
const B: &str = "222222222222";

#[test]
fn a_control_fails_when_any_resource_fails_and_suppressed_findings_do_not_count() {
    let store = store(&[
        control(1, "S3.8", A, "FAILED", "NEW"),
        control(2, "S3.8", A, "PASSED", "NEW"),
        control(3, "S3.8", B, "PASSED", "NEW"),
        control(4, "IAM.4", A, "PASSED", "NEW"),
        control(5, "IAM.4", B, "FAILED", "SUPPRESSED"),
        control(6, "EC2.2", B, "WARNING", "NEW"),
    ]);
    let view = Compliance::build(&store, &directory(), &BTreeMap::new());
    let names: Vec<&str> = view.standards.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "AWS Foundational Security Best Practices v1.0.0",
            "CIS AWS Foundations Benchmark v3.0.0"
        ]
    );
    let fsbp = &view.standards[0];
    let status = |id: &str| {
        let row = fsbp.controls.iter().find(|c| c.id == id).expect("listed");
        (
            row.status,
            row.failing,
            row.passing,
            row.accounts_failing,
            row.accounts,
        )
    };
    assert_eq!(status("S3.8"), (ControlStatus::Failed, 1, 2, 1, 2));
    assert_eq!(status("IAM.4"), (ControlStatus::Passed, 0, 1, 0, 1));
    assert_eq!(status("EC2.2"), (ControlStatus::Unknown, 0, 0, 0, 1));
    // Failing first.
    assert_eq!(fsbp.controls[0].id, "S3.8");
    assert_eq!(fsbp.pass_rate(), Some(50));
    assert_eq!(view.findings, 5);
    assert!(!view.from_api);
    assert_eq!(fsbp.enabled_in, None);
    // By account: A has S3.8 failed and IAM.4 passed; B has S3.8 passed (EC2.2 unknown).
    let rate = |rates: &[Rate], key: &str| {
        rates
            .iter()
            .find(|r| r.key == key)
            .map(|r| (r.passed, r.failed, r.percent()))
    };
    assert_eq!(rate(&view.accounts, A), Some((1, 1, Some(50))));
    assert_eq!(rate(&view.accounts, B), Some((1, 0, Some(100))));
    assert_eq!(
        rate(&view.ous, "Workloads/Production"),
        Some((1, 1, Some(50)))
    );
    // Lowest first.
    assert_eq!(view.accounts[0].key, A);
}

#[test]
fn what_security_hub_says_is_enabled_and_disabled_is_shown() {
    let store = store(&[control(1, "S3.8", A, "FAILED", "NEW")]);
    let mut enabled = BTreeMap::new();
    enabled.insert(
        (A.to_string(), "us-east-1".to_string()),
        StandardsReport {
            account_id: A.into(),
            region: "us-east-1".into(),
            unread: None,
            standards: vec![
                EnabledStandard {
                    name: "AWS Foundational Security Best Practices v1.0.0".into(),
                    status: "READY".into(),
                    controls: vec![
                        StandardControl {
                            id: "S3.8".into(),
                            title: "S3 block public access".into(),
                            enabled: false,
                            disabled_reason: Some("public website bucket, SEC-12".into()),
                        },
                        StandardControl {
                            id: "CloudTrail.1".into(),
                            title: "CloudTrail enabled".into(),
                            enabled: true,
                            disabled_reason: None,
                        },
                    ],
                },
                EnabledStandard {
                    name: "PCI DSS v3.2.1".into(),
                    status: "READY".into(),
                    controls: Vec::new(),
                },
            ],
        },
    );
    let view = Compliance::build(&store, &directory(), &enabled);
    assert!(view.from_api);
    let fsbp = view
        .standards
        .iter()
        .find(|s| s.name.starts_with("AWS Foundational"))
        .expect("listed");
    assert_eq!(fsbp.enabled_in, Some(1));
    let s38 = fsbp
        .controls
        .iter()
        .find(|c| c.id == "S3.8")
        .expect("listed");
    assert_eq!((s38.status, s38.disabled_in), (ControlStatus::Disabled, 1));
    assert_eq!(
        s38.disabled_reason.as_deref(),
        Some("public website bucket, SEC-12")
    );
    let trail = fsbp
        .controls
        .iter()
        .find(|c| c.id == "CloudTrail.1")
        .expect("listed");
    assert_eq!(trail.status, ControlStatus::NoData);
    // Enabled with no finding yet: listed, nothing evaluated.
    let pci = view
        .standards
        .iter()
        .find(|s| s.name == "PCI DSS v3.2.1")
        .expect("listed");
    assert_eq!((pci.controls.len(), pci.pass_rate()), (0, None));
    // CIS is named by the finding's requirements only, and Security Hub says it is not
    // enabled where it was asked: not listed.
    assert!(!view.standards.iter().any(|s| s.name.starts_with("CIS")));
}

#[test]
fn a_finding_counts_toward_a_standard_only_where_it_is_enabled() {
    // FSBP is enabled in A's us-east-1 only; B's region was not asked.
    let store = store(&[
        control(1, "S3.8", A, "FAILED", "NEW"),
        control(2, "S3.8", B, "FAILED", "NEW"),
    ]);
    let mut enabled = BTreeMap::new();
    enabled.insert(
        (A.to_string(), "us-east-1".to_string()),
        StandardsReport {
            account_id: A.into(),
            region: "us-east-1".into(),
            unread: None,
            standards: vec![EnabledStandard {
                name: "CIS AWS Foundations Benchmark v3.0.0".into(),
                status: "READY".into(),
                controls: Vec::new(),
            }],
        },
    );
    let view = Compliance::build(&store, &directory(), &enabled);
    let names: Vec<&str> = view.standards.iter().map(|s| s.name.as_str()).collect();
    // FSBP: not enabled where asked, listed by no report: hidden.
    assert_eq!(names, ["CIS AWS Foundations Benchmark v3.0.0"]);
    let s38 = &view.standards[0].controls[0];
    // Both count: A where CIS is enabled, B where Security Hub was not asked.
    assert_eq!((s38.failing, s38.accounts), (2, 2));
}

#[test]
fn a_control_drills_into_its_failing_findings() {
    assert_eq!(
        drill_filter("S3.8"),
        "control:S3.8 compliance:failed -status:suppressed -source:detection"
    );
    assert!(crate::query::Query::parse(&drill_filter("S3.8")).is_ok());
}

#[test]
fn a_report_that_could_not_be_read_says_nothing_of_what_is_enabled() {
    let store = store(&[control(1, "S3.8", A, "FAILED", "NEW")]);
    let mut enabled = BTreeMap::new();
    enabled.insert(
        (A.to_string(), "us-east-1".to_string()),
        StandardsReport {
            account_id: A.into(),
            region: "us-east-1".into(),
            standards: Vec::new(),
            unread: Some("denied".into()),
        },
    );
    // As if nothing had been asked: the findings name the standards.
    assert_eq!(
        Compliance::build(&store, &directory(), &enabled),
        Compliance::build(&store, &directory(), &BTreeMap::new())
    );
}
