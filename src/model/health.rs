//! Health of each (account, region, service) a source reads.

use std::fmt;

use jiff::Timestamp;
use serde::Serialize;

use super::text::SafeText;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    GuardDuty,
    SecurityHub,
    CloudWatchLogs,
    /// The account list (Organizations).
    Organizations,
    /// Containment playbooks (Systems Manager Automation, EventBridge).
    Playbooks,
    /// The event feed (an SQS queue EventBridge delivers finding events to).
    Feed,
}

impl Service {
    pub const ALL: [Service; 6] = [
        Service::GuardDuty,
        Service::SecurityHub,
        Service::CloudWatchLogs,
        Service::Organizations,
        Service::Playbooks,
        Service::Feed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::GuardDuty => "guardduty",
            Self::SecurityHub => "securityhub",
            Self::CloudWatchLogs => "logs",
            Self::Organizations => "organizations",
            Self::Playbooks => "playbooks",
            Self::Feed => "feed",
        }
    }

    /// The letter a Sources cell marks it with.
    pub fn letter(self) -> &'static str {
        match self {
            Self::Organizations => "O",
            Self::GuardDuty => "G",
            Self::SecurityHub => "S",
            Self::CloudWatchLogs => "L",
            Self::Playbooks => "P",
            Self::Feed => "F",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct HealthKey {
    pub account_id: SafeText,
    pub region: SafeText,
    pub service: Service,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    Ok,
    Stale,
    Throttled,
    AccessDenied,
    NotEnabled,
    Error,
}

impl HealthState {
    pub const ALL: [HealthState; 6] = [
        HealthState::Ok,
        HealthState::Stale,
        HealthState::Throttled,
        HealthState::AccessDenied,
        HealthState::NotEnabled,
        HealthState::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Stale => "stale",
            Self::Throttled => "throttled",
            Self::AccessDenied => "denied",
            Self::NotEnabled => "not enabled",
            Self::Error => "error",
        }
    }

    /// A distinct mark per state, for screens without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Ok => "●",
            Self::Stale => "◐",
            Self::Throttled => "◔",
            Self::AccessDenied => "⊘",
            Self::NotEnabled => "◌",
            Self::Error => "▲",
        }
    }

    /// Whether this needs the analyst's attention.
    pub fn is_problem(self) -> bool {
        !matches!(self, Self::Ok | Self::NotEnabled)
    }
}

impl fmt::Display for HealthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Health {
    pub state: HealthState,
    /// When this (account, region, service) last answered successfully.
    pub last_success: Option<Timestamp>,
    /// What a human needs to fix it: the missing IAM action, the command to run.
    pub message: Option<SafeText>,
    /// Catching up: this many read so far of a backlog the next polls go on with (the screens
    /// say "N read, more coming" instead of a count that looks complete).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backlog: Option<u64>,
    /// The SDK's own words for a failure, whole: shown on request (the Sources screen's cell,
    /// `--verbose`), never as the headline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<SafeText>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HealthReport {
    pub key: HealthKey,
    pub health: Health,
}
