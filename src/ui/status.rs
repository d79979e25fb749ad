//! The tab bar on top and the status bar (or the open prompt) at the bottom.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use super::put;
use super::text::{clock, thousands, width};
use crate::app::{App, Modal, NoticeLevel, PromptKind, Tab};
use crate::model::health::{HealthState, Service};

pub fn tabs(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    let theme = &app.look.theme;
    buf.set_style(area, theme.status_bar);
    let mut x = put(buf, area.x, area.y, " picket ", 8, theme.accent);
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let mut label = format!(" {} {} ", i + 1, tab.title());
        if *tab == Tab::Findings && app.stats.unseen > 0 {
            label = format!(" {} {} ({} new) ", i + 1, tab.title(), app.stats.unseen);
        }
        let style = if *tab == app.tab {
            theme.tab_active
        } else {
            theme.tab_inactive
        };
        let room = usize::from(area.right().saturating_sub(x));
        x = put(buf, x, area.y, &label, room, style);
    }
    // The profile first, marked like a production account when it reaches one: which
    // credentials are live is what an analyst must never have to guess.
    let production = app.profile_is_production();
    let profile = app
        .profile
        .as_deref()
        .map(|p| format!(" {p}{}", if production { " ⚑" } else { "" }))
        .unwrap_or_default();
    let rest: Vec<&str> = [app.identity.as_deref(), Some(app.org_label.as_str())]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    let label = match (profile.is_empty(), rest.is_empty()) {
        (_, true) => " ".to_string(),
        (true, false) => format!(" {} ", rest.join(" · ")),
        (false, false) => format!(" · {} ", rest.join(" · ")),
    };
    // Right-aligned; cut (with an ellipsis) rather than dropped when the tabs leave less room.
    let room = usize::from(area.right().saturating_sub(x)).saturating_sub(1);
    let profile_w = width(&profile).min(room);
    let w = width(&label).min(room - profile_w);
    // A short profile name alone is still said; a label cut to a few characters is not.
    if (profile_w > 0 && profile_w < room) || w > 8 {
        let start = area.right() - (profile_w + w) as u16;
        let style = if production {
            theme.production
        } else {
            theme.accent
        };
        put(buf, start, area.y, &profile, profile_w, style);
        put(
            buf,
            start + profile_w as u16,
            area.y,
            &label,
            w,
            theme.muted,
        );
    }
}

/// The status bar, or the prompt when one is open; returns where the cursor belongs.
pub fn bottom(buf: &mut Buffer, area: Rect, app: &App) -> Option<Position> {
    if area.height == 0 {
        return None;
    }
    match &app.modal {
        Some(Modal::Prompt(prompt)) => draw_prompt(buf, area, app, prompt),
        _ => {
            status_bar(buf, area, app);
            None
        }
    }
}

/// Findings read so far by the GuardDuty and Security Hub sources still catching up with a
/// backlog, when any is: the queue is not the whole picture yet.
pub fn findings_catching_up(app: &App) -> Option<u64> {
    let mut backlogs = app
        .health
        .iter()
        .filter(|(key, _)| matches!(key.service, Service::GuardDuty | Service::SecurityHub))
        .filter_map(|(_, health)| health.backlog)
        .peekable();
    backlogs.peek()?;
    Some(backlogs.sum())
}

/// `● 94 ok  ◌ 1 not enabled  ▲ 2 throttled`.
pub fn health_summary(app: &App) -> Vec<(String, HealthState)> {
    let mut counts = [0usize; HealthState::ALL.len()];
    for health in app.health.values() {
        if let Some(i) = HealthState::ALL.iter().position(|s| *s == health.state) {
            counts[i] += 1;
        }
    }
    HealthState::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(state, n)| (format!("{} {n} {}", state.symbol(), state.as_str()), *state))
        .collect()
}

fn status_bar(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = &app.look.theme;
    buf.set_style(area, theme.status_bar);
    let mode = format!(" {} ", app.mode().title().to_uppercase());
    let mode = if mode.len() > 14 {
        " PROMPT ".to_string()
    } else {
        mode
    };
    let mut x = put(
        buf,
        area.x,
        area.y,
        &mode,
        usize::from(area.width),
        theme.status_mode,
    );
    let room = |x: u16| usize::from(area.right().saturating_sub(x));
    if app.present {
        // Whoever watches the screen can tell the identifiers are stand-ins.
        x = put(buf, x, area.y, " PRESENTER ", room(x), theme.production);
    }

    // Right side first, so the left can take what is left. On a narrow terminal, or while a
    // message is shown, the health summary drops its words (`●38 ◔1`); a message that still
    // does not fit drops it whole.
    let message = app.notice.as_ref().map(|notice| {
        let style = match notice.level {
            NoticeLevel::Info => theme.status_bar,
            NoticeLevel::Warning => theme.warning,
            NoticeLevel::Error => theme.error,
        };
        (format!("│ {} ", notice.text), style)
    });
    let narrow = area.width < 120 || message.is_some();
    let mut health: Vec<(String, ratatui::style::Style)> = Vec::new();
    for (text, state) in health_summary(app) {
        let text = if narrow {
            let count = text.split(' ').nth(1).unwrap_or("");
            format!("{}{count}", state.symbol())
        } else {
            text
        };
        health.push((format!("{text} "), theme.health(state)));
    }
    let clock = (
        format!("│ {} ", clock(app.now, &app.look.time_zone)),
        theme.status_bar,
    );

    let table = &app.findings.table;
    let mut counts = format!(
        " {} of {} ",
        thousands(table.rows.len()),
        thousands(app.store.len())
    );
    if let Some(by) = table.incidents.by {
        counts.push_str(&format!(
            "in {} by {} ",
            thousands(table.incidents.groups.len()),
            by.name()
        ));
    }
    // What the queue is and what an action would touch: never given up for anything else.
    let mut facts: Vec<(String, ratatui::style::Style)> = vec![(counts, theme.status_bar)];
    if let Some(written) = app.restored_from {
        // The queue is the one the disk store kept; the sources are still catching up.
        let text = format!("│ stored, {} old ", super::text::age(app.now, written));
        facts.push((text, theme.warning));
    }
    if let Some(read) = findings_catching_up(app) {
        // The counts above are not everything yet: a backlog is still being read.
        let text = format!("│ {} read, more coming ", thousands(read as usize));
        facts.push((text, theme.warning));
    }
    if !app.findings.marks.is_empty() {
        // What an action would touch, always in view while anything is marked.
        let (accounts, production) = app.findings.marks_scope;
        let text = format!(
            "│ ▶ {} marked · {} acct{} ",
            app.findings.marks.len(),
            accounts,
            if production { " ⚑" } else { "" }
        );
        facts.push((text, theme.accent));
    }
    let facts_width: usize = facts.iter().map(|(t, _)| width(t)).sum();
    let message_width = message.as_ref().map_or(0, |(t, _)| width(t));
    let health_width: usize = health.iter().map(|(t, _)| width(t)).sum();
    if message.is_some() && facts_width + message_width + health_width + width(&clock.0) > room(x) {
        health.clear();
    }
    let mut right = health;
    right.push(clock);
    let right_width: usize = right.iter().map(|(t, _)| width(t)).sum();

    for (text, style) in &facts {
        let left_room = room(x).saturating_sub(right_width + 1);
        x = put(buf, x, area.y, text, left_room, *style);
    }
    // The filter takes what the message leaves (at most 48 columns), and is left out when
    // that is too little to read.
    let filter = if table.filter_text.is_empty() {
        "│ no filter ".to_string()
    } else {
        format!(
            "│ {} ",
            super::masking::filter(&table.filter_text, &app.directory)
        )
    };
    let filter_style = if table.filter_text.is_empty() {
        theme.muted
    } else {
        theme.accent
    };
    let filter_room = room(x)
        .saturating_sub(right_width + 1 + message_width)
        .min(48);
    if filter_room >= 8.min(width(&filter)) {
        x = put(buf, x, area.y, &filter, filter_room, filter_style);
    }
    if let Some((text, style)) = &message {
        let left_room = room(x).saturating_sub(right_width + 1);
        put(buf, x, area.y, text, left_room, *style);
    }
    if right_width <= usize::from(area.width) {
        let mut rx = area.right() - right_width as u16;
        for (text, style) in right {
            rx = put(buf, rx, area.y, &text, width(&text), style);
        }
    }
}

fn draw_prompt(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    prompt: &crate::app::Prompt,
) -> Option<Position> {
    let theme = &app.look.theme;
    buf.set_style(area, theme.status_bar);
    let question;
    let sigil = match prompt.kind {
        PromptKind::Filter => "/",
        PromptKind::Command => ":",
        PromptKind::Search => "search: ",
        PromptKind::LogFilter => "pattern: ",
        PromptKind::Answer(id) => {
            question = app.questions.iter().find(|q| q.id == id).map_or_else(
                || "answer: ".to_string(),
                |q| format!("{} (Esc declines): ", q.text),
            );
            question.as_str()
        }
    };
    let text = prompt.editor.text();
    // A long question is cut, never the answer being typed.
    let sigil_room = usize::from(area.width).saturating_sub(12).max(1);
    let mut x = put(buf, area.x, area.y, sigil, sigil_room, theme.accent);
    let start_x = x;
    let limit = |x: u16| usize::from(area.right().saturating_sub(x));
    if let Some(cursor) = masked_line(buf, area, start_x, app, prompt) {
        prompt_hint(buf, area, app, prompt);
        return Some(cursor);
    }
    // Show the end of long input so the cursor stays on screen.
    let cursor_col = width(&text[..prompt.editor.cursor()]);
    let visible = limit(start_x).saturating_sub(1);
    let skip_cols = cursor_col.saturating_sub(visible);
    let mut col = 0;
    let mut cursor = None;
    for (i, c) in text.char_indices() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if i == prompt.editor.cursor() {
            cursor = Some(Position::new(x, area.y));
        }
        col += w;
        if col <= skip_cols {
            continue;
        }
        if limit(x) < w.max(1) {
            break;
        }
        let in_error = prompt
            .error
            .as_ref()
            .is_some_and(|e| e.span.contains(&i) || (e.span.is_empty() && e.span.start == i));
        let style = if in_error {
            theme.error
        } else {
            theme.status_bar
        };
        x = put(buf, x, area.y, c.encode_utf8(&mut [0; 4]), w.max(1), style);
    }
    let cursor = cursor.unwrap_or(Position::new(x.min(area.right().saturating_sub(1)), area.y));
    prompt_hint(buf, area, app, prompt);
    Some(cursor)
}

/// In presenter mode, a line that names accounts or OUs (typed, completed, or the filter in
/// force) is shown with their stand-ins, in one piece (the mistake is not underlined then);
/// answers where the cursor goes, or nothing when the line shows as typed.
fn masked_line(
    buf: &mut Buffer,
    area: Rect,
    start_x: u16,
    app: &App,
    prompt: &crate::app::Prompt,
) -> Option<Position> {
    if !super::masking::active() {
        return None;
    }
    let shown = |t: &str| -> String {
        let t = if prompt.kind == PromptKind::Filter {
            super::masking::filter(t, &app.directory)
        } else {
            std::borrow::Cow::Borrowed(t)
        };
        super::masking::shown(&t).into_owned()
    };
    let text = prompt.editor.text();
    let all = shown(text);
    if all == text {
        return None;
    }
    let room = usize::from(area.right().saturating_sub(start_x));
    let col = width(&shown(text.get(..prompt.editor.cursor()).unwrap_or(text)));
    let skip = col.saturating_sub(room.saturating_sub(1));
    let mut skipped = 0;
    let tail: String = all
        .chars()
        .skip_while(|c| {
            let w = unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
            let before = skipped;
            skipped += w;
            before < skip
        })
        .collect();
    // Drawn as is: `put` would mask it again (a stand-in is never masked, but no need).
    let fitted = super::text::fit(&tail, room);
    buf.set_stringn(
        start_x,
        area.y,
        fitted.as_ref(),
        room,
        app.look.theme.status_bar,
    );
    let x = start_x + (col - skip).min(room.saturating_sub(1)) as u16;
    Some(Position::new(x, area.y))
}

/// The row above the prompt: the error, what Tab offers, or an example.
fn prompt_hint(buf: &mut Buffer, area: Rect, app: &App, prompt: &crate::app::Prompt) {
    let theme = &app.look.theme;
    let text = prompt.editor.text();
    let hint_row = area.y.checked_sub(1).map(|y| Rect { y, ..area });
    let hint = match (&prompt.error, prompt.kind) {
        // What Tab offers, over the error a half-completed term (`sev>=`) shows.
        (_, PromptKind::Filter) if !prompt.completions.is_empty() => Some((
            completion_hint(prompt, usize::from(area.width)),
            theme.muted,
        )),
        (Some(e), _) => Some((format!(" ✗ {}", e.message), theme.error)),
        (None, PromptKind::Command) if !prompt.completions.is_empty() => Some((
            completion_hint(prompt, usize::from(area.width)),
            theme.muted,
        )),
        (None, PromptKind::Filter) if text.is_empty() => Some((
            " e.g. sev>=high account:prod-* type:Recon* -status:resolved words · Tab completes"
                .to_string(),
            theme.muted,
        )),
        _ => None,
    };
    if let (Some(row), Some((text, style))) = (hint_row, hint) {
        let blank = " ".repeat(usize::from(row.width));
        buf.set_stringn(
            row.x,
            row.y,
            &blank,
            usize::from(row.width),
            theme.status_bar,
        );
        put(buf, row.x, row.y, &text, usize::from(row.width), style);
    }
}

/// ` Tab: a  [b]  c`: the candidates, the one Tab inserted last in brackets; a list wider than
/// the row starts at that one. The filter's OU paths are shown as OUs are (masked when
/// presenting).
fn completion_hint(prompt: &crate::app::Prompt, room: usize) -> String {
    let ous = prompt.kind == PromptKind::Filter
        && prompt.completion_base.as_ref().is_some_and(|(_, base)| {
            let name: String = base
                .trim_start_matches('-')
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            crate::query::fields::field(&name)
                .is_some_and(|f| f.values == crate::query::Values::Ous)
        });
    let list: Vec<String> = prompt
        .completions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let c = if ous {
                super::masking::ou_path(c).into_owned()
            } else {
                c.clone()
            };
            if Some(i) == prompt.completion_ix {
                format!("[{c}]")
            } else {
                c
            }
        })
        .collect();
    let head = if prompt.completions.len() >= crate::limits::COMPLETIONS {
        format!(
            " Tab ({}+, type more to narrow): ",
            crate::limits::COMPLETIONS
        )
    } else {
        " Tab: ".to_string()
    };
    let from = match prompt.completion_ix {
        Some(ix) if ix < list.len() => {
            let used: usize = list[..=ix].iter().map(|c| width(c) + 2).sum();
            if width(&head) + used <= room { 0 } else { ix }
        }
        _ => 0,
    };
    format!("{head}{}", list[from..].join("  "))
}
