//! GuardDuty finding JSON (API / S3 export camelCase, or CLI PascalCase) into a [`Finding`].

use super::json::{Json, Node};

/// The records' JSON tree (borrowed from the record's text).
type Value<'a> = Node<'a>;

use super::MapError;
use super::finding::{
    Activity, Finding, RecordState, Resource, SourceKind, Sources, Verification, Workflow,
};
use super::json::{
    as_f64, get, get_array, get_bool, get_f64, get_str, get_time, get_u64, path, path_str,
};
use super::raw::{RawRecord, RecordKind};
use super::severity::Severity;
use super::text::SafeText;

/// Maps one GuardDuty finding. Fails only when the finding cannot be identified or placed in
/// time; every other missing field degrades to an empty value.
pub fn map_finding(record: &serde_json::Value) -> Result<Finding, MapError> {
    let text = record.to_string();
    let node = Node::parse(&text).map_err(|_| MapError::NotJson)?;
    map_node(&node, &text)
}

/// As [`map_finding`], for a record already parsed from `text` (compact JSON), which is kept as
/// the raw record.
pub fn map_node(record: &Value, text: &str) -> Result<Finding, MapError> {
    let id = get_str(record, "id").ok_or(MapError::Missing("id"))?;
    let account_id = get_str(record, "accountId").ok_or(MapError::Missing("accountId"))?;
    let kind = get_str(record, "type").ok_or(MapError::Missing("type"))?;
    let service = get(record, "service");
    let service_time = |key| service.and_then(|s| get_time(s, key));
    let created_at = get_time(record, "createdAt");
    let updated_at = get_time(record, "updatedAt").or(created_at);
    let first_seen = service_time("eventFirstSeen").or(created_at).or(updated_at);
    let last_seen = service_time("eventLastSeen").or(updated_at).or(first_seen);
    let (Some(first_seen), Some(last_seen), Some(updated_at)) = (first_seen, last_seen, updated_at)
    else {
        return Err(MapError::Missing("createdAt/updatedAt"));
    };
    let title = get_str(record, "title").unwrap_or(kind);
    let archived = service
        .and_then(|s| get_bool(s, "archived"))
        .unwrap_or(false);
    let sample = title.starts_with("[SAMPLE]")
        || service
            .and_then(|s| path(s, &["additionalInfo", "sample"]))
            .is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"));
    let activity = service
        .map(read_activity)
        .filter(|a| !a.is_empty())
        .map(Box::new);
    let region = get_str(record, "region").unwrap_or("");
    let mut finding = Finding {
        id: SafeText::line(id),
        scope: super::guardduty_scope(account_id, region),
        arn: get_str(record, "arn").map(SafeText::line),
        sources: Sources::of(SourceKind::GuardDuty),
        product: SafeText::line("GuardDuty"),
        title: SafeText::line(title),
        description: SafeText::block(get_str(record, "description").unwrap_or("")),
        types: vec![SafeText::line(kind)],
        severity: Severity::from_guardduty(get(record, "severity").and_then(as_f64).unwrap_or(0.0)),
        account_id: SafeText::line(account_id),
        account_name: None,
        region: SafeText::line(region),
        resources: get(record, "resource")
            .map(|r| read_resources(r, account_id, region))
            .unwrap_or_default(),
        first_seen,
        last_seen,
        created_at: created_at.unwrap_or(first_seen),
        updated_at,
        revised: updated_at,
        count: service
            .and_then(|s| get_u64(s, "count"))
            .unwrap_or(1)
            .max(1),
        workflow: Workflow::New,
        record_state: if archived {
            RecordState::Archived
        } else {
            RecordState::Active
        },
        archived,
        verification: Verification::Unknown,
        compliance: None,
        notes: Vec::new(),
        matches: Vec::new(),
        activity,
        sample,
        facts: service.map(read_facts).unwrap_or_default(),
        disposition: None,
        raw: RawRecord::text(RecordKind::GuardDuty, text),
    };
    // An attack sequence names its tactics.
    if let Some(sequence) = service.and_then(|s| path(s, &["detection", "sequence"])) {
        for indicator in get_array(sequence, "sequenceIndicators") {
            if get_str(indicator, "key") == Some("ATTACK_TACTIC") {
                let names = get_array(indicator, "values")
                    .iter()
                    .filter_map(Value::as_str);
                super::attack::add_tactic_types(&mut finding.types, names);
            }
        }
    }
    actor_from_resources(&mut finding);
    Ok(finding)
}

/// What else GuardDuty says that an analyst reads: the signals of an attack sequence, the
/// process of a runtime finding, threat lists.
/// The fact that holds what an analyst told GuardDuty of the finding (`service.userFeedback`:
/// USEFUL or NOT_USEFUL); the detail shows it with the finding's triage.
pub const FEEDBACK_FACT: &str = "feedback";

fn read_facts(service: &Value) -> Vec<(SafeText, SafeText)> {
    let mut facts = Vec::new();
    if let Some(feedback) = get_str(service, "userFeedback") {
        facts.push(detail(FEEDBACK_FACT, feedback));
    }
    if let Some(sequence) = path(service, &["detection", "sequence"]) {
        if let Some(text) = get_str(sequence, "description") {
            facts.push(detail("sequence", text));
        }
        for signal in get_array(sequence, "signals") {
            let name = get_str(signal, "name")
                .or_else(|| get_str(signal, "type"))
                .unwrap_or("signal");
            let text = get_str(signal, "description").unwrap_or("");
            facts.push(detail("signal", format!("{name}: {text}")));
        }
        for indicator in get_array(sequence, "sequenceIndicators") {
            let key = get_str(indicator, "key").unwrap_or("indicator");
            let values: Vec<&str> = get_array(indicator, "values")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            facts.push(detail(
                &key.to_ascii_lowercase().replace('_', " "),
                values.join(", "),
            ));
        }
    }
    if let Some(process) = path(service, &["runtimeDetails", "process"]) {
        let name = get_str(process, "name").unwrap_or("?");
        let executable = get_str(process, "executablePath").unwrap_or("");
        facts.push(detail("process", format!("{name} {executable}")));
    }
    let intel = get(service, "evidence")
        .map(|e| get_array(e, "threatIntelligenceDetails"))
        .unwrap_or_default();
    for item in intel {
        if let Some(list) = get_str(item, "threatListName") {
            facts.push(detail("threat list", list));
        }
    }
    facts
}

fn line(value: &Value, key: &str) -> Option<SafeText> {
    get_str(value, key).map(SafeText::line)
}

fn detail(label: &str, value: impl AsRef<str>) -> (SafeText, SafeText) {
    (SafeText::line(label), SafeText::line(value.as_ref()))
}

fn read_resources(resource: &Value, account: &str, region: &str) -> Vec<Resource> {
    let kind = get_str(resource, "resourceType").unwrap_or("Unknown");
    let mut out = Vec::new();
    if let Some(key) = get(resource, "accessKeyDetails") {
        let mut details = Vec::new();
        for (label, field) in [
            ("user", "userName"),
            ("user type", "userType"),
            ("principal", "principalId"),
        ] {
            if let Some(v) = get_str(key, field) {
                details.push(detail(label, v));
            }
        }
        out.push(Resource {
            kind: SafeText::line("AccessKey"),
            id: SafeText::line(get_str(key, "accessKeyId").unwrap_or("")),
            arn: None,
            details,
        });
    }
    if let Some(instance) = get(resource, "instanceDetails") {
        let id = get_str(instance, "instanceId").unwrap_or("");
        let mut details = Vec::new();
        for (label, field) in [
            ("type", "instanceType"),
            ("image", "imageId"),
            ("state", "instanceState"),
        ] {
            if let Some(v) = get_str(instance, field) {
                details.push(detail(label, v));
            }
        }
        for nic in get_array(instance, "networkInterfaces") {
            if let Some(ip) = get_str(nic, "publicIp") {
                details.push(detail("public ip", ip));
            }
            if let Some(ip) = get_str(nic, "privateIpAddress") {
                details.push(detail("private ip", ip));
            }
        }
        push_tags(&mut details, get_array(instance, "tags"));
        out.push(Resource {
            kind: SafeText::line("Instance"),
            id: SafeText::line(id),
            arn: (!id.is_empty())
                .then(|| SafeText::line(&format!("arn:aws:ec2:{region}:{account}:instance/{id}"))),
            details,
        });
    }
    for bucket in get_array(resource, "s3BucketDetails") {
        let mut details = Vec::new();
        if let Some(v) = path_str(bucket, &["publicAccess", "effectivePermission"]) {
            details.push(detail("effective permission", v));
        }
        push_tags(&mut details, get_array(bucket, "tags"));
        out.push(Resource {
            kind: SafeText::line("S3Bucket"),
            id: SafeText::line(get_str(bucket, "name").unwrap_or("")),
            arn: line(bucket, "arn"),
            details,
        });
    }
    for (field, label, name_key, arn_key) in [
        ("eksClusterDetails", "EKSCluster", "name", "arn"),
        ("ecsClusterDetails", "ECSCluster", "name", "arn"),
        ("lambdaDetails", "Lambda", "functionName", "functionArn"),
        (
            "rdsDbInstanceDetails",
            "RDSDBInstance",
            "dbInstanceIdentifier",
            "dbInstanceArn",
        ),
    ] {
        if let Some(section) = get(resource, field) {
            let mut details = Vec::new();
            push_tags(&mut details, get_array(section, "tags"));
            out.push(Resource {
                kind: SafeText::line(label),
                id: SafeText::line(get_str(section, name_key).unwrap_or("")),
                arn: line(section, arn_key),
                details,
            });
        }
    }
    if out.is_empty() {
        out.push(Resource {
            kind: SafeText::line(kind),
            id: SafeText::empty(),
            arn: None,
            details: Vec::new(),
        });
    }
    // The resource the finding is about comes first (an S3 finding also names the caller's key).
    if let Some(i) = out.iter().position(|r| r.kind.as_str() == kind) {
        out[..=i].rotate_right(1);
    }
    out
}

fn push_tags(details: &mut Vec<(SafeText, SafeText)>, tags: &[Value]) {
    for tag in tags {
        if let (Some(k), Some(v)) = (get_str(tag, "key"), get_str(tag, "value")) {
            details.push((SafeText::line(&format!("tag {k}")), SafeText::line(v)));
        }
    }
}

fn remote_ip_into(activity: &mut Activity, remote: &Value) {
    activity.remote_ip = line(remote, "ipAddressV4").or_else(|| line(remote, "ipAddressV6"));
    activity.country = path_str(remote, &["country", "countryName"]).map(SafeText::line);
    activity.city = path_str(remote, &["city", "cityName"]).map(SafeText::line);
    if let Some(org) = get(remote, "organization") {
        activity.asn_org = line(org, "asnOrg").or_else(|| line(org, "org"));
        activity.isp = line(org, "isp");
    }
}

fn port(value: &Value, key: &str) -> Option<u32> {
    get(value, key)
        .and_then(|p| get_f64(p, "port"))
        .map(|p| p as u32)
}

fn read_activity(service: &Value) -> Activity {
    let mut activity = Activity::default();
    let Some(action) = get(service, "action") else {
        return activity;
    };
    activity.action = line(action, "actionType");
    if let Some(call) = get(action, "awsApiCallAction") {
        activity.api = line(call, "api");
        activity.service_name = line(call, "serviceName");
        activity.user_agent = line(call, "userAgent");
        if let Some(remote) = get(call, "remoteIpDetails") {
            remote_ip_into(&mut activity, remote);
        }
    }
    if let Some(conn) = get(action, "networkConnectionAction") {
        activity.direction = line(conn, "connectionDirection");
        activity.protocol = line(conn, "protocol");
        activity.local_port = port(conn, "localPortDetails");
        activity.remote_port = port(conn, "remotePortDetails");
        if let Some(remote) = get(conn, "remoteIpDetails") {
            remote_ip_into(&mut activity, remote);
        }
    }
    if let Some(probe) = get_array(action, "portProbeAction").first().or_else(|| {
        get(action, "portProbeAction")
            .map(|p| get_array(p, "portProbeDetails"))
            .and_then(|d| d.first())
    }) {
        activity.local_port = port(probe, "localPortDetails");
        if let Some(remote) = get(probe, "remoteIpDetails") {
            remote_ip_into(&mut activity, remote);
        }
    }
    if let Some(dns) = get(action, "dnsRequestAction") {
        activity.api = line(dns, "domain");
        activity.protocol = line(dns, "protocol");
    }
    if let Some(k8s) = get(action, "kubernetesApiCallAction") {
        activity.api = match (get_str(k8s, "verb"), get_str(k8s, "requestUri")) {
            (Some(verb), Some(uri)) => Some(SafeText::line(&format!("{verb} {uri}"))),
            (_, uri) => uri.map(SafeText::line),
        };
        activity.user_agent = line(k8s, "userAgent");
        if let Some(remote) = get(k8s, "remoteIpDetails") {
            remote_ip_into(&mut activity, remote);
        }
    }
    if let Some(rds) = get(action, "rdsLoginAttemptAction")
        && let Some(remote) = get(rds, "remoteIpDetails")
    {
        remote_ip_into(&mut activity, remote);
    }
    activity
}

/// Fills the actor fields from the access key resource, so the activity section names who acted.
fn actor_from_resources(finding: &mut Finding) {
    let Some(key) = finding
        .resources
        .iter()
        .find(|r| r.kind.as_str() == "AccessKey")
    else {
        return;
    };
    let activity = finding.activity.get_or_insert_with(Default::default);
    if !key.id.is_empty() {
        activity.access_key_id = Some(key.id.clone());
    }
    for (label, value) in &key.details {
        match label.as_str() {
            "user" => activity.user_name = Some(value.clone()),
            "principal" => activity.principal = Some(value.clone()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::severity::SeverityLabel;
    use serde_json::json;

    fn sample() -> serde_json::Value {
        json!({
            "accountId": "111122223333", "arn": "arn:aws:guardduty:us-east-1:111122223333:detector/d/finding/f1",
            "createdAt": "2026-01-15T08:00:00.000Z", "updatedAt": "2026-01-15T09:00:00.000Z",
            "id": "f1", "region": "us-east-1", "severity": 8, "title": "EC2 instance i-1 is querying a domain",
            "type": "Backdoor:EC2/C&CActivity.B!DNS", "description": "d",
            "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-1",
                "tags": [{"key": "Name", "value": "web\u{1b}[31m"}]}},
            "service": {"archived": false, "count": 4, "eventFirstSeen": "2026-01-15T07:00:00Z",
                "eventLastSeen": "2026-01-15T08:59:00Z",
                "action": {"actionType": "NETWORK_CONNECTION", "networkConnectionAction": {
                    "connectionDirection": "OUTBOUND", "protocol": "TCP",
                    "remotePortDetails": {"port": 443},
                    "remoteIpDetails": {"ipAddressV4": "198.51.100.1", "country": {"countryName": "Nowhere"},
                        "organization": {"asnOrg": "Example AS"}}}}}
        })
    }

    #[test]
    fn maps_the_fields_analysts_read() {
        let f = map_finding(&sample()).expect("valid finding");
        assert_eq!(f.severity.label, SeverityLabel::High);
        assert_eq!(f.count, 4);
        assert_eq!(f.type_label(), "Backdoor:EC2/C&CActivity.B!DNS");
        assert_eq!(f.first_seen.to_string(), "2026-01-15T07:00:00Z");
        let activity = f.activity.expect("activity");
        assert_eq!(activity.remote_ip.as_deref(), Some("198.51.100.1"));
        assert_eq!(activity.remote_port, Some(443));
        assert_eq!(activity.asn_org.as_deref(), Some("Example AS"));
        let instance = &f.resources[0];
        assert_eq!(
            instance.arn.as_deref(),
            Some("arn:aws:ec2:us-east-1:111122223333:instance/i-1")
        );
        assert_eq!(instance.details[0].1.as_str(), "web␛[31m");
    }

    #[test]
    fn pascal_case_cli_output_maps_too() {
        let f = map_finding(&json!({"Id": "x", "AccountId": "1", "Type": "Recon:EC2/PortProbeUnprotectedPort",
            "CreatedAt": "2026-01-15T08:00:00Z", "Severity": 2, "Service": {"Count": 2, "Archived": true}}))
        .expect("valid");
        assert_eq!(f.count, 2);
        assert!(f.archived);
        assert_eq!(f.status_label(), "ARCHIVED");
    }

    #[test]
    fn a_finding_without_id_or_time_is_rejected() {
        assert_eq!(
            map_finding(&json!({"accountId": "1", "type": "t"})).err(),
            Some(MapError::Missing("id"))
        );
        assert!(map_finding(&json!({"id": "1", "accountId": "1", "type": "t"})).is_err());
    }

    #[test]
    fn the_feedback_an_analyst_gave_is_a_fact() {
        let mut record = sample();
        record["service"]["userFeedback"] = json!("NOT_USEFUL");
        let f = map_finding(&record).expect("valid");
        assert!(
            f.facts
                .iter()
                .any(|(k, v)| k.as_str() == FEEDBACK_FACT && v.as_str() == "NOT_USEFUL")
        );
        let plain = map_finding(&sample()).expect("valid");
        assert!(!plain.facts.iter().any(|(k, _)| k.as_str() == FEEDBACK_FACT));
    }
}
