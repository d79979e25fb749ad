//! Security Hub findings of the demo in ASFF: control checks, Inspector, Macie, IAM Access
//! Analyzer, and a third-party product importing through BatchImportFindings.

use serde_json::{Value, json};

use super::Scene;
use super::hostile;
use super::org::{self, BUCKET_PURPOSES, FUNCTIONS, INSTANCE_NAMES, ROLES, hex_id};

/// A Security Hub control: id, title, severity label, resource type, related requirements.
pub struct Control {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: &'static str,
    pub resource: &'static str,
    pub requirements: &'static [&'static str],
    pub weight: u32,
}

const fn c(
    id: &'static str,
    title: &'static str,
    severity: &'static str,
    resource: &'static str,
    requirements: &'static [&'static str],
    weight: u32,
) -> Control {
    Control {
        id,
        title,
        severity,
        resource,
        requirements,
        weight,
    }
}

pub const CONTROLS: &[Control] = &[
    c(
        "S3.8",
        "S3 general purpose buckets should block public access",
        "HIGH",
        "AwsS3Bucket",
        &[
            "CIS AWS Foundations Benchmark v3.0.0/2.1.4",
            "NIST.800-53.r5 AC-21",
            "NIST.800-53.r5 AC-3",
        ],
        6,
    ),
    c(
        "S3.2",
        "S3 general purpose buckets should block public read access",
        "CRITICAL",
        "AwsS3Bucket",
        &[
            "PCI DSS v3.2.1/1.2.1",
            "PCI DSS v3.2.1/7.2.1",
            "NIST.800-53.r5 AC-3",
        ],
        2,
    ),
    c(
        "S3.5",
        "S3 general purpose buckets should require requests to use SSL",
        "MEDIUM",
        "AwsS3Bucket",
        &[
            "CIS AWS Foundations Benchmark v1.4.0/2.1.2",
            "NIST.800-53.r5 SC-8",
        ],
        5,
    ),
    c(
        "EC2.3",
        "Attached Amazon EBS volumes should be encrypted at-rest",
        "MEDIUM",
        "AwsEc2Volume",
        &["NIST.800-53.r5 SC-28", "NIST.800-53.r5 SC-13"],
        8,
    ),
    c(
        "EC2.7",
        "EBS default encryption should be enabled",
        "MEDIUM",
        "AwsAccount",
        &[
            "CIS AWS Foundations Benchmark v1.4.0/2.2.1",
            "NIST.800-53.r5 SC-28",
        ],
        4,
    ),
    c(
        "RDS.5",
        "RDS DB instances should be configured with multiple Availability Zones",
        "MEDIUM",
        "AwsRdsDbInstance",
        &["NIST.800-53.r5 CP-10", "NIST.800-53.r5 SC-36"],
        4,
    ),
    c(
        "EC2.19",
        "Security groups should not allow unrestricted access to ports with high risk",
        "CRITICAL",
        "AwsEc2SecurityGroup",
        &["NIST.800-53.r5 SC-7", "NIST.800-53.r5 CM-7"],
        2,
    ),
    c(
        "EC2.18",
        "Security groups should only allow unrestricted incoming traffic for authorized ports",
        "HIGH",
        "AwsEc2SecurityGroup",
        &["NIST.800-53.r5 AC-4", "NIST.800-53.r5 SC-7"],
        4,
    ),
    c(
        "EC2.13",
        "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22",
        "HIGH",
        "AwsEc2SecurityGroup",
        &[
            "CIS AWS Foundations Benchmark v1.2.0/4.1",
            "PCI DSS v3.2.1/2.2.2",
        ],
        4,
    ),
    c(
        "EC2.2",
        "VPC default security groups should not allow inbound or outbound traffic",
        "HIGH",
        "AwsEc2SecurityGroup",
        &[
            "CIS AWS Foundations Benchmark v1.2.0/4.3",
            "PCI DSS v3.2.1/1.2.1",
        ],
        3,
    ),
    c(
        "IAM.4",
        "IAM root user access key should not exist",
        "CRITICAL",
        "AwsAccount",
        &[
            "CIS AWS Foundations Benchmark v1.2.0/1.12",
            "PCI DSS v3.2.1/2.1",
        ],
        1,
    ),
    c(
        "IAM.6",
        "Hardware MFA should be enabled for the root user",
        "CRITICAL",
        "AwsAccount",
        &[
            "CIS AWS Foundations Benchmark v1.2.0/1.14",
            "PCI DSS v3.2.1/8.3.1",
        ],
        1,
    ),
    c(
        "CloudWatch.1",
        "A log metric filter and alarm should exist for usage of the \"root\" user",
        "LOW",
        "AwsAccount",
        &[
            "CIS AWS Foundations Benchmark v1.2.0/3.3",
            "CIS AWS Foundations Benchmark v1.4.0/4.3",
            "PCI DSS v3.2.1/7.2.1",
        ],
        3,
    ),
    c(
        "CloudTrail.1",
        "CloudTrail should be enabled and configured with at least one multi-Region trail that includes read and write management events",
        "HIGH",
        "AwsAccount",
        &[
            "CIS AWS Foundations Benchmark v1.2.0/2.1",
            "NIST.800-53.r5 AU-12",
        ],
        1,
    ),
    c(
        "GuardDuty.1",
        "GuardDuty should be enabled",
        "HIGH",
        "AwsAccount",
        &["NIST.800-53.r5 SI-4", "PCI DSS v3.2.1/11.4"],
        1,
    ),
    c(
        "KMS.4",
        "AWS KMS key rotation should be enabled",
        "MEDIUM",
        "AwsKmsKey",
        &[
            "CIS AWS Foundations Benchmark v1.2.0/2.8",
            "NIST.800-53.r5 SC-12",
        ],
        3,
    ),
    c(
        "Lambda.1",
        "Lambda function policies should prohibit public access",
        "CRITICAL",
        "AwsLambdaFunction",
        &["NIST.800-53.r5 AC-21", "PCI DSS v3.2.1/1.2.1"],
        1,
    ),
    c(
        "EC2.8",
        "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)",
        "HIGH",
        "AwsEc2Instance",
        &["NIST.800-53.r5 AC-3", "NIST.800-53.r5 CM-2"],
        5,
    ),
    c(
        "EC2.9",
        "Amazon EC2 instances should not have a public IPv4 address",
        "HIGH",
        "AwsEc2Instance",
        &["NIST.800-53.r5 AC-21", "PCI DSS v3.2.1/1.3.1"],
        3,
    ),
    c(
        "IAM.1",
        "IAM policies should not allow full \"*\" administrative privileges",
        "HIGH",
        "AwsIamPolicy",
        &[
            "CIS AWS Foundations Benchmark v1.2.0/1.22",
            "NIST.800-53.r5 AC-6",
        ],
        2,
    ),
];

/// Inspector package vulnerabilities: CVE, package, CVSS score.
const CVES: &[(&str, &str, f64)] = &[
    ("CVE-2024-6387", "openssh-server", 8.1),
    ("CVE-2023-44487", "nghttp2", 7.5),
    ("CVE-2021-44228", "log4j-core", 10.0),
    ("CVE-2023-38545", "curl", 9.8),
    ("CVE-2024-3094", "xz-utils", 10.0),
    ("CVE-2022-3602", "openssl", 7.5),
    ("CVE-2023-4911", "glibc", 7.8),
    ("CVE-2024-2961", "glibc", 7.3),
];

/// Which kind of Security Hub finding to make.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Control(usize),
    Inspector,
    Macie,
    AccessAnalyzer,
    ThirdParty,
}

pub fn pick(rng: &mut fastrand::Rng) -> Kind {
    let controls: u32 = CONTROLS.iter().map(|c| c.weight).sum();
    // Controls dominate, then vulnerabilities; the rest are occasional.
    let total = controls + 20 + 5 + 4 + 1;
    let mut n = rng.u32(0..total);
    for (i, control) in CONTROLS.iter().enumerate() {
        if n < control.weight {
            return Kind::Control(i);
        }
        n -= control.weight;
    }
    match n {
        0..20 => Kind::Inspector,
        20..25 => Kind::Macie,
        25..29 => Kind::AccessAnalyzer,
        _ => Kind::ThirdParty,
    }
}

fn normalized(label: &str) -> u8 {
    match label {
        "CRITICAL" => 90,
        "HIGH" => 70,
        "MEDIUM" => 40,
        "LOW" => 1,
        _ => 0,
    }
}

fn label_for_cvss(score: f64) -> &'static str {
    match score {
        s if s >= 9.0 => "CRITICAL",
        s if s >= 7.0 => "HIGH",
        s if s >= 4.0 => "MEDIUM",
        _ => "LOW",
    }
}

fn resource_for(kind: &str, scene: &mut Scene) -> Value {
    let account = scene.account;
    let region = scene.region;
    let rng = &mut *scene.rng;
    let (id, details) = match kind {
        "AwsS3Bucket" => {
            let name =
                org::bucket_name(account, BUCKET_PURPOSES[rng.usize(..BUCKET_PURPOSES.len())]);
            (
                format!("arn:aws:s3:::{name}"),
                json!({"AwsS3Bucket": {"OwnerId": hex_id(org::hash(&[account.id, "owner"]), 64), "CreatedAt": "2024-03-11T10:20:00.000Z"}}),
            )
        }
        "AwsEc2Volume" => {
            let vol = format!("vol-0{}", hex_id(rng.u64(..), 16));
            (
                format!("arn:aws:ec2:{region}:{}:volume/{vol}", account.id),
                json!({"AwsEc2Volume": {"Encrypted": false, "Size": 100, "Status": "in-use"}}),
            )
        }
        "AwsRdsDbInstance" => {
            let db = ["orders-db", "ledger-db", "users-db", "reporting-db"][rng.usize(..4)];
            (
                format!("arn:aws:rds:{region}:{}:db:{db}", account.id),
                json!({"AwsRdsDbInstance": {"DbInstanceIdentifier": db, "Engine": "postgres", "MultiAz": false, "StorageEncrypted": true}}),
            )
        }
        "AwsEc2SecurityGroup" => {
            let sg = format!("sg-0{}", hex_id(rng.u64(..), 16));
            let port = [22, 3389, 3306, 5432, 9200][rng.usize(..5)];
            (
                format!("arn:aws:ec2:{region}:{}:security-group/{sg}", account.id),
                json!({"AwsEc2SecurityGroup": {"GroupId": sg, "GroupName": "launch-wizard-3", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}}),
            )
        }
        "AwsEc2Instance" => {
            let name = INSTANCE_NAMES[rng.usize(..INSTANCE_NAMES.len())];
            let id = org::instance_id(account.id, name);
            (
                format!("arn:aws:ec2:{region}:{}:instance/{id}", account.id),
                json!({"AwsEc2Instance": {"Type": "m5.large", "MetadataOptions": {"HttpTokens": "optional"}}}),
            )
        }
        "AwsKmsKey" => {
            let key = org::uuid(rng.u64(..));
            (
                format!("arn:aws:kms:{region}:{}:key/{key}", account.id),
                json!({"AwsKmsKey": {"KeyManager": "CUSTOMER", "KeyState": "Enabled"}}),
            )
        }
        "AwsLambdaFunction" => {
            let name = FUNCTIONS[rng.usize(..FUNCTIONS.len())];
            (
                format!("arn:aws:lambda:{region}:{}:function:{name}", account.id),
                json!({"AwsLambdaFunction": {"FunctionName": name, "Runtime": "python3.12"}}),
            )
        }
        "AwsIamPolicy" => (
            format!("arn:aws:iam::{}:policy/legacy-admin", account.id),
            json!({"AwsIamPolicy": {"PolicyName": "legacy-admin", "AttachmentCount": 3}}),
        ),
        _ => (format!("AWS::::Account:{}", account.id), Value::Null),
    };
    let mut resource = json!({"Type": kind, "Id": id, "Partition": "aws", "Region": region});
    if !details.is_null() {
        resource["Details"] = details;
    }
    resource
}

/// Common ASFF fields; `fields` adds or overrides the rest.
fn base(
    scene: &mut Scene,
    product: &str,
    product_arn: String,
    id: String,
    generator: &str,
    fields: Value,
) -> Value {
    let mut finding = json!({
        "SchemaVersion": "2018-10-08",
        "Id": id,
        "ProductArn": product_arn,
        "ProductName": product,
        "CompanyName": "AWS",
        "Region": scene.region,
        "GeneratorId": generator,
        "AwsAccountId": scene.account.id,
        "AwsAccountName": scene.account.name,
        "CreatedAt": scene.first_text(),
        "UpdatedAt": scene.last_text(),
        "FirstObservedAt": scene.first_text(),
        "LastObservedAt": scene.last_text(),
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"},
        "WorkflowState": "NEW",
        "ProductFields": {"aws/securityhub/ProductName": product, "aws/securityhub/CompanyName": "AWS"}
    });
    if let (Some(target), Some(extra)) = (finding.as_object_mut(), fields.as_object()) {
        for (k, v) in extra {
            target.insert(k.clone(), v.clone());
        }
    }
    triage_state(&mut finding, scene);
    finding
}

/// Some findings have been worked on: notified with a note, resolved, suppressed, verified.
fn triage_state(finding: &mut Value, scene: &mut Scene) {
    let roll = scene.rng.u8(..100);
    let (status, note) = match roll {
        0..72 => ("NEW", None),
        72..86 => ("NOTIFIED", Some("Paged the owning team; ticket SEC-")),
        86..94 => (
            "RESOLVED",
            Some("Fixed by the owning team; verified in the console. SEC-"),
        ),
        _ => (
            "SUPPRESSED",
            Some("Accepted risk, reviewed by the security lead. SEC-"),
        ),
    };
    finding["Workflow"] = json!({"Status": status});
    if let Some(text) = note {
        let analyst =
            ["alice@example.com", "bob@example.com", "oncall-secops"][scene.rng.usize(..3)];
        finding["Note"] = json!({"Text": format!("{text}{}", 1000 + scene.rng.u32(..9000)), "UpdatedBy": analyst, "UpdatedAt": scene.last_text()});
    }
    let verification = match scene.rng.u8(..10) {
        0 => "TRUE_POSITIVE",
        1 => "BENIGN_POSITIVE",
        2 => "FALSE_POSITIVE",
        _ => "UNKNOWN",
    };
    finding["VerificationState"] = json!(verification);
}

/// The standards a control finding is associated with in this account, as Security Hub lists
/// them (`Compliance.AssociatedStandards`): the ones enabled there that hold the control.
fn associated(account: &org::DemoAccount, control: &Control) -> Value {
    let mut ids = vec!["standards/aws-foundational-security-best-practices/v/1.0.0"];
    let named = |prefix: &str| control.requirements.iter().any(|r| r.starts_with(prefix));
    if org::runs_cis(account) && named("CIS ") {
        ids.push("standards/cis-aws-foundations-benchmark/v/3.0.0");
    }
    if org::runs_pci(account) && named("PCI ") {
        ids.push("standards/pci-dss/v/3.2.1");
    }
    ids.into_iter()
        .map(|id| json!({"StandardsId": id}))
        .collect()
}

pub fn finding(kind: Kind, scene: &mut Scene) -> Value {
    let region = scene.region;
    let account = scene.account.id;
    let uuid = org::uuid(scene.rng.u64(..) ^ scene.serial);
    match kind {
        Kind::Control(i) => {
            let control = &CONTROLS[i];
            // Most checks pass, as in a kept organization; a third fail, a few warn.
            let status = match scene.rng.u8(..20) {
                0..=6 => "FAILED",
                7..=18 => "PASSED",
                _ => "WARNING",
            };
            let label = if status == "PASSED" {
                "INFORMATIONAL"
            } else {
                control.severity
            };
            let resource = resource_for(control.resource, scene);
            let standards = associated(scene.account, control);
            base(
                scene,
                "Security Hub",
                format!("arn:aws:securityhub:{region}::product/aws/securityhub"),
                format!(
                    "arn:aws:securityhub:{region}:{account}:security-control/{}/finding/{uuid}",
                    control.id
                ),
                &format!("security-control/{}", control.id),
                json!({
                    "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
                    "Title": control.title,
                    "Description": format!("This control checks: {}. It fails when the resource does not meet the requirement.", control.title.to_lowercase()),
                    "Severity": {"Label": label, "Normalized": normalized(label), "Original": label},
                    "Remediation": {"Recommendation": {"Text": "For information on how to correct this issue, consult the AWS Security Hub controls documentation.", "Url": format!("https://docs.aws.amazon.com/console/securityhub/{}/remediation", control.id)}},
                    "Resources": [resource],
                    "Compliance": {"Status": status, "SecurityControlId": control.id, "RelatedRequirements": control.requirements,
                        "AssociatedStandards": standards},
                    "ProductFields": {"aws/securityhub/ProductName": "Security Hub", "aws/securityhub/CompanyName": "AWS", "ControlId": control.id, "RelatedAWSResources:0/type": control.resource}
                }),
            )
        }
        Kind::Inspector => {
            let (cve, package, score) = CVES[scene.rng.usize(..CVES.len())];
            let label = label_for_cvss(score);
            let name = INSTANCE_NAMES[scene.rng.usize(..INSTANCE_NAMES.len())];
            let instance = org::instance_id(account, name);
            base(
                scene,
                "Inspector",
                format!("arn:aws:securityhub:{region}::product/aws/inspector"),
                format!(
                    "arn:aws:inspector2:{region}:{account}:finding/{}",
                    hex_id(org::hash(&[&uuid, "inspector"]), 32)
                ),
                "AWSInspector",
                json!({
                    "Types": ["Software and Configuration Checks/Vulnerabilities/CVE"],
                    "Title": format!("{cve} - {package}"),
                    "Description": format!("A vulnerability in {package} ({cve}) is present in a package installed on {instance}."),
                    "Severity": {"Label": label, "Normalized": normalized(label)},
                    "Resources": [{"Type": "AwsEc2Instance", "Id": format!("arn:aws:ec2:{region}:{account}:instance/{instance}"), "Partition": "aws", "Region": region, "Tags": {"Name": name}}],
                    "Vulnerabilities": [{"Id": cve, "VulnerablePackages": [{"Name": package, "PackageManager": "OS"}], "Cvss": [{"BaseScore": score, "Version": "3.1"}], "FixAvailable": "YES"}]
                }),
            )
        }
        Kind::Macie => {
            let bucket = org::bucket_name(
                scene.account,
                ["data-lake", "exports", "backups"][scene.rng.usize(..3)],
            );
            base(
                scene,
                "Macie",
                format!("arn:aws:securityhub:{region}::product/aws/macie"),
                format!(
                    "arn:aws:macie2:{region}:{account}:finding/{}",
                    hex_id(org::hash(&[&uuid, "macie"]), 32)
                ),
                "aws-macie",
                json!({
                    "Types": ["Sensitive Data Identifications/PII"],
                    "Title": "The S3 object contains personal information.",
                    "Description": format!("The object exports/customers-2025.csv in {bucket} contains names, addresses and credit card numbers."),
                    "Severity": {"Label": "HIGH", "Normalized": 70},
                    "Resources": [{"Type": "AwsS3Object", "Id": format!("arn:aws:s3:::{bucket}/exports/customers-2025.csv"), "Partition": "aws", "Region": region},
                                  {"Type": "AwsS3Bucket", "Id": format!("arn:aws:s3:::{bucket}"), "Partition": "aws", "Region": region}]
                }),
            )
        }
        Kind::AccessAnalyzer => {
            let role = ROLES[scene.rng.usize(..ROLES.len())];
            let open = scene.rng.bool();
            let trusted = if open {
                "*"
            } else {
                "arn:aws:iam::999988887777:root"
            };
            base(
                scene,
                "IAM Access Analyzer",
                format!("arn:aws:securityhub:{region}::product/aws/access-analyzer"),
                format!(
                    "arn:aws:access-analyzer:{region}:{account}:analyzer/org-analyzer/arn:aws:iam::{account}:role/{role}"
                ),
                "aws/access-analyzer",
                json!({
                    "Types": ["Software and Configuration Checks/AWS Security Best Practices/External Access Granted"],
                    "Title": format!("AwsIamRole/arn:aws:iam::{account}:role/{role} allows cross-account access"),
                    "Description": format!("The trust policy of role {role} lets {trusted} call sts:AssumeRole{}.", if open { " — any AWS principal" } else { ", an account outside the organization" }),
                    "Severity": {"Label": if open { "CRITICAL" } else { "HIGH" }, "Normalized": if open { 90 } else { 70 }},
                    "Resources": [{"Type": "AwsIamRole", "Id": format!("arn:aws:iam::{account}:role/{role}"), "Partition": "aws", "Region": region,
                        "Details": {"AwsIamRole": {"RoleName": role, "AssumeRolePolicyDocument": format!("{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"AWS\":\"{trusted}\"}},\"Action\":\"sts:AssumeRole\"}}]}}")}}}]
                }),
            )
        }
        Kind::ThirdParty => {
            let mut finding = base(
                scene,
                "Acme Scanner",
                format!("arn:aws:securityhub:{region}:{account}:product/{account}/default"),
                format!("acme-scanner/{}", uuid),
                "acme-scanner/web-exposure",
                json!({
                    "CompanyName": "Acme",
                    "Types": ["Software and Configuration Checks/Vulnerabilities"],
                    "Title": hostile::TITLE,
                    "Description": hostile::long_description(),
                    "Severity": {"Label": "MEDIUM", "Normalized": 40},
                    "Resources": [{"Type": "Other", "Id": hostile::long_resource_id(), "Partition": "aws", "Region": region}]
                }),
            );
            finding["ProductFields"] = json!({"acme/scanner-version": "4.2.0"});
            finding
        }
    }
}

/// A recurrence: the same check failed again or the product re-sent the finding.
pub fn recur(record: &mut Value, at: &str) {
    record["LastObservedAt"] = json!(at);
    record["UpdatedAt"] = json!(at);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classic_controls_are_present() {
        for id in [
            "S3.8",
            "S3.2",
            "EC2.3",
            "RDS.5",
            "EC2.19",
            "EC2.18",
            "EC2.2",
            "IAM.4",
            "CloudWatch.1",
        ] {
            assert!(CONTROLS.iter().any(|c| c.id == id), "{id} missing");
        }
    }
}
