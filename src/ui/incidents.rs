//! The grouped queue: a row per incident (expand glyph, highest severity, count, new, accounts
//! with the production flag, first and last seen, what groups it), its members under it as
//! finding rows, and an attack sequence's signals as a timeline with each signal's tactic.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;

use super::rows::{Columns, MARKED, MARKER, UNSEEN, finding_row};
use super::text::age;
use super::{put, table_row};
use crate::app::App;
use crate::app::incidents::{Group, Line};
use crate::model::sequence::Signal;
use crate::store::EntryIx;

pub fn draw(buf: &mut Buffer, body: Rect, app: &App, cols: &Columns, offset: usize) {
    let table = &app.findings.table;
    let incidents = &table.incidents;
    let page = usize::from(body.height);
    for (row, line) in incidents.lines.iter().skip(offset).take(page).enumerate() {
        let y = body.y + row as u16;
        let selected = offset + row == table.selected;
        match *line {
            Line::Group(g) => group_row(buf, body, y, app, &incidents.groups[g], selected),
            Line::Member(g, ix) => {
                let group = &incidents.groups[g];
                let signal = group.sequence.as_ref().and_then(|q| {
                    (q.own != ix)
                        .then(|| q.linked().find(|(_, e)| *e == Some(ix)))
                        .flatten()
                });
                match signal {
                    Some((signal, _)) => signal_row(buf, body, y, app, signal, Some(ix), selected),
                    None => {
                        finding_row(buf, body, y, app, cols, ix, selected);
                        tree(buf, body, y, app, selected);
                    }
                }
            }
            Line::Signal(g, s) => {
                if let Some(q) = &incidents.groups[g].sequence
                    && let Some(signal) = q.read.signals.get(s)
                {
                    signal_row(buf, body, y, app, signal, None, selected);
                }
            }
        }
    }
}

/// The tree's stem in the marker column's second cell, under a group's row.
fn tree(buf: &mut Buffer, body: Rect, y: u16, app: &App, selected: bool) {
    let theme = &app.look.theme;
    let style = if selected {
        theme.muted.patch(theme.selected)
    } else {
        theme.muted
    };
    put(buf, body.x + 1, y, "│", 1, style);
}

fn group_row(buf: &mut Buffer, body: Rect, y: u16, app: &App, group: &Group, selected: bool) {
    // The label names what the first member is about: its names are learned before it shows.
    let first = group.sequence.as_ref().map(|q| q.own);
    for ix in first.into_iter().chain(group.members.first().copied()) {
        super::masking::learn_row(app, ix);
    }
    let theme = &app.look.theme;
    let table = &app.findings.table;
    let base = theme.base.add_modifier(Modifier::BOLD);
    let overlay = table_row(buf, body, y, theme, selected);
    let end = body.x + body.width;
    let room = |x: u16| usize::from(end.saturating_sub(x));
    let marked = !group.members.is_empty()
        && group
            .members
            .iter()
            .all(|ix| app.findings.marks.contains(ix));
    if marked {
        put(buf, body.x, y, MARKED, 1, overlay(theme.accent));
    }
    let open = table.incidents.expanded.contains(&group.key);
    // Below a hundred columns the summary shrinks so the label keeps its room.
    let compact = body.width < 100;
    let mut x = body.x + 1;
    x = put(buf, x, y, if open { "▾ " } else { "▸ " }, 2, overlay(base));
    let sev = theme.severity(group.highest);
    x = put(
        buf,
        x,
        y,
        &format!("{} {:<5}", sev.symbol, group.highest.short()),
        room(x).min(8),
        overlay(sev.style),
    ) + 1;
    x = put(
        buf,
        x,
        y,
        &format!("{:>5} ", group.members.len()),
        room(x).min(6),
        overlay(base),
    );
    let new = match (group.new, compact) {
        (0, true) => " ".repeat(5),
        (0, false) => " ".repeat(9),
        (n, true) => format!("{:>4} ", format!("+{n}")),
        (n, false) => format!("{n:>4} new "),
    };
    let width = new.chars().count();
    x = put(buf, x, y, &new, room(x).min(width), overlay(theme.unseen));
    let flag = if group.production { "⚑" } else { " " };
    let accounts = if compact {
        format!("{:>2}{flag}", group.accounts)
    } else {
        format!("{:>3} acct {flag}", group.accounts)
    };
    let width = accounts.chars().count();
    let style = if group.production {
        theme.production
    } else {
        theme.muted
    };
    x = put(buf, x, y, &accounts, room(x).min(width), overlay(style)) + 1;
    if group.first_seen != i64::MAX {
        let at = |s: i64| jiff::Timestamp::from_second(s).unwrap_or(app.now);
        let span = if compact {
            format!("{:>4}", age(app.now, at(group.last_seen)))
        } else {
            format!(
                "{:>4}→{:<4}",
                age(app.now, at(group.first_seen)),
                age(app.now, at(group.last_seen))
            )
        };
        let width = span.chars().count();
        x = put(buf, x, y, &span, room(x).min(width), overlay(theme.muted)) + 1;
    }
    let mut label = table.incidents.label(group, &app.store, &app.directory);
    if let Some(chain) = table.incidents.chains.get(&group.key)
        && chain.len() > 1
    {
        label.push_str(&format!("  ← {}", chain[1..].join(" ← ")));
    }
    let style = if group.rest { theme.muted } else { base };
    put(buf, x, y, &label, room(x), overlay(style));
}

/// A signal of an attack sequence on its timeline: when, its tactic, and what it was; a
/// signal that is a finding in the queue shows that finding's severity and status.
fn signal_row(
    buf: &mut Buffer,
    body: Rect,
    y: u16,
    app: &App,
    signal: &Signal,
    finding: Option<EntryIx>,
    selected: bool,
) {
    let theme = &app.look.theme;
    let overlay = table_row(buf, body, y, theme, selected);
    let end = body.x + body.width;
    let room = |x: u16| usize::from(end.saturating_sub(x));
    if let Some(ix) = finding {
        if app.findings.marks.contains(&ix) {
            put(buf, body.x, y, MARKED, 1, overlay(theme.accent));
        } else if app.store.is_unseen(ix) {
            put(buf, body.x, y, UNSEEN, 1, overlay(theme.unseen));
        }
    }
    put(buf, body.x + 1, y, "├", 1, overlay(theme.muted));
    let mut x = body.x + MARKER;
    let when = signal.first_seen.map_or_else(
        || "           ".to_string(),
        |t| {
            t.to_zoned(app.look.time_zone.clone())
                .strftime("%m-%d %H:%M")
                .to_string()
        },
    );
    put(buf, x, y, &when, room(x).min(11), overlay(theme.muted));
    x = (x + 12).min(end);
    let tactic = signal.tactic.map_or("·", |t| t.short());
    put(buf, x, y, tactic, room(x).min(11), overlay(theme.accent));
    x = (x + 12).min(end);
    let summary = finding.and_then(|ix| app.store.summary(ix));
    match summary {
        Some(s) => {
            let sev = theme.severity(s.label);
            put(
                buf,
                x,
                y,
                &format!("{} {}", sev.symbol, s.label.short()),
                room(x).min(6),
                overlay(sev.style),
            );
        }
        None => {
            let kind = if signal.is_finding() {
                "finding"
            } else {
                "api"
            };
            put(buf, x, y, kind, room(x).min(6), overlay(theme.muted));
        }
    }
    x = (x + 7).min(end);
    let mut text = signal.name.to_string();
    if !signal.description.is_empty() {
        text.push_str(" — ");
        text.push_str(&signal.description);
    }
    if signal.count > 1 {
        text.push_str(&format!(" ×{}", signal.count));
    }
    let style = if summary.is_some() {
        theme.base
    } else {
        theme.muted
    };
    let status = summary.map(|s| s.status_label());
    let status_width = status.map_or(0, |_| 11);
    put(
        buf,
        x,
        y,
        &text,
        room(x).saturating_sub(status_width),
        overlay(style),
    );
    if let Some(status) = status
        && room(x) > status_width + 8
    {
        put(buf, end - 10, y, status, 10, overlay(theme.muted));
    }
}
