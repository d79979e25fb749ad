//! The overview's and the findings screen's keys: moving, opening, marking, sorting, copying.

use super::super::{App, Command, DetailState, Effect, JsonView, NoticeLevel, Pane, Screen, Tab};
use super::{Update, intake, switch_tab};
use crate::app::layout;
use crate::app::stats::HeatLine;
use crate::model::SeverityLabel;
use crate::query::quote_value;

pub(super) fn overview_command(app: &mut App, command: Command) -> Update {
    // OU headings, accounts and the totals, as the table shows them: one pass over the
    // accounts (1,000 in an organization of that size), per key.
    let lines = app.stats.heat_lines();
    let at = app.overview.line_index(&lines, &app.stats.accounts);
    let last = lines.len().saturating_sub(1);
    let page = layout::overview_rows(app.size);
    let to = match command {
        Command::Up => at.saturating_sub(1),
        Command::Down => (at + 1).min(last),
        Command::PageUp => at.saturating_sub(page),
        Command::PageDown => (at + page).min(last),
        Command::Top => 0,
        Command::Bottom => last,
        Command::PrevColumn => {
            let Some(column) = app.overview.column else {
                return Update::unchanged();
            };
            app.overview.column = column.checked_sub(1);
            return Update::redraw();
        }
        Command::NextColumn => {
            let next = app.overview.column.map_or(0, |c| c + 1);
            if next >= SeverityLabel::ALL.len() {
                return Update::unchanged();
            }
            app.overview.column = Some(next);
            return Update::redraw();
        }
        Command::Open => {
            let Some(line) = lines.get(at) else {
                return Update::redraw();
            };
            let mut terms = match *line {
                HeatLine::Account(i) => app
                    .stats
                    .accounts
                    .get(i)
                    .map(|row| format!("account:{}", quote_value(&row.name))),
                HeatLine::Ou { first, .. } => ou_term(&app.stats.accounts, first),
                HeatLine::Totals => None,
            }
            .into_iter()
            .collect::<Vec<_>>();
            if let Some(label) = app.overview.column.and_then(|c| SeverityLabel::ALL.get(c)) {
                terms.push(format!("sev:{}", label.as_str().to_ascii_lowercase()));
            }
            apply_filter(app, &terms.join(" "));
            return switch_tab(app, Tab::Findings).into();
        }
        _ => return Update::unchanged(),
    };
    app.overview.select_line(&lines, to);
    Update::redraw()
}

/// The filter term for the accounts under the OU heading whose first account is `first`: the
/// OU's path, or (for the root, which also holds the accounts the directory does not know, and
/// a path with wildcards or quotes in it) the list of its account ids.
fn ou_term(accounts: &[crate::app::stats::AccountRow], first: usize) -> Option<String> {
    let path = accounts.get(first)?.ou_path.as_str();
    if !path.is_empty() && !path.contains(['*', '?', '"']) {
        return Some(format!("ou:{}", quote_value(path)));
    }
    let ids: Vec<String> = accounts[first..]
        .iter()
        .take_while(|a| a.ou_path == path)
        .map(|a| quote_value(&a.account_id))
        .collect();
    Some(format!("account:{}", ids.join(",")))
}

/// A key on the findings screen.
pub(super) fn command(app: &mut App, command: Command) -> Update {
    let mut redraw = true;
    let page = layout::findings_page(app.size);
    let before = app.findings.table.selected_entry();
    let marks_before = app.findings.marks.len();
    match command {
        Command::Up => app.findings.table.move_by(-1, page),
        Command::Down => app.findings.table.move_by(1, page),
        Command::PageUp => app.findings.table.move_by(-(page as isize), page),
        Command::PageDown => app.findings.table.move_by(page as isize, page),
        Command::Top => app.findings.table.select(0, page),
        Command::Bottom => app.findings.table.select(usize::MAX, page),
        Command::Open => match app.findings.table.selected_group().is_some() {
            true => toggle_group(app, None),
            false => {
                if let Some(ix) = app.findings.table.selected_entry() {
                    open_detail(app, ix);
                }
            }
        },
        Command::GroupNext => {
            let next = crate::app::incidents::GroupBy::next(app.findings.table.incidents.by);
            group_by(app, next);
        }
        Command::Expand if app.findings.table.incidents.active() => toggle_group(app, Some(true)),
        Command::Collapse if app.findings.table.incidents.active() => {
            toggle_group(app, Some(false))
        }
        Command::Handoff => return handoff(app).into(),
        Command::CopyLink => {
            if let Some(ix) = app.findings.table.selected_entry() {
                let link = app
                    .store
                    .finding(ix)
                    .and_then(|f| crate::model::console::finding(&f));
                return copy_link(app, link).into();
            }
        }
        Command::CopyArn | Command::CopyJson => {
            if let Some(ix) = app.findings.table.selected_entry() {
                return copy(app, ix, command).into();
            }
        }
        Command::Act => super::super::act::open(app),
        Command::Undo => super::super::act::undo(app),
        Command::Repeat => super::super::act::repeat(app),
        Command::ToggleMark => {
            let findings = app.findings.table.selected_findings();
            if !findings.is_empty() {
                // A group is marked whole, or unmarked whole when it all was.
                let all_marked = findings.iter().all(|ix| app.findings.marks.contains(ix));
                for ix in &findings {
                    if all_marked {
                        app.findings.marks.remove(ix);
                    } else {
                        app.findings.marks.insert(*ix);
                    }
                }
                app.findings.mark_anchor = app.findings.table.selected_entry();
                app.findings.table.move_by(1, page);
            }
        }
        Command::MarkRange => {
            let here = app.findings.table.selected;
            let from = app
                .findings
                .mark_anchor
                .and_then(|a| app.findings.table.line_of(a))
                .unwrap_or(here);
            let range = app.findings.table.findings_between(from, here);
            // An empty table (a filter that matches nothing) has no range to mark.
            if range.is_empty() {
                redraw = false;
            } else {
                app.findings.marks.extend(range);
                app.findings.mark_anchor = app.findings.table.selected_entry();
            }
        }
        Command::MarkAll => {
            app.findings
                .marks
                .extend(app.findings.table.rows.iter().copied());
            app.notify(
                format!("{} findings marked", app.findings.marks.len()),
                NoticeLevel::Info,
            );
        }
        Command::ClearMarks => {
            if app.findings.marks.is_empty() {
                redraw = false;
            } else {
                app.findings.marks.clear();
                app.findings.mark_anchor = None;
            }
        }
        Command::ToggleWide => {
            app.findings.wide = !app.findings.wide;
            let text = if app.findings.wide {
                "wide columns: severity, seen, account, type, status and title, each whole (Ctrl-W: all)"
            } else {
                "every column that fits"
            };
            app.notify(text, NoticeLevel::Info);
        }
        Command::CatchUp => {
            let unseen: Vec<_> = app
                .findings
                .table
                .rows
                .iter()
                .copied()
                .filter(|&ix| app.store.is_unseen(ix))
                .collect();
            for &ix in &unseen {
                app.store.mark_seen(ix);
            }
            app.findings.table.newer = 0;
            intake::recount(app);
            app.notify(
                format!("{} findings marked seen", unseen.len()),
                NoticeLevel::Info,
            );
        }
        Command::SortNext => {
            app.findings.table.sort = app.findings.table.sort.next();
            app.findings.table.reverse = false;
            resort(app);
        }
        Command::SortReverse => {
            app.findings.table.reverse = !app.findings.table.reverse;
            resort(app);
        }
        _ => redraw = false,
    }
    if app.findings.table.selected_entry() != before {
        intake::mark_selected_seen(app);
    }
    if app.findings.marks.len() != marks_before {
        app.refresh_marks_scope();
    }
    Update::redraw_if(redraw)
}

/// Groups the queue into incidents by `by`, or back to the plain queue.
pub(super) fn group_by(app: &mut App, by: Option<crate::app::incidents::GroupBy>) {
    app.findings.table.group_by(by, &app.store, &app.directory);
    let table = &app.findings.table;
    let message = match by {
        Some(by) => format!(
            "{} incidents by {} · Enter or → opens one, a acts on a whole group, i groups otherwise",
            table.incidents.groups.len(),
            by.name()
        ),
        None => "the plain queue".to_string(),
    };
    app.notify(message, NoticeLevel::Info);
}

/// Expands or collapses (or with None toggles) the selected line's group; collapsing from a
/// member moves to its group's row. A principal's group, opened, has its role chain worked
/// out from the CloudTrail records read.
fn toggle_group(app: &mut App, expand: Option<bool>) {
    let table = &mut app.findings.table;
    let Some(g) = table.incidents.group_of(table.selected) else {
        return;
    };
    let open = table
        .incidents
        .groups
        .get(g)
        .is_some_and(|group| table.incidents.expanded.contains(&group.key));
    let want = expand.unwrap_or(!open);
    table.incidents.set_expanded(g, want);
    if let Some(line) = table
        .incidents
        .lines
        .iter()
        .position(|l| *l == crate::app::incidents::Line::Group(g))
    {
        table.selected = line;
    }
    let page = layout::findings_page(app.size);
    app.findings.table.keep_visible(page);
    if want && app.findings.table.incidents.by == Some(crate::app::incidents::GroupBy::Principal) {
        chain_for(app, g);
    }
}

/// The role chain behind a principal group, from the CloudTrail records in the live buffer.
fn chain_for(app: &mut App, g: usize) {
    let incidents = &app.findings.table.incidents;
    let Some(group) = incidents.groups.get(g).filter(|group| !group.rest) else {
        return;
    };
    let Some(&first) = group.members.first() else {
        return;
    };
    let Some(s) = app.store.summary(first) else {
        return;
    };
    let account = app.store.accounts.name(s.account);
    let principal = app.store.principals.name(s.principal);
    let chain = crate::logs::chain::role_chain(app.logs.buffer.events().iter(), account, principal);
    let key = group.key;
    app.findings.table.incidents.chains.insert(key, chain);
}

pub(super) fn resort(app: &mut App) {
    app.findings
        .table
        .refresh(&app.store, &app.directory, app.now);
    // A new order is read from its top: the cursor goes there, not after the finding it was on
    // (which Enter would then open, wherever the sort put it).
    app.findings.table.selected = 0;
    app.findings.table.offset = 0;
    let page = layout::findings_page(app.size);
    app.findings.table.keep_visible(page);
    let order = if app.findings.table.reverse {
        "reversed"
    } else {
        ""
    };
    app.notify(
        format!("sorted by {} {order}", app.findings.table.sort.name())
            .trim_end()
            .to_string(),
        NoticeLevel::Info,
    );
}

pub(super) fn open_detail(app: &mut App, ix: crate::store::EntryIx) {
    let Some(finding) = app.store.finding(ix) else {
        app.notify(
            "this finding's record could not be read back",
            NoticeLevel::Error,
        );
        return;
    };
    let json = JsonView::new(&finding.raw);
    app.store.mark_seen(ix);
    app.stack.push(Screen::Detail(Box::new(DetailState {
        entry: ix,
        finding: Box::new(finding),
        // What the finding is first; the record is a Tab away.
        pane: Pane::Summary,
        summary_scroll: 0,
        json,
    })));
}

pub(super) fn copy(app: &mut App, ix: crate::store::EntryIx, command: Command) -> Vec<Effect> {
    if app.store.get(ix).is_none() {
        return Vec::new();
    }
    if app.present {
        // The copy's stand-ins cover what only this finding's fields hold (a bucket, a tag's
        // owner), whether or not a frame has shown the finding yet.
        app.mask.learn_entry(&app.store, ix);
        if let Some(finding) = app.store.finding(ix) {
            app.mask.learn_finding(&finding);
        }
    }
    let (what, text) = if command == Command::CopyArn {
        let arn = app
            .store
            .finding(ix)
            .and_then(|f| f.arn)
            .unwrap_or_else(|| crate::model::SafeText::line(&app.store.id(ix)));
        ("ARN", arn.to_string())
    } else {
        let Some(raw) = app.store.raw(ix) else {
            app.notify(
                "this finding's record could not be read back",
                NoticeLevel::Error,
            );
            return Vec::new();
        };
        let delivered = raw.as_delivered();
        let pretty = serde_json::from_str::<serde_json::Value>(&delivered)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or(delivered);
        // Pasted into a terminal or an editor later, the copy must not carry what the record's
        // strings hide: the same JSON, with those characters as escapes.
        ("JSON", crate::model::text::json_inert(&pretty).into_owned())
    };
    let shown = crate::model::text::clean_line(&text, 60).into_owned();
    app.notify(
        format!("copied {what} to the clipboard (OSC 52): {shown}"),
        NoticeLevel::Info,
    );
    vec![Effect::Copy(text)]
}

/// `H`: the marked findings, else the selected group or finding, as a handoff in Markdown
/// (grouped as the queue is, by sequence when it is not), copied through OSC 52.
fn handoff(app: &mut App) -> Vec<Effect> {
    let mut rows: Vec<crate::store::EntryIx> = if app.findings.marks.is_empty() {
        app.findings.table.selected_findings()
    } else {
        app.findings.marks.iter().copied().collect()
    };
    if rows.is_empty() {
        app.notify("no finding to hand off", NoticeLevel::Warning);
        return Vec::new();
    }
    let table = &app.findings.table;
    crate::store::sort_rows(
        &mut rows,
        &app.store,
        &app.directory,
        table.sort,
        table.reverse,
    );
    let by = table
        .incidents
        .by
        .unwrap_or(crate::app::incidents::GroupBy::Sequence);
    let mut bundle = crate::app::handoff::build(
        &app.store,
        &app.directory,
        &rows,
        by,
        None,
        (None, app.now),
        &table.filter_text,
    );
    if app.present {
        // Names only the findings' own fields hold, for the copy's stand-ins.
        for ix in &rows {
            app.mask.learn_entry(&app.store, *ix);
            if let Some(finding) = app.store.finding(*ix) {
                app.mask.learn_finding(&finding);
            }
        }
    }
    // The pivot in brief, from the CloudTrail records picket holds.
    crate::app::handoff::add_activity(&mut bundle, app.logs.buffer.events().iter());
    app.notify(
        format!(
            "copied a handoff of {} findings in {} incidents (Markdown, OSC 52); picket handoff adds the journal's actions",
            rows.len(),
            bundle.groups.len()
        ),
        NoticeLevel::Info,
    );
    vec![Effect::Copy(crate::app::handoff::markdown(&bundle))]
}

/// Copies a console link (OSC 52), or says there is none.
pub(super) fn copy_link(app: &mut App, link: Option<String>) -> Vec<Effect> {
    match link {
        Some(url) => {
            app.notify(format!("copied the console link: {url}"), NoticeLevel::Info);
            vec![Effect::Copy(url)]
        }
        None => {
            app.notify(
                "no console link for this one (its region is not one picket can link to)",
                NoticeLevel::Warning,
            );
            Vec::new()
        }
    }
}

pub(super) fn apply_filter(app: &mut App, text: &str) {
    let page = layout::findings_page(app.size);
    if app
        .findings
        .table
        .set_filter(text, &app.store, &app.directory, app.now)
        .is_ok()
    {
        app.findings.table.keep_visible(page);
    }
}
