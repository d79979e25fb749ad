//! CIS AWS Foundations Benchmark CloudTrail detections, built in by name and evaluated on every
//! CloudTrail record that arrives (live tail, polling, files, the demo), so a tail is also a
//! detector. The patterns are the benchmark's CloudWatch Logs metric-filter patterns, verbatim
//! (Security Hub controls CloudWatch.1–14, and CIS 4.15 for Organizations), run by
//! [`crate::logs::pattern`], the same engine as every other filter pattern.

use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::logs::pattern::Pattern;
use crate::model::attack::Tactic;
use crate::model::finding::DetectionMatch;
use crate::model::{Finding, LogEvent, SeverityLabel};

pub use crate::model::asff::{
    DETECTION_COUNT_FIELD as COUNT_FIELD, DETECTION_MATCH_FIELD as MATCH_FIELD,
    DETECTION_PRODUCT as PRODUCT_ARN,
};

#[derive(Debug, PartialEq, Eq)]
pub struct Detection {
    /// `root-usage`, as in `--detect root-usage` and `:detect root-usage`.
    pub name: &'static str,
    /// The control it comes from (`CloudWatch.1`).
    pub control: &'static str,
    /// What ATT&CK calls what it catches (mapped by hand), and the technique's id.
    pub tactic: Tactic,
    pub technique: &'static str,
    pub title: &'static str,
    pub pattern: &'static str,
}

pub const CIS: &[Detection] = &[
    Detection {
        name: "root-usage",
        tactic: Tactic::PrivilegeEscalation,
        technique: "T1078.004",
        control: "CloudWatch.1",
        title: "root account used",
        pattern: r#"{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}"#,
    },
    Detection {
        name: "unauthorized-api-calls",
        tactic: Tactic::Discovery,
        technique: "T1580",
        control: "CloudWatch.2",
        title: "unauthorized API calls",
        pattern: r#"{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}"#,
    },
    Detection {
        name: "console-login-without-mfa",
        tactic: Tactic::InitialAccess,
        technique: "T1078.004",
        control: "CloudWatch.3",
        title: "console sign-in without MFA",
        pattern: r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#,
    },
    Detection {
        name: "iam-policy-changes",
        tactic: Tactic::Persistence,
        technique: "T1098",
        control: "CloudWatch.4",
        title: "IAM policy changed",
        pattern: r#"{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}"#,
    },
    Detection {
        name: "cloudtrail-changes",
        tactic: Tactic::DefenseEvasion,
        technique: "T1562.008",
        control: "CloudWatch.5",
        title: "CloudTrail configuration changed",
        pattern: r#"{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}"#,
    },
    Detection {
        name: "console-auth-failures",
        tactic: Tactic::CredentialAccess,
        technique: "T1110",
        control: "CloudWatch.6",
        title: "console authentication failed",
        pattern: r#"{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}"#,
    },
    Detection {
        name: "cmk-disable-or-delete",
        tactic: Tactic::Impact,
        technique: "T1485",
        control: "CloudWatch.7",
        title: "KMS key disabled or scheduled for deletion",
        pattern: r#"{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}"#,
    },
    Detection {
        name: "s3-bucket-policy-changes",
        tactic: Tactic::Exfiltration,
        technique: "T1537",
        control: "CloudWatch.8",
        title: "S3 bucket policy changed",
        pattern: r#"{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}"#,
    },
    Detection {
        name: "config-changes",
        tactic: Tactic::DefenseEvasion,
        technique: "T1562.008",
        control: "CloudWatch.9",
        title: "AWS Config configuration changed",
        pattern: r#"{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}"#,
    },
    Detection {
        name: "security-group-changes",
        tactic: Tactic::DefenseEvasion,
        technique: "T1562.007",
        control: "CloudWatch.10",
        title: "security group changed",
        pattern: r#"{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}"#,
    },
    Detection {
        name: "nacl-changes",
        tactic: Tactic::DefenseEvasion,
        technique: "T1562.007",
        control: "CloudWatch.11",
        title: "network ACL changed",
        pattern: r#"{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}"#,
    },
    Detection {
        name: "network-gateway-changes",
        tactic: Tactic::DefenseEvasion,
        technique: "T1562.007",
        control: "CloudWatch.12",
        title: "network gateway changed",
        pattern: r#"{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}"#,
    },
    Detection {
        name: "route-table-changes",
        tactic: Tactic::DefenseEvasion,
        technique: "T1562.007",
        control: "CloudWatch.13",
        title: "route table changed",
        pattern: r#"{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}"#,
    },
    Detection {
        name: "vpc-changes",
        tactic: Tactic::DefenseEvasion,
        technique: "T1578",
        control: "CloudWatch.14",
        title: "VPC changed",
        pattern: r#"{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}"#,
    },
    Detection {
        name: "organizations-changes",
        tactic: Tactic::DefenseEvasion,
        technique: "T1666",
        control: "CIS 1.4.0 4.15 / CIS 3.0 4.15",
        title: "AWS Organizations changed",
        pattern: r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#,
    },
];

impl Detection {
    /// How serious a match is: tampering with logging, keys or the organization, and root use,
    /// are high; failed calls and sign-ins low; other changes medium.
    pub fn severity(&self) -> SeverityLabel {
        match self.name {
            "root-usage"
            | "cloudtrail-changes"
            | "cmk-disable-or-delete"
            | "config-changes"
            | "organizations-changes" => SeverityLabel::High,
            "unauthorized-api-calls" | "console-auth-failures" => SeverityLabel::Low,
            _ => SeverityLabel::Medium,
        }
    }
}

/// The detections a name selects: one by its name, or `all`.
pub fn select(name: &str) -> Result<Vec<&'static Detection>, String> {
    if name == "all" {
        return Ok(CIS.iter().collect());
    }
    CIS.iter()
        .find(|d| d.name == name)
        .map(|d| vec![d])
        .ok_or_else(|| {
            let names: Vec<&str> = CIS.iter().map(|d| d.name).collect();
            format!(
                "unknown detection '{name}'; known: all, {}",
                names.join(", ")
            )
        })
}

/// Compiled detections, checked against each record.
#[derive(Clone, Debug)]
pub struct Detector {
    compiled: Vec<(&'static Detection, Pattern)>,
}

impl Detector {
    pub fn new(detections: Vec<&'static Detection>) -> Detector {
        let compiled = detections
            .into_iter()
            // The built-in patterns are tested to parse; one that did not would be skipped, not
            // crash a tail.
            .filter_map(|d| Pattern::parse(d.pattern).ok().map(|p| (d, p)))
            .collect();
        Detector { compiled }
    }

    pub fn is_empty(&self) -> bool {
        self.compiled.is_empty()
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.compiled.iter().map(|(d, _)| d.name).collect()
    }

    /// The detections named (each a name or `all`), once each.
    pub fn named(names: &[String]) -> Result<Detector, String> {
        let mut chosen: Vec<&'static Detection> = Vec::new();
        for name in names {
            for detection in select(name)? {
                if !chosen.contains(&detection) {
                    chosen.push(detection);
                }
            }
        }
        Ok(Detector::new(chosen))
    }

    /// The detections `message` (a CloudTrail record) triggers.
    pub fn check(&self, message: &str) -> Vec<&'static Detection> {
        let mut parsed = crate::logs::pattern::Parsed::default();
        self.compiled
            .iter()
            .filter(|(_, pattern)| pattern.matches_parsed(message, &mut parsed))
            .map(|(d, _)| *d)
            .collect()
    }
}

/// Turns matches into alerts: one per detection, account and principal (as a CIS alarm is per
/// account), whose count, last-seen time and region move as matching records keep coming, like
/// a GuardDuty finding's.
/// Most alerts kept apart (detection × account × principal).
pub const MAX_ALERTS: usize = 10_000;

/// The alert a detection's matches are counted in once [`MAX_ALERTS`] is reached.
fn overflow_id(detection: &Detection) -> String {
    format!("picket/detection/{}/overflow", detection.name)
}

#[derive(Debug, Default)]
pub struct Alerts {
    seen: HashMap<String, Counted>,
}

/// Matching records an alert lists, newest first (its count says how many matched in all).
pub const LATEST_MATCHES: usize = 5;

#[derive(Debug)]
struct Counted {
    matches: u64,
    first: Timestamp,
    /// When the alert last went to the queue.
    raised: Option<Timestamp>,
    /// The latest matches, newest first, at most [`LATEST_MATCHES`].
    latest: Vec<DetectionMatch>,
    /// Taken on from the queue (an earlier run's alert): records up to this time (to the
    /// second) were counted then, and a backfill reading them again counts none twice.
    counted_through: Option<Timestamp>,
}

/// An alert the queue holds already when this run first meets it (kept by an earlier run):
/// counting goes on from there.
#[derive(Clone, Debug, PartialEq)]
pub struct Earlier {
    pub matches: u64,
    pub first: Timestamp,
    pub last: Timestamp,
    pub latest: Vec<DetectionMatch>,
}

impl Earlier {
    /// The alert `finding` (read back from the queue) as counted so far.
    pub fn of(finding: &Finding) -> Earlier {
        Earlier {
            matches: finding.count,
            first: finding.first_seen,
            last: finding.last_seen,
            latest: finding.matches.clone(),
        }
    }
}

/// What the store keys picket's alerts by, beside their id.
pub fn scope() -> Box<str> {
    crate::model::product_scope("asff", PRODUCT_ARN)
}

impl Alerts {
    /// Alerts kept apart so far.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Counts a match of `detection` on `event` (a CloudTrail record); answers the alert's id.
    /// Many matches of one alert in a batch are counted each, and built once ([`Self::finding`]).
    pub fn count(&mut self, detection: &Detection, event: &LogEvent) -> Option<String> {
        self.count_on(detection, event, |_| None)
    }

    /// As [`Self::count`]; an alert this run has not counted yet goes on from `earlier` (its id:
    /// the queue's copy, from an earlier run), whose records it does not count again. Answers
    /// None for such a record.
    pub fn count_on(
        &mut self,
        detection: &Detection,
        event: &LogEvent,
        earlier: impl FnOnce(&str) -> Option<Earlier>,
    ) -> Option<String> {
        let trail = event.trail.as_deref()?;
        let who = hex::encode(&Sha256::digest(trail.principal().as_bytes())[..4]);
        let mut id = format!(
            "picket/detection/{}/{}/{who}",
            detection.name,
            alert_account(event)?
        );
        // Principals and accounts come from the records: a stream that names a new one in every
        // record must not grow the alerts (and the queue) without end. Past the bound, new ones
        // are counted together, one alert per detection, which says so.
        if self.seen.len() >= MAX_ALERTS && !self.seen.contains_key(&id) {
            id = overflow_id(detection);
        }
        let at = trail.event_time.unwrap_or(event.timestamp);
        let entry = match self.seen.entry(id.clone()) {
            std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
            std::collections::hash_map::Entry::Vacant(new) => {
                let counted = match earlier(new.key()) {
                    Some(earlier) => Counted {
                        matches: earlier.matches,
                        first: earlier.first,
                        raised: None,
                        latest: earlier.latest.into_iter().take(LATEST_MATCHES).collect(),
                        counted_through: Some(earlier.last),
                    },
                    None => Counted {
                        matches: 0,
                        first: at,
                        raised: None,
                        latest: Vec::new(),
                        counted_through: None,
                    },
                };
                new.insert(counted)
            }
        };
        if entry
            .counted_through
            .is_some_and(|through| at.as_second() <= through.as_second())
        {
            return None;
        }
        entry.matches += 1;
        entry.first = entry.first.min(at);
        // Newest first; records arrive in about time order, so this is near the front.
        let place = entry
            .latest
            .iter()
            .position(|m| m.at < at)
            .unwrap_or(entry.latest.len());
        if place < LATEST_MATCHES {
            entry.latest.insert(
                place,
                DetectionMatch {
                    at,
                    event: crate::model::SafeText::line(&trail.action()),
                    source_ip: trail.source_ip.clone(),
                },
            );
            entry.latest.truncate(LATEST_MATCHES);
        }
        Some(id)
    }

    /// Whether alert `id` goes to the queue now: the first time at once, after that at most
    /// once per clock tick (`now`), so a detection matching thousands of records a second
    /// rebuilds its alert once a second, not once per batch. Marks it raised when it does.
    pub fn due(&mut self, id: &str, now: Timestamp) -> bool {
        let Some(counted) = self.seen.get_mut(id) else {
            return false;
        };
        if counted.raised.is_some_and(|raised| raised >= now) {
            return false;
        }
        counted.raised = Some(now);
        true
    }

    /// The alert `id` as a finding, with `event` (whose text is `record`) as its latest match.
    pub fn finding(
        &self,
        id: &str,
        detection: &Detection,
        event: &LogEvent,
        record: &str,
    ) -> Option<Finding> {
        let trail = event.trail.as_deref()?;
        let Counted {
            matches: count,
            first,
            latest,
            ..
        } = self.seen.get(id)?;
        let (count, first) = (*count, *first);
        let account = alert_account(event)?;
        let region = trail.aws_region.as_deref().unwrap_or(&event.region);
        let principal = if id == overflow_id(detection) {
            format!(
                "{} and others (more than {MAX_ALERTS} alerts: new ones are counted here)",
                trail.principal()
            )
        } else {
            trail.principal().to_string()
        };
        // Records come in about time order: the newest match may be one counted earlier.
        let at = trail.event_time.unwrap_or(event.timestamp);
        let at = latest.first().map_or(at, |newest| newest.at.max(at));
        let time = rfc3339_seconds(at);
        let first = rfc3339_seconds(first);
        let label = detection.severity();
        let mut resources =
            vec![json!({"Type": "AwsAccount", "Id": format!("AWS::::Account:{account}")})];
        if let Some(arn) = trail.identity.arn.as_deref() {
            resources.insert(0, json!({"Type": "Other", "Id": arn}));
        }
        let mut asff = json!({
            "SchemaVersion": "2018-10-08",
            "Id": id,
            "ProductArn": PRODUCT_ARN,
            "ProductName": "picket detection",
            "CompanyName": "picket",
            "GeneratorId": format!("picket/cis/{}", detection.name),
            "AwsAccountId": account,
            "Region": region,
            "Types": [
                "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark",
                format!("{}/{}", crate::model::attack::ttp_type(detection.tactic), detection.technique),
            ],
            "FirstObservedAt": first,
            "LastObservedAt": time,
            "CreatedAt": first,
            "UpdatedAt": time,
            "Severity": {"Label": label.as_str(), "Normalized": label.floor()},
            "Title": format!("{}: {} by {principal}", detection.title, trail.action()),
            "Description": format!(
                "CloudTrail record matched the {} detection ({}), pattern {}. The latest matching record is in ProductFields picket/record.",
                detection.name, detection.control, detection.pattern
            ),
            "Resources": resources,
            "Compliance": {"Status": "FAILED", "SecurityControlId": detection.control,
                "RelatedRequirements": [format!("CIS AWS Foundations Benchmark/{}", detection.control)]},
            "Workflow": {"Status": "NEW"},
            "RecordState": "ACTIVE",
            "Action": {"ActionType": "AWS_API_CALL", "AwsApiCallAction": {
                "Api": trail.event_name.as_str(), "ServiceName": trail.event_source.as_str(),
                "RemoteIpDetails": {"IpAddressV4": trail.source_ip.as_deref().unwrap_or("")}}},
            "ProductFields": {
                COUNT_FIELD: count.to_string(),
                "picket/pattern": detection.pattern,
                "picket/record": record,
            }
        });
        if let Some(fields) = asff
            .get_mut("ProductFields")
            .and_then(|f| f.as_object_mut())
        {
            for (n, m) in latest.iter().enumerate() {
                let key = |part: &str| format!("{MATCH_FIELD}/{}/{part}", n + 1);
                fields.insert(key("time"), json!(rfc3339_seconds(m.at)));
                fields.insert(key("event"), json!(m.event.as_str()));
                fields.insert(key("ip"), json!(m.source_ip.as_deref().unwrap_or_default()));
            }
        }
        crate::model::asff::map_finding(&asff).ok()
    }
}

/// `2026-01-15T09:12:03Z`: RFC 3339 to the second, which the ASFF mapper reads back for any
/// year a record can carry (`-009999-01-02T02:00:00Z` too, where `%Y` writes `-9999`).
fn rfc3339_seconds(at: Timestamp) -> String {
    Timestamp::from_second(at.as_second())
        .unwrap_or(at)
        .to_string()
}

/// The account a CloudTrail record belongs to.
fn alert_account(event: &LogEvent) -> Option<&str> {
    let trail = event.trail.as_deref()?;
    Some(
        trail
            .recipient_account_id
            .as_deref()
            .or(trail.identity.account_id.as_deref())
            .unwrap_or(&event.account_id),
    )
}

#[cfg(test)]
mod tests;
