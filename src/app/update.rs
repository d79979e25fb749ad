//! `update`: every state change, as a function of the state and one message.

use jiff::Timestamp;

use super::keymap::FORCE_QUIT;
use super::prompt::LineEditor;
use super::stats::Stats;
use super::{
    App, Command, DetailState, Effect, JsonView, Key, Modal, Msg, NoticeLevel, Pane, Prompt,
    PromptKind, RecordState, Screen, Tab,
};
use crate::model::health::HealthReport;
use crate::query::Query;
use crate::sources::{Batch, Feed};
use crate::store::{SortKey, Upsert};
use crate::ui::layout;

/// Commands accepted on the `:` line, for completion and help.
pub const COLON_COMMANDS: &[(&str, &str)] = &[
    (
        "sort",
        "sort findings: severity, last-seen, account, type [asc|desc]",
    ),
    ("view", "apply a saved view from the config"),
    ("theme", "switch theme"),
    ("filter", "set the filter"),
    (
        "query",
        "Logs Insights over the CloudTrail groups: :query [AGE] <query>",
    ),
    (
        "detect",
        "CIS detections on the CloudTrail stream: all, off, or names",
    ),
    ("overview", "show the overview"),
    ("findings", "show the findings"),
    ("logs", "show the logs"),
    ("refresh", "poll every source now"),
    ("help", "show the keys"),
    ("quit", "quit picket (also :q)"),
];

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(app, key),
        Msg::Paste(text) => {
            if let Some(Modal::Prompt(prompt)) = &mut app.modal {
                prompt.editor.insert(&text.replace(['\r', '\n'], " "));
                return after_prompt_edit(app);
            }
            Vec::new()
        }
        Msg::Resize(w, h) => {
            app.size = (w, h);
            let page = layout::findings_page(app.size);
            app.table.keep_visible(page);
            app.dirty = true;
            Vec::new()
        }
        Msg::Tick(now) => {
            on_tick(app, now);
            Vec::new()
        }
        Msg::Batch(feed, batch) => {
            on_batch(app, feed, batch);
            Vec::new()
        }
        Msg::Groups { prefix, result } => {
            super::groups::listed(app, &prefix, result);
            Vec::new()
        }
        Msg::Insights(update) => {
            if let Some(view) = app.insights.as_mut().filter(|v| v.request.id == update.id) {
                view.latest = update;
                app.dirty = true;
            }
            Vec::new()
        }
        Msg::PivotDone { finding, result } => {
            pivot_done(app, &finding, result);
            Vec::new()
        }
        Msg::ActionDone {
            action,
            entries,
            outcome,
        } => {
            action_done(app, &action, &entries, outcome);
            Vec::new()
        }
    }
}

fn on_tick(app: &mut App, now: Timestamp) {
    let minute_changed = now.as_second().div_euclid(60) != app.now.as_second().div_euclid(60);
    app.now = now;
    if app.notice.as_ref().is_some_and(|n| n.until <= now) {
        app.notice = None;
        app.dirty = true;
    }
    if minute_changed {
        // Ages, the clock and the sparkline move on by the minute; nothing else depends on time.
        app.stats = Stats::compute(&app.store, &app.directory, now);
        app.dirty = true;
    }
}

/// Takes in a source's batch. Redraws only for what shows: a poll that brings nothing new (the
/// usual case) leaves the screen, and the terminal, alone.
fn on_batch(app: &mut App, feed: Feed, batch: Batch) {
    let mut changed = false;
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
            changed = take_findings(app, batch.findings, batch.initial, changed);
        }
        Feed::Logs => {
            if batch.sampled {
                changed |= app.logs_sampled.is_none() && app.tab == Tab::Logs;
                app.logs_sampled = Some(app.now);
            }
            let (added, alerts) = take_events(app, batch.events);
            changed |= added > 0 && app.tab == Tab::Logs;
            // Like a source's first sweep, what happened before picket started is the
            // baseline, not news.
            let (news, history): (Vec<_>, Vec<_>) =
                alerts.into_iter().partition(|a| a.last_seen >= app.started);
            if !history.is_empty() {
                changed = take_findings(app, history, true, changed);
            }
            if !news.is_empty() {
                changed = take_findings(app, news, false, changed);
            }
        }
    }
    if changed {
        app.dirty = true;
    }
}

/// Upserts findings (a source's, or picket's own alerts); says whether the screen changed.
fn take_findings(
    app: &mut App,
    findings: Vec<crate::model::Finding>,
    baseline: bool,
    mut changed: bool,
) -> bool {
    let version = app.store.version();
    let open = app.detail().map(|d| d.entry);
    let mut reopen = false;
    for finding in findings {
        if let Upsert::Updated(ix) = app.store.upsert(finding, app.now, baseline) {
            reopen |= Some(ix) == open;
        }
    }
    if reopen
        && let Some(Screen::Detail(detail)) = app.stack.last_mut()
        && let (Some(entry), Some(finding)) =
            (app.store.get(detail.entry), app.store.finding(detail.entry))
    {
        detail.json.reload(&entry.raw);
        *detail.finding = finding;
    }
    if changed || app.store.version() != version {
        app.table.refresh(&app.store, &app.directory, app.now);
        mark_selected_seen(app);
        app.stats = Stats::compute(&app.store, &app.directory, app.now);
        changed = true;
    }
    changed
}

/// Adds log events to the buffer and runs the active detections on each new CloudTrail record
/// as it goes in: a match raises (or counts again) an alert. Answers how many events were new,
/// and the alerts, each built once from its latest match however often it matched.
fn take_events(
    app: &mut App,
    events: Vec<crate::model::LogEvent>,
) -> (usize, Vec<crate::model::Finding>) {
    let App {
        detector,
        alerts,
        logs,
        ..
    } = app;
    // Alert id → (detection, which added event matched last); in id order, so the queue is
    // the same from run to run.
    let mut latest: std::collections::BTreeMap<String, (&'static crate::detect::Detection, usize)> =
        std::collections::BTreeMap::new();
    let mut ordinal = 0;
    let added = logs.push_inspecting(events, |event, text| {
        if event.trail.is_some() && !detector.is_empty() {
            for detection in detector.check(text) {
                if let Some(id) = alerts.count(detection, event) {
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
        let text = event.message.as_delivered();
        raised.extend(alerts.finding(&id, detection, event, &text));
    }
    (added, raised)
}

/// Applies what AWS accepted to the queue, and says how it went.
fn action_done(
    app: &mut App,
    action: &crate::actions::Action,
    entries: &[crate::store::EntryIx],
    outcome: Result<Vec<crate::journal::TargetOutcome>, String>,
) {
    app.dirty = true;
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
    let mut done = 0;
    let mut undo = Vec::new();
    for ix in entries {
        let Some(id) = app.store.get(*ix).map(|e| e.id.to_string()) else {
            continue;
        };
        if by_finding.get(id.as_str()).is_some_and(|r| r.ok) {
            done += 1;
            if let Some(back) = app
                .store
                .summary(*ix)
                .and_then(|before| super::act::inverse(action, before))
            {
                undo.push((*ix, back));
            }
            app.store.apply(*ix, action);
        }
    }
    app.undo = undo;
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
    app.table.refresh(&app.store, &app.directory, app.now);
    app.stats = Stats::compute(&app.store, &app.directory, app.now);
}

/// A finding stops being "new" once the analyst has had it selected on the findings screen.
fn mark_selected_seen(app: &mut App) {
    if app.tab == Tab::Findings
        && app.stack.is_empty()
        && let Some(ix) = app.table.selected_entry()
    {
        app.store.mark_seen(ix);
    }
}

fn on_key(app: &mut App, key: Key) -> Vec<Effect> {
    if key == FORCE_QUIT {
        return vec![Effect::Quit];
    }
    app.dirty = true;
    if let Some(Modal::Action(_)) = app.modal {
        return super::act::on_key(app, key);
    }
    if let Some(Modal::Groups(_)) = app.modal {
        let effects = super::groups::on_key(app, key);
        if let Some(Effect::SetGroups(groups)) = effects.first() {
            app.log_groups = groups.clone();
        }
        return effects;
    }
    let mode = app.mode();
    let command = app.keymap.resolve(mode, key);
    if let Some(Modal::Prompt(_)) = app.modal {
        return match command {
            Some(command) => prompt_command(app, command),
            None => match key.typed_char() {
                Some(c) => {
                    if let Some(Modal::Prompt(prompt)) = &mut app.modal {
                        prompt.editor.insert(c.encode_utf8(&mut [0; 4]));
                    }
                    after_prompt_edit(app)
                }
                None => Vec::new(),
            },
        };
    }
    match command {
        Some(command) => run(app, command),
        None => {
            app.dirty = false;
            Vec::new()
        }
    }
}

/// Runs a command outside prompts.
fn run(app: &mut App, command: Command) -> Vec<Effect> {
    if let Some(Modal::Help { scroll }) = &mut app.modal {
        match command {
            Command::Back => app.modal = None,
            Command::Quit => return vec![Effect::Quit],
            other => scroll_plain(scroll, other, layout::help_page(app.size)),
        }
        return Vec::new();
    }
    match command {
        Command::Quit => return vec![Effect::Quit],
        Command::Help => app.modal = Some(Modal::Help { scroll: 0 }),
        Command::NextScreen | Command::PrevScreen => {
            let i = Tab::ALL.iter().position(|t| *t == app.tab).unwrap_or(0);
            let n = Tab::ALL.len();
            let next = if command == Command::NextScreen {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            return switch_tab(app, Tab::ALL[next]);
        }
        Command::ShowOverview => return switch_tab(app, Tab::Overview),
        Command::ShowFindings => return switch_tab(app, Tab::Findings),
        Command::ShowLogs => return switch_tab(app, Tab::Logs),
        Command::ShowSources => return switch_tab(app, Tab::Sources),
        Command::CommandLine => open_prompt(app, PromptKind::Command, ""),
        Command::Filter if app.tab == Tab::Logs && app.stack.is_empty() => {
            let current = shown_logs(app)
                .filter()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            open_prompt(app, PromptKind::LogFilter, &current);
        }
        Command::Filter => {
            let current = app.table.filter_text.clone();
            open_prompt(app, PromptKind::Filter, &current);
        }
        Command::Search if app.stack.last().is_some() => {
            let needle = current_json(app)
                .and_then(|j| j.search.as_ref())
                .map(|s| s.needle.clone())
                .unwrap_or_default();
            open_prompt(app, PromptKind::Search, &needle);
        }
        Command::ClearFilter => {
            if app.table.filter_text.is_empty() {
                app.dirty = false;
            } else {
                apply_filter(app, "");
                app.notify("filter cleared", NoticeLevel::Info);
            }
        }
        Command::Refresh => {
            app.notify("refreshing every source…", NoticeLevel::Info);
            return vec![Effect::Refresh];
        }
        Command::Back if app.tab == Tab::Logs && app.stack.is_empty() && app.insights.is_some() => {
            return close_insights(app);
        }
        Command::Back => return go_back(app),
        Command::Pivot => return pivot(app),
        _ => return screen_command(app, command),
    }
    Vec::new()
}

/// Esc on a query: stops it while it runs, closes it once it has ended.
fn close_insights(app: &mut App) -> Vec<Effect> {
    let Some(view) = &app.insights else {
        return Vec::new();
    };
    if view.latest.done {
        app.insights = None;
        return Vec::new();
    }
    let id = view.request.id;
    app.notify("stopping the query…", NoticeLevel::Info);
    vec![Effect::StopInsights(id)]
}

/// `:query [AGE] <query>`: a Logs Insights query over the CloudTrail groups.
fn start_query(app: &mut App, args: &str) -> Vec<Effect> {
    let id = app.next_query;
    match crate::insights::InsightsRequest::parse(id, args, app.now) {
        Ok(mut request) => {
            request.groups = app.log_groups.clone();
            app.next_query += 1;
            app.insights = Some(super::InsightsView {
                request: request.clone(),
                latest: crate::insights::InsightsUpdate {
                    id,
                    status: "Starting".into(),
                    ..Default::default()
                },
                scroll: 0,
            });
            let mut effects = switch_tab(app, Tab::Logs);
            effects.push(Effect::Insights(Box::new(request)));
            effects
        }
        Err(e) => {
            app.notify(e, NoticeLevel::Error);
            Vec::new()
        }
    }
}

/// `L`: the logs screen on the finding's activity — at once what the live buffer holds, then
/// what the search of the CloudTrail history finds.
fn pivot(app: &mut App) -> Vec<Effect> {
    let entry = match app.stack.last() {
        Some(Screen::Detail(detail)) => Some(detail.entry),
        _ if app.tab == Tab::Findings => app.table.selected_entry(),
        _ => None,
    };
    let Some(finding) = entry.and_then(|ix| app.store.finding(ix)) else {
        app.notify("select a finding first", NoticeLevel::Warning);
        return Vec::new();
    };
    let request = match crate::pivot::PivotRequest::for_finding(&finding) {
        Ok(request) => request,
        Err(e) => {
            app.notify(
                format!("no activity to look for: {e}"),
                NoticeLevel::Warning,
            );
            return Vec::new();
        }
    };
    let pattern = match crate::pattern::Pattern::parse(&request.pattern) {
        Ok(pattern) => pattern,
        Err(e) => {
            app.notify(format!("cannot look for that: {e}"), NoticeLevel::Error);
            return Vec::new();
        }
    };
    let mut view = super::logs::LogView::new(app.logs.capacity());
    let held: Vec<crate::model::LogEvent> = app
        .logs
        .events()
        .iter()
        .filter(|e| request.selects(&pattern, e))
        .cloned()
        .collect();
    view.push(held);
    app.pivot = Some(super::Pivot {
        request: request.clone(),
        pattern,
        view,
        searching: true,
        error: None,
        left_out: None,
    });
    let mut effects = switch_tab(app, Tab::Logs);
    effects.push(Effect::Pivot(Box::new(request)));
    effects
}

/// The pivot's search answered: its events join what the live buffer held, in time order.
fn pivot_done(app: &mut App, finding: &str, result: Result<crate::pivot::Found, String>) {
    let Some(pivot) = app.pivot.as_mut().filter(|p| p.request.finding == finding) else {
        return;
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
            let mut view = super::logs::LogView::new(pivot.view.capacity());
            view.push(all);
            pivot.view = view;
        }
        Err(e) => pivot.error = Some(e),
    }
    app.dirty = true;
}

fn switch_tab(app: &mut App, tab: Tab) -> Vec<Effect> {
    let before = app.wants_logs();
    app.stack.clear();
    app.tab = tab;
    mark_selected_seen(app);
    let mut effects = Vec::new();
    if before != app.wants_logs() {
        effects.push(Effect::SetFeed(Feed::Logs, app.wants_logs()));
    }
    effects
}

fn go_back(app: &mut App) -> Vec<Effect> {
    if app.stack.pop().is_none() {
        if app.tab == Tab::Logs && app.pivot.is_some() {
            app.pivot = None;
            app.notify("back to the live stream", NoticeLevel::Info);
        } else if app.tab == Tab::Sources && app.sources_detail {
            app.sources_detail = false;
        } else {
            app.dirty = false;
        }
    }
    mark_selected_seen(app);
    Vec::new()
}

fn current_json(app: &App) -> Option<&JsonView> {
    match app.stack.last()? {
        Screen::Detail(d) => Some(&d.json),
        Screen::Record(r) => Some(&r.json),
    }
}

/// Commands whose meaning depends on the screen.
fn screen_command(app: &mut App, command: Command) -> Vec<Effect> {
    let size = app.size;
    match app.stack.last_mut() {
        Some(Screen::Detail(detail)) => {
            let (summary_page, json_page) = layout::detail_pages(size);
            if command == Command::SwitchPane {
                detail.pane = if detail.pane == Pane::Summary {
                    Pane::Json
                } else {
                    Pane::Summary
                };
                return Vec::new();
            }
            if matches!(command, Command::CopyArn | Command::CopyJson) {
                let entry = detail.entry;
                return copy(app, entry, command);
            }
            if detail.pane == Pane::Summary {
                scroll_plain(&mut detail.summary_scroll, command, summary_page);
            } else {
                scroll_json(&mut detail.json, command, json_page);
            }
            return Vec::new();
        }
        Some(Screen::Record(record)) => {
            let (_, json_page) = layout::detail_pages(size);
            scroll_json(&mut record.json, command, json_page);
            return Vec::new();
        }
        None => {}
    }
    match app.tab {
        Tab::Overview => overview_command(app, command),
        Tab::Findings => findings_command(app, command),
        Tab::Logs => logs_command(app, command),
        Tab::Sources => {
            let matrix = super::health_matrix::Matrix::build(&app.health, &app.directory);
            let last = matrix.account_count().saturating_sub(1);
            let last_col = matrix.regions.len().saturating_sub(1);
            let page = layout::findings_page(app.size);
            let row = &mut app.sources_row;
            match command {
                Command::Up => *row = row.saturating_sub(1),
                Command::Down => *row = (*row + 1).min(last),
                Command::PageUp => *row = row.saturating_sub(page),
                Command::PageDown => *row = (*row + page).min(last),
                Command::Top => *row = 0,
                Command::Bottom => *row = last,
                Command::Left => app.sources_col = app.sources_col.saturating_sub(1),
                Command::Right => app.sources_col = (app.sources_col + 1).min(last_col),
                Command::Open => app.sources_detail = true,
                _ => app.dirty = false,
            }
            Vec::new()
        }
    }
}

fn scroll_plain(scroll: &mut usize, command: Command, page: usize) {
    match command {
        Command::Up => *scroll = scroll.saturating_sub(1),
        Command::Down => *scroll += 1,
        Command::PageUp => *scroll = scroll.saturating_sub(page),
        Command::PageDown => *scroll += page,
        Command::Top => *scroll = 0,
        Command::Bottom => *scroll = usize::MAX / 2,
        _ => {}
    }
}

fn scroll_json(json: &mut JsonView, command: Command, page: usize) {
    match command {
        Command::Up => json.scroll_by(-1, page),
        Command::Down => json.scroll_by(1, page),
        Command::PageUp => json.scroll_by(-(page as isize), page),
        Command::PageDown => json.scroll_by(page as isize, page),
        Command::Top => json.scroll = 0,
        Command::Bottom => json.scroll_to_end(page),
        Command::SearchNext => json.step(true, page),
        Command::SearchPrev => json.step(false, page),
        _ => {}
    }
}

fn overview_command(app: &mut App, command: Command) -> Vec<Effect> {
    let rows = app.stats.accounts.len();
    let last = rows.saturating_sub(1);
    let page = layout::overview_rows(app.size);
    match command {
        Command::Up => app.overview_row = app.overview_row.saturating_sub(1),
        Command::Down => app.overview_row = (app.overview_row + 1).min(last),
        Command::PageUp => app.overview_row = app.overview_row.saturating_sub(page),
        Command::PageDown => app.overview_row = (app.overview_row + page).min(last),
        Command::Top => app.overview_row = 0,
        Command::Bottom => app.overview_row = last,
        Command::Open => {
            let Some(row) = app.stats.accounts.get(app.overview_row) else {
                return Vec::new();
            };
            let filter = format!("account:{}", quote_if_needed(&row.name));
            apply_filter(app, &filter);
            return switch_tab(app, Tab::Findings);
        }
        _ => app.dirty = false,
    }
    Vec::new()
}

fn quote_if_needed(value: &str) -> String {
    if value.contains([' ', ',', '"']) {
        format!("\"{}\"", value.replace('"', ""))
    } else {
        value.to_string()
    }
}

fn findings_command(app: &mut App, command: Command) -> Vec<Effect> {
    let page = layout::findings_page(app.size);
    let before = app.table.selected_entry();
    let marks_before = app.marks.len();
    match command {
        Command::Up => app.table.move_by(-1, page),
        Command::Down => app.table.move_by(1, page),
        Command::PageUp => app.table.move_by(-(page as isize), page),
        Command::PageDown => app.table.move_by(page as isize, page),
        Command::Top => app.table.select(0, page),
        Command::Bottom => app.table.select(usize::MAX, page),
        Command::Open => {
            if let Some(ix) = app.table.selected_entry() {
                open_detail(app, ix);
            }
        }
        Command::CopyArn | Command::CopyJson => {
            if let Some(ix) = app.table.selected_entry() {
                return copy(app, ix, command);
            }
        }
        Command::Act => super::act::open(app),
        Command::Undo => super::act::undo(app),
        Command::ToggleMark => {
            if let Some(ix) = app.table.selected_entry() {
                if !app.marks.remove(&ix) {
                    app.marks.insert(ix);
                }
                app.mark_anchor = Some(ix);
                app.table.move_by(1, page);
            }
        }
        Command::MarkRange => {
            let here = app.table.selected;
            let from = app
                .mark_anchor
                .and_then(|a| app.table.rows.iter().position(|&r| r == a))
                .unwrap_or(here);
            let (lo, hi) = (from.min(here), from.max(here));
            // An empty table (a filter that matches nothing) has no range to mark.
            if let Some(range) = app.table.rows.get(lo..=hi) {
                app.marks.extend(range.iter());
                app.mark_anchor = app.table.selected_entry();
            } else {
                app.dirty = false;
            }
        }
        Command::MarkAll => {
            app.marks.extend(app.table.rows.iter().copied());
            app.notify(
                format!("{} findings marked", app.marks.len()),
                NoticeLevel::Info,
            );
        }
        Command::ClearMarks => {
            if app.marks.is_empty() {
                app.dirty = false;
            } else {
                app.marks.clear();
                app.mark_anchor = None;
            }
        }
        Command::SortNext => {
            app.table.sort = app.table.sort.next();
            app.table.reverse = false;
            resort(app);
        }
        Command::SortReverse => {
            app.table.reverse = !app.table.reverse;
            resort(app);
        }
        _ => app.dirty = false,
    }
    if app.table.selected_entry() != before {
        mark_selected_seen(app);
    }
    if app.marks.len() != marks_before {
        app.refresh_marks_scope();
    }
    Vec::new()
}

fn resort(app: &mut App) {
    app.table.refresh(&app.store, &app.directory, app.now);
    let page = layout::findings_page(app.size);
    app.table.keep_visible(page);
    let order = if app.table.reverse { "reversed" } else { "" };
    app.notify(
        format!("sorted by {} {order}", app.table.sort.name())
            .trim_end()
            .to_string(),
        NoticeLevel::Info,
    );
}

fn open_detail(app: &mut App, ix: crate::store::EntryIx) {
    let (Some(entry), Some(finding)) = (app.store.get(ix), app.store.finding(ix)) else {
        app.notify(
            "this finding's record could not be read back",
            NoticeLevel::Error,
        );
        return;
    };
    let json = JsonView::new(&entry.raw);
    app.store.mark_seen(ix);
    app.stack.push(Screen::Detail(Box::new(DetailState {
        entry: ix,
        finding: Box::new(finding),
        pane: Pane::Json,
        summary_scroll: 0,
        json,
    })));
}

fn copy(app: &mut App, ix: crate::store::EntryIx, command: Command) -> Vec<Effect> {
    let Some(entry) = app.store.get(ix) else {
        return Vec::new();
    };
    let (what, text) = if command == Command::CopyArn {
        let arn = app
            .store
            .finding(ix)
            .and_then(|f| f.arn)
            .unwrap_or_else(|| entry.id.clone());
        ("ARN", arn.to_string())
    } else {
        let delivered = entry.raw.as_delivered();
        let pretty = serde_json::from_str::<serde_json::Value>(&delivered)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok());
        ("JSON", pretty.unwrap_or(delivered))
    };
    let shown = crate::model::text::clean_line(&text, 60).into_owned();
    app.notify(
        format!("copied {what} to the clipboard (OSC 52): {shown}"),
        NoticeLevel::Info,
    );
    vec![Effect::Copy(text)]
}

fn logs_command(app: &mut App, command: Command) -> Vec<Effect> {
    let page = layout::logs_page(app.size) as isize;
    if let Some(view) = &mut app.insights {
        let last = view.latest.rows.len().saturating_sub(1);
        view.scroll = match command {
            Command::Up => view.scroll.saturating_sub(1),
            Command::Down => (view.scroll + 1).min(last),
            Command::PageUp => view.scroll.saturating_sub(page as usize),
            Command::PageDown => (view.scroll + page as usize).min(last),
            Command::Top => 0,
            Command::Bottom => last,
            _ => view.scroll,
        };
        return Vec::new();
    }
    if command == Command::ChooseGroups {
        let current = app.log_groups.clone();
        return super::groups::open(app, current);
    }
    let logs = match &mut app.pivot {
        Some(pivot) => &mut pivot.view,
        None => &mut app.logs,
    };
    match command {
        Command::Up => logs.move_by(-1),
        Command::Down => logs.move_by(1),
        Command::PageUp => logs.move_by(-page),
        Command::PageDown => logs.move_by(page),
        Command::Top => logs.to_top(),
        Command::Bottom => logs.to_bottom(),
        Command::TogglePause => {
            logs.toggle_pause();
            let text = if logs.paused {
                "stream paused: events are kept, the view holds still"
            } else {
                "following the stream"
            };
            app.notify(text, NoticeLevel::Info);
        }
        Command::Open => {
            if let Some(event) = logs.selected_event() {
                let title = match &event.trail {
                    Some(t) => format!("{} by {}", t.action(), t.principal()),
                    None => format!("{} {}", event.group, event.stream),
                };
                let mut json = JsonView::new(&event.message);
                // With a filter on, the record opens on what the filter matched (n/N move on).
                if let Some(needle) = logs.filter().and_then(|p| p.highlight()) {
                    let (_, page) = layout::detail_pages(app.size);
                    json.search(&needle, page);
                }
                app.stack
                    .push(Screen::Record(Box::new(RecordState { title, json })));
            }
        }
        _ => app.dirty = false,
    }
    Vec::new()
}

fn open_prompt(app: &mut App, kind: PromptKind, text: &str) {
    let prompt = Prompt {
        kind,
        editor: LineEditor::with_text(text),
        error: None,
        completions: Vec::new(),
        completion_ix: None,
        original: text.to_string(),
        history_ix: None,
    };
    app.modal = Some(Modal::Prompt(prompt));
    if kind == PromptKind::Command {
        refresh_completions(app);
    }
}

fn apply_filter(app: &mut App, text: &str) {
    let page = layout::findings_page(app.size);
    if app
        .table
        .set_filter(text, &app.store, &app.directory, app.now)
        .is_ok()
    {
        app.table.keep_visible(page);
    }
}

/// Live effects of typing: the filter applies as it becomes valid; a search highlights.
fn after_prompt_edit(app: &mut App) -> Vec<Effect> {
    let Some(Modal::Prompt(prompt)) = &mut app.modal else {
        return Vec::new();
    };
    prompt.history_ix = None;
    match prompt.kind {
        PromptKind::Filter => {
            let text = prompt.editor.text().to_string();
            match Query::parse(&text) {
                Ok(_) => {
                    prompt.error = None;
                    // A field name still being typed (`se` of `sev>=high`) filters nothing yet.
                    let settled = &text[..crate::query::pending_field_start(&text)];
                    apply_filter(app, settled);
                }
                Err(e) => prompt.error = Some(e),
            }
        }
        PromptKind::Search => {
            let needle = prompt.editor.text().to_string();
            let (_, page) = layout::detail_pages(app.size);
            if let Some(json) = current_json_mut(app) {
                json.search(&needle, page);
            }
        }
        PromptKind::Command => {
            prompt.completion_ix = None;
            refresh_completions(app);
        }
        // Checked as it is typed; applied on Enter (a pattern runs over the whole buffer).
        PromptKind::LogFilter => {
            prompt.error = crate::pattern::Pattern::parse(prompt.editor.text())
                .err()
                .map(pattern_error);
        }
    }
    Vec::new()
}

/// A pattern error, pointed at in the prompt like a filter error.
fn pattern_error(e: crate::pattern::PatternError) -> crate::query::QueryError {
    crate::query::QueryError {
        span: e.at..e.at + 1,
        message: e.message,
    }
}

/// The log view the logs screen shows: a finding's activity, or the live stream.
fn shown_logs(app: &App) -> &super::logs::LogView {
    match &app.pivot {
        Some(pivot) => &pivot.view,
        None => &app.logs,
    }
}

fn current_json_mut(app: &mut App) -> Option<&mut JsonView> {
    match app.stack.last_mut()? {
        Screen::Detail(d) => Some(&mut d.json),
        Screen::Record(r) => Some(&mut r.json),
    }
}

fn prompt_command(app: &mut App, command: Command) -> Vec<Effect> {
    let Some(Modal::Prompt(prompt)) = &mut app.modal else {
        return Vec::new();
    };
    if prompt.editor.edit(command) {
        return after_prompt_edit(app);
    }
    match command {
        Command::Cancel => {
            let original = prompt.original.clone();
            let kind = prompt.kind;
            app.modal = None;
            match kind {
                PromptKind::Filter => apply_filter(app, &original),
                PromptKind::Search => {
                    let (_, page) = layout::detail_pages(app.size);
                    if let Some(json) = current_json_mut(app) {
                        if original.is_empty() {
                            json.search = None;
                        } else {
                            json.search(&original, page);
                        }
                    }
                }
                PromptKind::Command | PromptKind::LogFilter => {}
            }
            Vec::new()
        }
        Command::Submit => submit_prompt(app),
        Command::Complete => {
            complete(app);
            Vec::new()
        }
        Command::HistoryPrev | Command::HistoryNext => {
            let history = match prompt.kind {
                PromptKind::Filter => &app.filter_history,
                PromptKind::Command => &app.command_history,
                PromptKind::Search | PromptKind::LogFilter => return Vec::new(),
            };
            if history.is_empty() {
                return Vec::new();
            }
            let ix = match (prompt.history_ix, command) {
                (None, Command::HistoryPrev) => Some(history.len() - 1),
                (Some(i), Command::HistoryPrev) => Some(i.saturating_sub(1)),
                (Some(i), Command::HistoryNext) if i + 1 < history.len() => Some(i + 1),
                _ => None,
            };
            let text = ix.map_or_else(|| prompt.original.clone(), |i| history[i].clone());
            prompt.editor.set(&text);
            let effects = after_prompt_edit(app);
            if let Some(Modal::Prompt(prompt)) = &mut app.modal {
                prompt.history_ix = ix;
            }
            effects
        }
        _ => Vec::new(),
    }
}

fn remember(history: &mut Vec<String>, text: &str) {
    if text.is_empty() {
        return;
    }
    history.retain(|h| h != text);
    history.push(text.to_string());
    if history.len() > 100 {
        history.remove(0);
    }
}

fn submit_prompt(app: &mut App) -> Vec<Effect> {
    let Some(Modal::Prompt(prompt)) = &mut app.modal else {
        return Vec::new();
    };
    let text = prompt.editor.text().trim().to_string();
    match prompt.kind {
        PromptKind::LogFilter => {
            let pattern = match crate::pattern::Pattern::parse(&text) {
                Ok(pattern) => pattern,
                Err(e) => {
                    prompt.error = Some(pattern_error(e));
                    return Vec::new();
                }
            };
            app.modal = None;
            let view = match &mut app.pivot {
                Some(pivot) => &mut pivot.view,
                None => &mut app.logs,
            };
            view.set_filter(Some(pattern));
            let text = if text.is_empty() {
                "showing every event".to_string()
            } else {
                format!("{} events match {text}", view.rows())
            };
            app.notify(text, NoticeLevel::Info);
            Vec::new()
        }
        PromptKind::Filter => {
            if let Err(e) = Query::parse(&text) {
                // Stay open and point at the mistake; nothing is lost.
                prompt.error = Some(e);
                return Vec::new();
            }
            app.modal = None;
            apply_filter(app, &text);
            remember(&mut app.filter_history, &text);
            mark_selected_seen(app);
            Vec::new()
        }
        PromptKind::Search => {
            app.modal = None;
            let (_, page) = layout::detail_pages(app.size);
            if let Some(json) = current_json_mut(app) {
                if text.is_empty() {
                    json.search = None;
                } else {
                    json.search(&text, page);
                    let found = json.search.as_ref().map_or(0, |s| s.matches.len());
                    if found == 0 {
                        app.notify(format!("no match for '{text}'"), NoticeLevel::Warning);
                    }
                }
            }
            Vec::new()
        }
        PromptKind::Command => {
            app.modal = None;
            remember(&mut app.command_history, &text);
            run_colon_command(app, &text)
        }
    }
}

fn run_colon_command(app: &mut App, line: &str) -> Vec<Effect> {
    let mut words = line.split_whitespace();
    let Some(name) = words.next() else {
        return Vec::new();
    };
    let args: Vec<&str> = words.collect();
    match name {
        "q" | "quit" | "q!" | "qa" => return vec![Effect::Quit],
        "sort" => {
            let Some(key) = args.first().and_then(|k| SortKey::parse(k)) else {
                let keys: Vec<_> = SortKey::ALL.iter().map(|k| k.name()).collect();
                app.notify(
                    format!(":sort takes one of {}", keys.join(", ")),
                    NoticeLevel::Error,
                );
                return Vec::new();
            };
            app.table.sort = key;
            app.table.reverse = match args.get(1).map(|s| s.to_ascii_lowercase()) {
                // The natural order of each key is the one an analyst wants first; `asc`/`desc`
                // name the direction of the key itself.
                Some(dir) if dir == "asc" => matches!(key, SortKey::Severity | SortKey::LastSeen),
                Some(dir) if dir == "desc" => matches!(key, SortKey::Account | SortKey::Type),
                _ => false,
            };
            resort(app);
        }
        "detect" => return detect_command(app, &args),
        "query" => return start_query(app, line.trim_start().trim_start_matches("query")),
        "view" => {
            let Some(view_name) = args.first() else {
                let names: Vec<_> = app.views.keys().cloned().collect();
                let text = if names.is_empty() {
                    "no saved views; add [views.NAME] filter = \"…\" to the config".to_string()
                } else {
                    format!("views: {}", names.join(", "))
                };
                app.notify(text, NoticeLevel::Info);
                return Vec::new();
            };
            let Some(view) = app.views.get(*view_name).cloned() else {
                app.notify(format!("no view named '{view_name}'"), NoticeLevel::Error);
                return Vec::new();
            };
            if let Some(sort) = view.sort {
                app.table.sort = sort;
                app.table.reverse = false;
            }
            match app
                .table
                .set_filter(&view.filter, &app.store, &app.directory, app.now)
            {
                Ok(()) => {
                    app.notify(
                        format!("view {view_name}: {}", view.filter),
                        NoticeLevel::Info,
                    );
                    return switch_tab(app, Tab::Findings);
                }
                Err(e) => app.notify(
                    format!("view {view_name} has a bad filter: {e}"),
                    NoticeLevel::Error,
                ),
            }
        }
        "theme" => {
            let Some(theme_name) = args.first() else {
                let names: Vec<_> = app.themes.names().collect();
                let text = format!("theme {}; available: {}", app.theme.name, names.join(", "));
                app.notify(text, NoticeLevel::Info);
                return Vec::new();
            };
            match app.themes.get(theme_name) {
                Some(theme) => {
                    app.theme = theme.clone().adapt(app.color_depth);
                    app.notify(format!("theme {theme_name}"), NoticeLevel::Info);
                }
                None => app.notify(format!("no theme named '{theme_name}'"), NoticeLevel::Error),
            }
        }
        "filter" => {
            let text = args.join(" ");
            match app
                .table
                .set_filter(&text, &app.store, &app.directory, app.now)
            {
                Ok(()) => {
                    remember(&mut app.filter_history, &text);
                    return switch_tab(app, Tab::Findings);
                }
                Err(e) => app.notify(format!("filter: {e}"), NoticeLevel::Error),
            }
        }
        "overview" => return switch_tab(app, Tab::Overview),
        "findings" => return switch_tab(app, Tab::Findings),
        "logs" => return switch_tab(app, Tab::Logs),
        "refresh" => return run(app, Command::Refresh),
        "help" => app.modal = Some(Modal::Help { scroll: 0 }),
        other => {
            let known: Vec<_> = COLON_COMMANDS.iter().map(|(n, _)| *n).collect();
            app.notify(
                format!(
                    "unknown command ':{other}'; commands are {}",
                    known.join(", ")
                ),
                NoticeLevel::Error,
            );
        }
    }
    Vec::new()
}

/// Candidates for the word at the cursor of the `:` line.
fn candidates(app: &App, line: &str, word_start: usize, word: &str) -> Vec<String> {
    let before: Vec<&str> = line[..word_start].split_whitespace().collect();
    let options: Vec<String> = match before.as_slice() {
        [] => COLON_COMMANDS.iter().map(|(n, _)| n.to_string()).collect(),
        ["sort"] => SortKey::ALL.iter().map(|k| k.name().to_string()).collect(),
        ["sort", _] => vec!["asc".into(), "desc".into()],
        ["view"] => app.views.keys().cloned().collect(),
        ["theme"] => app.themes.names().map(str::to_string).collect(),
        ["detect", ..] => ["all", "off"]
            .into_iter()
            .chain(crate::detect::CIS.iter().map(|d| d.name))
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    let lower = word.to_ascii_lowercase();
    options
        .into_iter()
        .filter(|o| o.to_ascii_lowercase().starts_with(&lower))
        .collect()
}

fn refresh_completions(app: &mut App) {
    let Some(Modal::Prompt(prompt)) = &app.modal else {
        return;
    };
    let (start, word) = prompt.editor.current_word();
    let list = candidates(app, prompt.editor.text(), start, word);
    if let Some(Modal::Prompt(prompt)) = &mut app.modal {
        prompt.completions = list;
    }
}

/// Tab: insert the next candidate for the word at the cursor.
fn complete(app: &mut App) {
    let Some(Modal::Prompt(prompt)) = &mut app.modal else {
        return;
    };
    if prompt.kind != PromptKind::Command || prompt.completions.is_empty() {
        return;
    }
    let next = prompt
        .completion_ix
        .map_or(0, |i| (i + 1) % prompt.completions.len());
    let word = prompt.completions[next].clone();
    prompt.editor.replace_current_word(&word);
    prompt.completion_ix = Some(next);
    if prompt.completions.len() == 1 {
        // A unique completion is final: move on to the next word's candidates.
        prompt.editor.insert(" ");
        prompt.completion_ix = None;
        refresh_completions(app);
    }
}

#[cfg(test)]
mod tests;

/// `:detect` lists the active detections; `:detect all`, `:detect off` or `:detect NAME…` sets
/// them.
fn detect_command(app: &mut App, args: &[&str]) -> Vec<Effect> {
    let before = app.wants_logs();
    set_detections(app, args);
    // Detections read the stream: the log feed runs while any is on.
    if before == app.wants_logs() {
        Vec::new()
    } else {
        vec![Effect::SetFeed(Feed::Logs, app.wants_logs())]
    }
}

fn set_detections(app: &mut App, args: &[&str]) {
    let names = |d: &crate::detect::Detector| d.names().join(", ");
    match args {
        [] => {
            let text = if app.detector.is_empty() {
                "no detection is active; :detect all turns the CIS detections on".to_string()
            } else {
                format!("detecting: {}", names(&app.detector))
            };
            app.notify(text, NoticeLevel::Info);
        }
        ["off"] => {
            app.detector = crate::detect::Detector::new(Vec::new());
            app.notify("detections off", NoticeLevel::Info);
        }
        _ => {
            let wanted: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            match crate::detect::Detector::named(&wanted) {
                Ok(detector) => {
                    app.detector = detector;
                    app.notify(
                        format!("detecting: {}", names(&app.detector)),
                        NoticeLevel::Info,
                    );
                }
                Err(e) => app.notify(e, NoticeLevel::Error),
            }
        }
    }
}
