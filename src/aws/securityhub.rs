//! Security Hub in one region: CSPM (ASFF, GetFindings) or the v2 service (OCSF,
//! GetFindingsV2), or whichever is enabled (`auto`).
//!
//! BatchUpdateFindings does not move `UpdatedAt`, so a poll by UpdatedAt window misses
//! workflow and note changes made elsewhere: every `rescan` the whole active set is read again,
//! over as many polls as it takes. When it is complete the batch says so ([`FullRead`]); the
//! store, which knows what this source delivered before (in this run or an earlier one), finds
//! what the read did not deliver again and asks for it by id ([`Source::recheck`]), so the
//! queue shows the new state of a finding resolved, suppressed or archived elsewhere, or learns
//! that Security Hub no longer has it. The source keeps no set of ids: at a million findings
//! that would be a hundred megabytes beside the store's own.
//!
//! A poll reads 20,000 findings at most ([`crate::limits::SECURITY_HUB_PER_POLL`]). When there
//! are more, the rest is left as a [`Gap`], read on from its page token at the next polls after
//! the news; the watermark is the newest update received, so nothing older is skipped. The next
//! full re-read waits until no gap is left. A headless sweep ([`Reading::sweep`]) reads once,
//! a poll at a time, from where the last poll stopped until nothing is left.

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::types::{
    AllowedOperators, AwsSecurityFindingFilters, CompositeFilter, DateFilter, OcsfDateField,
    OcsfDateFilter, OcsfFindingFilters, OcsfStringField, OcsfStringFilter, SortCriterion,
    SortOrder, StringFilter, StringFilterComparison,
};
use jiff::{SignedDuration, Timestamp};

use std::sync::Arc;

use super::Track;
use super::counting::{Counted, Counting};
use super::errors::{Failure, FailureKind};
use super::gaps::{Gap, Gaps};
use super::plan::Identity;
use super::raw::Capture;
use crate::limits::Reading;
use crate::model::Route;
use crate::model::counts::ServerCounts;
use crate::model::health::Service;
use crate::model::json::array_items;
use crate::model::raw::RecordKind;
use crate::model::{Finding, Workflow, finding_from_text};
use crate::sources::{Batch, Feed, FullRead, Mark, PollFuture, Reader, Source};
use crate::store::scope::Scope;

/// GetFindings page size (the API's maximum).
pub const PAGE: i32 = 100;
/// Findings read per poll at most; a larger backlog arrives over the next polls.
pub const MAX_PER_POLL: usize = crate::limits::SECURITY_HUB_PER_POLL;
/// Values per filter attribute (the API's maximum), for reading findings by id.
const IDS_PER_REQUEST: usize = 20;
/// Findings read again by id per poll at most (50 requests), after the reads.
const RECHECKS_PER_POLL: usize = 1_000;
/// Overlap with the previous window.
const OVERLAP: SignedDuration = SignedDuration::from_secs(60);

/// Which Security Hub API a source reads (chosen in the settings).
pub use super::plan::Api;

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
    /// Older updates a poll cut short did not reach.
    gaps: Gaps,
    last_full_scan: Option<Timestamp>,
    /// When the full read under way began (it ends when no gap is left).
    full_began: Option<Timestamp>,
    /// Native ids (ASFF `Id`, OCSF `finding_info.uid`) to read again by id.
    rechecks: Vec<String>,
    unreadable: usize,
    identity: Arc<Identity>,
    reading: Reading,
    /// Findings read since a backlog began, while there is one.
    backlog_read: u64,
    /// What AWS is asked for at all (`[scope] filter`).
    scope: Option<Arc<Scope>>,
    /// When the service's counts are asked for.
    counting: Counting,
    /// When the enabled standards are read.
    posture: super::posture::Schedule,
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
        let name = super::guardduty::source_name("securityhub", &track);
        SecurityHubSource {
            client,
            track,
            name,
            api,
            resolved_v2: None,
            workflow,
            rescan,
            cursor: None,
            gaps: Gaps::default(),
            last_full_scan: None,
            full_began: None,
            rechecks: Vec::new(),
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

    /// Reads as `reading` says: live or a headless sweep, and how much per poll.
    pub fn reading(mut self, reading: Reading) -> Self {
        self.reading = reading;
        self
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

    /// Asks AWS only for the findings inside `scope`.
    pub fn scoped(mut self, scope: Option<Arc<Scope>>) -> Self {
        self.scope = scope;
        self
    }

    fn string_eq(value: &str) -> StringFilter {
        StringFilter::builder()
            .value(value)
            .comparison(StringFilterComparison::Equals)
            .build()
    }

    /// CSPM: ACTIVE records in the chosen workflow states, updated within `range`.
    async fn cspm(&mut self, range: &Gap, room: usize, now: Timestamp) -> Result<Read, Failure> {
        let (range, from) = range.query();
        let mut filters =
            AwsSecurityFindingFilters::builder().record_state(Self::string_eq("ACTIVE"));
        for status in &self.workflow {
            filters = filters.workflow_status(Self::string_eq(status.as_str()));
        }
        if let Some(scope) = &self.scope {
            filters = super::scope::cspm(scope, filters);
        }
        if let Some((start, end)) = bounds(&range, now + SignedDuration::from_mins(5)) {
            filters = filters.updated_at(
                DateFilter::builder()
                    .start(start.to_string())
                    .end(end.to_string())
                    .build(),
            );
        }
        self.cspm_query(filters.build(), room, from.map(str::to_string))
            .await
    }

    /// The pages of a CSPM GetFindings query, newest update first, from page `from` until
    /// `room` findings.
    async fn cspm_query(
        &mut self,
        filters: AwsSecurityFindingFilters,
        room: usize,
        from: Option<String>,
    ) -> Result<Read, Failure> {
        let sort = SortCriterion::builder()
            .field("UpdatedAt")
            .sort_order(SortOrder::Descending)
            .build();
        let mut findings = Vec::new();
        let mut token = from;
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
            if token.is_none() || findings.len() >= room {
                return Ok(Read {
                    findings,
                    next: token,
                });
            }
        }
    }

    /// v2: the chosen workflow states, as one OCSF composite filter.
    fn statuses(&self) -> CompositeFilter {
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
        statuses.build()
    }

    /// The service's counts when they are due: at the start, then every
    /// [`COUNTS_EVERY`] while a backlog is read or a scope leaves part of the organization
    /// out. A refusal (no permission, CSPM only) stops asking; a passing failure waits.
    async fn counts(&mut self, now: Timestamp) -> Option<Result<ServerCounts, Failure>> {
        let shown = !self.gaps.is_empty() || self.scope.is_some();
        if self.reading.sweep || self.resolved_v2 == Some(false) || !self.counting.due(now, shown) {
            return None;
        }
        if self.api == Api::Cspm {
            self.counting.stop();
            return None;
        }
        let statuses = self.statuses();
        let asked = super::statistics::security_hub(
            &self.client,
            &mut self.track,
            &self.name,
            statuses,
            now,
        )
        .await;
        if asked.is_ok() {
            // Only the v2 service counts: in `auto`, it is there.
            self.resolved_v2.get_or_insert(true);
        }
        Some(asked)
    }

    /// v2: OCSF findings in the chosen states, modified within `range`.
    async fn v2(&mut self, range: &Gap, room: usize) -> Result<Read, Failure> {
        let (range, from) = range.query();
        let mut filters = OcsfFindingFilters::builder()
            .composite_operator(AllowedOperators::And)
            .composite_filters(self.statuses());
        for term in self.scope.iter().flat_map(|s| super::scope::ocsf(s)) {
            filters = filters.composite_filters(term);
        }
        if let Some((start, end)) = bounds(&range, Timestamp::MAX) {
            let mut span = DateFilter::builder().start(start.to_string());
            if range.ceiling != i64::MAX {
                span = span.end(end.to_string());
            }
            let date = OcsfDateFilter::builder()
                .field_name(OcsfDateField::FindingInfoModifiedTimeDt)
                .filter(span.build())
                .build();
            filters =
                filters.composite_filters(CompositeFilter::builder().date_filters(date).build());
        }
        self.v2_query(filters.build(), room, from.map(str::to_string))
            .await
    }

    /// The pages of a GetFindingsV2 query, newest modification first, from page `from` until
    /// `room` findings.
    async fn v2_query(
        &mut self,
        filters: OcsfFindingFilters,
        room: usize,
        from: Option<String>,
    ) -> Result<Read, Failure> {
        let sort = SortCriterion::builder()
            .field("finding_info.modified_time_dt")
            .sort_order(SortOrder::Descending)
            .build();
        let mut findings = Vec::new();
        let mut token = from;
        loop {
            let capture = Capture::default();
            let out = self
                .track
                .call(
                    "securityhub:GetFindingsV2",
                    self.client
                        .get_findings_v2()
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
                .ok_or_else(|| unreadable_body("securityhub:GetFindingsV2"))?;
            self.map_all(&body, RecordKind::Ocsf, &mut findings)
                .ok_or_else(|| unreadable_body("securityhub:GetFindingsV2"))?;
            token = out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() || findings.len() >= room {
                return Ok(Read {
                    findings,
                    next: token,
                });
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
                self.v2_query(filters, MAX_PER_POLL, None).await?
            } else {
                let mut filters = AwsSecurityFindingFilters::builder();
                for id in chunk {
                    filters = filters.id(Self::string_eq(id));
                }
                self.cspm_query(filters.build(), MAX_PER_POLL, None).await?
            };
            findings.append(&mut read.findings);
        }
        Ok(findings)
    }

    fn uses_v2(&self) -> bool {
        matches!(
            (self.api, self.resolved_v2),
            (Api::V2, _) | (Api::Auto, Some(true))
        )
    }

    /// Reads the next rechecks by id: the findings found (in whatever state), and the ids
    /// Security Hub no longer has. On a failure the ids wait for the next poll.
    async fn recheck_some(&mut self) -> Result<(Vec<Finding>, Vec<String>), Failure> {
        let take = self.rechecks.len().min(RECHECKS_PER_POLL);
        let ids: Vec<String> = self.rechecks.drain(..take).collect();
        match self.by_ids(&ids).await {
            Ok(found) => {
                let present: HashSet<String> = found.iter().map(Finding::security_hub_id).collect();
                let gone = ids
                    .iter()
                    .filter(|id| !present.contains(id.as_str()))
                    .cloned()
                    .collect();
                Ok((found, gone))
            }
            Err(failure) => {
                self.rechecks.splice(0..0, ids);
                Err(failure)
            }
        }
    }

    /// The findings updated within `range`, newest first, `room` at most (a page more at worst).
    async fn fetch(&mut self, range: &Gap, room: usize, now: Timestamp) -> Result<Read, Failure> {
        match (self.api, self.resolved_v2) {
            (Api::Cspm, _) | (Api::Auto, Some(false)) => self.cspm(range, room, now).await,
            (Api::V2, _) | (Api::Auto, Some(true)) => self.v2(range, room).await,
            (Api::Auto, None) => match self.v2(range, room).await {
                Ok(read) => {
                    self.resolved_v2 = Some(true);
                    Ok(read)
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
                    self.cspm(range, room, now).await
                }
            },
        }
    }

    /// This poll's reads: the news (everything, on a full re-read; none after a sweep's first
    /// poll), then the gaps, newest first, while there is room.
    async fn reads(&mut self, news: Option<Gap>, now: Timestamp) -> Result<Reads, Failure> {
        let mut room = self.reading.per_poll.security_hub;
        let news = match news {
            Some(range) => {
                let read = self.fetch(&range, room, now).await?;
                room = room.saturating_sub(read.findings.len());
                Some((range, read))
            }
            None => None,
        };
        let mut gaps = Vec::new();
        let mut unread = self.gaps.clone();
        while room > 0 {
            let Some(gap) = unread.take_newest() else {
                break;
            };
            let read = match self.fetch(&gap, room, now).await {
                Ok(read) => read,
                Err(failure) => {
                    // A token refused (expired during an outage): what is below the oldest update
                    // received is read instead.
                    if failure.kind == FailureKind::Other && gap.resume.is_some() {
                        self.gaps.forget_token(&gap);
                    }
                    return Err(failure);
                }
            };
            room = room.saturating_sub(read.findings.len());
            gaps.push((gap, read));
        }
        Ok(Reads { news, gaps, unread })
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
        // In `auto`, a refusal says only that the reads will find which API the region has.
        let report = self.api == Api::V2;
        let counted = self.counting.settle(asked, now, &self.name, report);
        if let Counted::Alone(counts) = counted {
            return Counted::alone(counts, self.track.succeeded(now), identity);
        }
        let mut batch = self.collect(now).await;
        counted.add_to(&mut batch);
        // What is enabled here, now and then (the TUI's compliance and coverage panes).
        if self.posture.due(now) {
            let read = super::posture::standards(&self.client, &self.track).await;
            self.posture.read(now, read.is_ok());
            batch.standards.push(
                read.unwrap_or_else(|failure| {
                    super::posture::unread_standards(&self.track, &failure)
                }),
            );
        }
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
        let sweeping = self.reading.sweep;
        // A full re-read waits while an earlier one (or a backlog) is still being read through.
        let full = self.gaps == Gaps::default()
            && self.last_full_scan.is_none_or(|t| {
                now.duration_since(t)
                    >= SignedDuration::try_from(self.rescan).unwrap_or(SignedDuration::MAX)
            });
        let news = if sweeping && !initial {
            None
        } else {
            Some(Gap::since(if full {
                None
            } else {
                self.cursor
                    .map(|c| crate::model::age::before(c, OVERLAP).as_millisecond())
            }))
        };
        let unreadable_before = self.unreadable;
        match self.reads(news, now).await {
            Ok(Reads {
                news,
                gaps,
                mut unread,
            }) => {
                if full {
                    self.last_full_scan = Some(now);
                    self.full_began = Some(now);
                }
                let news_cut = news.as_ref().is_some_and(|(_, read)| read.next.is_some());
                let mut findings: Vec<Finding> = Vec::new();
                // Gaps read go back newest last; the news, newer than any, goes last of all.
                for (range, mut read) in gaps.into_iter().rev().chain(news) {
                    let oldest = read
                        .findings
                        .iter()
                        .map(|f| f.updated_at.as_millisecond())
                        .min();
                    unread.put_back(range.left(read.next, oldest));
                    findings.append(&mut read.findings);
                }
                let mut gone = Vec::new();
                if !sweeping && !self.rechecks.is_empty() {
                    match self.recheck_some().await {
                        Ok((mut found, mut missing)) => {
                            findings.append(&mut found);
                            gone.append(&mut missing);
                        }
                        Err(failure) => {
                            // What was read is delivered; the watermark and gaps stay where
                            // they were, so the next poll reads the same again.
                            return Batch {
                                findings,
                                health: vec![self.track.failed(failure)],
                                initial,
                                ..Batch::default()
                            };
                        }
                    }
                }
                self.gaps = unread;
                // A sweep prints what it reads and forgets it: nothing to reconcile.
                let full_read = if !sweeping && self.gaps.is_empty() {
                    self.full_began.take().map(|began| FullRead {
                        began,
                        workflow: self.workflow.clone(),
                    })
                } else {
                    None
                };
                // A record dated in the future must not move the window past now: polls from
                // there would never see another update.
                let newest = findings.iter().map(|f| f.updated_at.min(now)).max();
                self.cursor = self.cursor.max(newest).or(Some(now));
                if news_cut {
                    // Everything updated before this poll is received or in the listing gone
                    // on with from its token; the next news starts here, not among findings
                    // that share the newest update time by the thousand.
                    self.cursor = self.cursor.max(Some(now));
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
                            "securityhub {} {}: {left_out} findings could not be read",
                            self.track.region, self.track.account
                        )
                    })
                    .into_iter()
                    .collect();
                // Where a restart reads on from: only once nothing older is left unread.
                let mark = self
                    .cursor
                    .filter(|_| self.gaps.is_empty())
                    .map(|cursor| Mark {
                        source: self.name.clone(),
                        cursor,
                        full_read: self.last_full_scan,
                    });
                Batch {
                    findings,
                    health: vec![health],
                    initial,
                    more,
                    left_out,
                    mark,
                    reader: (!sweeping).then(|| Reader {
                        name: self.name.clone(),
                        at: now,
                    }),
                    full_read,
                    gone,
                    ..Batch::default()
                }
            }
            Err(failure) => {
                let failure = if failure.kind == FailureKind::NotEnabled {
                    Failure::because(
                        FailureKind::NotEnabled,
                        super::diagnose::securityhub_off(Some(&self.track.region)),
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

/// One query's findings, and the page it stopped before at its room (None: read to the end).
struct Read {
    findings: Vec<Finding>,
    next: Option<String>,
}

/// A poll's reads, each with the range it read, and the gaps it did not reach.
struct Reads {
    news: Option<(Gap, Read)>,
    gaps: Vec<(Gap, Read)>,
    unread: Gaps,
}

/// The time filter for `range`: from its floor (or the epoch) to its ceiling (or `open_end`);
/// None when it covers everything.
fn bounds(range: &Gap, open_end: Timestamp) -> Option<(Timestamp, Timestamp)> {
    if range.floor.is_none() && range.ceiling == i64::MAX {
        return None;
    }
    let at = |ms: i64| Timestamp::from_millisecond(ms).ok();
    let start = range.floor.and_then(at).unwrap_or(Timestamp::UNIX_EPOCH);
    let end = if range.ceiling == i64::MAX {
        open_end
    } else {
        at(range.ceiling).unwrap_or(open_end)
    };
    Some((start, end))
}

/// The id Security Hub knows a finding by (a GuardDuty finding's ARN, not its short id).
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
        if self.counting.hurry {
            Duration::ZERO
        } else {
            self.track.next_delay()
        }
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        Box::pin(self.sweep(now))
    }

    /// The next poll re-reads the whole active set (unless one is already under way).
    fn reread(&mut self) {
        self.last_full_scan = None;
    }

    fn recheck(&mut self, ids: Vec<String>) {
        self.rechecks.extend(ids);
    }

    /// Reads on from where an earlier run stopped: the news since its cursor, and the next full
    /// re-read when the last one is a rescan interval old.
    fn resume(&mut self, mark: Mark) {
        if self.cursor.is_none() {
            self.cursor = Some(mark.cursor);
            self.last_full_scan = mark.full_read;
        }
    }
}
