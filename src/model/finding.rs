//! The unified finding: GuardDuty and Security Hub (ASFF) findings mapped into one shape.

use jiff::Timestamp;
use serde::Serialize;

use super::raw::RawRecord;
use super::severity::Severity;
use super::text::SafeText;

/// Where a finding came from. A GuardDuty finding that Security Hub also delivers carries both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sources(u8);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    GuardDuty,
    SecurityHub,
    /// picket's own detections on the CloudTrail stream (CIS patterns).
    Detection,
}

impl SourceKind {
    pub const ALL: [SourceKind; 3] = [
        SourceKind::GuardDuty,
        SourceKind::SecurityHub,
        SourceKind::Detection,
    ];

    fn bit(self) -> u8 {
        match self {
            Self::GuardDuty => 1,
            Self::SecurityHub => 2,
            Self::Detection => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::GuardDuty => "guardduty",
            Self::SecurityHub => "securityhub",
            Self::Detection => "detection",
        }
    }

    /// Two-letter tag for the findings table.
    pub fn tag(self) -> &'static str {
        match self {
            Self::GuardDuty => "GD",
            Self::SecurityHub => "SH",
            Self::Detection => "PD",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        match word.to_ascii_lowercase().as_str() {
            "guardduty" | "gd" => Some(Self::GuardDuty),
            "securityhub" | "security-hub" | "sh" | "asff" => Some(Self::SecurityHub),
            "detection" | "picket" | "pd" => Some(Self::Detection),
            _ => None,
        }
    }
}

impl Sources {
    pub fn of(kind: SourceKind) -> Self {
        Self(kind.bit())
    }

    /// The set as bits (the disk store keeps them), and back; unknown bits are dropped.
    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn from_bits(bits: u8) -> Self {
        Self(bits & 0b111)
    }

    pub fn with(self, kind: SourceKind) -> Self {
        Self(self.0 | kind.bit())
    }

    pub fn union(self, other: Sources) -> Self {
        Self(self.0 | other.0)
    }

    pub fn contains(self, kind: SourceKind) -> bool {
        self.0 & kind.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = SourceKind> {
        SourceKind::ALL
            .into_iter()
            .filter(move |k| self.contains(*k))
    }

    /// `GD`, `SH` or `GD+SH`.
    pub fn tag(self) -> String {
        self.iter()
            .map(SourceKind::tag)
            .collect::<Vec<_>>()
            .join("+")
    }
}

impl Serialize for Sources {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Security Hub workflow status. GuardDuty findings have none of their own and count as `New`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Workflow {
    #[default]
    New,
    Notified,
    Resolved,
    Suppressed,
}

impl Workflow {
    /// Still work for someone: NEW or NOTIFIED.
    pub fn is_open(self) -> bool {
        matches!(self, Workflow::New | Workflow::Notified)
    }

    pub fn parse(word: &str) -> Option<Self> {
        match word.to_ascii_uppercase().as_str() {
            "NEW" => Some(Self::New),
            "NOTIFIED" => Some(Self::Notified),
            "RESOLVED" => Some(Self::Resolved),
            "SUPPRESSED" => Some(Self::Suppressed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::Notified => "NOTIFIED",
            Self::Resolved => "RESOLVED",
            Self::Suppressed => "SUPPRESSED",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RecordState {
    #[default]
    Active,
    Archived,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verification {
    #[default]
    Unknown,
    TruePositive,
    FalsePositive,
    BenignPositive,
}

impl Verification {
    /// The state a disposition's reason implies, where it implies one.
    pub fn of_reason(reason: super::disposition::Reason) -> Option<Verification> {
        use super::disposition::Reason;
        match reason {
            Reason::FalsePositive => Some(Verification::FalsePositive),
            Reason::Benign => Some(Verification::BenignPositive),
            Reason::TruePositive => Some(Verification::TruePositive),
            Reason::Duplicate | Reason::AcceptedRisk => None,
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        match word.to_ascii_uppercase().replace('-', "_").as_str() {
            "UNKNOWN" => Some(Self::Unknown),
            "TRUE_POSITIVE" => Some(Self::TruePositive),
            "FALSE_POSITIVE" => Some(Self::FalsePositive),
            "BENIGN_POSITIVE" => Some(Self::BenignPositive),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "UNKNOWN",
            Self::TruePositive => "TRUE_POSITIVE",
            Self::FalsePositive => "FALSE_POSITIVE",
            Self::BenignPositive => "BENIGN_POSITIVE",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComplianceStatus {
    Passed,
    Warning,
    Failed,
    NotAvailable,
}

impl ComplianceStatus {
    pub fn parse(word: &str) -> Option<Self> {
        match word.to_ascii_uppercase().replace('-', "_").as_str() {
            "PASSED" => Some(Self::Passed),
            "WARNING" => Some(Self::Warning),
            "FAILED" => Some(Self::Failed),
            "NOT_AVAILABLE" => Some(Self::NotAvailable),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "PASSED",
            Self::Warning => "WARNING",
            Self::Failed => "FAILED",
            Self::NotAvailable => "NOT_AVAILABLE",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Compliance {
    pub status: ComplianceStatus,
    /// Security Hub control id, e.g. `S3.8`.
    pub control_id: Option<SafeText>,
    /// e.g. `CIS AWS Foundations Benchmark v1.2.0/3.3`, `NIST.800-53.r5 AC-3`.
    pub requirements: Vec<SafeText>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Resource {
    /// `AwsEc2Instance`, `AwsS3Bucket`, `AccessKey`, `Instance`…
    pub kind: SafeText,
    pub id: SafeText,
    pub arn: Option<SafeText>,
    /// Short facts worth a line in the detail view (`tag Name=web-1`, `image ami-…`).
    pub details: Vec<(SafeText, SafeText)>,
}

/// One CloudTrail record a detection alert matched: when, what was called, from where.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DetectionMatch {
    /// The record's event time.
    pub at: Timestamp,
    /// `iam:PutUserPolicy`.
    pub event: SafeText,
    pub source_ip: Option<SafeText>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Note {
    pub text: SafeText,
    pub updated_by: SafeText,
    pub updated_at: Option<Timestamp>,
}

/// Who acted and from where, as GuardDuty reports it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Activity {
    /// `AWS_API_CALL`, `NETWORK_CONNECTION`, `PORT_PROBE`, `DNS_REQUEST`, `KUBERNETES_API_CALL`…
    pub action: Option<SafeText>,
    /// API called or domain queried.
    pub api: Option<SafeText>,
    pub service_name: Option<SafeText>,
    pub remote_ip: Option<SafeText>,
    pub country: Option<SafeText>,
    pub city: Option<SafeText>,
    pub asn_org: Option<SafeText>,
    pub isp: Option<SafeText>,
    pub remote_port: Option<u32>,
    pub local_port: Option<u32>,
    pub protocol: Option<SafeText>,
    pub direction: Option<SafeText>,
    pub user_agent: Option<SafeText>,
    pub principal: Option<SafeText>,
    pub access_key_id: Option<SafeText>,
    pub user_name: Option<SafeText>,
}

impl Activity {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The principal an IAM ARN names: `carol` of `…:user/carol`, `AdminRole/carol` of
/// `…:assumed-role/AdminRole/carol`, `root` of `…:root`.
pub fn iam_principal(arn: &str) -> Option<&str> {
    if !arn.starts_with("arn:") {
        return None;
    }
    if arn.ends_with(":root") {
        return Some("root");
    }
    let (_, tail) = arn
        .split_once(":user/")
        .or_else(|| arn.split_once(":assumed-role/"))?;
    // A user's path (`user/ops/carol`) is not part of its name.
    let tail = if arn.contains(":user/") {
        tail.rsplit('/').next().unwrap_or(tail)
    } else {
        tail
    };
    (!tail.is_empty()).then_some(tail)
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The finding's id, unique within its `scope`.
    pub id: SafeText,
    /// What the id is unique within, as AWS keys findings: GuardDuty's account and region, or a
    /// Security Hub product ([`super::guardduty_scope`], [`super::product_scope`]). The store
    /// keys findings by scope and id, so a record can neither replace nor merge into another
    /// product's or account's finding by borrowing its id.
    #[serde(skip)]
    pub scope: Box<str>,
    pub arn: Option<SafeText>,
    pub sources: Sources,
    /// `GuardDuty`, `Security Hub`, `Inspector`, `Macie`…
    pub product: SafeText,
    pub title: SafeText,
    pub description: SafeText,
    /// GuardDuty: the one finding type; ASFF: `Types[]`.
    pub types: Vec<SafeText>,
    pub severity: Severity,
    pub account_id: SafeText,
    /// Account name as the record states it (ASFF `AwsAccountName`); the directory may know better.
    pub account_name: Option<SafeText>,
    pub region: SafeText,
    pub resources: Vec<Resource>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The newest change AWS recorded: `updated_at`, or Security Hub's `ProcessedAt` when later
    /// (an analyst's BatchUpdateFindings moves only that). Of two copies of one finding, the one
    /// revised later wins, whatever order they arrive in.
    pub revised: Timestamp,
    pub count: u64,
    pub workflow: Workflow,
    pub record_state: RecordState,
    pub archived: bool,
    pub verification: Verification,
    pub compliance: Option<Compliance>,
    pub notes: Vec<Note>,
    /// Actor and network context (GuardDuty `service.action`); boxed because ASFF rarely has it.
    pub activity: Option<Box<Activity>>,
    /// GuardDuty sample finding (`[SAMPLE]` title or `additionalInfo.sample`).
    pub sample: bool,
    /// Product-specific facts worth a line in the detail view: attack-sequence signals, the
    /// process behind a runtime finding, vulnerable packages…
    pub facts: Vec<(SafeText, SafeText)>,
    /// A detection alert's latest matching records, newest first (picket keeps a few; `count`
    /// says how many matched in all).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<DetectionMatch>,
    /// Why it was resolved or suppressed, by whom, until when (written by picket).
    pub disposition: Option<super::disposition::Disposition>,
    #[serde(skip)]
    pub raw: RawRecord,
}

impl Finding {
    /// The type shown in the table: the GuardDuty finding type, the Security Hub control id, or
    /// the last part of the first ASFF type (`CVE` of `Software and Configuration
    /// Checks/Vulnerabilities/CVE`).
    pub fn type_label(&self) -> &str {
        if self.sources.contains(SourceKind::GuardDuty)
            && let Some(t) = self.types.first()
        {
            return t;
        }
        if let Some(id) = self
            .compliance
            .as_ref()
            .and_then(|c| c.control_id.as_deref())
        {
            return id;
        }
        let first = self.types.first().map(|t| t.as_str()).unwrap_or("");
        first.rsplit('/').next().unwrap_or(first)
    }

    /// The id Security Hub finds this finding by (a GetFindings `Id` filter, GetFindingsV2's
    /// `finding_info.uid`): an ASFF record's `Id`; an OCSF record's `finding_info.uid` (its
    /// queue id may be `metadata.uid`); GuardDuty's own record's ARN, which is the `Id` of
    /// Security Hub's copy.
    pub fn security_hub_id(&self) -> String {
        if self.raw.kind() == super::raw::RecordKind::Ocsf
            && let Some(uid) = self.raw.parse().and_then(|record| {
                record
                    .pointer("/finding_info/uid")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string)
            })
        {
            return super::SafeText::line(&uid).to_string();
        }
        self.arn.as_ref().unwrap_or(&self.id).to_string()
    }

    /// Who acted, as the incidents view groups by it: an IAM user (`carol`), a role session
    /// (`AdminRole/carol`) or `root`; from GuardDuty's access key details, an IAM principal's
    /// ARN among the resources (picket's detections name the caller so), or Security Hub's
    /// access key details.
    pub fn principal(&self) -> Option<String> {
        for resource in &self.resources {
            let detail = |label: &str| {
                resource
                    .details
                    .iter()
                    .find(|(l, _)| l.as_str() == label)
                    .map(|(_, v)| v.as_str())
                    .filter(|v| !v.is_empty())
            };
            match resource.kind.as_str() {
                "AccessKey" => {
                    let user = detail("user");
                    return match detail("user type") {
                        Some("Root") => Some("root".into()),
                        Some("AssumedRole") => {
                            let session = detail("principal")
                                .and_then(|p| p.split_once(':'))
                                .map(|(_, s)| s);
                            match (user, session) {
                                (Some(role), Some(session)) => Some(format!("{role}/{session}")),
                                (user, _) => user.map(str::to_string),
                            }
                        }
                        _ => user.or(detail("principal")).map(str::to_string),
                    }
                    .or_else(|| Some(resource.id.to_string()).filter(|id| !id.is_empty()));
                }
                "AwsIamAccessKey" => {
                    if let Some(name) = detail("principal") {
                        return Some(name.to_string());
                    }
                }
                _ => {}
            }
            let arn = resource.arn.as_deref().unwrap_or(&resource.id);
            if let Some(name) = iam_principal(arn) {
                return Some(name.to_string());
            }
        }
        None
    }

    /// Status as an analyst reads it: `ARCHIVED` wins over the workflow status.
    pub fn status_label(&self) -> &'static str {
        if self.archived || self.record_state == RecordState::Archived {
            "ARCHIVED"
        } else {
            self.workflow.as_str()
        }
    }
}
