//! What is switched on where a source reads: Security Hub's enabled standards and their
//! controls (GetEnabledStandards, DescribeStandardsControls), GuardDuty's protection plans and
//! runtime agents (GetDetector, GetCoverageStatistics, ListCoverage of unhealthy resources).
//!
//! Read when a source starts and every [`EVERY`] after: what is enabled changes by hand, rarely.
//! Cost per account and region: 1 + (standards × pages of 100 controls) Security Hub requests
//! (about 10 with the four usual standards), 2–3 GuardDuty requests; through the same request
//! budget as the findings. In delegated-administrator mode that is one account's regions; in
//! `[org] mode = "accounts"` each account's (1,000 accounts × 17 regions is about 200,000
//! requests every six hours, paced by the budget).

use std::time::Duration;

use aws_sdk_guardduty::types::{
    CoverageFilterCondition, CoverageFilterCriteria, CoverageFilterCriterion,
    CoverageFilterCriterionKey, CoverageStatisticsType, CoverageStatus,
};

use super::{Failure, Track};
use crate::model::standards::{
    EnabledStandard, GuardDutyCoverage, StandardControl, StandardsReport, name_of_id,
};

/// How often what is enabled is read again.
pub const EVERY: Duration = Duration::from_secs(6 * 3600);

/// After a failed read (a missing permission, a passing error), read again this much later.
const RETRY: Duration = Duration::from_secs(10 * 60);

/// When a source reads what is enabled next; never unless switched on (the TUI's sources are,
/// a headless sweep's are not).
#[derive(Clone, Copy, Debug, Default)]
pub struct Schedule {
    on: bool,
    next: Option<jiff::Timestamp>,
}

impl Schedule {
    pub fn new(on: bool) -> Schedule {
        Schedule { on, next: None }
    }

    pub fn due(&self, now: jiff::Timestamp) -> bool {
        self.on && self.next.is_none_or(|next| now >= next)
    }

    pub fn read(&mut self, now: jiff::Timestamp, ok: bool) {
        let wait = if ok { EVERY } else { RETRY };
        self.next = now.checked_add(wait).ok();
    }
}

/// Unhealthy resources listed per account and region (the count is GuardDuty's).
const UNHEALTHY_LISTED: i32 = 50;

/// A report that says only why it could not be read.
pub fn unread_standards(track: &Track, failure: &Failure) -> StandardsReport {
    StandardsReport {
        account_id: track.account.clone(),
        region: track.region.clone(),
        standards: Vec::new(),
        unread: Some(failure.message.clone()),
    }
}

pub fn unread_coverage(track: &Track, failure: &Failure) -> GuardDutyCoverage {
    GuardDutyCoverage {
        account_id: track.account.clone(),
        region: track.region.clone(),
        unread: Some(failure.message.clone()),
        ..GuardDutyCoverage::default()
    }
}

/// Security Hub's enabled standards in the track's account and region, with each one's
/// controls as enabled or disabled there.
pub async fn standards(
    client: &aws_sdk_securityhub::Client,
    track: &Track,
) -> Result<StandardsReport, Failure> {
    let mut standards = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = track
            .call(
                "securityhub:GetEnabledStandards",
                client
                    .get_enabled_standards()
                    .set_next_token(token)
                    .max_results(100)
                    .send(),
            )
            .await?;
        for subscription in out.standards_subscriptions() {
            let arn = subscription.standards_arn().unwrap_or_default();
            let controls = match subscription.standards_subscription_arn() {
                Some(subscription) => controls(client, track, subscription).await?,
                None => Vec::new(),
            };
            standards.push(EnabledStandard {
                name: name_of_id(arn)
                    .unwrap_or_else(|| crate::model::SafeText::line(arn).to_string()),
                status: subscription
                    .standards_status()
                    .map_or("UNKNOWN", |s| s.as_str())
                    .to_string(),
                controls,
            });
        }
        token = out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(StandardsReport {
        account_id: track.account.clone(),
        region: track.region.clone(),
        standards,
        unread: None,
    })
}

async fn controls(
    client: &aws_sdk_securityhub::Client,
    track: &Track,
    subscription: &str,
) -> Result<Vec<StandardControl>, Failure> {
    let mut controls = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = track
            .call(
                "securityhub:DescribeStandardsControls",
                client
                    .describe_standards_controls()
                    .standards_subscription_arn(subscription)
                    .set_next_token(token)
                    .max_results(100)
                    .send(),
            )
            .await?;
        for control in out.controls() {
            let line = |s: Option<&str>| crate::model::SafeText::line(s.unwrap_or("")).to_string();
            controls.push(StandardControl {
                id: line(control.control_id()),
                title: line(control.title()),
                enabled: control
                    .control_status()
                    .is_none_or(|s| s.as_str() != "DISABLED"),
                disabled_reason: control
                    .disabled_reason()
                    .filter(|r| !r.is_empty())
                    .map(|r| crate::model::SafeText::line(r).to_string()),
            });
        }
        token = out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            return Ok(controls);
        }
    }
}

/// GuardDuty's protection plans and runtime coverage for one detector.
pub async fn coverage(
    client: &aws_sdk_guardduty::Client,
    track: &Track,
    detector: &str,
) -> Result<GuardDutyCoverage, Failure> {
    let out = track
        .call(
            "guardduty:GetDetector",
            client.get_detector().detector_id(detector).send(),
        )
        .await?;
    let plans = out
        .features()
        .iter()
        .filter_map(|f| {
            let name = f.name()?.as_str().to_string();
            let on = f.status().is_some_and(|s| s.as_str() == "ENABLED");
            Some((name, on))
        })
        .collect();
    let statistics = track
        .call(
            "guardduty:GetCoverageStatistics",
            client
                .get_coverage_statistics()
                .detector_id(detector)
                .statistics_type(CoverageStatisticsType::CountByCoverageStatus)
                .send(),
        )
        .await?;
    let count = |status: &CoverageStatus| {
        statistics
            .coverage_statistics()
            .and_then(|s| s.count_by_coverage_status())
            .and_then(|m| m.get(status))
            .copied()
            .unwrap_or(0)
            .max(0) as u64
    };
    let healthy = count(&CoverageStatus::Healthy);
    let unhealthy = count(&CoverageStatus::Unhealthy);
    let mut unhealthy_resources = Vec::new();
    if unhealthy > 0 {
        let criterion = CoverageFilterCriterion::builder()
            .criterion_key(CoverageFilterCriterionKey::CoverageStatus)
            .filter_condition(
                CoverageFilterCondition::builder()
                    .equals("UNHEALTHY")
                    .build(),
            )
            .build();
        let listed = track
            .call(
                "guardduty:ListCoverage",
                client
                    .list_coverage()
                    .detector_id(detector)
                    .filter_criteria(
                        CoverageFilterCriteria::builder()
                            .filter_criterion(criterion)
                            .build(),
                    )
                    .max_results(UNHEALTHY_LISTED)
                    .send(),
            )
            .await?;
        for resource in listed.resources() {
            let kind = resource
                .resource_details()
                .and_then(|d| d.resource_type())
                .map_or("resource", |t| t.as_str());
            let id = resource.resource_id().unwrap_or("?");
            let issue = resource.issue().unwrap_or("unhealthy");
            unhealthy_resources.push((
                crate::model::SafeText::line(&format!("{kind} {id}")).to_string(),
                crate::model::SafeText::line(issue).to_string(),
            ));
        }
    }
    Ok(GuardDutyCoverage {
        account_id: track.account.clone(),
        region: track.region.clone(),
        plans,
        healthy,
        unhealthy,
        unhealthy_resources,
        unread: None,
    })
}
