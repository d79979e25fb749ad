//! GuardDuty in one region: ListDetectors once, then ListFindings for what changed since the
//! last poll (newest first, pages of 50) and GetFindings in batches of 50.
//!
//! A poll lists 5,000 findings at most. When there are more (the first sweep of a large
//! organization), the older ones are left as a [`Gap`] of update times, listed at the next polls
//! after the news; the watermark is the newest update received, so nothing older is skipped.

use std::time::Duration;

use aws_sdk_guardduty::Client;
use aws_sdk_guardduty::types::{Condition, FindingCriteria, OrderBy, SortCriteria};
use jiff::Timestamp;

use super::errors::{Failure, FailureKind};
use super::raw::Capture;
use std::sync::Arc;

use super::Track;
use super::gaps::{Gap, Gaps};
use super::plan::Identity;

use crate::model::Finding;
use crate::model::finding_from_text;
use crate::model::health::Service;
use crate::model::json::array_items;
use crate::model::raw::RecordKind;
use crate::sources::{Batch, Feed, PollFuture, Route, Source};

/// GuardDuty's page size for ListFindings and batch size for GetFindings.
pub const PAGE: usize = 50;
/// Findings listed per poll at most; the rest come on the next polls.
pub const MAX_PER_POLL: usize = 5_000;
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
    /// Older updates a poll cut short did not reach.
    gaps: Gaps,
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
            gaps: Gaps::default(),
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

    /// The queue asked for, updated within `range`.
    fn criteria(&self, range: Gap) -> FindingCriteria {
        let mut criteria = FindingCriteria::builder().criterion(
            "service.archived",
            Condition::builder()
                .equals(if self.archived { "true" } else { "false" })
                .build(),
        );
        if range.floor.is_some() || range.ceiling != i64::MAX {
            let mut updated = Condition::builder().set_greater_than_or_equal(range.floor);
            if range.ceiling != i64::MAX {
                updated = updated.less_than_or_equal(range.ceiling);
            }
            criteria = criteria.criterion("updatedAt", updated.build());
        }
        criteria.build()
    }

    /// The ids updated within `range`, newest first, `room` at most.
    async fn list(&self, detector: &str, range: Gap, room: usize) -> Result<Listing, Failure> {
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
                        .finding_criteria(self.criteria(range))
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
            if ids.len() > room || (ids.len() == room && token.is_some()) {
                ids.truncate(room);
                return Ok(Listing {
                    range,
                    ids,
                    cut: true,
                });
            }
            if token.is_none() {
                return Ok(Listing {
                    range,
                    ids,
                    cut: false,
                });
            }
        }
    }

    /// This poll's listings: the news since the watermark, then the gaps, newest first, while
    /// there is room. Answers the gaps not read.
    async fn listings(&self, detector: &str) -> Result<(Vec<Listing>, Gaps), Failure> {
        let news = Gap::since(self.cursor.map(|c| c - OVERLAP_MS));
        let mut listings = vec![self.list(detector, news, MAX_PER_POLL).await?];
        let mut room = MAX_PER_POLL.saturating_sub(listings[0].ids.len());
        let mut unread = self.gaps.clone();
        while room > 0 {
            let Some(gap) = unread.take_newest() else {
                break;
            };
            let listing = self.list(detector, gap, room).await?;
            room = room.saturating_sub(listing.ids.len());
            listings.push(listing);
        }
        Ok((listings, unread))
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
        let result = match self.listings(&detector).await {
            Ok((listings, unread)) => {
                let mut ids: Vec<String> = Vec::new();
                let mut listed = std::collections::HashSet::new();
                for id in listings.iter().flat_map(|l| &l.ids) {
                    // The news and a gap can meet within the overlap.
                    if listed.insert(id.as_str()) {
                        ids.push(id.clone());
                    }
                }
                self.get(&detector, &ids)
                    .await
                    .map(|findings| (findings, listings, unread))
            }
            Err(failure) => Err(failure),
        };
        match result {
            Ok((findings, listings, mut unread)) => {
                let updated: std::collections::HashMap<&str, i64> = findings
                    .iter()
                    .map(|f| (f.id.as_str(), f.updated_at.as_millisecond()))
                    .collect();
                // Gaps read go back newest last; the news, newer than any, goes last of all.
                for listing in listings.iter().skip(1).rev().chain(listings.first()) {
                    let oldest = listing
                        .ids
                        .iter()
                        .filter_map(|id| updated.get(id.as_str()))
                        .min()
                        .copied();
                    unread.put_back(listing.range.rest(listing.cut, oldest));
                }
                self.gaps = unread;
                let newest = findings.iter().map(|f| f.updated_at.as_millisecond()).max();
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

/// One listing of a poll: the range asked for, the ids in order, and whether it was cut short.
struct Listing {
    range: Gap,
    ids: Vec<String>,
    cut: bool,
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
