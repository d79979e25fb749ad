//! GuardDuty in one region: ListDetectors once, then ListFindings for what changed since the
//! last poll (newest first, pages of 50) and GetFindings in batches of 50.
//!
//! A poll lists 5,000 findings at most ([`crate::limits::GUARDDUTY_PER_POLL`]). When there are
//! more (the first sweep of a large organization), the rest is left as a [`Gap`], listed on from
//! its page token at the next polls after the news; the watermark is the newest update
//! received, so nothing older is skipped. A headless sweep ([`Reading::sweep`]) lists the news
//! once, then only goes on with what is left, a poll at a time, until nothing is.

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

use super::counting::{Counted, Counting};
use super::scope::GuardDutyScope;
use crate::limits::Reading;
use crate::model::Finding;
use crate::model::Route;
use crate::model::counts::ServerCounts;
use crate::model::finding_from_text;
use crate::model::health::Service;
use crate::model::json::array_items;
use crate::model::raw::RecordKind;
use crate::sources::{Batch, Feed, Mark, PollFuture, Source};
use crate::store::scope::Scope;

/// GuardDuty's page size for ListFindings and batch size for GetFindings.
pub const PAGE: usize = 50;
/// Findings listed per poll at most; the rest come on the next polls.
pub const MAX_PER_POLL: usize = crate::limits::GUARDDUTY_PER_POLL;
/// Overlap with the previous window, so a finding updated during a poll is not missed.
const OVERLAP_MS: i64 = 60_000;

/// A source's name: the service and region, and the account when it is known before asking
/// STS (fan-out), so each source keeps a mark of its own in the disk store.
pub fn source_name(service: &str, track: &Track) -> String {
    if track.account == "unknown" {
        format!("{service} {}", track.region)
    } else {
        format!("{service} {} {}", track.region, track.account)
    }
}

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
    reading: Reading,
    /// Findings read since a backlog began, while there is one.
    backlog_read: u64,
    /// What of `[scope] filter` this source asks for, and whether findings read are checked
    /// against the rest.
    scope: Option<(Arc<Scope>, GuardDutyScope)>,
    /// When the service's counts are asked for.
    counting: Counting,
    /// When the protection plans and runtime coverage are read.
    posture: super::posture::Schedule,
}

impl GuardDutySource {
    pub fn new(
        client: Client,
        track: Track,
        archived: bool,
        identity: Arc<Identity>,
    ) -> GuardDutySource {
        let name = source_name("guardduty", &track);
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
            reading: Reading::LIVE,
            backlog_read: 0,
            scope: None,
            // Asked for by the sources the TUI polls ([`Self::counting`]).
            counting: Counting::new(false),
            posture: super::posture::Schedule::default(),
        }
    }

    /// Asks the service for its counts of the active findings at the start, and while they
    /// are shown (the overview's organization-wide picture).
    pub fn counting(mut self, on: bool) -> Self {
        self.counting = Counting::new(on);
        self
    }

    /// Reads what is enabled where it reads (standards, plans, runtime agents) now and then.
    pub fn posture(mut self, on: bool) -> Self {
        self.posture = super::posture::Schedule::new(on);
        self
    }

    /// Asks GuardDuty only for the findings inside `scope` (what it can evaluate), and
    /// delivers only those.
    pub fn scoped(mut self, scope: Option<Arc<Scope>>) -> Self {
        self.scope = scope.map(|s| {
            let here = super::scope::guardduty(&s, &self.track.region);
            (s, here)
        });
        self
    }

    /// Reads as `reading` says: live or a headless sweep, and how much per poll.
    pub fn reading(mut self, reading: Reading) -> Self {
        self.reading = reading;
        self
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
        if let Some((
            _,
            GuardDutyScope::Criteria {
                criteria: scoped, ..
            },
        )) = &self.scope
        {
            for (name, condition) in scoped {
                criteria = criteria.criterion(name, condition.clone());
            }
        }
        if range.floor.is_some() || range.ceiling != i64::MAX {
            let mut updated = Condition::builder().set_greater_than_or_equal(range.floor);
            if range.ceiling != i64::MAX {
                updated = updated.less_than_or_equal(range.ceiling);
            }
            criteria = criteria.criterion("updatedAt", updated.build());
        }
        criteria.build()
    }

    /// The ids updated within `range`, newest first, from where its listing stopped, until
    /// `room` (a page more at worst: a page is never split, so its token stays exact).
    async fn list(&self, detector: &str, range: Gap, room: usize) -> Result<Listing, Failure> {
        let mut ids = Vec::new();
        let (query, from) = range.query();
        let mut token = from.map(str::to_string);
        loop {
            let out = self
                .track
                .call(
                    "guardduty:ListFindings",
                    self.client
                        .list_findings()
                        .detector_id(detector)
                        .finding_criteria(self.criteria(query.clone()))
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
            if token.is_none() || ids.len() >= room {
                return Ok(Listing {
                    range,
                    ids,
                    next: token,
                });
            }
        }
    }

    /// This poll's listings: the news since the watermark (in a sweep, only at the first
    /// poll), then the gaps, newest first, while there is room. Answers the gaps not read.
    async fn listings(&mut self, detector: &str) -> Result<Listings, Failure> {
        let mut room = self.reading.per_poll.guardduty;
        let news = if self.reading.sweep && self.cursor.is_some() {
            None
        } else {
            let since = Gap::since(self.cursor.map(|c| c - OVERLAP_MS));
            let news = self.list(detector, since, room).await?;
            room = room.saturating_sub(news.ids.len());
            Some(news)
        };
        let mut gaps = Vec::new();
        let mut unread = self.gaps.clone();
        while room > 0 {
            let Some(gap) = unread.take_newest() else {
                break;
            };
            let listing = match self.list(detector, gap.clone(), room).await {
                Ok(listing) => listing,
                Err(failure) => {
                    // A token refused (expired during an outage): what is below the oldest update
                    // received is read instead.
                    if failure.kind == FailureKind::Other && gap.resume.is_some() {
                        self.gaps.forget_token(&gap);
                    }
                    return Err(failure);
                }
            };
            room = room.saturating_sub(listing.ids.len());
            gaps.push(listing);
        }
        Ok(Listings { news, gaps, unread })
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
        let asked = self.counts(now).await;
        let counted = self.counting.settle(asked, now, &self.name, true);
        if let Counted::Alone(counts) = counted {
            return Counted::alone(counts, self.track.succeeded(now), identity);
        }
        let mut batch = self.collect(now).await;
        counted.add_to(&mut batch);
        // Protection plans and runtime agents, now and then (the TUI's coverage pane).
        if self.posture.due(now)
            && let Ok(Some(detector)) = self.detector().await
        {
            let read = super::posture::coverage(&self.client, &self.track, &detector).await;
            self.posture.read(now, read.is_ok());
            batch.coverage.push(
                read.unwrap_or_else(|failure| {
                    super::posture::unread_coverage(&self.track, &failure)
                }),
            );
        }
        batch.identity = identity;
        batch
    }

    /// The service's counts when they are due: at the start, then every
    /// [`COUNTS_EVERY`] while a backlog is read or a scope leaves part of the organization
    /// out. A refusal stops asking; a passing failure waits.
    async fn counts(&mut self, now: Timestamp) -> Option<Result<ServerCounts, Failure>> {
        let shown = !self.gaps.is_empty() || self.scope.is_some();
        let outside = matches!(&self.scope, Some((_, GuardDutyScope::Outside(_))));
        if self.reading.sweep || outside || self.archived || !self.counting.due(now, shown) {
            return None;
        }
        match self.detector().await {
            Ok(Some(detector)) => Some(
                super::statistics::guardduty(
                    &self.client,
                    &mut self.track,
                    &self.name,
                    &detector,
                    now,
                )
                .await,
            ),
            // Said by the reads that follow.
            Ok(None) | Err(_) => None,
        }
    }

    async fn collect(&mut self, now: Timestamp) -> Batch {
        let initial = self.cursor.is_none();
        if let Some((_, GuardDutyScope::Outside(reason))) = &self.scope {
            // Asked nothing: this region's GuardDuty holds nothing inside the scope.
            let mut health = self.track.succeeded(now);
            health.health.message = Some(crate::model::SafeText::line(reason));
            return Batch {
                health: vec![health],
                initial,
                ..Batch::default()
            };
        }
        let detector = match self.detector().await {
            Ok(Some(id)) => id,
            Ok(None) => {
                let off = super::diagnose::guardduty_off(&self.track.region);
                let health = self
                    .track
                    .failed(Failure::because(FailureKind::NotEnabled, off));
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
        let unreadable_before = self.unreadable;
        let result = match self.listings(&detector).await {
            Ok(listings) => {
                let mut ids: Vec<String> = Vec::new();
                let mut listed = std::collections::HashSet::new();
                for id in listings.all().flat_map(|l| &l.ids) {
                    // The news and a gap can meet within the overlap.
                    if listed.insert(id.as_str()) {
                        ids.push(id.clone());
                    }
                }
                self.get(&detector, &ids)
                    .await
                    .map(|findings| (findings, listings))
            }
            Err(failure) => Err(failure),
        };
        match result {
            Ok((findings, listings)) => {
                let updated: std::collections::HashMap<&str, i64> = findings
                    .iter()
                    .map(|f| (f.id.as_str(), f.updated_at.as_millisecond()))
                    .collect();
                let Listings {
                    news,
                    gaps,
                    mut unread,
                } = listings;
                let news_cut = news.as_ref().is_some_and(|n| n.next.is_some());
                // Gaps read go back newest last; the news, newer than any, goes last of all.
                for listing in gaps.into_iter().rev().chain(news) {
                    let oldest = listing
                        .ids
                        .iter()
                        .filter_map(|id| updated.get(id.as_str()))
                        .min()
                        .copied();
                    unread.put_back(listing.range.left(listing.next, oldest));
                }
                self.gaps = unread;
                // A record dated in the future must not move the window past now: polls from
                // there would never see another update.
                let newest = findings
                    .iter()
                    .map(|f| f.updated_at.min(now).as_millisecond())
                    .max();
                self.cursor = self.cursor.max(newest).or(Some(now.as_millisecond()));
                if news_cut {
                    // Everything updated before this poll is received or in the listing gone
                    // on with from its token; the next news starts here, not among findings
                    // that share the newest update time by the thousand.
                    self.cursor = self.cursor.max(Some(now.as_millisecond()));
                }
                let mut health = self.track.succeeded(now);
                if self.unreadable > 0 {
                    health.health.message = Some(crate::model::SafeText::line(&format!(
                        "{} findings could not be read",
                        self.unreadable
                    )));
                }
                let more = !self.gaps.is_empty();
                self.backlog_read = if more {
                    self.backlog_read + findings.len() as u64
                } else {
                    0
                };
                health.health.backlog = more.then_some(self.backlog_read);
                let left_out = self.unreadable - unreadable_before;
                let left_out = (left_out > 0)
                    .then(|| {
                        format!(
                            "guardduty {} {}: {left_out} findings could not be read",
                            self.track.region, self.track.account
                        )
                    })
                    .into_iter()
                    .collect();
                let mut findings = findings;
                if let Some((scope, GuardDutyScope::Criteria { exact: false, .. })) = &self.scope {
                    findings.retain(|f| scope.admits(&crate::store::Row::of(f).borrowed()));
                }
                let routes = Route::for_findings(
                    &findings,
                    Service::GuardDuty,
                    &self.track.account,
                    &self.track.region,
                    Some(&detector),
                );
                // Where a restart reads on from: only once nothing older is left unread.
                let mark = self
                    .gaps
                    .is_empty()
                    .then_some(self.cursor)
                    .flatten()
                    .and_then(|ms| Timestamp::from_millisecond(ms).ok())
                    .map(|cursor| Mark {
                        source: self.name.clone(),
                        cursor,
                        full_read: None,
                    });
                Batch {
                    findings,
                    health: vec![health],
                    initial,
                    routes,
                    more,
                    left_out,
                    mark,
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

/// One listing of a poll: the range asked for, the ids in order, and the page it stopped
/// before (None: read to the end).
struct Listing {
    range: Gap,
    ids: Vec<String>,
    next: Option<String>,
}

/// A poll's listings, and the gaps it did not reach.
struct Listings {
    news: Option<Listing>,
    gaps: Vec<Listing>,
    unread: Gaps,
}

impl Listings {
    fn all(&self) -> impl Iterator<Item = &Listing> {
        self.news.iter().chain(&self.gaps)
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
        if self.counting.hurry {
            Duration::ZERO
        } else {
            self.track.next_delay()
        }
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        Box::pin(self.sweep(now))
    }

    /// Reads on from where an earlier run stopped: what changed since is news, not baseline.
    fn resume(&mut self, mark: Mark) {
        if self.cursor.is_none() {
            self.cursor = Some(mark.cursor.as_millisecond());
        }
    }
}
