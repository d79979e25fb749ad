//! The detail screen: the finding summarized for a human on one side, its raw JSON (highlighted,
//! searchable) on the other. Also the full view of a log record.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use unicode_width::UnicodeWidthChar;

use super::section_title;
use super::text::{age, datetime};
use crate::app::layout;
use crate::app::{App, DetailState, JsonView, Pane, RecordState};
use crate::model::Finding;
use crate::model::guardduty::FEEDBACK_FACT;
use crate::theme::Theme;

pub fn draw_finding(buf: &mut Buffer, area: Rect, app: &App, detail: &DetailState) {
    let (summary_area, json_area) = layout::detail_panes(area);
    let finding = &detail.finding;
    section_title(
        buf,
        summary_area,
        &format!("Finding · {}", finding.type_label()),
        app,
        detail.pane == Pane::Summary,
    );
    super::masking::learn(|mask| mask.learn_finding(finding));
    let lines = shown_lines(summary_lines(finding, app, detail.entry));
    let content = Rect {
        y: summary_area.y + 1,
        height: summary_area.height.saturating_sub(1),
        ..summary_area
    };
    // Clamp the scroll so the last line can reach the top but no further.
    let scroll = detail.summary_scroll.min(lines.len().saturating_sub(1));
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
        .style(app.look.theme.base)
        .render(
            Rect {
                x: content.x + 1,
                width: content.width.saturating_sub(2),
                ..content
            },
            buf,
        );
    json_pane(
        buf,
        json_area,
        app,
        &detail.json,
        "Raw JSON",
        detail.pane == Pane::Json,
    );
}

pub fn draw_record(buf: &mut Buffer, area: Rect, app: &App, record: &RecordState) {
    let Some(link) = record.link.as_deref().filter(|_| area.height > 4) else {
        json_pane(buf, area, app, &record.json, &record.title, true);
        return;
    };
    let theme = &app.look.theme;
    let x = super::put(buf, area.x + 1, area.y, "Console   ", 10, theme.muted);
    let room = usize::from(area.right().saturating_sub(x));
    let end = super::put(buf, x, area.y, link, room, theme.muted);
    let rest = usize::from(area.right().saturating_sub(end));
    super::put(buf, end, area.y, "  (O copies it)", rest, theme.muted);
    let below = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    json_pane(buf, below, app, &record.json, &record.title, true);
}

/// Where the console shows a finding's resource, if it has a page there.
pub(crate) fn resource_link(r: &crate::model::finding::Resource, f: &Finding) -> Option<String> {
    crate::model::console::resource(r.kind.as_str(), r.id.as_str(), r.arn.as_deref(), &f.region)
}

/// The lines as they may be shown: in presenter mode, every span masked.
fn shown_lines(lines: Vec<Line<'_>>) -> Vec<Line<'_>> {
    if !super::masking::active() {
        return lines;
    }
    lines
        .into_iter()
        .map(|mut line| {
            for span in &mut line.spans {
                if let std::borrow::Cow::Owned(masked) = super::masking::shown(&span.content) {
                    span.content = masked.into();
                }
            }
            line
        })
        .collect()
}

fn label<'a>(text: &'a str, theme: &Theme) -> Span<'a> {
    Span::styled(format!("{text:<10}"), theme.muted)
}

fn heading<'a>(text: &'a str, theme: &Theme) -> Line<'a> {
    Line::from(Span::styled(format!("─ {text}"), theme.header))
}

fn summary_lines<'a>(f: &'a Finding, app: &'a App, entry: crate::store::EntryIx) -> Vec<Line<'a>> {
    let theme = &app.look.theme;
    let tz = &app.look.time_zone;
    let sev = theme.severity(f.severity.label);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!(
                    "{} {} {:.1}",
                    sev.symbol,
                    f.severity.label,
                    f.severity.score()
                ),
                sev.style,
            ),
            Span::raw("  "),
            Span::styled(f.sources.tag(), theme.muted),
            Span::raw(if f.sample { "  SAMPLE" } else { "" }),
        ]),
        Line::from(Span::styled(f.title.as_str(), theme.title)),
        Line::default(),
    ];
    let account = app.directory.get(&f.account_id);
    let mut account_spans = vec![label("Account", theme)];
    let name = account
        .map(|a| a.name.as_str())
        .or(f.account_name.as_deref());
    match name {
        Some(name) => {
            let style = if account.is_some_and(|a| a.production) {
                theme.production
            } else {
                theme.base
            };
            account_spans.push(Span::styled(name, style));
            account_spans.push(Span::styled(format!(" ({})", f.account_id), theme.muted));
        }
        None => account_spans.push(Span::raw(f.account_id.as_str())),
    }
    if let Some(a) = account {
        if !a.ou_path.is_empty() {
            account_spans.push(Span::styled(
                format!(" · {}", super::masking::ou_path(&a.ou_path)),
                theme.muted,
            ));
        }
        if a.production {
            account_spans.push(Span::styled(" ⚑ PRODUCTION", theme.production));
        }
    }
    lines.push(Line::from(account_spans));
    lines.push(Line::from(vec![
        label("Region", theme),
        Span::raw(f.region.as_str()),
        Span::styled("  product ", theme.muted),
        Span::raw(f.product.as_str()),
    ]));
    // As picket knows it now: an action AWS accepted shows before a poll brings it back.
    let now = app.store.summary(entry);
    lines.push(Line::from(vec![
        label("Status", theme),
        Span::styled(
            now.map_or(f.status_label(), |s| s.status_label()),
            theme.accent,
        ),
        Span::styled(
            format!(
                " · record {:?} · verification {}",
                f.record_state,
                now.map_or(f.verification, |s| s.verification).as_str()
            )
            .to_uppercase(),
            theme.muted,
        ),
    ]));
    lines.push(Line::from(vec![
        label("Types", theme),
        Span::raw(
            f.types
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ]));
    let tactics = crate::model::attack::Tactics::of_types(f.types.iter().map(|t| t.as_str()));
    if !tactics.is_empty() {
        lines.push(Line::from(vec![
            label("ATT&CK", theme),
            Span::raw(
                tactics
                    .iter()
                    .map(|t| format!("{} ({})", t.name(), t.id()))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ]));
    }
    if let Some(d) = &f.disposition {
        let mut spans = vec![
            label("Disposed", theme),
            Span::raw(format!("{} by {}", d.reason.label(), d.author)),
        ];
        if let Some(at) = d.at {
            spans.push(Span::styled(
                format!(" on {}", datetime(at, tz)),
                theme.muted,
            ));
        }
        match d.expires {
            Some(until) if until <= app.now => spans.push(Span::styled(
                format!(" · review was due {} — a e reopens it", datetime(until, tz)),
                theme.warning,
            )),
            Some(until) => spans.push(Span::styled(
                format!(" · review {}", datetime(until, tz)),
                theme.muted,
            )),
            None => {}
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(vec![
        label("Id", theme),
        Span::styled(f.id.as_str(), theme.muted),
    ]));
    if let Some(url) = crate::model::console::finding(f) {
        lines.push(Line::from(vec![
            label("Console", theme),
            Span::styled(url, theme.muted),
            Span::styled("  (O copies it)", theme.muted),
        ]));
    }

    triage_lines(&mut lines, f, app);

    lines.push(heading("Timeline", theme));
    lines.push(Line::from(vec![
        label("First", theme),
        Span::raw(datetime(f.first_seen, tz)),
    ]));
    lines.push(Line::from(vec![
        label("Last", theme),
        Span::raw(datetime(f.last_seen, tz)),
        Span::styled(format!(" ({} ago)", age(app.now, f.last_seen)), theme.muted),
    ]));
    lines.push(Line::from(vec![
        label("Count", theme),
        Span::raw(f.count.to_string()),
    ]));
    lines.push(Line::from(vec![
        label("Updated", theme),
        Span::raw(datetime(f.updated_at, tz)),
    ]));
    if !f.matches.is_empty() {
        lines.extend(match_lines(f, app));
    }

    if !f.resources.is_empty() {
        lines.push(heading("Resources", theme));
        for r in &f.resources {
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", r.kind), theme.accent),
                Span::raw(r.id.as_str()),
            ]));
            if let Some(arn) = r.arn.as_deref().filter(|a| *a != r.id.as_str()) {
                lines.push(Line::from(vec![
                    Span::raw("  "),
                    Span::styled(arn, theme.muted),
                ]));
            }
            if let Some(url) = resource_link(r, f) {
                lines.push(Line::from(vec![
                    Span::styled("  console ", theme.muted),
                    Span::styled(url, theme.muted),
                ]));
            }
            for (k, v) in &r.details {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {k} = "), theme.muted),
                    Span::raw(v.as_str()),
                ]));
            }
        }
    }

    if let Some(a) = f.activity.as_deref() {
        lines.push(heading("Actor and network", theme));
        let mut row = |name: &'static str, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                lines.push(Line::from(vec![label(name, theme), Span::raw(v)]));
            }
        };
        let s = |t: &Option<crate::model::SafeText>| t.as_ref().map(|t| t.to_string());
        let action = [s(&a.action), s(&a.direction), s(&a.protocol)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        row("Action", Some(action));
        row(
            "API",
            [s(&a.service_name), s(&a.api)]
                .into_iter()
                .flatten()
                .reduce(|x, y| format!("{x} {y}")),
        );
        let remote = a.remote_ip.as_ref().map(|ip| match a.remote_port {
            Some(port) => format!("{ip}:{port}"),
            None => ip.to_string(),
        });
        row("Remote", remote);
        row("Local port", a.local_port.map(|p| p.to_string()));
        let place = [s(&a.city), s(&a.country)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        row("Location", Some(place));
        row("ASN org", s(&a.asn_org).or_else(|| s(&a.isp)));
        row("Principal", s(&a.principal));
        row("User", s(&a.user_name));
        row("Key", s(&a.access_key_id));
        row("Agent", s(&a.user_agent));
    }

    if let Some(c) = &f.compliance {
        lines.push(heading("Compliance", theme));
        let style = if c.status.as_str() == "FAILED" {
            theme.error
        } else {
            theme.ok
        };
        let mut spans = vec![
            label("Status", theme),
            Span::styled(c.status.as_str(), style),
        ];
        if let Some(id) = &c.control_id {
            spans.push(Span::styled("  control ", theme.muted));
            spans.push(Span::raw(id.as_str()));
        }
        lines.push(Line::from(spans));
        for r in &c.requirements {
            lines.push(Line::from(vec![Span::raw("  "), Span::raw(r.as_str())]));
        }
    }

    let facts: Vec<_> = f
        .facts
        .iter()
        .filter(|(name, _)| name.as_str() != FEEDBACK_FACT)
        .collect();
    if !facts.is_empty() {
        lines.push(heading("Details", theme));
        for (name, value) in facts {
            lines.push(Line::from(vec![
                label(name, theme),
                Span::raw(value.as_str()),
            ]));
        }
    }

    if !f.description.is_empty() {
        lines.push(heading("Description", theme));
        lines.extend(f.description.lines().map(Line::from));
    }
    lines
}

/// A detection alert's matches: how many, and the latest few (`L` looks for the rest).
fn match_lines<'a>(f: &'a Finding, app: &'a App) -> Vec<Line<'a>> {
    let theme = &app.look.theme;
    let title = if f.count > f.matches.len() as u64 {
        format!(
            "{} matching records · the latest {}",
            f.count,
            f.matches.len()
        )
    } else {
        format!("{} matching records", f.count)
    };
    let mut lines = vec![Line::from(Span::styled(format!("─ {title}"), theme.header))];
    for m in &f.matches {
        let mut spans = vec![
            Span::styled(datetime(m.at, &app.look.time_zone), theme.muted),
            Span::raw("  "),
            Span::raw(m.event.as_str()),
        ];
        if let Some(ip) = &m.source_ip {
            spans.push(Span::styled("  from ", theme.muted));
            spans.push(Span::raw(ip.as_str()));
        }
        lines.push(Line::from(spans));
    }
    lines
}

/// The finding's triage: what the record says (workflow and verification state, or GuardDuty's
/// archived and feedback; its note), then what picket's actions set, newest first — this
/// session's and earlier ones' (the journal's) — with who, when, the note, and how it went.
/// Nothing when there is nothing to say (a NEW finding no one has touched).
fn triage_lines<'a>(lines: &mut Vec<Line<'a>>, f: &'a Finding, app: &'a App) {
    let theme = &app.look.theme;
    let tz = &app.look.time_zone;
    let feedback = f
        .facts
        .iter()
        .find(|(name, _)| name.as_str() == FEEDBACK_FACT)
        .map(|(_, value)| value.as_str());
    let guardduty = f.raw.kind() == crate::model::raw::RecordKind::GuardDuty;
    let trail = app.history.of(f.id.as_str());
    let record_says = f.workflow != crate::model::Workflow::New
        || f.verification != crate::model::finding::Verification::Unknown
        || f.archived
        || feedback.is_some();
    if !record_says && f.notes.is_empty() && trail.is_none() {
        return;
    }
    lines.push(heading("Triage", theme));
    let mut said = Vec::new();
    if !guardduty {
        said.push(format!("workflow {}", f.workflow.as_str()));
        said.push(format!("verification {}", f.verification.as_str()));
    }
    if f.archived || guardduty {
        said.push(format!(
            "archived {}",
            if f.archived { "yes" } else { "no" }
        ));
    }
    if let Some(feedback) = feedback {
        said.push(format!("feedback {feedback}"));
    }
    lines.push(Line::from(vec![
        label("Record", theme),
        Span::raw(said.join(" · ")),
        Span::styled(
            format!(" · as AWS last sent it, {}", datetime(f.revised, tz)),
            theme.muted,
        ),
    ]));
    for n in &f.notes {
        let when = n.updated_at.map(|t| datetime(t, tz)).unwrap_or_default();
        lines.push(Line::from(vec![
            label("Note", theme),
            Span::styled(format!("{} {when}", n.updated_by), theme.muted),
        ]));
        lines.extend(n.text.lines().map(|l| Line::from(format!("  {l}"))));
    }
    let Some(trail) = trail else {
        return;
    };
    for (n, event) in trail.events.iter().rev().enumerate() {
        let step = &event.step;
        let (outcome, style) = match &event.outcome {
            crate::app::history::Outcome::Done => ("done".to_string(), theme.ok),
            crate::app::history::Outcome::Failed(why) => (format!("failed: {why}"), theme.error),
            crate::app::history::Outcome::Unknown => ("outcome unknown".to_string(), theme.warning),
        };
        let session = if step.earlier { "" } else { " (this session)" };
        lines.push(Line::from(vec![
            label(if n == 0 { "picket" } else { "" }, theme),
            Span::styled(
                format!("{} {}{session} · ", datetime(step.at, tz), step.who),
                theme.muted,
            ),
            Span::raw(step.what.as_str()),
            Span::raw(" · "),
            Span::styled(outcome, style),
        ]));
        if let Some(note) = &step.note {
            let mut text = note.lines();
            if let Some(first) = text.next() {
                lines.push(Line::from(format!("            note: {first}")));
            }
            lines.extend(text.map(|l| Line::from(format!("                  {l}"))));
        }
    }
    if trail.older > 0 {
        lines.push(Line::from(Span::styled(
            format!(
                "{:<10}{} earlier not shown (picket audit lists them)",
                "", trail.older
            ),
            theme.muted,
        )));
    }
}

/// A pretty-printed record with JSON highlighting, wrapped to the pane, search matches marked.
fn json_pane(buf: &mut Buffer, area: Rect, app: &App, json: &JsonView, title: &str, focused: bool) {
    let theme = &app.look.theme;
    let mut heading = format!(
        "{title} · line {}/{}",
        (json.scroll + 1).min(json.lines.len()),
        json.lines.len()
    );
    if let Some(search) = &json.search {
        if search.matches.is_empty() {
            heading.push_str(&format!(" · no match for '{}'", search.needle));
        } else {
            heading.push_str(&format!(
                " · match {}/{} '{}'",
                search.current + 1,
                search.matches.len(),
                search.needle
            ));
        }
    }
    section_title(buf, area, &heading, app, focused);
    if area.height < 2 || area.width < 4 {
        return;
    }
    let content = Rect {
        x: area.x + 1,
        y: area.y + 1,
        width: area.width - 2,
        height: area.height - 1,
    };
    if super::masking::active() {
        let text: Vec<&str> = json.lines.iter().map(|l| l.as_str()).collect();
        let text = text.join("\n");
        super::masking::learn(|mask| mask.learn_record(&text));
    }
    let mut y = content.y;
    for (n, line) in json.lines.iter().enumerate().skip(json.scroll) {
        if y >= content.bottom() {
            break;
        }
        let line = super::masking::shown(line);
        // A masked line's offsets are not the record's: its search matches are not marked.
        let masked = matches!(line, std::borrow::Cow::Owned(_));
        let line = &*line;
        let styles = highlight(line, theme);
        let matches: Vec<(usize, usize, bool)> = json
            .search
            .iter()
            .flat_map(|s| {
                s.matches
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| m.line == n && !masked)
                    .map(move |(i, m)| (m.start, m.end, i == s.current))
            })
            .collect();
        // Wrap by display width; a continuation starts at the pane's left edge.
        let mut x = content.x;
        for (i, c) in line.char_indices() {
            let w = c.width().unwrap_or(0) as u16;
            if x + w > content.right() {
                y += 1;
                x = content.x;
                if y >= content.bottom() {
                    break;
                }
            }
            let mut style = styles.get(i).copied().unwrap_or(theme.base);
            if let Some(&(_, _, current)) = matches.iter().find(|(s, e, _)| (*s..*e).contains(&i)) {
                style = if current {
                    theme.json.current_match
                } else {
                    theme.json.search_match
                };
            }
            if w > 0 {
                buf.set_stringn(x, y, c.encode_utf8(&mut [0; 4]), usize::from(w), style);
            }
            x += w;
        }
        y += 1;
    }
}

/// The style of every byte of a pretty-printed JSON line: keys, strings, numbers, literals.
fn highlight(line: &str, theme: &Theme) -> Vec<Style> {
    let bytes = line.as_bytes();
    let mut styles = vec![theme.json.punctuation; bytes.len()];
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                let is_key = line[i..].trim_start().starts_with(':');
                let style = if is_key {
                    theme.json.key
                } else {
                    theme.json.string
                };
                styles[start..i].fill(style);
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                styles[start..i].fill(theme.json.number);
            }
            b't' | b'f' | b'n' => {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                styles[start..i].fill(theme.json.literal);
            }
            _ => {
                if !bytes[i].is_ascii() {
                    // Text outside quotes only appears when the record is not JSON.
                    styles[i] = theme.base;
                }
                i += 1;
            }
        }
    }
    styles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_keys_strings_numbers_literals() {
        let theme = Theme::fallback();
        let line = r#"  "count": 12, "name": "a\"b", "ok": true"#;
        let styles = highlight(line, &theme);
        assert_eq!(styles[2], theme.json.key);
        assert_eq!(styles[line.find("12").unwrap_or(0)], theme.json.number);
        assert_eq!(styles[line.find("\"a").unwrap_or(0)], theme.json.string);
        assert_eq!(styles[line.find("true").unwrap_or(0)], theme.json.literal);
        assert_eq!(highlight("\"unterminated", &theme).len(), 13);
    }
}
