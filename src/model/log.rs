//! Log events and the CloudTrail fields picket reads out of them.

use jiff::Timestamp;
use serde::Serialize;

use super::json::{get, get_bool, get_str, get_time};
use super::raw::{RawRecord, RecordKind};
use super::text::SafeText;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogEvent {
    pub timestamp: Timestamp,
    pub account_id: SafeText,
    pub region: SafeText,
    pub group: SafeText,
    pub stream: SafeText,
    /// CloudWatch Logs `eventId`, when the service gives one (live tail does not).
    pub event_id: Option<SafeText>,
    #[serde(skip)]
    pub message: RawRecord,
    /// Present when the message is a CloudTrail record.
    pub trail: Option<Box<CloudTrail>>,
}

impl LogEvent {
    /// Builds an event and parses the message as CloudTrail when it is one.
    pub fn new(
        timestamp: Timestamp,
        account_id: &str,
        region: &str,
        group: &str,
        stream: &str,
        message: &str,
    ) -> Self {
        // A borrowed tree, not `serde_json::Value`: a third of the cost of the whole ingest of a
        // CloudTrail record was building and dropping its map of every value.
        let trail = super::json::Node::parse(message)
            .ok()
            .and_then(|node| CloudTrail::from_json(&node))
            .map(Box::new);
        Self {
            timestamp,
            account_id: SafeText::line(account_id),
            region: SafeText::line(region),
            group: SafeText::line(group),
            stream: SafeText::line(stream),
            event_id: None,
            message: RawRecord::text(RecordKind::Log, message),
            trail,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Identity {
    /// `Root`, `IAMUser`, `AssumedRole`, `AWSService`…
    pub kind: Option<SafeText>,
    pub principal_id: Option<SafeText>,
    pub arn: Option<SafeText>,
    pub account_id: Option<SafeText>,
    pub access_key_id: Option<SafeText>,
    pub user_name: Option<SafeText>,
    pub invoked_by: Option<SafeText>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CloudTrail {
    pub event_time: Option<Timestamp>,
    pub event_source: SafeText,
    pub event_name: SafeText,
    pub aws_region: Option<SafeText>,
    pub source_ip: Option<SafeText>,
    pub user_agent: Option<SafeText>,
    pub error_code: Option<SafeText>,
    pub error_message: Option<SafeText>,
    /// `AwsApiCall`, `AwsServiceEvent`, `AwsConsoleSignIn`…
    pub event_type: Option<SafeText>,
    pub read_only: Option<bool>,
    pub event_id: Option<SafeText>,
    pub recipient_account_id: Option<SafeText>,
    pub identity: Identity,
}

impl CloudTrail {
    /// Reads a CloudTrail record; `None` when the value is not one (no eventSource/eventName).
    pub fn from_json<J: super::json::Json>(record: &J) -> Option<Self> {
        let event_source = get_str(record, "eventSource")?;
        let event_name = get_str(record, "eventName")?;
        let line = |key: &str| get_str(record, key).map(SafeText::line);
        let who = get(record, "userIdentity");
        let who_line = |key: &str| who.and_then(|w| get_str(w, key)).map(SafeText::line);
        let invoked_by = who_line("invokedBy");
        let user_name = who_line("userName").or_else(|| {
            who.and_then(|w| get(w, "sessionContext"))
                .and_then(|s| get(s, "sessionIssuer"))
                .and_then(|i| get_str(i, "userName"))
                .map(SafeText::line)
        });
        Some(Self {
            event_time: get_time(record, "eventTime"),
            event_source: SafeText::line(event_source),
            event_name: SafeText::line(event_name),
            aws_region: line("awsRegion"),
            source_ip: line("sourceIPAddress"),
            user_agent: line("userAgent"),
            error_code: line("errorCode"),
            error_message: line("errorMessage"),
            event_type: line("eventType"),
            read_only: get_bool(record, "readOnly")
                .or_else(|| get_str(record, "readOnly").and_then(|s| s.parse().ok())),
            event_id: line("eventID"),
            recipient_account_id: line("recipientAccountId"),
            identity: Identity {
                kind: who_line("type"),
                principal_id: who_line("principalId"),
                arn: who_line("arn"),
                account_id: who_line("accountId"),
                access_key_id: who_line("accessKeyId"),
                user_name,
                invoked_by,
            },
        })
    }

    /// `s3:PutBucketPolicy` from `s3.amazonaws.com` + `PutBucketPolicy`.
    pub fn action(&self) -> String {
        let service = self
            .event_source
            .strip_suffix(".amazonaws.com")
            .unwrap_or(&self.event_source);
        format!("{service}:{}", self.event_name)
    }

    /// The shortest name that still says who acted: `root`, a user name, a role session.
    pub fn principal(&self) -> &str {
        let id = &self.identity;
        if id.kind.as_deref() == Some("Root") {
            return "root";
        }
        if let Some(arn) = id.arn.as_deref()
            && let Some((_, tail)) = arn
                .split_once(":user/")
                .or_else(|| arn.split_once(":assumed-role/"))
        {
            return tail;
        }
        id.user_name
            .as_deref()
            .or(id.invoked_by.as_deref())
            .or(id.arn.as_deref())
            .or(id.principal_id.as_deref())
            .or(id.kind.as_deref())
            .unwrap_or("?")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_cloudtrail_record() {
        let message = r#"{"eventVersion":"1.08","eventTime":"2026-01-15T09:12:03Z","eventSource":"s3.amazonaws.com",
            "eventName":"PutBucketPolicy","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7",
            "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/mallory","accessKeyId":"AKIAEXAMPLE"},
            "errorCode":"AccessDenied","readOnly":false}"#;
        let event = LogEvent::new(
            Timestamp::UNIX_EPOCH,
            "111122223333",
            "us-east-1",
            "trail",
            "s",
            message,
        );
        let trail = event.trail.expect("a CloudTrail record");
        assert_eq!(trail.action(), "s3:PutBucketPolicy");
        assert_eq!(trail.principal(), "mallory");
        assert_eq!(trail.error_code.as_deref(), Some("AccessDenied"));
        assert_eq!(trail.read_only, Some(false));
        assert_eq!(trail.identity.access_key_id.as_deref(), Some("AKIAEXAMPLE"));
    }

    #[test]
    fn plain_text_is_not_cloudtrail() {
        let event = LogEvent::new(
            Timestamp::UNIX_EPOCH,
            "1",
            "r",
            "g",
            "s",
            "START RequestId: 42",
        );
        assert!(event.trail.is_none());
        assert_eq!(
            event.message.pretty_lines()[0].as_str(),
            "START RequestId: 42"
        );
    }
}
