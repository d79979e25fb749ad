//! What arrives without a key: source batches, the clock, answers to earlier effects (action
//! outcomes, pivot searches, Logs Insights). Each says whether the screen changed.

use jiff::Timestamp;

use super::super::stats::Stats;
use super::super::{App, NoticeLevel, Screen, Tab};
use crate::model::health::HealthReport;
use std::collections::HashMap;

use super::super::Effect;
use crate::sources::{Batch, Feed, FullRead, Reader};
use crate::store::{EntryIx, Upsert};

/// The clock moved on; the screen changes when a notice expires or the minute turns.
pub(super) fn tick(app: &mut App, now: Timestamp) -> bool {
    let mut redraw = false;
    let minute_changed = now.as_second().div_euclid(60) != app.now.as_second().div_euclid(60);
    app.now = now;
    if app
        .notice
        .as_ref()
        .is_some_and(|n| n.until <= now && n.level == NoticeLevel::Info)
    {
        app.notice = None;
        redraw = true;
    }
    if minute_changed {
        // Ages, the clock and the sparkline move on by the minute; nothing else depends on time.
        recount(app);
        redraw = true;
    }
    // The stream caught up a while ago: no longer said.
    if app.logs.behind.is_some_and(|(_, at)| {
        now.duration_since(at)
            >= jiff::SignedDuration::from_secs(crate::limits::BEHIND_KEPT_SECONDS)
    }) {
        app.logs.behind = None;
        redraw |= app.tab == Tab::Logs;
    }
    if !app.logs.pending_alerts.is_empty() {
        let pending = std::mem::take(&mut app.logs.pending_alerts);
        let alerts = &mut app.logs.alerts;
        let raised: Vec<_> = pending
            .into_iter()
            .filter_map(|(id, (detection, event))| {
                // Raised now whatever `due` answers; called to mark it raised at this tick.
                alerts.due(&id, now);
                alerts.finding(&id, detection, &event, &event.message.as_delivered())
            })
            .collect();
        redraw |= raise(app, raised, false);
    }
    redraw
}

/// An alert raised again keeps the analyst's triage of it: its verification, and its workflow
/// unless that was RESOLVED — a detection that matches after it was resolved is open again (as
/// Security Hub reopens a resolved finding its provider reports again). NOTIFIED and
/// SUPPRESSED stay.
fn keep_triage(app: &App, alert: &mut crate::model::Finding) {
    use crate::model::Workflow;
    let Some(stored) = app
        .store
        .find_finding(alert)
        .and_then(|ix| app.store.summary(ix))
    else {
        return;
    };
    alert.verification = stored.verification;
    alert.workflow = match stored.workflow {
        Workflow::Resolved => Workflow::New,
        kept => kept,
    };
}

/// Puts alerts in the queue. Like a source's first sweep, what happened before picket started
/// is the baseline, not news: an alert first matched by a record from before the start (the
/// log sources' backfill, a file, what a restart reads on) never rings, is not unseen, and
/// stays out of the overview's latest findings ([`Stats::compute`]); its later matches update
/// it as any finding's update does.
fn raise(app: &mut App, mut alerts: Vec<crate::model::Finding>, mut changed: bool) -> bool {
    for alert in &mut alerts {
        keep_triage(app, alert);
    }
    let (news, history): (Vec<_>, Vec<_>) = alerts
        .into_iter()
        .partition(|a| a.first_seen >= app.started);
    if !history.is_empty() {
        changed = take_findings(app, history, true, None, changed);
    }
    if !news.is_empty() {
        changed = take_findings(app, news, false, None, changed);
    }
    changed
}

/// Takes in a source's batch. Redraws only for what shows: a poll that brings nothing new (the
/// usual case) leaves the screen, and the terminal, alone.
pub(super) fn batch(app: &mut App, feed: Feed, mut batch: Batch) -> super::Update {
    let reader = batch.reader.clone();
    let gone = std::mem::take(&mut batch.gone);
    let full_read = batch.full_read.take();
    let counts = batch.counts.take();
    let mut changed = take_batch(app, feed, batch, reader.as_ref());
    if let Some(counts) = counts {
        app.server_counts.insert(counts.source.clone(), *counts);
        recount(app);
        changed = true;
    }
    let mut effects = Vec::new();
    if let Some(Reader { name: reader, .. }) = reader {
        if !gone.is_empty() && archive_gone(app, &reader, gone) {
            refresh_views(app);
            changed = true;
        }
        effects.extend(full_read.and_then(|full| recheck(app, reader, full)));
    }
    super::Update {
        effects,
        redraw: changed,
    }
}

/// Findings a source was asked for by id and no longer has: Security Hub lists every finding
/// it keeps, archived or not, so one it no longer lists is shown archived. Answers whether
/// any was.
fn archive_gone(app: &mut App, reader: &str, gone: Vec<String>) -> bool {
    let Some(asked) = app.rechecking.get_mut(reader) else {
        return false;
    };
    let mut any = false;
    for id in gone {
        if let Some(ix) = asked.remove(&id) {
            app.store.apply(ix, crate::store::Change::Archived(true));
            any = true;
        }
    }
    any
}

/// After a complete read of a source's active set: what it delivered before and not since,
/// asked for by id.
fn recheck(app: &mut App, reader: String, full: FullRead) -> Option<Effect> {
    let missing = app.store.unconfirmed(&reader, full.began, &full.workflow);
    let asked: HashMap<String, EntryIx> = missing
        .into_iter()
        .filter_map(|ix| Some((app.store.native_id(ix)?, ix)))
        .collect();
    if asked.is_empty() {
        app.rechecking.remove(&reader);
        return None;
    }
    let mut ids: Vec<String> = asked.keys().cloned().collect();
    ids.sort();
    app.rechecking.insert(reader.clone(), asked);
    Some(Effect::Recheck {
        source: reader,
        ids,
    })
}

fn take_batch(app: &mut App, feed: Feed, batch: Batch, reader: Option<&Reader>) -> bool {
    let mut changed = false;
    // A findings source read to its end: the queue is no longer only the stored one.
    let caught_up = !batch.more
        && batch.health.iter().any(|h| {
            use crate::model::health::{HealthState, Service};
            h.health.state == HealthState::Ok
                && matches!(
                    h.key.service,
                    Service::GuardDuty | Service::SecurityHub | Service::Feed
                )
        });
    if batch.identity.is_some() && batch.identity != app.identity {
        app.identity = batch.identity;
        changed = true;
    }
    for account in batch.accounts {
        if app.directory.get(&account.id) != Some(&account) {
            app.directory.insert(account);
            changed = true;
        }
    }
    for route in batch.routes {
        let key = (route.account.clone(), route.region.clone(), route.service);
        app.routes.insert(key, route);
    }
    for HealthReport { key, health } in batch.health {
        // The time of the last success shows only as an age by the minute, which the clock redraws.
        let shown_before = app
            .health
            .get(&key)
            .map(|h| (h.state, h.message.clone(), h.backlog));
        changed |= shown_before != Some((health.state, health.message.clone(), health.backlog));
        app.health.insert(key, health);
    }
    match feed {
        Feed::Findings => {
            app.last_batch = Some(app.now);
            changed = take_findings(app, batch.findings, batch.initial, reader, changed);
            // Caught up after a restart: the queue is live again, its counts the store's.
            if caught_up && app.restored_from.take().is_some() {
                recount(app);
                changed = true;
            }
        }
        Feed::Logs if batch.generation < app.logs.generation => {
            // Read for log groups no longer tailed (the poll was under way when the analyst
            // chose others): dropped, not merged.
        }
        Feed::Logs => {
            if batch.sampled {
                changed |= app.logs.sampled.is_none() && app.tab == Tab::Logs;
                app.logs.sampled = Some(app.now);
            }
            if let Some(lag) = batch.lag.filter(|lag| *lag >= crate::limits::BEHIND_SHOWN) {
                changed |= app.tab == Tab::Logs;
                app.logs.behind = Some((lag, app.now));
            }
            let (added, alerts) = take_events(app, batch.events, batch.detected);
            changed |= added > 0 && app.tab == Tab::Logs;
            changed = raise(app, alerts, changed);
        }
    }
    changed
}

/// The queue was filled from the disk store: shown at once, marked with its age until a
/// source has caught up.
pub(super) fn restored(
    app: &mut App,
    findings: usize,
    skipped: usize,
    outside: usize,
    written_at: Option<Timestamp>,
) -> bool {
    app.restored_from = written_at.filter(|_| findings > 0);
    if outside > 0 {
        app.notify(
            format!("store: {outside} stored finding(s) outside the scope stay on disk, not shown"),
            NoticeLevel::Info,
        );
    }
    if skipped > 0 {
        app.notify(
            format!("store: {skipped} damaged finding(s) could not be read and were skipped"),
            NoticeLevel::Warning,
        );
    }
    app.findings
        .table
        .refresh(&app.store, &app.directory, app.now);
    recount(app);
    true
}

/// Upserts findings (a source's, or picket's own alerts), remembering which reconciling
/// source read them; says whether the screen changed.
fn take_findings(
    app: &mut App,
    findings: Vec<crate::model::Finding>,
    baseline: bool,
    reader: Option<&Reader>,
    mut changed: bool,
) -> bool {
    let version = app.store.version();
    let open = app.detail().map(|d| d.entry);
    let mut reopen = false;
    let mut inserted = Vec::new();
    for finding in findings {
        // What arrives unfiltered (the event feed) is held to the scope, unless the queue
        // holds the finding already: its change is news, whatever it changed.
        if let Some(scope) = &app.scope
            && !scope.admits(&crate::store::Row::of(&finding).borrowed())
            && app.store.find_finding(&finding).is_none()
        {
            continue;
        }
        let ix = match app.store.upsert(finding, app.now, baseline) {
            Upsert::Updated(ix) => {
                reopen |= Some(ix) == open;
                ix
            }
            Upsert::Inserted(ix) => {
                if !baseline {
                    inserted.push(ix);
                }
                ix
            }
            Upsert::Unchanged(ix) => ix,
        };
        if let Some(reader) = reader {
            app.store.read_by(ix, &reader.name, reader.at);
        }
    }
    // What the sources read on from an earlier run's marks, until they have caught up, was
    // read at start: it arrived while picket was stopped, and is counted, not rung.
    if app.restored_from.is_none() {
        app.alerts
            .consider(&inserted, &app.store, &app.directory, app.now);
    }
    if reopen
        && let Some(Screen::Detail(detail)) = app.stack.last_mut()
        && let Some(finding) = app.store.finding(detail.entry)
    {
        detail.json.reload(&finding.raw);
        *detail.finding = finding;
    }
    if changed || app.store.version() != version {
        refresh_views(app);
        changed = true;
    }
    changed
}

/// The overview's aggregates: the store's, or the services' own counts while the store is
/// still filling (or restored, not yet read on) or holds only a scope.
pub(super) fn recount(app: &mut App) {
    let stats = Stats::compute(&app.store, &app.directory, app.now, app.started);
    app.stats = if app.counts_from_server() {
        stats.with_server(app.server_counts.values(), &app.directory)
    } else {
        stats
    };
}

/// The queue and the overview after findings arrived or changed.
fn refresh_views(app: &mut App) {
    let before = app.findings.table.selected_entry();
    app.findings
        .table
        .refresh_arrived(&app.store, &app.directory, app.now);
    // The finding the analyst has selected stays seen as it changes; one that moved under the
    // cursor because the table follows the top is news until the analyst moves to it.
    if app.findings.table.selected_entry() == before {
        mark_selected_seen(app);
    }
    recount(app);
}

/// Adds log events to the buffer and runs the active detections on each new CloudTrail record
/// as it goes in: a match raises (or counts again) an alert. Answers how many events were new,
/// and the alerts due now, each built once from its latest match however often it matched;
/// alerts raised already this tick wait for the next ([`tick`]).
fn take_events(
    app: &mut App,
    events: Vec<crate::model::LogEvent>,
    detected: Option<Box<crate::sources::Detected>>,
) -> (usize, Vec<crate::model::Finding>) {
    let now = app.now;
    let super::super::LogsScreen {
        detector,
        alerts,
        buffer: logs,
        pending_alerts,
        ..
    } = &mut app.logs;
    // An alert the queue holds from an earlier run (the disk store) counts on from there.
    let store = &app.store;
    let scope = crate::logs::detect::scope();
    let earlier = |id: &str| {
        let ix = store.find(&scope, id)?;
        store
            .finding(ix)
            .map(|f| crate::logs::detect::Earlier::of(&f))
    };
    // Alert id → (detection, which added event matched last); in id order, so the queue is
    // the same from run to run.
    let mut latest: std::collections::BTreeMap<
        String,
        (&'static crate::logs::detect::Detection, usize),
    > = std::collections::BTreeMap::new();
    // Worked out on the polling task when the detections checked there are the ones chosen
    // here; otherwise (the choice just changed, a harness without pollers) checked now.
    let hits = detected
        .filter(|d| d.checked == detector.names() && d.hits.len() == events.len())
        .map(|d| d.hits);
    let mut ordinal = 0;
    let added = logs.push_inspecting(events, |index, event| {
        if event.trail.is_some() && !detector.is_empty() {
            let checked_now;
            let matched: &[&'static crate::logs::detect::Detection] = match &hits {
                Some(hits) => &hits[index],
                None => {
                    checked_now = detector.check(&event.message.delivered_text());
                    &checked_now
                }
            };
            for &detection in matched {
                if let Some(id) = alerts.count_on(detection, event, earlier) {
                    latest.insert(id, (detection, ordinal));
                }
            }
        }
        ordinal += 1;
    });
    let ring = logs.events();
    // The added events are the newest in the ring (the oldest of a batch larger than the ring
    // are already gone).
    let first = ring.len() as isize - added as isize;
    let mut raised = Vec::with_capacity(latest.len());
    for (id, (detection, ordinal)) in latest {
        let at = first + ordinal as isize;
        let Some(event) = usize::try_from(at).ok().and_then(|i| ring.get(i)) else {
            continue;
        };
        if !alerts.due(&id, now) {
            pending_alerts.insert(id, (detection, event.clone()));
            continue;
        }
        pending_alerts.remove(&id);
        let text = event.message.as_delivered();
        raised.extend(alerts.finding(&id, detection, event, &text));
    }
    (added, raised)
}

/// A Logs Insights answer for the query on screen (an earlier query's is dropped).
pub(super) fn insights(app: &mut App, answer: crate::logs::insights::InsightsUpdate) -> bool {
    match app
        .logs
        .insights_mut()
        .filter(|v| v.request.id == answer.id)
    {
        Some(view) => {
            view.latest = inert_insights(answer);
            true
        }
        None => false,
    }
}

/// A Logs Insights answer as it may be shown: fields, values, status and error are the log
/// data's and the service's words, sanitized once as they arrive.
fn inert_insights(
    mut update: crate::logs::insights::InsightsUpdate,
) -> crate::logs::insights::InsightsUpdate {
    let clean = |text: &mut String| *text = crate::model::SafeText::line(text).to_string();
    for row in &mut update.rows {
        for (field, value) in row {
            clean(field);
            clean(value);
        }
    }
    clean(&mut update.status);
    if let Some(error) = &mut update.error {
        clean(error);
    }
    update
}

/// Applies what AWS accepted to the queue, keeps each finding's step in its triage history
/// (so the detail shows a note just saved), and says how it went.
pub(super) fn action_done(
    app: &mut App,
    action: &crate::actions::Action,
    entries: &[crate::store::EntryIx],
    operator: &str,
    outcome: Result<Vec<crate::journal::TargetOutcome>, String>,
) {
    let results = match outcome {
        Ok(results) => results,
        Err(e) => {
            app.notify(e, NoticeLevel::Error);
            return;
        }
    };
    // Results come call by call (grouped by account and region), not in the targets' order:
    // each is matched to its entry by finding id.
    let by_finding: std::collections::HashMap<&str, &crate::journal::TargetOutcome> =
        results.iter().map(|r| (r.finding.as_str(), r)).collect();
    let step = std::sync::Arc::new(crate::app::history::Step::of(
        &serde_json::to_value(action).unwrap_or_default(),
        app.now,
        operator,
        false,
    ));
    let mut done = 0;
    let mut undo = Vec::new();
    let mut undone = std::collections::HashSet::new();
    for ix in entries {
        let Some(kind) = app.store.get(*ix).map(|e| e.raw.kind()) else {
            continue;
        };
        let id = app.store.id(*ix).to_string();
        let result = by_finding.get(id.as_str());
        let told = match result {
            Some(r) if r.ok => crate::app::history::Outcome::Done,
            Some(r) => crate::app::history::Outcome::Failed(crate::model::SafeText::line(
                r.error.as_deref().unwrap_or("failed"),
            )),
            None => crate::app::history::Outcome::Unknown,
        };
        app.history.record(&id, &step, told);
        if result.is_some_and(|r| r.ok) {
            done += 1;
            undone.insert(*ix);
            if let Some(back) = app
                .store
                .summary(*ix)
                .and_then(|before| super::super::act::inverse(action, before))
            {
                undo.push((*ix, back));
            }
            let changes = action.changes(kind == crate::model::raw::RecordKind::GuardDuty);
            for &change in &changes {
                app.store.apply(*ix, change);
            }
            if !changes.is_empty() {
                // The analyst's own change is not news to them.
                app.store.mark_seen(*ix);
            }
        }
    }
    // A step of an undo in steps leaves the steps still to go for the next `u`; otherwise
    // (the last step too) `u` puts back what this action changed.
    let step_of_undo = app
        .findings
        .undoing
        .take()
        .is_some_and(|step| step == *action);
    if step_of_undo {
        app.findings
            .undo
            .retain(|(ix, step)| !(step == action && undone.contains(ix)));
    }
    if !step_of_undo || app.findings.undo.is_empty() {
        app.findings.undo_of = (!undo.is_empty()).then(|| action.clone());
        app.findings.undo = undo;
    }
    let failed = results.iter().filter(|r| !r.ok).count();
    if failed == 0 {
        let detail = match &results[..] {
            [one] => one.detail.as_deref().map(|d| format!(" · {d}")),
            _ => None,
        };
        app.notify(
            format!(
                "{}: {done} findings done{}",
                action.describe(),
                detail.unwrap_or_default()
            ),
            NoticeLevel::Info,
        );
    } else {
        let first = results
            .iter()
            .find(|r| !r.ok)
            .and_then(|r| r.error.clone())
            .unwrap_or_default();
        app.notify(
            format!(
                "{}: {done} done, {failed} failed ({first}); see picket audit",
                action.describe()
            ),
            NoticeLevel::Error,
        );
    }
    app.findings
        .table
        .refresh(&app.store, &app.directory, app.now);
    recount(app);
}

/// The pivot's search answered: its events join what the live buffer held, in time order.
pub(super) fn pivot_done(
    app: &mut App,
    finding: &str,
    result: Result<crate::logs::pivot::Found, String>,
) -> bool {
    let Some(pivot) = app
        .logs
        .pivot_mut()
        .filter(|p| p.request.finding == finding)
    else {
        return false;
    };
    pivot.searching = false;
    match result {
        Ok(found) => {
            pivot.left_out = found.left_out;
            let mut all: Vec<crate::model::LogEvent> =
                pivot.view.events().iter().cloned().collect();
            all.extend(
                found
                    .events
                    .into_iter()
                    .filter(|e| pivot.request.selects(&pivot.pattern, e)),
            );
            all.sort_by_key(|e| e.timestamp);
            let mut view = super::super::logs::LogView::new(pivot.view.capacity());
            view.push(all);
            pivot.view = view;
        }
        Err(e) => pivot.error = Some(crate::model::SafeText::line(&e).to_string()),
    }
    true
}

/// A finding stops being "new" once the analyst has had it selected on the findings screen.
pub(super) fn mark_selected_seen(app: &mut App) {
    if app.tab == Tab::Findings
        && app.stack.is_empty()
        && let Some(ix) = app.findings.table.selected_entry()
    {
        app.store.mark_seen(ix);
    }
}
