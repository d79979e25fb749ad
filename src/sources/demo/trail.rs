//! The demo's CloudTrail stream: mostly routine calls, plus the activity behind the findings —
//! the same access keys and hostile addresses the GuardDuty findings name.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::hostile;
use super::org::{self, ACCOUNTS, DemoAccount, HOSTILE_HOSTS, OFFICE_IPS, ROLES, USERS};
use crate::model::{LogEvent, SafeText};

/// The log group the organization trail delivers to.
pub const GROUP: &str = "aws-cloudtrail-logs-demo-org";

const CONSOLE_AGENT: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
const CLI_AGENT: &str = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 command/";
const SDK_AGENT: &str =
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.0 lang/python#3.11.8";

/// (service, event, read only) of routine calls.
const ROUTINE: &[(&str, &str, bool)] = &[
    ("ec2", "DescribeInstances", true),
    ("ec2", "DescribeSecurityGroups", true),
    ("s3", "ListBuckets", true),
    ("s3", "GetBucketLocation", true),
    ("sts", "GetCallerIdentity", true),
    ("iam", "ListRoles", true),
    ("logs", "DescribeLogGroups", true),
    ("guardduty", "ListFindings", true),
    ("securityhub", "GetFindings", true),
    ("lambda", "ListFunctions20150331", true),
    ("rds", "DescribeDBInstances", true),
    ("cloudwatch", "GetMetricData", true),
    ("ssm", "GetParameter", true),
    ("ecs", "DescribeServices", true),
];

/// (service, event, error code) of what an intruder with a stolen key does.
const INTRUDER: &[(&str, &str, Option<&str>)] = &[
    ("sts", "GetCallerIdentity", None),
    ("s3", "ListBuckets", None),
    ("iam", "ListUsers", None),
    ("iam", "ListAttachedUserPolicies", None),
    ("iam", "CreateAccessKey", None),
    ("iam", "PutUserPolicy", None),
    ("iam", "AttachRolePolicy", Some("AccessDenied")),
    ("s3", "PutBucketPolicy", None),
    ("s3", "GetObject", None),
    ("cloudtrail", "StopLogging", None),
    ("ec2", "AuthorizeSecurityGroupIngress", None),
    (
        "ec2",
        "DescribeInstances",
        Some("Client.UnauthorizedOperation"),
    ),
    ("ec2", "RunInstances", Some("Client.UnauthorizedOperation")),
    ("secretsmanager", "GetSecretValue", Some("AccessDenied")),
    ("kms", "DisableKey", Some("AccessDenied")),
];

/// (service, event) of changes the organization makes itself.
const CHANGES: &[(&str, &str)] = &[
    ("ec2", "CreateSecurityGroup"),
    ("ec2", "AuthorizeSecurityGroupIngress"),
    ("ec2", "ModifyVpcAttribute"),
    ("ec2", "CreateRoute"),
    ("s3", "PutBucketAcl"),
    ("iam", "CreatePolicyVersion"),
    ("kms", "ScheduleKeyDeletion"),
    ("config", "PutConfigurationRecorder"),
];

fn service_host(service: &str) -> String {
    match service {
        "signin" => "signin.amazonaws.com".into(),
        other => format!("{other}.amazonaws.com"),
    }
}

fn iam_user(account: &DemoAccount, user: &str) -> Value {
    json!({
        "type": "IAMUser", "principalId": org::principal_id("AIDA", &[account.id, user]),
        "arn": format!("arn:aws:iam::{}:user/{user}", account.id), "accountId": account.id,
        "accessKeyId": org::user_key(account.id, user), "userName": user
    })
}

fn assumed_role(account: &DemoAccount, role: &str, session: &str, at: &str) -> Value {
    let role_id = org::principal_id("AROA", &[account.id, role]);
    json!({
        "type": "AssumedRole", "principalId": format!("{role_id}:{session}"),
        "arn": format!("arn:aws:sts::{}:assumed-role/{role}/{session}", account.id), "accountId": account.id,
        "accessKeyId": org::access_key("ASIA", &[account.id, role, session]),
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": role_id, "arn": format!("arn:aws:iam::{}:role/{role}", account.id), "accountId": account.id, "userName": role},
            "attributes": {"creationDate": at, "mfaAuthenticated": "false"}
        }
    })
}

fn root(account: &DemoAccount) -> Value {
    json!({"type": "Root", "principalId": account.id, "arn": format!("arn:aws:iam::{}:root", account.id), "accountId": account.id})
}

/// One CloudTrail record as JSON text.
struct Record<'a> {
    account: &'a DemoAccount,
    region: &'a str,
    at: String,
    identity: Value,
    service: &'a str,
    event: &'a str,
    read_only: bool,
    source_ip: String,
    user_agent: &'a str,
    error: Option<(&'a str, &'a str)>,
    event_type: &'a str,
    extra: Value,
}

impl Record<'_> {
    /// The record as CloudWatch Logs delivers it from the account's CloudTrail stream in the
    /// region; `serial` makes its event id unique.
    fn logged(&self, at: Timestamp, ids: u64, serial: u64) -> LogEvent {
        let mut event = LogEvent::new(
            at,
            self.account.id,
            self.region,
            GROUP,
            &format!("{}_CloudTrail_{}", self.account.id, self.region),
            &self.to_json(ids),
        );
        // CloudWatch Logs event ids are long decimal strings, unique per event.
        event.event_id = Some(SafeText::line(&format!(
            "{:020}{:020}",
            at.as_millisecond(),
            serial
        )));
        event
    }

    fn to_json(&self, ids: u64) -> String {
        let mut record = json!({
            "eventVersion": "1.08", "userIdentity": self.identity, "eventTime": self.at,
            "eventSource": service_host(self.service), "eventName": self.event, "awsRegion": self.region,
            "sourceIPAddress": self.source_ip, "userAgent": self.user_agent,
            "requestParameters": null, "responseElements": null,
            "requestID": org::uuid(ids), "eventID": org::uuid(org::mix(ids)),
            "readOnly": self.read_only, "eventType": self.event_type, "managementEvent": true,
            "recipientAccountId": self.account.id, "eventCategory": "Management"
        });
        if let Some((code, message)) = self.error {
            record["errorCode"] = json!(code);
            record["errorMessage"] = json!(message);
        }
        if let (Some(target), Some(extra)) = (record.as_object_mut(), self.extra.as_object()) {
            for (k, v) in extra {
                target.insert(k.clone(), v.clone());
            }
        }
        record.to_string()
    }
}

fn error_message(code: &str) -> &'static str {
    match code {
        "AccessDenied" => {
            "User is not authorized to perform this operation with an explicit deny in an identity-based policy"
        }
        "Client.UnauthorizedOperation" => "You are not authorized to perform this operation.",
        _ => "An error occurred.",
    }
}

/// One event at `at`, drawn from the mix of routine and hostile activity.
pub fn event(rng: &mut fastrand::Rng, at: Timestamp, serial: u64) -> LogEvent {
    let account = &ACCOUNTS[rng.usize(..ACCOUNTS.len())];
    let region = account.regions[rng.usize(..account.regions.len())];
    let at_text = at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let user = USERS[rng.usize(..USERS.len())];
    let office = OFFICE_IPS[rng.usize(..OFFICE_IPS.len())];
    let host = &HOSTILE_HOSTS[rng.usize(..HOSTILE_HOSTS.len())];
    let agent = if rng.u16(..400) == 0 {
        hostile::USER_AGENT
    } else {
        [CLI_AGENT, SDK_AGENT][rng.usize(..2)]
    };
    let roll = rng.u8(..100);
    let mut record = Record {
        account,
        region,
        at: at_text.clone(),
        identity: iam_user(account, user),
        service: "sts",
        event: "GetCallerIdentity",
        read_only: true,
        source_ip: office.to_string(),
        user_agent: agent,
        error: None,
        event_type: "AwsApiCall",
        extra: Value::Null,
    };
    match roll {
        0..=69 => {
            let (service, event, read_only) = ROUTINE[rng.usize(..ROUTINE.len())];
            (record.service, record.event, record.read_only) = (service, event, read_only);
            if rng.bool() {
                let role = ROLES[rng.usize(..ROLES.len())];
                record.identity = assumed_role(account, role, &format!("{user}-session"), &at_text);
            }
        }
        70..=75 => {
            // A user takes the admin role: the record that says who is behind its sessions.
            let session = format!("{user}-session");
            (record.service, record.event) = ("sts", "AssumeRole");
            record.extra = json!({
                "requestParameters": {"roleArn": format!("arn:aws:iam::{}:role/AdminRole", account.id), "roleSessionName": session},
                "responseElements": {
                    "credentials": {"accessKeyId": org::access_key("ASIA", &[account.id, "AdminRole", &session]), "expiration": at_text},
                    "assumedRoleUser": {"assumedRoleId": format!("{}:{session}", org::principal_id("AROA", &[account.id, "AdminRole"])), "arn": format!("arn:aws:sts::{}:assumed-role/AdminRole/{session}", account.id)}
                }
            });
        }
        76..=81 => {
            record.identity = json!({"type": "AWSService", "invokedBy": "ec2.amazonaws.com"});
            (record.service, record.event) = ("sts", "AssumeRole");
            record.source_ip = "ec2.amazonaws.com".into();
            record.user_agent = "ec2.amazonaws.com";
            record.event_type = "AwsServiceEvent";
        }
        82..=86 => {
            (record.service, record.event, record.read_only) = ("signin", "ConsoleLogin", false);
            record.user_agent = CONSOLE_AGENT;
            record.event_type = "AwsConsoleSignIn";
            record.extra = json!({"responseElements": {"ConsoleLogin": "Success"}, "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "Yes"}});
        }
        87..=94 => {
            // The intruder: a stolen key from a hostile address.
            let (service, event, error) = INTRUDER[rng.usize(..INTRUDER.len())];
            (record.service, record.event) = (service, event);
            record.read_only = event.starts_with("List")
                || event.starts_with("Get")
                || event.starts_with("Describe");
            record.source_ip = host.ip.to_string();
            record.user_agent = if rng.u8(..3) == 0 {
                "aws-cli/2.13.0 Python/3.11 Linux/6.5.0-kali3-amd64"
            } else {
                record.user_agent
            };
            record.error = error.map(|code| (code, error_message(code)));
        }
        95 => {
            record.identity = root(account);
            (record.service, record.event, record.read_only) = ("signin", "ConsoleLogin", false);
            record.user_agent = CONSOLE_AGENT;
            record.event_type = "AwsConsoleSignIn";
            record.source_ip = host.ip.to_string();
            record.extra = json!({"responseElements": {"ConsoleLogin": "Success"}, "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "No"}});
        }
        96..=97 => {
            (record.service, record.event, record.read_only) = ("signin", "ConsoleLogin", false);
            record.user_agent = CONSOLE_AGENT;
            record.event_type = "AwsConsoleSignIn";
            record.source_ip = host.ip.to_string();
            record.identity = json!({"type": "IAMUser", "principalId": org::principal_id("AIDA", &[account.id, user]), "accountId": account.id, "accessKeyId": "", "userName": user});
            record.extra = json!({"errorMessage": "Failed authentication", "responseElements": {"ConsoleLogin": "Failure"}, "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "No"}});
        }
        98 => {
            record.identity = root(account);
            (record.service, record.event) = ("iam", "GetAccountSummary");
            record.user_agent = CONSOLE_AGENT;
        }
        _ => {
            let (service, event) = CHANGES[rng.usize(..CHANGES.len())];
            (record.service, record.event, record.read_only) = (service, event, false);
            record.identity =
                assumed_role(account, "AdminRole", &format!("{user}-session"), &at_text);
        }
    }
    let ids = org::mix(serial ^ rng.u64(..));
    record.logged(at, ids, serial)
}

/// What the demo's CloudTrail holds for a pivot: the calls made in `account` and `region`
/// between `start` and `end` with `key` (a demo user's key, or any other), from `ip` when the
/// finding names one — what the intruder behind a credential finding did — among the
/// account's routine calls. Deterministic for a given request.
pub fn activity(
    account_id: &str,
    region: &str,
    start: Timestamp,
    end: Timestamp,
    terms: &[String],
) -> Vec<LogEvent> {
    let Some(account) = ACCOUNTS.iter().find(|a| a.id == account_id) else {
        return Vec::new();
    };
    let seed = org::hash(&[account_id, region, &start.as_second().to_string()]);
    let mut rng = fastrand::Rng::with_seed(seed);
    let key = terms
        .iter()
        .find(|t| t.starts_with("AKIA") || t.starts_with("ASIA"));
    let ip = terms
        .iter()
        .find(|t| t.parse::<std::net::IpAddr>().is_ok())
        .cloned()
        .unwrap_or_else(|| {
            HOSTILE_HOSTS[rng.usize(..HOSTILE_HOSTS.len())]
                .ip
                .to_string()
        });
    let identity = match key {
        Some(key) => match USERS.iter().find(|u| org::user_key(account.id, u) == *key) {
            Some(user) => iam_user(account, user),
            // Temporary credentials taken from an instance: the instance role's session.
            None => json!({"type": "AssumedRole", "accountId": account.id, "accessKeyId": key,
                "arn": format!("arn:aws:sts::{}:assumed-role/instance-role/i-session", account.id),
                "principalId": org::principal_id("AROA", &[account.id, key])}),
        },
        None => iam_user(account, USERS[rng.usize(..USERS.len())]),
    };
    let span = (end.as_second() - start.as_second()).max(1);
    // The intruder's calls, one or two a minute at most, a few hundred at most.
    let calls = (span / 45).clamp(3, 400);
    let mut events: Vec<LogEvent> = (0..calls)
        .map(|n| {
            let at = start + SignedDuration::from_secs(rng.i64(0..span));
            let (service, event, error) = INTRUDER[rng.usize(..INTRUDER.len())];
            let record = Record {
                account,
                region,
                at: at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                identity: identity.clone(),
                service,
                event,
                read_only: event.starts_with("List")
                    || event.starts_with("Get")
                    || event.starts_with("Describe"),
                source_ip: ip.clone(),
                user_agent: "aws-cli/2.13.0 Python/3.11 Linux/6.5.0-kali3-amd64",
                error: error.map(|code| (code, error_message(code))),
                event_type: "AwsApiCall",
                extra: Value::Null,
            };
            let ids = org::mix(seed ^ n as u64);
            record.logged(at, ids, ids % 100_000_000_000)
        })
        .collect();
    events.sort_by_key(|e| e.timestamp);
    events
}
