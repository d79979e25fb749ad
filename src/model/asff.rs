//! AWS Security Finding Format (Security Hub CSPM) JSON into a [`Finding`].

use super::json::{Json, Node};

/// The records' JSON tree (borrowed from the record's text).
type Value<'a> = Node<'a>;

use super::MapError;
use super::finding::{
    Activity, Compliance, ComplianceStatus, DetectionMatch, Finding, Note, RecordState, Resource,
    SourceKind, Sources, Verification, Workflow,
};
use super::json::{get, get_array, get_bool, get_f64, get_str, get_time, path_str};
use super::raw::{RawRecord, RecordKind};
use super::severity::{Severity, SeverityLabel};
use super::text::SafeText;

/// The product ARN of picket's own alerts, the CIS detections' (ASFF-shaped, so they map, filter
/// and show like any Security Hub finding; the mapper gives them the detection source).
pub const DETECTION_PRODUCT: &str = "picket:detection";
/// Where an alert's occurrence count is kept.
pub const DETECTION_COUNT_FIELD: &str = "picket/count";
/// Where an alert's latest matches are kept, 1 the newest: `picket/match/1/time`,
/// `picket/match/1/event`, `picket/match/1/ip`.
pub const DETECTION_MATCH_FIELD: &str = "picket/match";
/// The most matches read back from an alert.
const MATCHES_READ: usize = 20;

/// Maps one ASFF finding. Fails only without `Id`, `AwsAccountId` or any timestamp.
pub fn map_finding(record: &serde_json::Value) -> Result<Finding, MapError> {
    let text = record.to_string();
    let node = Node::parse(&text).map_err(|_| MapError::NotJson)?;
    map_node(&node, &text)
}

/// As [`map_finding`], for a record already parsed from `text` (compact JSON), which is kept as
/// the raw record.
pub fn map_node(record: &Value, text: &str) -> Result<Finding, MapError> {
    let id = get_str(record, "Id").ok_or(MapError::Missing("Id"))?;
    let account_id = get_str(record, "AwsAccountId").ok_or(MapError::Missing("AwsAccountId"))?;
    let created_at = get_time(record, "CreatedAt");
    let updated_at = get_time(record, "UpdatedAt").or(created_at);
    let first_seen = get_time(record, "FirstObservedAt")
        .or(created_at)
        .or(updated_at);
    let last_seen = get_time(record, "LastObservedAt")
        .or(updated_at)
        .or(first_seen);
    let (Some(first_seen), Some(last_seen), Some(updated_at)) = (first_seen, last_seen, updated_at)
    else {
        return Err(MapError::Missing("CreatedAt/UpdatedAt"));
    };
    let product_arn = get_str(record, "ProductArn").unwrap_or("");
    let region = get_str(record, "Region")
        .or_else(|| product_arn.split(':').nth(3).filter(|r| !r.is_empty()))
        .or_else(|| {
            get_array(record, "Resources")
                .iter()
                .find_map(|r| get_str(r, "Region"))
        })
        .unwrap_or("");
    let record_state = match get_str(record, "RecordState") {
        Some(s) if s.eq_ignore_ascii_case("ARCHIVED") => RecordState::Archived,
        _ => RecordState::Active,
    };
    let product_fields = get(record, "ProductFields");
    let product_field = |key: &str| product_fields.and_then(|p| get_str(p, key));
    let count = product_field("aws/guardduty/service/count")
        .or_else(|| product_field(DETECTION_COUNT_FIELD))
        .and_then(|c| c.parse().ok())
        .unwrap_or(1);
    let severity = get(record, "Severity").map(|s| {
        Severity::from_asff(
            get_str(s, "Label").and_then(SeverityLabel::parse),
            get_f64(s, "Normalized"),
        )
    });
    let product = product_name(record, product_arn);
    // GuardDuty's own finding carried by Security Hub keeps its GuardDuty id and scope: one
    // finding, two sources. Any other record is keyed by its product and id, as Security Hub
    // keys it.
    let (key, scope) = match super::guardduty_copy(id, product_arn, account_id, region) {
        Some(gd_id) => (gd_id, super::guardduty_scope(account_id, region)),
        None => (id, super::product_scope("asff", product_arn)),
    };
    let detection = product_arn.starts_with(DETECTION_PRODUCT);
    let mut types: Vec<SafeText> = get_array(record, "Types")
        .iter()
        .filter_map(Value::as_str)
        .map(SafeText::line)
        .collect();
    // An attack sequence carried by Security Hub names its tactics.
    for indicator in get(record, "Detection")
        .and_then(|d| get(d, "Sequence"))
        .map(|s| get_array(s, "SequenceIndicators"))
        .unwrap_or_default()
    {
        if get_str(indicator, "Key") == Some("ATTACK_TACTIC") {
            let names = get_array(indicator, "Values")
                .iter()
                .filter_map(Value::as_str);
            super::attack::add_tactic_types(&mut types, names);
        }
    }
    Ok(Finding {
        id: SafeText::line(key),
        scope,
        arn: id.starts_with("arn:").then(|| SafeText::line(id)),
        sources: Sources::of(if detection {
            SourceKind::Detection
        } else {
            SourceKind::SecurityHub
        }),
        product: SafeText::line(&product),
        title: SafeText::line(get_str(record, "Title").unwrap_or(id)),
        description: SafeText::block(get_str(record, "Description").unwrap_or("")),
        types,
        severity: severity.unwrap_or(Severity::from_asff(None, None)),
        account_id: SafeText::line(account_id),
        account_name: get_str(record, "AwsAccountName").map(SafeText::line),
        region: SafeText::line(region),
        resources: get_array(record, "Resources")
            .iter()
            .map(read_resource)
            .collect(),
        first_seen,
        last_seen,
        created_at: created_at.unwrap_or(first_seen),
        updated_at,
        revised: get_time(record, "ProcessedAt").map_or(updated_at, |p| p.max(updated_at)),
        count: count.max(1),
        workflow: workflow(record),
        record_state,
        archived: record_state == RecordState::Archived,
        verification: get_str(record, "VerificationState")
            .and_then(Verification::parse)
            .unwrap_or_default(),
        compliance: get(record, "Compliance")
            .and_then(read_compliance)
            .map(|mut c| {
                // Findings from before consolidated controls name the control in ProductFields.
                if c.control_id.is_none() {
                    c.control_id = ["ControlId", "RuleId"]
                        .iter()
                        .find_map(|k| product_field(k))
                        .map(SafeText::line);
                }
                // The standards it counts toward, by name among its requirements.
                let mut standards: Vec<String> = get(record, "Compliance")
                    .map(|c| get_array(c, "AssociatedStandards"))
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|s| get_str(s, "StandardsId"))
                    .chain(
                        ["StandardsArn", "StandardsGuideArn"]
                            .iter()
                            .filter_map(|k| product_field(k)),
                    )
                    .filter_map(super::standards::name_of_id)
                    .collect();
                standards.dedup();
                if !standards.is_empty() {
                    let requirements = c.requirements.iter().map(|r| r.to_string()).collect();
                    c.requirements = super::standards::with_standards(requirements, &standards)
                        .iter()
                        .map(|r| SafeText::line(r))
                        .collect();
                }
                c
            }),
        notes: get(record, "Note")
            .and_then(read_note)
            .into_iter()
            .collect(),
        activity: read_activity(record)
            .filter(|a| !a.is_empty())
            .map(Box::new),
        sample: get_bool(record, "Sample").unwrap_or(false),
        facts: read_facts(record),
        matches: match product_fields {
            Some(fields) if detection => read_matches(fields),
            _ => Vec::new(),
        },
        disposition: super::disposition::Disposition::from_fields(record),
        raw: RawRecord::text(RecordKind::Asff, text),
    })
}

/// `ProductName`, else a readable name from the product ARN (`…:product/aws/guardduty`); a
/// custom integration (`…:product/<account>/default`) goes by its `CompanyName`.
fn product_name(record: &Value, product_arn: &str) -> String {
    if let Some(name) = get_str(record, "ProductName").filter(|n| !n.is_empty()) {
        return name.to_string();
    }
    let slug = product_arn.rsplit('/').next().unwrap_or("");
    match slug {
        "default" => get_str(record, "CompanyName")
            .unwrap_or("custom product")
            .to_string(),
        "securityhub" => "Security Hub".into(),
        "guardduty" => "GuardDuty".into(),
        "inspector" => "Inspector".into(),
        "macie" => "Macie".into(),
        "access-analyzer" => "IAM Access Analyzer".into(),
        "config" => "Config".into(),
        "firewall-manager" => "Firewall Manager".into(),
        "" => "Security Hub".into(),
        other => other.to_string(),
    }
}

/// `Workflow.Status`, falling back to the deprecated `WorkflowState`.
fn workflow(record: &Value) -> Workflow {
    if let Some(status) = get(record, "Workflow").and_then(|w| get_str(w, "Status")) {
        return Workflow::parse(status).unwrap_or_default();
    }
    match get_str(record, "WorkflowState")
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("ASSIGNED" | "IN_PROGRESS") => Workflow::Notified,
        Some("RESOLVED") => Workflow::Resolved,
        Some("DEFERRED") => Workflow::Suppressed,
        _ => Workflow::New,
    }
}

/// A detection alert's latest matches, from its product fields ([`DETECTION_MATCH_FIELD`]).
fn read_matches(fields: &Value) -> Vec<DetectionMatch> {
    (1..=MATCHES_READ)
        .map_while(|n| {
            let key = |part: &str| format!("{DETECTION_MATCH_FIELD}/{n}/{part}");
            let at = get_time(fields, &key("time"))?;
            Some(DetectionMatch {
                at,
                event: SafeText::line(get_str(fields, &key("event")).unwrap_or("")),
                source_ip: get_str(fields, &key("ip"))
                    .filter(|ip| !ip.is_empty())
                    .map(SafeText::line),
            })
        })
        .collect()
}

/// Vulnerabilities (Inspector) and the remediation pointer, for the detail view.
fn read_facts(record: &Value) -> Vec<(SafeText, SafeText)> {
    let mut facts = Vec::new();
    for vulnerability in get_array(record, "Vulnerabilities") {
        let id = get_str(vulnerability, "Id").unwrap_or("?");
        let score = get_array(vulnerability, "Cvss")
            .iter()
            .filter_map(|c| get_f64(c, "BaseScore"))
            .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))));
        let score = score.map(|s| format!(" (CVSS {s:.1})")).unwrap_or_default();
        facts.push((
            SafeText::line("vulnerability"),
            SafeText::line(&format!("{id}{score}")),
        ));
        for package in get_array(vulnerability, "VulnerablePackages") {
            let name = get_str(package, "Name").unwrap_or("?");
            let version = get_str(package, "Version")
                .map(|v| format!(" {v}"))
                .unwrap_or_default();
            let fixed = get_str(package, "FixedInVersion")
                .map(|f| format!(", fixed in {f}"))
                .unwrap_or_default();
            facts.push((
                SafeText::line("package"),
                SafeText::line(&format!("{name}{version}{fixed}")),
            ));
        }
    }
    if let Some(text) = get(record, "Remediation").and_then(|r| get(r, "Recommendation")) {
        if let Some(t) = get_str(text, "Text") {
            facts.push((SafeText::line("remediation"), SafeText::line(t)));
        }
        if let Some(url) = get_str(text, "Url") {
            facts.push((SafeText::line("see"), SafeText::line(url)));
        }
    }
    facts
}

fn read_resource(resource: &Value) -> Resource {
    let id = get_str(resource, "Id").unwrap_or("");
    let mut details = Vec::new();
    if let Some(tags) = get(resource, "Tags") {
        for (k, v) in tags.fields() {
            if let Some(v) = v.as_str() {
                details.push((SafeText::line(&format!("tag {k}")), SafeText::line(v)));
            }
        }
    }
    if let Some(region) = get_str(resource, "Region") {
        details.push((SafeText::line("region"), SafeText::line(region)));
    }
    // Whose key it is: the incidents view groups by principal.
    if let Some(key) = get(resource, "Details").and_then(|d| get(d, "AwsIamAccessKey"))
        && let Some(name) = get_str(key, "PrincipalName").or_else(|| get_str(key, "UserName"))
    {
        details.push((SafeText::line("principal"), SafeText::line(name)));
    }
    Resource {
        kind: SafeText::line(get_str(resource, "Type").unwrap_or("Other")),
        id: SafeText::line(id),
        arn: id.starts_with("arn:").then(|| SafeText::line(id)),
        details,
    }
}

fn read_compliance(compliance: &Value) -> Option<Compliance> {
    let status = get_str(compliance, "Status").and_then(ComplianceStatus::parse)?;
    let control_id = get_str(compliance, "SecurityControlId").map(SafeText::line);
    let requirements = get_array(compliance, "RelatedRequirements")
        .iter()
        .filter_map(Value::as_str)
        .map(SafeText::line)
        .collect();
    Some(Compliance {
        status,
        control_id,
        requirements,
    })
}

fn read_note(note: &Value) -> Option<Note> {
    let text = get_str(note, "Text")?;
    Some(Note {
        text: SafeText::block(text),
        updated_by: SafeText::line(get_str(note, "UpdatedBy").unwrap_or("")),
        updated_at: get_time(note, "UpdatedAt"),
    })
}

fn ip_details(activity: &mut Activity, remote: &Value) {
    activity.remote_ip = get_str(remote, "IpAddressV4").map(SafeText::line);
    activity.country = path_str(remote, &["Country", "CountryName"]).map(SafeText::line);
    activity.city = path_str(remote, &["City", "CityName"]).map(SafeText::line);
    activity.asn_org = path_str(remote, &["Organization", "AsnOrg"]).map(SafeText::line);
    activity.isp = path_str(remote, &["Organization", "Isp"]).map(SafeText::line);
}

fn read_activity(record: &Value) -> Option<Activity> {
    let mut activity = Activity::default();
    if let Some(network) = get(record, "Network") {
        activity.direction = get_str(network, "Direction").map(SafeText::line);
        activity.protocol = get_str(network, "Protocol").map(SafeText::line);
        activity.remote_ip = get_str(network, "SourceIpV4").map(SafeText::line);
        activity.local_port = get_f64(network, "DestinationPort").map(|p| p as u32);
    }
    if let Some(action) = get(record, "Action") {
        activity.action = get_str(action, "ActionType").map(SafeText::line);
        if let Some(call) = get(action, "AwsApiCallAction") {
            activity.api = get_str(call, "Api").map(SafeText::line);
            activity.service_name = get_str(call, "ServiceName").map(SafeText::line);
            if let Some(remote) = get(call, "RemoteIpDetails") {
                ip_details(&mut activity, remote);
            }
        }
        if let Some(conn) = get(action, "NetworkConnectionAction") {
            activity.direction = get_str(conn, "ConnectionDirection").map(SafeText::line);
            activity.protocol = get_str(conn, "Protocol").map(SafeText::line);
            activity.remote_port = path_str(conn, &["RemotePortDetails", "Port"])
                .and_then(|p| p.parse().ok())
                .or_else(|| {
                    get(conn, "RemotePortDetails")
                        .and_then(|p| get_f64(p, "Port"))
                        .map(|p| p as u32)
                });
            if let Some(remote) = get(conn, "RemoteIpDetails") {
                ip_details(&mut activity, remote);
            }
        }
        if let Some(dns) = get(action, "DnsRequestAction") {
            activity.api = get_str(dns, "Domain").map(SafeText::line);
        }
    }
    Some(activity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn control() -> serde_json::Value {
        json!({
            "SchemaVersion": "2018-10-08",
            "Id": "arn:aws:securityhub:eu-west-1:111122223333:security-control/S3.8/finding/abc",
            "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/securityhub",
            "GeneratorId": "security-control/S3.8", "AwsAccountId": "111122223333",
            "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
            "CreatedAt": "2026-01-10T00:00:00Z", "UpdatedAt": "2026-01-15T00:00:00Z",
            "Severity": {"Label": "HIGH", "Normalized": 70}, "Title": "S3 general purpose buckets should block public access",
            "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::public-assets", "Region": "eu-west-1"}],
            "Compliance": {"Status": "FAILED", "SecurityControlId": "S3.8",
                "RelatedRequirements": ["CIS AWS Foundations Benchmark v3.0.0/2.1.4"]},
            "Workflow": {"Status": "NOTIFIED"}, "RecordState": "ACTIVE",
            "Note": {"Text": "owner paged", "UpdatedBy": "alice", "UpdatedAt": "2026-01-15T01:00:00Z"}
        })
    }

    #[test]
    fn maps_a_security_hub_control() {
        let f = map_finding(&control()).expect("valid");
        assert_eq!(f.product.as_str(), "Security Hub");
        assert_eq!(f.region.as_str(), "eu-west-1");
        assert_eq!(f.type_label(), "S3.8");
        assert_eq!(f.workflow, Workflow::Notified);
        assert_eq!(f.severity.label, SeverityLabel::High);
        let compliance = f.compliance.expect("compliance");
        assert_eq!(compliance.status, ComplianceStatus::Failed);
        assert_eq!(compliance.requirements.len(), 1);
        assert_eq!(f.notes[0].updated_by.as_str(), "alice");
        assert_eq!(
            f.resources[0].arn.as_deref(),
            Some("arn:aws:s3:::public-assets")
        );
    }

    #[test]
    fn deprecated_workflow_state_and_missing_severity() {
        let mut v = control();
        let obj = v.as_object_mut().expect("object");
        obj.remove("Workflow");
        obj.remove("Severity");
        obj.insert("WorkflowState".into(), json!("DEFERRED"));
        let f = map_finding(&v).expect("valid");
        assert_eq!(f.workflow, Workflow::Suppressed);
        assert_eq!(f.severity.label, SeverityLabel::Informational);
    }
}
