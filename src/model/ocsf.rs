//! Security Hub (v2) findings in OCSF 1.x — Compliance (2003), Detection (2004), Vulnerability
//! (2002) findings — into a [`Finding`].

use super::json::{Json, Node};

/// The records' JSON tree (borrowed from the record's text).
type Value<'a> = Node<'a>;

use super::MapError;
use super::finding::{
    Compliance, ComplianceStatus, Finding, RecordState, Resource, SourceKind, Sources,
    Verification, Workflow,
};
use super::json::{as_time, get, get_array, get_f64, get_str, path_str};
use super::raw::{RawRecord, RecordKind};
use super::severity::{Severity, SeverityLabel};
use super::text::SafeText;

/// OCSF `severity_id` (or the `severity` caption) as a label.
fn severity(record: &Value) -> SeverityLabel {
    match get_f64(record, "severity_id").map(|n| n as i64) {
        Some(1) => SeverityLabel::Informational,
        Some(2) => SeverityLabel::Low,
        Some(3) => SeverityLabel::Medium,
        Some(4) => SeverityLabel::High,
        Some(5 | 6) => SeverityLabel::Critical,
        _ => get_str(record, "severity")
            .and_then(|s| {
                SeverityLabel::parse(s).or_else(|| {
                    s.eq_ignore_ascii_case("fatal")
                        .then_some(SeverityLabel::Critical)
                })
            })
            .unwrap_or(SeverityLabel::Informational),
    }
}

/// OCSF `status_id` (1 New, 2 In Progress, 3 Suppressed, 4 Resolved) or `status` caption.
fn workflow(record: &Value) -> Workflow {
    match get_f64(record, "status_id").map(|n| n as i64) {
        Some(2) => Workflow::Notified,
        Some(3) => Workflow::Suppressed,
        Some(4) => Workflow::Resolved,
        Some(1) => Workflow::New,
        _ => match get_str(record, "status")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("in progress" | "in_progress") => Workflow::Notified,
            Some("suppressed") => Workflow::Suppressed,
            Some("resolved") => Workflow::Resolved,
            _ => Workflow::New,
        },
    }
}

/// A time given as `<name>_dt` (RFC 3339) or `<name>` (epoch milliseconds).
fn time(info: &Value, name: &str) -> Option<jiff::Timestamp> {
    get(info, &format!("{name}_dt"))
        .and_then(as_time)
        .or_else(|| get(info, name).and_then(as_time))
}

fn read_resource(resource: &Value) -> Resource {
    let id = get_str(resource, "uid")
        .or_else(|| get_str(resource, "name"))
        .unwrap_or("");
    let mut details = Vec::new();
    if let Some(region) = get_str(resource, "region") {
        details.push((SafeText::line("region"), SafeText::line(region)));
    }
    Resource {
        kind: SafeText::line(get_str(resource, "type").unwrap_or("Other")),
        id: SafeText::line(id),
        arn: id.starts_with("arn:").then(|| SafeText::line(id)),
        details,
    }
}

fn read_compliance(compliance: &Value) -> Option<Compliance> {
    let status = get_str(compliance, "status")
        .and_then(ComplianceStatus::parse)
        .or_else(|| {
            // status_id: 1 Pass, 2 Warning, 3 Fail.
            match get_f64(compliance, "status_id").map(|n| n as i64) {
                Some(1) => Some(ComplianceStatus::Passed),
                Some(2) => Some(ComplianceStatus::Warning),
                Some(3) => Some(ComplianceStatus::Failed),
                _ => None,
            }
        })?;
    Some(Compliance {
        status,
        control_id: get_str(compliance, "control").map(SafeText::line),
        requirements: get_array(compliance, "requirements")
            .iter()
            .filter_map(Value::as_str)
            .map(SafeText::line)
            .collect(),
    })
}

/// An exposure finding (Security Hub's `finding_info.analytic.name` "Exposure": one per
/// resource): its traits become `Exposure/<trait>` types the queue and the posture screen read
/// (`Exposure/Vulnerability`, `Exposure/Reachability`…), and each contributing finding a
/// `signal` fact naming its product, title and the traits it brought.
fn read_exposure<J: Json>(info: &J, finding: &mut Finding) {
    if path_str(info, &["analytic", "name"]) != Some("Exposure") {
        return;
    }
    let mut traits: Vec<String> = Vec::new();
    for event in get_array(info, "related_events") {
        let mut brought: Vec<String> = Vec::new();
        for tag in get_array(event, "tags") {
            let Some(name) = get_str(tag, "name") else {
                continue;
            };
            let values: Vec<&str> = get_array(tag, "values")
                .iter()
                .filter_map(|v| v.as_str())
                .collect();
            brought.push(if values.is_empty() {
                name.to_string()
            } else {
                format!("{name}: {}", values.join(", "))
            });
            if !traits.iter().any(|t| t == name) {
                traits.push(name.to_string());
            }
        }
        let product = path_str(event, &["product", "uid"])
            .map(|p| p.rsplit('/').next().unwrap_or(p))
            .unwrap_or("?");
        let title = get_str(event, "title").unwrap_or("");
        finding.facts.push((
            SafeText::line("signal"),
            SafeText::line(&format!("{product}: {title} ({})", brought.join("; "))),
        ));
    }
    finding.types.insert(0, SafeText::line("Exposure"));
    traits.sort();
    for name in traits {
        finding
            .types
            .push(SafeText::line(&format!("Exposure/{name}")));
    }
}

/// Maps one OCSF finding. Fails without `finding_info.uid`, an account, or any time.
pub fn map_finding(record: &serde_json::Value) -> Result<Finding, MapError> {
    let text = record.to_string();
    let node = Node::parse(&text).map_err(|_| MapError::NotJson)?;
    map_node(&node, &text)
}

/// As [`map_finding`], for a record already parsed from `text` (compact JSON), which is kept as
/// the raw record.
pub fn map_node(record: &Value, text: &str) -> Result<Finding, MapError> {
    let info = get(record, "finding_info").ok_or(MapError::Missing("finding_info"))?;
    let uid = get_str(info, "uid").ok_or(MapError::Missing("finding_info.uid"))?;
    let account = path_str(record, &["cloud", "account", "uid"])
        .ok_or(MapError::Missing("cloud.account.uid"))?;
    let event_time = get(record, "time")
        .and_then(as_time)
        .or_else(|| get(record, "time_dt").and_then(as_time));
    let created_at = time(info, "created_time").or(event_time);
    let updated_at = time(info, "modified_time").or(event_time).or(created_at);
    let first_seen = time(info, "first_seen_time").or(created_at).or(updated_at);
    let last_seen = time(info, "last_seen_time").or(updated_at).or(first_seen);
    let (Some(first_seen), Some(last_seen), Some(updated_at)) = (first_seen, last_seen, updated_at)
    else {
        return Err(MapError::Missing("finding_info times"));
    };
    let product = path_str(record, &["metadata", "product", "name"]).unwrap_or("Security Hub");
    let mut resources: Vec<Resource> = get_array(record, "resources")
        .iter()
        .map(read_resource)
        .collect();
    if let Some(single) = get(record, "resource") {
        resources.push(read_resource(single));
    }
    let label = severity(record);
    let region = path_str(record, &["cloud", "region"]).unwrap_or("");
    let product_uid = path_str(record, &["metadata", "product", "uid"]).unwrap_or(product);
    // GuardDuty's own finding folds into its native record; any other is keyed by its product
    // and its uid (`metadata.uid` where the record has one).
    let (key, scope) = match super::guardduty_copy(uid, product_uid, account, region) {
        Some(gd_id) => (gd_id, super::guardduty_scope(account, region)),
        None => (
            path_str(record, &["metadata", "uid"]).unwrap_or(uid),
            super::product_scope("ocsf", product_uid),
        ),
    };
    let mut finding = Finding {
        id: SafeText::line(key),
        scope,
        arn: uid.starts_with("arn:").then(|| SafeText::line(uid)),
        sources: Sources::of(SourceKind::SecurityHub),
        product: SafeText::line(product),
        title: SafeText::line(get_str(info, "title").unwrap_or(uid)),
        description: SafeText::block(get_str(info, "desc").unwrap_or("")),
        types: get_array(info, "types")
            .iter()
            .filter_map(Value::as_str)
            .map(SafeText::line)
            .collect(),
        severity: Severity::from_asff(Some(label), None),
        account_id: SafeText::line(account),
        account_name: path_str(record, &["cloud", "account", "name"]).map(SafeText::line),
        region: SafeText::line(region),
        resources,
        first_seen,
        last_seen,
        created_at: created_at.unwrap_or(first_seen),
        updated_at,
        revised: get(record, "metadata")
            .and_then(|m| time(m, "processed_time"))
            .map_or(updated_at, |p| p.max(updated_at)),
        count: 1,
        workflow: workflow(record),
        record_state: RecordState::Active,
        archived: false,
        verification: Verification::Unknown,
        compliance: get(record, "compliance").and_then(read_compliance),
        notes: Vec::new(),
        matches: Vec::new(),
        activity: None,
        sample: false,
        facts: Vec::new(),
        disposition: get_str(record, "comment")
            .and_then(super::disposition::Disposition::from_comment),
        raw: RawRecord::text(RecordKind::Ocsf, text),
    };
    // The ATT&CK tactics the record states, kept as `TTPs/` types the queue reads.
    let tactics = get_array(record, "attacks")
        .iter()
        .flat_map(|a| {
            let tactic = get(a, "tactic");
            [
                tactic.and_then(|t| get_str(t, "name")),
                tactic.and_then(|t| get_str(t, "uid")),
            ]
        })
        .flatten();
    super::attack::add_tactic_types(&mut finding.types, tactics);
    for attack in get_array(record, "attacks") {
        if let Some(technique) = get(attack, "technique") {
            let uid = get_str(technique, "uid").unwrap_or("");
            let name = get_str(technique, "name").unwrap_or("");
            let text = format!("{uid} {name}");
            if !text.trim().is_empty() {
                finding.facts.push((
                    SafeText::line("ATT&CK technique"),
                    SafeText::line(text.trim()),
                ));
            }
        }
    }
    for vulnerability in get_array(record, "vulnerabilities") {
        if let Some(cve) = path_str(vulnerability, &["cve", "uid"]) {
            finding
                .facts
                .push((SafeText::line("vulnerability"), SafeText::line(cve)));
        }
        for package in get_array(vulnerability, "affected_packages") {
            let name = get_str(package, "name").unwrap_or("?");
            let version = get_str(package, "version").unwrap_or("?");
            let fixed = get_str(package, "fixed_in_version")
                .map(|f| format!(", fixed in {f}"))
                .unwrap_or_default();
            finding.facts.push((
                SafeText::line("package"),
                SafeText::line(&format!("{name} {version}{fixed}")),
            ));
        }
    }
    read_exposure(info, &mut finding);
    if let Some(class) = get_str(record, "class_name") {
        finding
            .facts
            .push((SafeText::line("OCSF class"), SafeText::line(class)));
    }
    if let Some(url) =
        get_str(info, "src_url").or_else(|| path_str(record, &["remediation", "references", "0"]))
    {
        finding
            .facts
            .push((SafeText::line("source"), SafeText::line(url)));
    }
    Ok(finding)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_a_compliance_finding() {
        let f = map_finding(&json!({
            "class_uid": 2003, "class_name": "Compliance Finding", "severity_id": 4, "status_id": 2,
            "cloud": {"account": {"uid": "111122223333"}, "region": "eu-west-1"},
            "metadata": {"product": {"name": "Security Hub"}},
            "compliance": {"control": "S3.8", "status": "FAILED", "requirements": ["NIST.800-53.r5 AC-3"]},
            "resources": [{"type": "AwsS3Bucket", "uid": "arn:aws:s3:::b", "region": "eu-west-1"}],
            "finding_info": {"uid": "u-1", "title": "S3 public", "desc": "d", "types": ["Software and Configuration Checks"],
                "created_time_dt": "2026-01-10T00:00:00Z", "modified_time": 1768435200000_i64}
        }))
        .expect("maps");
        assert_eq!(f.severity.label, SeverityLabel::High);
        assert_eq!(f.workflow, Workflow::Notified);
        assert_eq!(f.type_label(), "S3.8");
        assert_eq!(f.region.as_str(), "eu-west-1");
        assert_eq!(f.resources[0].kind.as_str(), "AwsS3Bucket");
        assert_eq!(f.updated_at.as_millisecond(), 1_768_435_200_000);
    }

    /// An exposure finding as Security Hub writes them: one per resource, its traits on the
    /// contributing findings.
    pub(crate) fn exposure(account: &str, resource: &str) -> serde_json::Value {
        json!({
            "class_uid": 2004, "class_name": "Detection Finding", "severity_id": 4, "status_id": 1,
            "cloud": {"account": {"uid": account, "name": "payments"}, "region": "us-east-1"},
            "metadata": {"product": {"name": "Security Hub", "uid": "arn:aws:securityhub:us-east-1::productv2/aws/securityhub"}, "uid": format!("exposure-{resource}")},
            "resources": [{"type": "AWS::Lambda::Function", "uid": resource, "region": "us-east-1"}],
            "finding_info": {"uid": format!("exposure-{resource}"), "title": "Potential remote execution", "desc": "Publicly invocable function with an exploitable vulnerability",
                "analytic": {"name": "Exposure", "type": "Rule", "type_id": 1, "uid": "0.0.1"},
                "created_time_dt": "2026-01-10T00:00:00Z", "modified_time_dt": "2026-01-14T00:00:00Z",
                "related_events_count": 2,
                "related_events": [
                    {"type": "Finding", "title": "CVE-2024-1234 in a layer", "uid": "f-1",
                     "product": {"uid": "arn:aws:securityhub:us-east-1::productv2/aws/inspector"},
                     "observables": [{"type": "Resource UID", "type_id": 10, "value": resource}],
                     "tags": [{"name": "Vulnerability", "values": ["Exploit Available", "Attack Vector Network"]}]},
                    {"type": "Finding", "title": "Lambda.1 function policy allows public invocation", "uid": "f-2",
                     "product": {"uid": "arn:aws:securityhub:us-east-1::productv2/aws/securityhub"},
                     "tags": [{"name": "Reachability", "values": ["Publicly invocable"]}, {"name": "Misconfiguration", "values": []}]}
                ]}
        })
    }

    #[test]
    fn an_exposure_finding_carries_its_traits_and_contributing_findings() {
        let f = map_finding(&exposure(
            "111122223333",
            "arn:aws:lambda:us-east-1:111122223333:function:pay",
        ))
        .expect("maps");
        let types: Vec<&str> = f.types.iter().map(|t| t.as_str()).collect();
        assert_eq!(
            types,
            [
                "Exposure",
                "Exposure/Misconfiguration",
                "Exposure/Reachability",
                "Exposure/Vulnerability"
            ]
        );
        assert_eq!(f.type_label(), "Exposure");
        let signals: Vec<&str> = f
            .facts
            .iter()
            .filter(|(l, _)| l.as_str() == "signal")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(
            signals,
            [
                "inspector: CVE-2024-1234 in a layer (Vulnerability: Exploit Available, Attack Vector Network)",
                "securityhub: Lambda.1 function policy allows public invocation (Reachability: Publicly invocable; Misconfiguration)"
            ]
        );
    }

    #[test]
    fn stated_attack_tactics_become_ttp_types_once() {
        let f = map_finding(&json!({
            "severity_id": 4, "status_id": 1, "time": 1695135922487_i64,
            "cloud": {"account": {"uid": "1"}, "region": "us-east-2"},
            "metadata": {"product": {"name": "GuardDuty"}},
            "finding_info": {"uid": "u-2", "title": "t", "types": ["TTPs/Credential Access/x"]},
            "attacks": [
                {"tactic": {"name": "Credential Access", "uid": "TA0006"}, "technique": {"uid": "T1552"}},
                {"tactic": {"uid": "TA0010"}},
                {"tactic": {"name": "not a tactic"}}
            ]
        }))
        .expect("maps");
        let types: Vec<_> = f.types.iter().map(|t| t.as_str()).collect();
        assert_eq!(types, ["TTPs/Credential Access/x", "TTPs/Exfiltration"]);
    }

    #[test]
    fn a_guardduty_finding_through_security_hub_keeps_the_guardduty_id() {
        let f = map_finding(&json!({
            "severity": "Low", "status": "New", "time": 1695135922487_i64,
            "cloud": {"account": {"uid": "1"}, "region": "us-east-2"},
            "metadata": {"product": {"name": "GuardDuty", "uid": "arn:aws:securityhub:us-east-2::product/aws/guardduty"}},
            "finding_info": {"uid": "arn:aws:guardduty:us-east-2:1:detector/d/finding/abc123", "title": "t"}
        }))
        .expect("maps");
        assert_eq!(f.id.as_str(), "abc123");
        assert_eq!(f.scope, crate::model::guardduty_scope("1", "us-east-2"));
        assert_eq!(f.severity.label, SeverityLabel::Low);
    }

    #[test]
    fn a_record_that_only_names_guardduty_keeps_its_own_identity() {
        let f = map_finding(&json!({
            "severity": "Low", "status": "New", "time": 1695135922487_i64,
            "cloud": {"account": {"uid": "1"}, "region": "us-east-2"},
            "metadata": {"uid": "m-1", "product": {"name": "GuardDuty", "uid": "arn:aws:securityhub:us-east-2:9:product/9/default"}},
            "finding_info": {"uid": "arn:aws:guardduty:us-east-2:1:detector/d/finding/abc123", "title": "t"}
        }))
        .expect("maps");
        assert_eq!(f.id.as_str(), "m-1", "keyed by its metadata uid");
        assert_eq!(
            f.scope,
            crate::model::product_scope(
                "ocsf",
                "arn:aws:securityhub:us-east-2:9:product/9/default"
            )
        );
    }

    #[test]
    fn without_an_id_it_is_rejected() {
        assert!(map_finding(&json!({"finding_info": {}})).is_err());
    }
}
