//! The logs screen's keys, a finding's pivot onto its CloudTrail activity, Logs Insights queries
//! and the detections run on the stream.

use super::super::{
    App, Command, Effect, JsonView, LogsPage, NoticeLevel, RecordState, Screen, Tab,
};
use super::{Update, switch_tab};
use crate::app::layout;
use crate::sources::Feed;

/// A key on the logs screen (the live stream, a pivot, or a query's answer over them).
pub(super) fn command(app: &mut App, command: Command) -> Update {
    let page = layout::logs_page(app.size) as isize;
    if let Some(view) = app.logs.insights_mut() {
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
        return Update::redraw();
    }
    if command == Command::ChooseGroups {
        let current = app.logs.groups.clone();
        return super::super::groups::open(app, current).into();
    }
    if command == Command::CopyLink {
        let link = app.logs.shown().selected_event().and_then(event_link);
        return super::findings::copy_link(app, link).into();
    }
    if command == Command::SortReverse {
        app.logs.newest_first = !app.logs.newest_first;
        let text = if app.logs.newest_first {
            "newest first: the stream comes in at the top"
        } else {
            "oldest first: the stream comes in at the bottom"
        };
        app.notify(text, NoticeLevel::Info);
        return Update::redraw();
    }
    // Keys move through the lines as shown: newest first, up is newer.
    let (toward_new, newest_on_top) = if app.logs.newest_first {
        (-1, true)
    } else {
        (1, false)
    };
    let logs = app.logs.shown_mut();
    match command {
        Command::Up => logs.move_by(-toward_new),
        Command::Down => logs.move_by(toward_new),
        Command::PageUp => logs.move_by(-page * toward_new),
        Command::PageDown => logs.move_by(page * toward_new),
        Command::Top if newest_on_top => logs.to_bottom(),
        Command::Bottom if newest_on_top => logs.to_top(),
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
                let link = event_link(event);
                app.stack
                    .push(Screen::Record(Box::new(RecordState { title, json, link })));
            }
        }
        _ => return Update::unchanged(),
    }
    Update::redraw()
}

/// Esc on the logs screen goes back one level: a query still running is stopped (its page
/// closes on the next Esc, once it has ended); the pattern typed over the events shown is
/// dropped; a pivot closes, back to where it was opened from (the finding's detail). Answers
/// None when there is nothing to go back from.
pub(super) fn back(app: &mut App) -> Option<Vec<Effect>> {
    let running_query =
        matches!(app.logs.pages.last(), Some(LogsPage::Insights(view)) if !view.latest.done);
    if !running_query && app.logs.insights().is_none() && app.logs.shown().filter().is_some() {
        app.logs.shown_mut().set_filter(None);
        app.notify("pattern cleared", NoticeLevel::Info);
        return Some(Vec::new());
    }
    match app.logs.pages.last()? {
        LogsPage::Insights(view) if !view.latest.done => {
            let id = view.request.id;
            app.notify("stopping the query…", NoticeLevel::Info);
            Some(vec![Effect::StopInsights(id)])
        }
        LogsPage::Insights(_) => {
            app.logs.pages.pop();
            Some(Vec::new())
        }
        LogsPage::Pivot(_) => {
            let Some(LogsPage::Pivot(pivot)) = app.logs.pages.pop() else {
                return Some(Vec::new());
            };
            let (tab, stack) = pivot.origin;
            let effects = switch_tab(app, tab);
            app.stack = stack;
            Some(effects)
        }
    }
}

/// `:query [AGE] <query>`: a Logs Insights query over the CloudTrail groups.
pub(super) fn start_query(app: &mut App, args: &str) -> Vec<Effect> {
    let id = app.logs.next_query;
    match crate::logs::insights::InsightsRequest::parse(id, args, app.now) {
        Ok(mut request) => {
            request.groups = app.logs.groups.clone();
            app.logs.next_query += 1;
            // A query still running when the next starts is stopped: it would go on scanning
            // (and billing) with nobody to read its answer.
            let running = app
                .logs
                .insights()
                .filter(|view| !view.latest.done)
                .map(|view| Effect::StopInsights(view.request.id));
            app.logs
                .open(LogsPage::Insights(Box::new(super::super::InsightsView {
                    request: request.clone(),
                    latest: crate::logs::insights::InsightsUpdate {
                        id,
                        status: "Starting".into(),
                        ..Default::default()
                    },
                    scroll: 0,
                })));
            let mut effects: Vec<Effect> = running.into_iter().collect();
            effects.extend(switch_tab(app, Tab::Logs));
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
pub(super) fn pivot(app: &mut App) -> Vec<Effect> {
    let entry = match app.stack.last() {
        Some(Screen::Detail(detail)) => Some(detail.entry),
        _ if app.tab == Tab::Findings => app.findings.table.selected_entry(),
        _ => None,
    };
    let Some(finding) = entry.and_then(|ix| app.store.finding(ix)) else {
        app.notify("select a finding first", NoticeLevel::Warning);
        return Vec::new();
    };
    let request = match crate::logs::pivot::PivotRequest::for_finding(&finding) {
        Ok(request) => request,
        Err(e) => {
            app.notify(
                format!("no activity to look for: {e}"),
                NoticeLevel::Warning,
            );
            return Vec::new();
        }
    };
    let pattern = match crate::logs::pattern::Pattern::parse(&request.pattern) {
        Ok(pattern) => pattern,
        Err(e) => {
            app.notify(format!("cannot look for that: {e}"), NoticeLevel::Error);
            return Vec::new();
        }
    };
    let origin = (app.tab, std::mem::take(&mut app.stack));
    let mut view = super::super::logs::LogView::new(app.logs.buffer.capacity());
    let held: Vec<crate::model::LogEvent> = app
        .logs
        .buffer
        .events()
        .iter()
        .filter(|e| request.selects(&pattern, e))
        .cloned()
        .collect();
    view.push(held);
    app.logs.open(LogsPage::Pivot(Box::new(super::super::Pivot {
        request: request.clone(),
        pattern,
        view,
        searching: true,
        error: None,
        left_out: None,
        origin,
    })));
    let mut effects = switch_tab(app, Tab::Logs);
    effects.push(Effect::Pivot(Box::new(request)));
    effects
}

/// `:detect` lists the active detections; `:detect all`, `:detect off` or `:detect NAME…` sets
/// them.
pub(super) fn detect_command(app: &mut App, args: &[&str]) -> Vec<Effect> {
    let before = app.wants_logs();
    let checked = app.logs.detector.names();
    set_detections(app, args);
    let mut effects = Vec::new();
    if app.logs.detector.names() != checked {
        effects.push(Effect::SetDetections(app.logs.detector.names()));
    }
    // Detections read the stream: the log feed runs while any is on.
    if before != app.wants_logs() {
        effects.push(Effect::SetFeed(Feed::Logs, app.wants_logs()));
    }
    effects
}

fn set_detections(app: &mut App, args: &[&str]) {
    let names = |d: &crate::logs::detect::Detector| d.names().join(", ");
    match args {
        [] => {
            let text = if app.logs.detector.is_empty() {
                "no detection is active; :detect all turns the CIS detections on".to_string()
            } else {
                format!("detecting: {}", names(&app.logs.detector))
            };
            app.notify(text, NoticeLevel::Info);
        }
        ["off"] => {
            app.logs.detector = crate::logs::detect::Detector::new(Vec::new());
            app.notify("detections off", NoticeLevel::Info);
        }
        _ => {
            let wanted: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            match crate::logs::detect::Detector::named(&wanted) {
                Ok(detector) => {
                    app.logs.detector = detector;
                    app.notify(
                        format!("detecting: {}", names(&app.logs.detector)),
                        NoticeLevel::Info,
                    );
                }
                Err(e) => app.notify(e, NoticeLevel::Error),
            }
        }
    }
}

/// Where the console shows an event: a CloudTrail record in CloudTrail's event history, any
/// other event in its log stream.
pub(super) fn event_link(event: &crate::model::LogEvent) -> Option<String> {
    let trail = event.trail.as_deref();
    let region = trail
        .and_then(|t| t.aws_region.as_deref())
        .unwrap_or(&event.region);
    match trail.and_then(|t| t.event_id.as_deref()) {
        Some(id) => crate::model::console::cloudtrail_event(id, region),
        None => crate::model::console::log_event(
            &event.group,
            &event.stream,
            event.timestamp.as_millisecond(),
            &event.region,
        ),
    }
}
