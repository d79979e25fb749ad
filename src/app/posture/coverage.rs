//! Coverage: what nobody is watching. A quiet queue must never hide a blind spot, so every
//! place picket could not read, every service not enabled, every standard, protection plan or
//! runtime agent missing, and a missing log stream or event feed is listed with what fixes it.
//!
//! Cost: one pass over the health cells (accounts × regions × services: 1,000 accounts in 17
//! regions is 51k cells) and the reports the sources delivered; worked out when the screen is
//! shown or the sources report.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::Directory;
use crate::model::health::{Health, HealthKey, HealthState, Service};
use crate::model::standards::{GuardDutyCoverage, StandardsReport};

/// How bad a gap is: nothing is seen there, part is, or a weaker guarantee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Nothing of this kind is seen there (a service off, access denied).
    Blind,
    /// Something is seen, not all (a plan off, an agent unhealthy, a standard not enabled).
    Partial,
    /// Seen, later than it could be (no event feed).
    Late,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Blind => "BLIND",
            Level::Partial => "PARTIAL",
            Level::Late => "LATE",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Gap {
    pub level: Level,
    /// What is missing: `GuardDuty not enabled`.
    pub what: String,
    /// Where: `3 accounts, 2 regions: prod-web us-east-1, …`.
    pub places: Vec<String>,
    /// What fixes it (a command, a setting).
    pub fix: String,
}

/// The standards worth having on: a queue without them has no controls to fail.
const EXPECTED_STANDARDS: [&str; 2] = [
    "AWS Foundational Security Best Practices",
    "CIS AWS Foundations Benchmark",
];

/// Protection plans GuardDuty can run, by the names its features carry.
const PLANS: [(&str, &str); 6] = [
    ("S3_DATA_EVENTS", "S3 Protection"),
    ("EKS_AUDIT_LOGS", "EKS Audit Log Monitoring"),
    ("RUNTIME_MONITORING", "Runtime Monitoring"),
    ("EBS_MALWARE_PROTECTION", "Malware Protection for EC2"),
    ("RDS_LOGIN_EVENTS", "RDS Protection"),
    ("LAMBDA_NETWORK_LOGS", "Lambda Protection"),
];

/// What picket knows of the watch: the health of every cell, the reports, the streams.
pub struct Watch<'a> {
    pub health: &'a BTreeMap<HealthKey, Health>,
    pub directory: &'a Directory,
    pub standards: &'a BTreeMap<(String, String), StandardsReport>,
    pub coverage: &'a BTreeMap<(String, String), GuardDutyCoverage>,
    /// CloudTrail groups tailed.
    pub log_groups: usize,
    /// Detections running on the stream.
    pub detections: usize,
    /// Whether an event feed is configured.
    pub feed: bool,
}

pub fn gaps(watch: &Watch<'_>) -> Vec<Gap> {
    let mut gaps = Vec::new();
    let name = |id: &str| watch.directory.name_of(id).to_string();
    // Services off, denied or failing, by service and state.
    let mut cells: BTreeMap<(Service, HealthState), BTreeSet<String>> = BTreeMap::new();
    let mut read: BTreeMap<Service, BTreeSet<String>> = BTreeMap::new();
    for (key, health) in watch.health {
        read.entry(key.service)
            .or_default()
            .insert(key.account_id.to_string());
        if matches!(
            health.state,
            HealthState::NotEnabled | HealthState::AccessDenied | HealthState::Error
        ) {
            cells
                .entry((key.service, health.state))
                .or_default()
                .insert(format!("{} {}", name(&key.account_id), key.region));
        }
    }
    for ((service, state), places) in cells {
        let (what, fix) = match (service, state) {
            (Service::GuardDuty, HealthState::NotEnabled) => (
                "GuardDuty not enabled",
                "aws guardduty create-detector --enable (or auto-enable from the delegated administrator)",
            ),
            (Service::SecurityHub, HealthState::NotEnabled) => (
                "Security Hub not enabled",
                "aws securityhub enable-security-hub (or auto-enable from the delegated administrator)",
            ),
            (_, HealthState::NotEnabled) => ("not enabled", "enable the service"),
            (_, HealthState::AccessDenied) => (
                "picket is denied",
                "grant the role picket reads with the permissions picket doctor lists",
            ),
            _ => (
                "failing",
                "the Sources screen (4) has the error; picket doctor checks it",
            ),
        };
        let what = match state {
            HealthState::NotEnabled => what.to_string(),
            _ => format!("{}: {what}", service_name(service)),
        };
        gaps.push(Gap {
            level: Level::Blind,
            what,
            places: places.into_iter().collect(),
            fix: fix.to_string(),
        });
    }
    // Accounts of the organization no source reads at all.
    for service in [Service::GuardDuty, Service::SecurityHub] {
        let seen = read.get(&service);
        let unread: BTreeSet<String> = watch
            .directory
            .iter()
            .filter(|a| seen.is_none_or(|s| !s.contains(a.id.as_str())))
            .map(|a| a.name.to_string())
            .collect();
        if !unread.is_empty() && !watch.health.is_empty() {
            gaps.push(Gap {
                level: Level::Blind,
                what: format!("{} not read in these accounts", service_name(service)),
                places: unread.into_iter().collect(),
                fix: "[org] mode or the delegated administrator's region list ([regions])"
                    .to_string(),
            });
        }
    }
    unread_gaps(watch, &mut gaps);
    standards_gaps(watch, &mut gaps);
    guardduty_gaps(watch, &mut gaps);
    if watch.log_groups == 0 {
        gaps.push(Gap {
            level: Level::Blind,
            what: "No CloudTrail log group tailed: the detections and pivots see nothing"
                .to_string(),
            places: Vec::new(),
            fix: "o on the logs screen (3), or [logs] cloudtrail_groups".to_string(),
        });
    } else if watch.detections == 0 {
        gaps.push(Gap {
            level: Level::Partial,
            what: "CloudTrail is tailed with no detection running".to_string(),
            places: Vec::new(),
            fix: "[logs] detect = [\"all\"]".to_string(),
        });
    }
    if !watch.feed {
        gaps.push(Gap {
            level: Level::Late,
            what: "No event feed: new findings wait for the next poll".to_string(),
            places: Vec::new(),
            fix: "picket feed setup, then [feed] queue_url".to_string(),
        });
    }
    gaps.sort();
    gaps
}

fn service_name(service: Service) -> &'static str {
    match service {
        Service::GuardDuty => "GuardDuty",
        Service::SecurityHub => "Security Hub",
        Service::CloudWatchLogs => "CloudWatch Logs",
        Service::Organizations => "Organizations",
        Service::Playbooks => "Playbooks",
        Service::Feed => "The event feed",
    }
}

/// Where what is enabled could not be read: nothing is known there, said with why.
fn unread_gaps(watch: &Watch<'_>, gaps: &mut Vec<Gap>) {
    let name = |id: &str| watch.directory.name_of(id).to_string();
    let standards: Vec<String> = watch
        .standards
        .values()
        .filter_map(|r| {
            let why = r.unread.as_deref()?;
            Some(format!("{} {}: {why}", name(&r.account_id), r.region))
        })
        .collect();
    if !standards.is_empty() {
        gaps.push(Gap {
            level: Level::Partial,
            what: "Security Hub's enabled standards could not be read".to_string(),
            places: standards,
            fix: "securityhub:GetEnabledStandards and securityhub:DescribeStandardsControls for the role picket reads with".to_string(),
        });
    }
    let plans: Vec<String> = watch
        .coverage
        .values()
        .filter_map(|c| {
            let why = c.unread.as_deref()?;
            Some(format!("{} {}: {why}", name(&c.account_id), c.region))
        })
        .collect();
    if !plans.is_empty() {
        gaps.push(Gap {
            level: Level::Partial,
            what: "GuardDuty's protection plans and runtime coverage could not be read".to_string(),
            places: plans,
            fix: "guardduty:GetDetector, guardduty:GetCoverageStatistics and guardduty:ListCoverage for the role picket reads with".to_string(),
        });
    }
}

/// Expected standards not enabled, and standards whose subscription is not ready.
fn standards_gaps(watch: &Watch<'_>, gaps: &mut Vec<Gap>) {
    let name = |id: &str| watch.directory.name_of(id).to_string();
    for expected in EXPECTED_STANDARDS {
        let missing: Vec<String> = watch
            .standards
            .values()
            .filter(|r| r.unread.is_none())
            .filter(|r| !r.standards.iter().any(|s| s.name.starts_with(expected)))
            .map(|r| format!("{} {}", name(&r.account_id), r.region))
            .collect();
        if !missing.is_empty() {
            gaps.push(Gap {
                level: Level::Partial,
                what: format!("{expected} not enabled"),
                places: missing,
                fix: "aws securityhub batch-enable-standards --standards-subscription-requests StandardsArn=…"
                    .to_string(),
            });
        }
    }
    let mut not_ready: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for report in watch.standards.values() {
        for standard in &report.standards {
            if standard.status != "READY" {
                not_ready
                    .entry(format!("{} is {}", standard.name, standard.status))
                    .or_default()
                    .push(format!("{} {}", name(&report.account_id), report.region));
            }
        }
    }
    for (what, places) in not_ready {
        gaps.push(Gap {
            level: Level::Partial,
            what,
            places,
            fix: "aws securityhub get-enabled-standards says why (StandardsStatusReason)"
                .to_string(),
        });
    }
}

/// Protection plans off, and runtime agents unhealthy.
fn guardduty_gaps(watch: &Watch<'_>, gaps: &mut Vec<Gap>) {
    let name = |id: &str| watch.directory.name_of(id).to_string();
    for (feature, plan) in PLANS {
        let off: Vec<String> = watch
            .coverage
            .values()
            .filter(|c| c.plans.iter().any(|(f, on)| f == feature && !on))
            .map(|c| format!("{} {}", name(&c.account_id), c.region))
            .collect();
        if !off.is_empty() {
            gaps.push(Gap {
                level: Level::Partial,
                what: format!("GuardDuty {plan} off"),
                places: off,
                fix: format!(
                    "aws guardduty update-detector --features Name={feature},Status=ENABLED"
                ),
            });
        }
    }
    let mut unhealthy = Vec::new();
    let mut total = 0;
    for coverage in watch.coverage.values() {
        total += coverage.unhealthy;
        for (resource, reason) in &coverage.unhealthy_resources {
            unhealthy.push(format!(
                "{} {}: {resource} ({reason})",
                name(&coverage.account_id),
                coverage.region
            ));
        }
    }
    if total > 0 {
        gaps.push(Gap {
            level: Level::Partial,
            what: format!(
                "{total} resource{} with an unhealthy GuardDuty runtime agent",
                if total == 1 { "" } else { "s" }
            ),
            places: unhealthy,
            fix: "aws guardduty list-coverage --filter-criteria …CoverageStatus=UNHEALTHY"
                .to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SafeText;
    use crate::model::standards::EnabledStandard;

    fn health(cells: &[(&str, &str, Service, HealthState)]) -> BTreeMap<HealthKey, Health> {
        cells
            .iter()
            .map(|(account, region, service, state)| {
                let key = HealthKey {
                    account_id: SafeText::line(account),
                    region: SafeText::line(region),
                    service: *service,
                };
                let health = Health {
                    state: *state,
                    last_success: None,
                    message: None,
                    backlog: None,
                    raw: None,
                };
                (key, health)
            })
            .collect()
    }

    #[test]
    fn every_kind_of_blind_spot_is_listed_worst_first() {
        let health = health(&[
            (
                "111111111111",
                "us-east-1",
                Service::GuardDuty,
                HealthState::Ok,
            ),
            (
                "111111111111",
                "eu-west-1",
                Service::GuardDuty,
                HealthState::NotEnabled,
            ),
            (
                "111111111111",
                "us-east-1",
                Service::SecurityHub,
                HealthState::AccessDenied,
            ),
        ]);
        let mut standards = BTreeMap::new();
        standards.insert(
            ("111111111111".into(), "us-east-1".into()),
            StandardsReport {
                account_id: "111111111111".into(),
                region: "us-east-1".into(),
                unread: None,
                standards: vec![EnabledStandard {
                    name: "AWS Foundational Security Best Practices v1.0.0".into(),
                    status: "INCOMPLETE".into(),
                    controls: Vec::new(),
                }],
            },
        );
        let mut coverage = BTreeMap::new();
        coverage.insert(
            ("111111111111".into(), "us-east-1".into()),
            GuardDutyCoverage {
                account_id: "111111111111".into(),
                region: "us-east-1".into(),
                plans: vec![
                    ("RUNTIME_MONITORING".into(), false),
                    ("S3_DATA_EVENTS".into(), true),
                ],
                healthy: 4,
                unhealthy: 1,
                unread: None,
                unhealthy_resources: vec![(
                    "eks cluster prod".into(),
                    "agent not reporting".into(),
                )],
            },
        );
        let directory = Directory::default();
        let gaps = gaps(&Watch {
            health: &health,
            directory: &directory,
            standards: &standards,
            coverage: &coverage,
            log_groups: 0,
            detections: 15,
            feed: false,
        });
        let what: Vec<(&str, &str)> = gaps
            .iter()
            .map(|g| (g.level.label(), g.what.as_str()))
            .collect();
        assert_eq!(
            what,
            [
                ("BLIND", "GuardDuty not enabled"),
                (
                    "BLIND",
                    "No CloudTrail log group tailed: the detections and pivots see nothing"
                ),
                ("BLIND", "Security Hub: picket is denied"),
                (
                    "PARTIAL",
                    "1 resource with an unhealthy GuardDuty runtime agent"
                ),
                (
                    "PARTIAL",
                    "AWS Foundational Security Best Practices v1.0.0 is INCOMPLETE"
                ),
                ("PARTIAL", "CIS AWS Foundations Benchmark not enabled"),
                ("PARTIAL", "GuardDuty Runtime Monitoring off"),
                ("LATE", "No event feed: new findings wait for the next poll"),
            ]
        );
        assert_eq!(gaps[0].places, ["111111111111 eu-west-1"]);
        assert!(gaps[3].places[0].contains("eks cluster prod (agent not reporting)"));
    }

    #[test]
    fn what_could_not_be_read_is_a_gap_not_a_silence() {
        let health = BTreeMap::new();
        let mut standards = BTreeMap::new();
        standards.insert(
            ("111111111111".into(), "eu-west-1".into()),
            StandardsReport {
                account_id: "111111111111".into(),
                region: "eu-west-1".into(),
                standards: Vec::new(),
                unread: Some("missing permission securityhub:GetEnabledStandards".into()),
            },
        );
        let directory = Directory::default();
        let gaps = gaps(&Watch {
            health: &health,
            directory: &directory,
            standards: &standards,
            coverage: &BTreeMap::new(),
            log_groups: 1,
            detections: 1,
            feed: true,
        });
        let what: Vec<&str> = gaps.iter().map(|g| g.what.as_str()).collect();
        // Not read is not "not enabled".
        assert_eq!(what, ["Security Hub's enabled standards could not be read"]);
        assert_eq!(
            gaps[0].places,
            ["111111111111 eu-west-1: missing permission securityhub:GetEnabledStandards"]
        );
    }
}
