//! EventBridge events that carry findings, as EventBridge delivers them to an SQS queue, a file
//! or a function. The envelope's `source` says what `detail` holds:
//! - `aws.guardduty` (`GuardDuty Finding`): `detail` is the finding, as the API returns it;
//! - `aws.securityhub` (`Security Hub Findings - Imported` for every BatchImportFindings and
//!   BatchUpdateFindings, `… - Custom Action` when an analyst sends findings to a custom
//!   action, `Findings Imported V2` for the OCSF service): `detail.findings[]`, each in ASFF or
//!   OCSF.

use super::json::{get, get_array, get_str};
use super::{Finding, MapError, asff, guardduty, ocsf};
use serde_json::Value;

/// Whether `value` is an EventBridge event (an envelope with `detail-type` and `detail`).
pub fn is_event(value: &Value) -> bool {
    get(value, "detail-type").is_some() && get(value, "detail").is_some()
}

/// The findings an event carries, each mapped or with the reason it could not be; an error
/// when the event carries no findings picket reads, with what it is instead.
pub fn findings_in(event: &Value) -> Result<Vec<Result<Finding, MapError>>, String> {
    let source = get_str(event, "source").unwrap_or("");
    let kind = get_str(event, "detail-type").unwrap_or("");
    let Some(detail) = get(event, "detail") else {
        return Err(format!("an EventBridge event ({kind}) without detail"));
    };
    match source {
        "aws.guardduty" => Ok(vec![guardduty::map_finding(detail)]),
        "aws.securityhub" => {
            let findings = get_array(detail, "findings");
            if findings.is_empty() {
                return Err(format!(
                    "a Security Hub event ({kind}) without detail.findings"
                ));
            }
            Ok(findings.iter().map(map_security_hub).collect())
        }
        _ => Err(format!(
            "an EventBridge event from {} ({kind}), not GuardDuty or Security Hub",
            if source.is_empty() { "nowhere" } else { source }
        )),
    }
}

/// The findings of one queue message (an event as an EventBridge rule delivers it), and how
/// many of them could not be read; an error when the message is not a finding event at all.
pub fn read_message(body: &str) -> Result<(Vec<Finding>, usize), String> {
    let value: Value = serde_json::from_str(body).map_err(|e| format!("not JSON ({e})"))?;
    if !is_event(&value) {
        return Err("not an EventBridge event".into());
    }
    let mut findings = Vec::new();
    let mut unreadable = 0;
    for finding in findings_in(&value)? {
        match finding {
            Ok(finding) => findings.push(finding),
            Err(_) => unreadable += 1,
        }
    }
    Ok((findings, unreadable))
}

/// A Security Hub finding as an event carries it: OCSF (the v2 service) or ASFF.
fn map_security_hub(finding: &Value) -> Result<Finding, MapError> {
    if get(finding, "finding_info").is_some() {
        ocsf::map_finding(finding)
    } else {
        asff::map_finding(finding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope(source: &str, kind: &str, detail: Value) -> Value {
        json!({
            "version": "0", "id": "6f8b6c2e-0000-4000-8000-000000000001", "detail-type": kind,
            "source": source, "account": "111111111111", "time": "2026-01-15T10:00:00Z",
            "region": "us-east-1", "resources": [], "detail": detail
        })
    }

    #[test]
    fn each_event_kind_gives_its_findings() {
        let gd = envelope(
            "aws.guardduty",
            "GuardDuty Finding",
            json!({"id": "gd-1", "accountId": "111111111111", "region": "us-east-1",
                   "type": "Recon:EC2/PortProbeUnprotectedPort", "severity": 2,
                   "title": "t", "createdAt": "2026-01-15T09:00:00Z",
                   "updatedAt": "2026-01-15T10:00:00Z", "service": {"count": 3}}),
        );
        let found = findings_in(&gd).expect("findings");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].as_ref().expect("mapped").count, 3);

        let asff = json!({"Id": "sh-1", "AwsAccountId": "111111111111",
            "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
            "CreatedAt": "2026-01-15T09:00:00Z", "UpdatedAt": "2026-01-15T09:00:00Z",
            "ProcessedAt": "2026-01-15T10:30:00Z", "Title": "t",
            "Severity": {"Label": "HIGH"}, "Workflow": {"Status": "RESOLVED"}});
        for kind in [
            "Security Hub Findings - Imported",
            "Security Hub Findings - Custom Action",
        ] {
            let event = envelope("aws.securityhub", kind, json!({"findings": [asff.clone()]}));
            let found = findings_in(&event).expect("findings");
            let finding = found[0].as_ref().expect("mapped");
            assert_eq!(finding.workflow, crate::model::Workflow::Resolved);
            // BatchUpdateFindings moves ProcessedAt only: that is the revision.
            assert_eq!(finding.revised.to_string(), "2026-01-15T10:30:00Z");
        }

        let ocsf = json!({"finding_info": {"uid": "v2-1", "title": "t",
            "created_time_dt": "2026-01-15T09:00:00Z"}, "cloud": {"account": {"uid": "111111111111"},
            "region": "us-east-1"}, "severity": "High", "class_uid": 2004,
            "metadata": {"product": {"name": "Security Hub"}}});
        let v2 = envelope(
            "aws.securityhub",
            "Findings Imported V2",
            json!({"findings": [ocsf]}),
        );
        let found = findings_in(&v2).expect("findings");
        assert_eq!(found[0].as_ref().expect("mapped").id.as_str(), "v2-1");
    }

    #[test]
    fn a_message_that_is_not_a_finding_event_says_what_it_is() {
        assert!(
            read_message("{")
                .expect_err("not JSON")
                .starts_with("not JSON")
        );
        assert_eq!(
            read_message(r#"{"Records": []}"#).expect_err("not an event"),
            "not an EventBridge event"
        );
        let other = r#"{"detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2", "detail": {}}"#;
        assert!(read_message(other).expect_err("other").contains("aws.ec2"));
    }

    #[test]
    fn events_without_findings_say_what_they_are() {
        let other = envelope(
            "aws.ec2",
            "EC2 Instance State-change Notification",
            json!({}),
        );
        assert!(
            findings_in(&other)
                .expect_err("no findings")
                .contains("aws.ec2")
        );
        let empty = envelope(
            "aws.securityhub",
            "Security Hub Findings - Imported",
            json!({}),
        );
        assert!(
            findings_in(&empty)
                .expect_err("no findings")
                .contains("detail.findings")
        );
        assert!(!is_event(&json!({"Records": []})));
    }
}
