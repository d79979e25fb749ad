//! The posture screen's keys, and keeping its panes current.

use jiff::SignedDuration;

use super::super::posture::coverage::{self, Watch};
use super::super::posture::screen::{FAILING_SHOWN, Failing, Line, Pane, control_key};
use super::super::posture::{Compliance, drill_filter};
use super::super::{App, Command, NoticeLevel, Tab};
use super::{Update, findings, switch_tab};
use crate::model::Workflow;
use crate::model::finding::ComplianceStatus;
use crate::model::finding::{SourceKind, Sources};
use crate::model::standards::{GuardDutyCoverage, StandardsReport};
use crate::store::{EntryIx, NONE};

/// While the screen is shown, arriving findings rebuild it at most this often.
const REBUILD_EVERY: SignedDuration = SignedDuration::from_secs(3);

/// Works both panes out again.
pub(super) fn rebuild(app: &mut App) {
    let posture = &mut app.posture;
    posture.compliance = Compliance::build(&app.store, &app.directory, &posture.standards);
    posture.exposed = super::super::posture::exposure::build(&app.store);
    posture.gaps = coverage::gaps(&Watch {
        health: &app.health,
        directory: &app.directory,
        standards: &posture.standards,
        coverage: &posture.coverage,
        // Groups chosen, or a log source answering (the demo's trail, discovered groups).
        log_groups: app.logs.groups.len().max(
            app.health
                .keys()
                .filter(|k| k.service == crate::model::health::Service::CloudWatchLogs)
                .count(),
        ),
        detections: app.logs.detector.names().len(),
        feed: app
            .health
            .keys()
            .any(|k| k.service == crate::model::health::Service::Feed),
    });
    // Open controls list their failing resources as they are now.
    let open: Vec<String> = posture.failing.keys().cloned().collect();
    for control in open {
        let listed = failing_of(app, &control);
        app.posture.failing.insert(control, listed);
    }
    app.posture.built = Some(app.now);
    clamp(app);
}

/// Whether the panes are older than [`REBUILD_EVERY`] (or were never built).
fn due(app: &App) -> bool {
    app.posture
        .built
        .is_none_or(|built| app.now.duration_since(built) >= REBUILD_EVERY || built > app.now)
}

/// Rebuilds when the screen is shown and due; answers whether it did.
pub(super) fn rebuild_if_due(app: &mut App) -> bool {
    let due = app.tab == Tab::Posture && due(app);
    if due {
        rebuild(app);
    }
    due
}

/// What the sources said of standards and coverage replaces what was known there.
pub(super) fn reports(
    app: &mut App,
    standards: Vec<StandardsReport>,
    coverage: Vec<GuardDutyCoverage>,
) {
    for report in standards {
        let key = (report.account_id.clone(), report.region.clone());
        app.posture.standards.insert(key, report);
    }
    for report in coverage {
        let key = (report.account_id.clone(), report.region.clone());
        app.posture.coverage.insert(key, report);
    }
    // Shown or not, the next look works it out again.
    app.posture.built = None;
}

fn clamp(app: &mut App) {
    let last = app.posture.lines().len().saturating_sub(1);
    app.posture.row = app.posture.row.min(last);
    let last_gap = app.posture.gaps.len().saturating_sub(1);
    app.posture.gap_row = app.posture.gap_row.min(last_gap);
    let last_exposed = app.posture.exposed.len().saturating_sub(1);
    app.posture.exposed_row = app.posture.exposed_row.min(last_exposed);
}

/// The failing findings of a control: their resources (the first [`FAILING_SHOWN`]) and how
/// many there are.
fn failing_of(app: &App, control: &str) -> (Vec<Failing>, usize) {
    let store = &app.store;
    let Some(id) = store.controls.lookup(control) else {
        return (Vec::new(), 0);
    };
    let mut listed = Vec::new();
    let mut total = 0;
    for ix in 0..store.len() as EntryIx {
        let Some(s) = store.summary(ix) else {
            continue;
        };
        if s.control != id
            || s.compliance != Some(ComplianceStatus::Failed)
            || s.archived
            || s.workflow == Workflow::Suppressed
            || s.sources == Sources::of(SourceKind::Detection)
        {
            continue;
        }
        total += 1;
        if listed.len() < FAILING_SHOWN {
            let resource = store
                .resources(ix)
                .next()
                .map(|r| crate::store::short_name(r.arn.unwrap_or(r.id)).to_string())
                .unwrap_or_default();
            let account = store.accounts.name(s.account);
            listed.push(Failing {
                entry: ix,
                resource,
                account: app.directory.name_of(account).to_string(),
                region: if s.region == NONE {
                    String::new()
                } else {
                    store.regions.name(s.region).to_string()
                },
            });
        }
    }
    (listed, total)
}

pub(super) fn command(app: &mut App, command: Command) -> Update {
    match command {
        Command::ShowCompliance => app.posture.pane = Pane::Compliance,
        Command::ShowCoverage => app.posture.pane = Pane::Coverage,
        Command::ShowExposure => app.posture.pane = Pane::Exposure,
        Command::Open if app.posture.pane == Pane::Exposure => {
            // The finding, with its contributing findings among its facts.
            if let Some(exposed) = app.posture.exposed.get(app.posture.exposed_row) {
                findings::open_detail(app, exposed.entry);
            }
        }
        _ if app.posture.pane == Pane::Exposure => {
            let page = crate::app::layout::findings_page(app.size);
            let last = app.posture.exposed.len().saturating_sub(1);
            if !move_cursor(&mut app.posture.exposed_row, command, last, page) {
                return Update::unchanged();
            }
        }
        _ if app.posture.pane == Pane::Coverage => {
            let page = crate::app::layout::findings_page(app.size);
            let last = app.posture.gaps.len().saturating_sub(1);
            move_cursor(&mut app.posture.gap_row, command, last, page);
        }
        Command::Open => return open(app),
        Command::Expand => set_open(app, true),
        Command::Collapse => set_open(app, false),
        _ => {
            let page = crate::app::layout::findings_page(app.size);
            let last = app.posture.lines().len().saturating_sub(1);
            if !move_cursor(&mut app.posture.row, command, last, page) {
                return Update::unchanged();
            }
        }
    }
    Update::redraw()
}

fn move_cursor(row: &mut usize, command: Command, last: usize, page: usize) -> bool {
    *row = match command {
        Command::Up => row.saturating_sub(1),
        Command::Down => (*row + 1).min(last),
        Command::PageUp => row.saturating_sub(page),
        Command::PageDown => (*row + page).min(last),
        Command::Top => 0,
        Command::Bottom => last,
        _ => return false,
    };
    true
}

/// Enter: a standard opens or closes; a control (or one of its resources) shows its failing
/// findings in the queue.
fn open(app: &mut App) -> Update {
    let lines = app.posture.lines();
    match lines.get(app.posture.row).copied() {
        Some(Line::Standard(s)) => {
            let name = app.posture.compliance.standards[s].name.clone();
            if !app.posture.open.remove(&name) {
                app.posture.open.insert(name);
            }
            Update::redraw()
        }
        Some(Line::Control(s, c) | Line::Failing(s, c, _) | Line::More(s, c, _)) => {
            let control = app.posture.compliance.standards[s].controls[c].id.clone();
            let filter = drill_filter(&control);
            let effects = switch_tab(app, Tab::Findings);
            findings::apply_filter(app, &filter);
            app.notify(
                format!("{control}: its failing findings (x clears the filter)"),
                NoticeLevel::Info,
            );
            effects.into()
        }
        None => Update::unchanged(),
    }
}

/// → opens the standard or control under the cursor (a control lists its failing
/// resources); ← closes it, or from inside, the one it is in.
fn set_open(app: &mut App, open: bool) {
    let lines = app.posture.lines();
    let Some(line) = lines.get(app.posture.row).copied() else {
        return;
    };
    let standards = &app.posture.compliance.standards;
    let (key, control) = match line {
        Line::Standard(s) => (standards[s].name.clone(), None),
        Line::Control(s, c) if open => {
            let id = standards[s].controls[c].id.clone();
            (control_key(&standards[s].name, &id), Some(id))
        }
        Line::Control(s, _) => (standards[s].name.clone(), None),
        Line::Failing(s, c, _) | Line::More(s, c, _) => {
            let id = &standards[s].controls[c].id;
            (control_key(&standards[s].name, id), None)
        }
    };
    if open {
        if let Some(id) = control {
            let listed = failing_of(app, &id);
            app.posture.failing.insert(id, listed);
        }
        app.posture.open.insert(key);
    } else {
        app.posture.open.remove(&key);
        // The cursor goes to what was closed.
        let lines = app.posture.lines();
        let back = lines.iter().position(|l| match (l, line) {
            (Line::Standard(s), Line::Standard(t) | Line::Control(t, _)) => *s == t,
            (Line::Control(s, c), Line::Failing(t, d, _) | Line::More(t, d, _)) => {
                *s == t && *c == d
            }
            _ => false,
        });
        if let Some(back) = back {
            app.posture.row = back;
        }
    }
    clamp(app);
}

/// Shown: worked out now if it was not lately.
pub(super) fn shown(app: &mut App) {
    if due(app) {
        rebuild(app);
    }
}
