//! What the demo organization has switched on: Security Hub standards (with disabled controls
//! and a subscription still incomplete) and GuardDuty protection plans and runtime agents, with
//! the gaps a real organization has: sandboxes without CIS, runtime monitoring only in
//! production, an unhealthy agent.

use super::org::{self, DemoAccount};
use super::securityhub::CONTROLS;
use crate::model::standards::{
    EnabledStandard, GuardDutyCoverage, StandardControl, StandardsReport,
};

const FSBP: &str = "AWS Foundational Security Best Practices v1.0.0";
const CIS: &str = "CIS AWS Foundations Benchmark v3.0.0";
const PCI: &str = "PCI DSS v3.2.1";

fn production(account: &DemoAccount) -> bool {
    org::is_production(account.ou)
}

fn sandbox(account: &DemoAccount) -> bool {
    account.ou == "Sandbox"
}

/// The standards enabled where Security Hub is read (not where the demo's role is denied).
pub fn standards() -> Vec<StandardsReport> {
    let mut reports = Vec::new();
    for account in org::ACCOUNTS {
        if account.name == org::SECURITY_HUB_DENIED {
            continue;
        }
        for (r, region) in account.regions.iter().enumerate() {
            let mut standards = vec![EnabledStandard {
                name: FSBP.to_string(),
                status: "READY".to_string(),
                controls: CONTROLS
                    .iter()
                    .map(|c| {
                        // A vendor image needs IMDSv1 in the sandboxes, for now.
                        let disabled = sandbox(account) && c.id == "EC2.8";
                        StandardControl {
                            id: c.id.to_string(),
                            title: c.title.to_string(),
                            enabled: !disabled,
                            disabled_reason: disabled.then(|| {
                                "vendor AMI needs IMDSv1 until 2026-03 (RISK-311)".to_string()
                            }),
                        }
                    })
                    .collect(),
            }];
            if org::runs_cis(account) {
                standards.push(EnabledStandard {
                    name: CIS.to_string(),
                    // Turned on last in staging's second region: still being set up.
                    status: if account.name == "staging-web" && r == 1 {
                        "INCOMPLETE"
                    } else {
                        "READY"
                    }
                    .to_string(),
                    controls: CONTROLS
                        .iter()
                        .filter(|c| c.requirements.iter().any(|q| q.starts_with("CIS ")))
                        .map(|c| StandardControl {
                            id: c.id.to_string(),
                            title: c.title.to_string(),
                            enabled: true,
                            disabled_reason: None,
                        })
                        .collect(),
                });
            }
            if org::runs_pci(account) {
                standards.push(EnabledStandard {
                    name: PCI.to_string(),
                    status: "READY".to_string(),
                    controls: Vec::new(),
                });
            }
            reports.push(StandardsReport {
                account_id: account.id.to_string(),
                region: region.to_string(),
                standards,
                unread: None,
            });
        }
    }
    reports
}

/// GuardDuty's plans and runtime agents where it is enabled.
pub fn coverage() -> Vec<GuardDutyCoverage> {
    let mut reports = Vec::new();
    for account in org::ACCOUNTS {
        for region in account.regions {
            if (account.name, *region) == org::GUARDDUTY_OFF {
                continue;
            }
            let prod = production(account);
            let plans = vec![
                ("S3_DATA_EVENTS".to_string(), true),
                ("EKS_AUDIT_LOGS".to_string(), !sandbox(account)),
                ("RUNTIME_MONITORING".to_string(), prod),
                ("EBS_MALWARE_PROTECTION".to_string(), !sandbox(account)),
                ("RDS_LOGIN_EVENTS".to_string(), prod),
            ];
            let unhealthy_resources: Vec<(String, String)> =
                if account.name == "prod-data" && *region == "us-east-1" {
                    vec![(
                        "EKS cluster analytics".to_string(),
                        "agent stopped reporting: add-on degraded".to_string(),
                    )]
                } else {
                    Vec::new()
                };
            reports.push(GuardDutyCoverage {
                account_id: account.id.to_string(),
                region: region.to_string(),
                plans,
                healthy: if prod { 6 } else { 0 },
                unhealthy: unhealthy_resources.len() as u64,
                unhealthy_resources,
                unread: None,
            });
        }
    }
    reports
}

/// Security Hub's exposure findings (OCSF, one per resource) for the production and staging
/// accounts: a public function with an exploitable package, an instance reachable from the
/// internet with a critical CVE, a bucket holding personal data with public access.
pub fn exposures(now: jiff::Timestamp) -> Vec<crate::model::Finding> {
    let mut findings = Vec::new();
    for account in org::ACCOUNTS
        .iter()
        .filter(|a| production(a) || a.ou == "Workloads/Staging")
    {
        let Some(region) = account.regions.first() else {
            continue;
        };
        let id = account.id;
        let instance = org::instance_id(id, "web-1");
        let bucket = org::bucket_name(account, "exports");
        let scenes = [
            (
                format!("arn:aws:lambda:{region}:{id}:function:checkout-api"),
                "AWS::Lambda::Function",
                5,
                "Publicly invocable function has a vulnerability with a known exploit",
                vec![
                    (
                        "inspector",
                        "CVE-2024-21626 in runc layer",
                        "Vulnerability",
                        vec!["Exploit Available", "Attack Vector Network"],
                    ),
                    (
                        "securityhub",
                        "Lambda.1 function policy allows public invocation",
                        "Reachability",
                        vec!["Publicly invocable"],
                    ),
                ],
            ),
            (
                format!("arn:aws:ec2:{region}:{id}:instance/{instance}"),
                "AWS::EC2::Instance",
                4,
                "Instance reachable from the internet runs a package with a critical CVE",
                vec![
                    (
                        "inspector",
                        "CVE-2024-6387 - openssh-server",
                        "Vulnerability",
                        vec!["Exploit Available"],
                    ),
                    (
                        "inspector",
                        "Port 22 reachable from the internet",
                        "Reachability",
                        vec!["Open port 22"],
                    ),
                    (
                        "securityhub",
                        "EC2.8 instance does not require IMDSv2",
                        "Misconfiguration",
                        vec![],
                    ),
                ],
            ),
            (
                format!("arn:aws:s3:::{bucket}"),
                "AWS::S3::Bucket",
                4,
                "Bucket holding personal data allows public read access",
                vec![
                    (
                        "macie",
                        "The S3 object contains personal information",
                        "Sensitive Data",
                        vec!["PII"],
                    ),
                    (
                        "securityhub",
                        "S3.2 bucket allows public read access",
                        "Misconfiguration",
                        vec![],
                    ),
                ],
            ),
        ];
        for (n, (resource, kind, severity, title, signals)) in scenes.into_iter().enumerate() {
            let related: Vec<serde_json::Value> = signals
                .iter()
                .map(|(product, title, name, values)| {
                    serde_json::json!({
                        "type": "Finding", "title": title,
                        "product": {"uid": format!("arn:aws:securityhub:{region}::productv2/aws/{product}")},
                        "observables": [{"type": "Resource UID", "type_id": 10, "value": resource}],
                        "tags": [{"name": name, "values": values}]
                    })
                })
                .collect();
            let seen = now - jiff::SignedDuration::from_hours(2 + 5 * n as i64);
            let record = serde_json::json!({
                "class_uid": 2004, "class_name": "Detection Finding", "severity_id": severity, "status_id": 1,
                "cloud": {"account": {"uid": id, "name": account.name}, "region": region, "provider": "AWS"},
                "metadata": {"product": {"name": "Security Hub", "uid": format!("arn:aws:securityhub:{region}::productv2/aws/securityhub")},
                             "uid": format!("exposure/{id}/{}", org::hash(&[&resource]))},
                "resources": [{"type": kind, "uid": resource, "region": region}],
                "finding_info": {
                    "uid": format!("arn:aws:securityhub:{region}:{id}:exposure/{}", org::hash(&[&resource])),
                    "title": title, "desc": title,
                    "analytic": {"name": "Exposure", "type": "Rule", "type_id": 1},
                    "created_time_dt": (seen - jiff::SignedDuration::from_hours(24)).to_string(),
                    "modified_time_dt": seen.to_string(),
                    "related_events_count": related.len(),
                    "related_events": related
                }
            });
            if let Ok(finding) = crate::model::ocsf::map_finding(&record) {
                findings.push(finding);
            }
        }
    }
    findings
}
