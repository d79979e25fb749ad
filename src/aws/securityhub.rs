//! Security Hub in one region: CSPM (ASFF, GetFindings) or the v2 service (OCSF,
//! GetFindingsV2), or whichever is enabled (`auto`).
//!
//! BatchUpdateFindings does not move `UpdatedAt`, so a poll by UpdatedAt window misses
//! workflow and note changes made elsewhere: every `rescan` the whole active set is read again.
//! A finding that was in the set and is missing from the re-read left it (resolved, suppressed
//! or archived elsewhere): it is read once more by id so the queue shows its new state.

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::types::{
    AllowedOperators, AwsSecurityFindingFilters, CompositeFilter, DateFilter, OcsfDateField,
    OcsfDateFilter, OcsfFindingFilters, OcsfStringField, OcsfStringFilter, SortCriterion,
    SortOrder, StringFilter, StringFilterComparison,
};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use std::sync::Arc;

use super::Track;
use super::errors::{Failure, FailureKind};
use super::raw::Capture;
use super::setup::Identity;
use crate::model::health::Service;
use crate::model::json::array_items;
use crate::model::raw::RecordKind;
use crate::model::{Finding, Workflow, finding_from_text};
use crate::sources::{Batch, Feed, PollFuture, Route, Source};

/// GetFindings page size (the API's maximum).
pub const PAGE: i32 = 100;
/// Findings read per poll at most; a larger backlog arrives over the next polls.
const MAX_PER_POLL: usize = 20_000;
/// Values per filter attribute (the API's maximum), for reading findings by id.
const IDS_PER_REQUEST: usize = 20;
/// Overlap with the previous window.
const OVERLAP: SignedDuration = SignedDuration::from_secs(60);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// Security Hub CSPM: ASFF findings through GetFindings.
    Cspm,
    /// Security Hub (v2): OCSF findings through GetFindingsV2.
    V2,
    /// v2 where it answers, CSPM otherwise.
    #[default]
    Auto,
}

pub struct SecurityHubSource {
    client: Client,
    track: Track,
    name: String,
    api: Api,
    /// For `auto`: what the region turned out to have.
    resolved_v2: Option<bool>,
    workflow: Vec<Workflow>,
    rescan: Duration,
    /// The newest UpdatedAt seen.
    cursor: Option<Timestamp>,
    last_full_scan: Option<Timestamp>,
    /// Native ids (ASFF `Id`, OCSF `finding_info.uid`) of the findings in the chosen states.
    active: HashSet<String>,
    unreadable: usize,
    identity: Arc<Identity>,
}

impl SecurityHubSource {
    pub fn new(
        client: Client,
        track: Track,
        api: Api,
        workflow: Vec<Workflow>,
        rescan: Duration,
        identity: Arc<Identity>,
    ) -> SecurityHubSource {
        let name = format!("securityhub {}", track.region);
        SecurityHubSource {
            client,
            track,
            name,
            api,
            resolved_v2: None,
            workflow,
            rescan,
            cursor: None,
            last_full_scan: None,
            active: HashSet::new(),
            unreadable: 0,
            identity,
        }
    }

    fn string_eq(value: &str) -> StringFilter {
        StringFilter::builder()
            .value(value)
            .comparison(StringFilterComparison::Equals)
            .build()
    }

    /// CSPM: ACTIVE records in the chosen workflow states, updated since `since`.
    async fn cspm(
        &mut self,
        since: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Vec<Finding>, Failure> {
        let mut filters =
            AwsSecurityFindingFilters::builder().record_state(Self::string_eq("ACTIVE"));
        for status in &self.workflow {
            filters = filters.workflow_status(Self::string_eq(status.as_str()));
        }
        if let Some(since) = since {
            let end = now + SignedDuration::from_mins(5);
            filters = filters.updated_at(
                DateFilter::builder()
                    .start(since.to_string())
                    .end(end.to_string())
                    .build(),
            );
        }
        self.cspm_query(filters.build()).await
    }

    /// Every page of a CSPM GetFindings query, newest update first.
    async fn cspm_query(
        &mut self,
        filters: AwsSecurityFindingFilters,
    ) -> Result<Vec<Finding>, Failure> {
        let sort = SortCriterion::builder()
            .field("UpdatedAt")
            .sort_order(SortOrder::Descending)
            .build();
        let mut findings = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let capture = Capture::default();
            let out = self
                .track
                .call(
                    "securityhub:GetFindings",
                    self.client
                        .get_findings()
                        .filters(filters.clone())
                        .sort_criteria(sort.clone())
                        .max_results(PAGE)
                        .set_next_token(token)
                        .customize()
                        .interceptor(capture.clone())
                        .send(),
                )
                .await?;
            let body = capture
                .text()
                .ok_or_else(|| unreadable_body("securityhub:GetFindings"))?;
            self.map_all(&body, RecordKind::Asff, &mut findings)
                .ok_or_else(|| unreadable_body("securityhub:GetFindings"))?;
            token = out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() || findings.len() >= MAX_PER_POLL {
                return Ok(findings);
            }
        }
    }

    /// v2: OCSF findings in the chosen states, modified since `since`.
    async fn v2(&mut self, since: Option<Timestamp>) -> Result<Vec<Finding>, Failure> {
        let mut statuses = CompositeFilter::builder().operator(AllowedOperators::Or);
        for status in &self.workflow {
            let caption = match status {
                Workflow::New => "New",
                Workflow::Notified => "In Progress",
                Workflow::Suppressed => "Suppressed",
                Workflow::Resolved => "Resolved",
            };
            statuses = statuses.string_filters(
                OcsfStringFilter::builder()
                    .field_name(OcsfStringField::Status)
                    .filter(Self::string_eq(caption))
                    .build(),
            );
        }
        let mut filters = OcsfFindingFilters::builder()
            .composite_operator(AllowedOperators::And)
            .composite_filters(statuses.build());
        if let Some(since) = since {
            let date = OcsfDateFilter::builder()
                .field_name(OcsfDateField::FindingInfoModifiedTimeDt)
                .filter(DateFilter::builder().start(since.to_string()).build())
                .build();
            filters =
                filters.composite_filters(CompositeFilter::builder().date_filters(date).build());
        }
        self.v2_query(filters.build()).await
    }

    /// Every page of a GetFindingsV2 query.
    async fn v2_query(&mut self, filters: OcsfFindingFilters) -> Result<Vec<Finding>, Failure> {
        let mut findings = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let capture = Capture::default();
            let out = self
                .track
                .call(
                    "securityhub:GetFindingsV2",
                    self.client
                        .get_findings_v2()
                        .filters(filters.clone())
                        .max_results(PAGE)
                        .set_next_token(token)
                        .customize()
                        .interceptor(capture.clone())
                        .send(),
                )
                .await?;
            let body = capture
                .text()
                .ok_or_else(|| unreadable_body("securityhub:GetFindingsV2"))?;
            self.map_all(&body, RecordKind::Ocsf, &mut findings)
                .ok_or_else(|| unreadable_body("securityhub:GetFindingsV2"))?;
            token = out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() || findings.len() >= MAX_PER_POLL {
                return Ok(findings);
            }
        }
    }

    /// Maps the `Findings` of a response body; None when the body is not such an object.
    fn map_all(&mut self, body: &str, kind: RecordKind, into: &mut Vec<Finding>) -> Option<()> {
        for record in array_items(body, "Findings")? {
            match finding_from_text(kind, record) {
                Ok(f) => into.push(f),
                Err(_) => self.unreadable += 1,
            }
        }
        Some(())
    }

    /// The findings with these native ids, in whatever state they are now.
    async fn by_ids(&mut self, ids: &[String]) -> Result<Vec<Finding>, Failure> {
        let mut findings = Vec::new();
        for chunk in ids.chunks(IDS_PER_REQUEST) {
            let mut read = if self.uses_v2() {
                let mut any = CompositeFilter::builder().operator(AllowedOperators::Or);
                for id in chunk {
                    any = any.string_filters(
                        OcsfStringFilter::builder()
                            .field_name(OcsfStringField::FindingInfoUid)
                            .filter(Self::string_eq(id))
                            .build(),
                    );
                }
                let filters = OcsfFindingFilters::builder()
                    .composite_filters(any.build())
                    .build();
                self.v2_query(filters).await?
            } else {
                let mut filters = AwsSecurityFindingFilters::builder();
                for id in chunk {
                    filters = filters.id(Self::string_eq(id));
                }
                self.cspm_query(filters.build()).await?
            };
            findings.append(&mut read);
        }
        Ok(findings)
    }

    fn uses_v2(&self) -> bool {
        matches!(
            (self.api, self.resolved_v2),
            (Api::V2, _) | (Api::Auto, Some(true))
        )
    }

    /// Keeps the active set current; returns the ids that left it, when `findings` is a
    /// complete re-read of the set.
    fn track_active(&mut self, findings: &[Finding], complete: bool) -> Vec<String> {
        let ids = findings.iter().map(|f| native_id(f).to_string());
        if !complete {
            self.active.extend(ids);
            return Vec::new();
        }
        let now_active: HashSet<String> = ids.collect();
        let mut departed: Vec<String> = self.active.difference(&now_active).cloned().collect();
        departed.sort();
        self.active = now_active;
        departed
    }

    async fn fetch(
        &mut self,
        since: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Vec<Finding>, Failure> {
        match (self.api, self.resolved_v2) {
            (Api::Cspm, _) | (Api::Auto, Some(false)) => self.cspm(since, now).await,
            (Api::V2, _) | (Api::Auto, Some(true)) => self.v2(since).await,
            (Api::Auto, None) => match self.v2(since).await {
                Ok(findings) => {
                    self.resolved_v2 = Some(true);
                    Ok(findings)
                }
                // Throttling, an outage or bad credentials say nothing about which API exists.
                Err(f)
                    if matches!(
                        f.kind,
                        FailureKind::Throttled
                            | FailureKind::Unreachable
                            | FailureKind::Credentials
                    ) =>
                {
                    Err(f)
                }
                Err(_) => {
                    self.resolved_v2 = Some(false);
                    self.cspm(since, now).await
                }
            },
        }
    }

    async fn sweep(&mut self, now: Timestamp) -> Batch {
        let identity = match self.track.identify(&self.identity).await {
            Ok(label) => label,
            Err(health) => {
                return Batch {
                    health: vec![health],
                    ..Batch::default()
                };
            }
        };
        let mut batch = self.collect(now).await;
        batch.identity = identity;
        batch.routes = Route::for_findings(
            &batch.findings,
            Service::SecurityHub,
            &self.track.account,
            &self.track.region,
            None,
        );
        batch
    }

    async fn collect(&mut self, now: Timestamp) -> Batch {
        let initial = self.cursor.is_none();
        let full = self.last_full_scan.is_none_or(|t| {
            now.duration_since(t)
                >= SignedDuration::try_from(self.rescan).unwrap_or(SignedDuration::MAX)
        });
        let since = if full {
            None
        } else {
            self.cursor.map(|c| crate::model::age::before(c, OVERLAP))
        };
        match self.fetch(since, now).await {
            Ok(mut findings) => {
                if full {
                    self.last_full_scan = Some(now);
                }
                let complete = full && findings.len() < MAX_PER_POLL;
                let departed = self.track_active(&findings, complete);
                if !departed.is_empty() {
                    match self.by_ids(&departed).await {
                        Ok(mut now_elsewhere) => findings.append(&mut now_elsewhere),
                        Err(failure) => {
                            // Asked again after the next re-read.
                            self.active.extend(departed);
                            return Batch {
                                findings,
                                health: vec![self.track.failed(failure)],
                                initial,
                                ..Batch::default()
                            };
                        }
                    }
                }
                // A record dated in the future must not move the window past now: polls from
                // there would never see another update.
                let newest = findings.iter().map(|f| f.updated_at.min(now)).max();
                self.cursor = self.cursor.max(newest).or(Some(now));
                let mut health = self.track.succeeded(now);
                if self.unreadable > 0 {
                    health.health.message = Some(crate::model::SafeText::line(&format!(
                        "{} findings could not be read",
                        self.unreadable
                    )));
                }
                Batch {
                    findings,
                    health: vec![health],
                    initial,
                    ..Batch::default()
                }
            }
            Err(failure) => {
                let failure = if failure.kind == FailureKind::NotEnabled {
                    Failure::new(
                        FailureKind::NotEnabled,
                        format!("Security Hub is not enabled in {}", self.track.region),
                    )
                } else {
                    failure
                };
                Batch {
                    health: vec![self.track.failed(failure)],
                    ..Batch::default()
                }
            }
        }
    }
}

/// The id Security Hub knows a finding by (a GuardDuty finding's ARN, not its short id).
fn native_id(finding: &Finding) -> &str {
    finding.arn.as_ref().unwrap_or(&finding.id).as_str()
}

fn unreadable_body(action: &str) -> Failure {
    Failure::new(
        FailureKind::Other,
        format!("{action}: the response had no readable body"),
    )
}

impl Source for SecurityHubSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn feed(&self) -> Feed {
        Feed::Findings
    }

    fn interval(&self) -> Duration {
        self.track.next_delay()
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        Box::pin(self.sweep(now))
    }
}
