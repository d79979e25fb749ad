//! GuardDuty in one region: ListDetectors once, then ListFindings for what changed since the
//! last poll (newest first, pages of 50) and GetFindings in batches of 50.

use std::time::Duration;

use aws_sdk_guardduty::Client;
use aws_sdk_guardduty::types::{Condition, FindingCriteria, OrderBy, SortCriteria};
use jiff::Timestamp;

use super::errors::{Failure, FailureKind};
use super::raw::Capture;
use std::sync::Arc;

use super::Track;
use super::setup::Identity;

use crate::model::Finding;
use crate::model::finding_from_text;
use crate::model::health::Service;
use crate::model::json::array_items;
use crate::model::raw::RecordKind;
use crate::sources::{Batch, Feed, PollFuture, Route, Source};

/// GuardDuty's page size for ListFindings and batch size for GetFindings.
pub const PAGE: usize = 50;
/// Findings listed per poll at most; the rest come on the next polls (newest first).
const MAX_PER_POLL: usize = 5_000;
/// Overlap with the previous window, so a finding updated during a poll is not missed.
const OVERLAP_MS: i64 = 60_000;

pub struct GuardDutySource {
    client: Client,
    track: Track,
    name: String,
    /// Show archived findings instead of the active queue.
    archived: bool,
    detector: Option<String>,
    /// `updatedAt` (epoch ms) of the newest finding seen.
    cursor: Option<i64>,
    /// Records that would not map, reported as health.
    unreadable: usize,
    identity: Arc<Identity>,
}

impl GuardDutySource {
    pub fn new(
        client: Client,
        track: Track,
        archived: bool,
        identity: Arc<Identity>,
    ) -> GuardDutySource {
        let name = format!("guardduty {}", track.region);
        GuardDutySource {
            client,
            track,
            name,
            archived,
            detector: None,
            cursor: None,
            unreadable: 0,
            identity,
        }
    }

    async fn detector(&mut self) -> Result<Option<String>, Failure> {
        if let Some(id) = &self.detector {
            return Ok(Some(id.clone()));
        }
        let out = self
            .track
            .call(
                "guardduty:ListDetectors",
                self.client.list_detectors().send(),
            )
            .await?;
        self.detector = out.detector_ids().first().cloned();
        Ok(self.detector.clone())
    }

    fn criteria(&self) -> FindingCriteria {
        let mut criteria = FindingCriteria::builder().criterion(
            "service.archived",
            Condition::builder()
                .equals(if self.archived { "true" } else { "false" })
                .build(),
        );
        if let Some(cursor) = self.cursor {
            criteria = criteria.criterion(
                "updatedAt",
                Condition::builder()
                    .greater_than_or_equal(cursor - OVERLAP_MS)
                    .build(),
            );
        }
        criteria.build()
    }

    async fn list(&self, detector: &str) -> Result<Vec<String>, Failure> {
        let mut ids = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .track
                .call(
                    "guardduty:ListFindings",
                    self.client
                        .list_findings()
                        .detector_id(detector)
                        .finding_criteria(self.criteria())
                        .sort_criteria(
                            SortCriteria::builder()
                                .attribute_name("updatedAt")
                                .order_by(OrderBy::Desc)
                                .build(),
                        )
                        .max_results(PAGE as i32)
                        .set_next_token(token)
                        .send(),
                )
                .await?;
            ids.extend(out.finding_ids().iter().cloned());
            token = out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() || ids.len() >= MAX_PER_POLL {
                return Ok(ids);
            }
        }
    }

    /// GetFindings for `ids`, read from the response body (the API's own JSON).
    async fn get(&mut self, detector: &str, ids: &[String]) -> Result<Vec<Finding>, Failure> {
        let mut findings = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(PAGE) {
            let capture = Capture::default();
            self.track
                .call(
                    "guardduty:GetFindings",
                    self.client
                        .get_findings()
                        .detector_id(detector)
                        .set_finding_ids(Some(chunk.to_vec()))
                        .customize()
                        .interceptor(capture.clone())
                        .send(),
                )
                .await?;
            let body = capture.text();
            let Some(records) = body.as_deref().and_then(|b| array_items(b, "findings")) else {
                return Err(Failure::new(
                    FailureKind::Other,
                    "guardduty:GetFindings: the response had no readable body",
                ));
            };
            for record in records {
                match finding_from_text(RecordKind::GuardDuty, record) {
                    Ok(finding) => findings.push(finding),
                    Err(_) => self.unreadable += 1,
                }
            }
        }
        Ok(findings)
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
        batch
    }

    async fn collect(&mut self, now: Timestamp) -> Batch {
        let initial = self.cursor.is_none();
        let detector = match self.detector().await {
            Ok(Some(id)) => id,
            Ok(None) => {
                let message = format!("GuardDuty is not enabled in {}", self.track.region);
                let health = self
                    .track
                    .failed(Failure::new(FailureKind::NotEnabled, message));
                return Batch {
                    health: vec![health],
                    ..Batch::default()
                };
            }
            Err(failure) => {
                return Batch {
                    health: vec![self.track.failed(failure)],
                    ..Batch::default()
                };
            }
        };
        let result = match self.list(&detector).await {
            Ok(ids) => self.get(&detector, &ids).await,
            Err(failure) => Err(failure),
        };
        match result {
            Ok(findings) => {
                // A record dated in the future must not move the window past now: polls from
                // there would never see another update.
                let newest = findings
                    .iter()
                    .map(|f| f.updated_at.min(now).as_millisecond())
                    .max();
                self.cursor = self.cursor.max(newest).or(Some(now.as_millisecond()));
                let mut health = self.track.succeeded(now);
                if self.unreadable > 0 {
                    health.health.message = Some(crate::model::SafeText::line(&format!(
                        "{} findings could not be read",
                        self.unreadable
                    )));
                }
                let routes = Route::for_findings(
                    &findings,
                    Service::GuardDuty,
                    &self.track.account,
                    &self.track.region,
                    Some(&detector),
                );
                Batch {
                    findings,
                    health: vec![health],
                    initial,
                    routes,
                    ..Batch::default()
                }
            }
            Err(failure) => {
                if failure.message.contains("detectorId") {
                    // The detector went away (GuardDuty disabled and re-enabled): look it up again.
                    self.detector = None;
                }
                Batch {
                    health: vec![self.track.failed(failure)],
                    ..Batch::default()
                }
            }
        }
    }
}

impl Source for GuardDutySource {
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
