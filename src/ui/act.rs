//! The action overlay: the menu, the note, and the confirmation that shows exactly what will be
//! sent — targets by account and region (production marked ⚑), each API call with its
//! parameters, whether it can be undone — and what the analyst must answer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Clear, Widget};

use super::{put, wrap};
use crate::actions::playbook::Kind;
use crate::actions::{Action, Plan};
use crate::app::App;
use crate::app::act::{ActionFlow, MENU, Stage};
use crate::app::layout;
use crate::model::text::clean_line;

pub fn draw(buf: &mut Buffer, body: Rect, app: &App, flow: &ActionFlow) {
    let area = layout::help_box(body);
    Clear.render(area, buf);
    buf.set_style(area, app.look.theme.base);
    let title = match &flow.stage {
        Stage::Menu => format!(" Act on {} findings · Esc cancels ", flow.targets.len()),
        Stage::Note { action, .. } => format!(
            " {} · a note is {} ",
            action.describe(),
            if crate::app::act::note_optional(action) {
                "optional"
            } else {
                "required"
            }
        ),
        Stage::Severity => " Set severity · Esc cancels ".to_string(),
        Stage::Disposition { status, .. } => format!(
            " {} {} findings · why? ",
            match status {
                crate::model::Workflow::Suppressed => "Suppress",
                _ => "Resolve",
            },
            flow.targets.len()
        ),
        Stage::Confirm { plan, .. } => match &flow.undo_of {
            Some(undone) => format!(" {} ", crate::app::act::undo_title(undone, plan)),
            None => format!(" Confirm: {} ", plan.action.describe()),
        },
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.look.theme.border)
        // The action's description can quote config (a playbook's name) or outside text.
        .title(clean_line(&title, 200).into_owned())
        .title_style(app.look.theme.title);
    let inner = block.inner(area);
    block.render(area, buf);
    let mut lines: Vec<(String, Style)> = Vec::new();
    let theme = &app.look.theme;
    match &flow.stage {
        Stage::Menu => {
            for entry in MENU {
                lines.push((format!("{}   {}", entry.key, entry.label), theme.base));
            }
            if !app.playbooks.is_empty() {
                lines.push((String::new(), theme.base));
                lines.push(("Playbooks (typed confirmation):".into(), theme.muted));
            }
            for (n, &i) in flow.playbooks.iter().enumerate() {
                if let Some(playbook) = app.playbooks.get(i) {
                    let what = match &playbook.kind {
                        Kind::SsmAutomation { document, .. } => {
                            format!("SSM Automation {document}")
                        }
                        Kind::Eventbridge {
                            action_name,
                            event_bus,
                            ..
                        } => {
                            format!("EventBridge {action_name} on {event_bus}")
                        }
                    };
                    lines.push((
                        format!("{}   {} · {what}", n + 1, playbook.name),
                        theme.accent,
                    ));
                }
            }
            let matching = flow
                .playbooks
                .iter()
                .filter(|&&i| i < app.playbooks.len())
                .count();
            let others = app.playbooks.len().saturating_sub(matching);
            if others > 0 {
                lines.push((
                    format!("    {others} more configured, not matching every selected finding"),
                    theme.muted,
                ));
            }
        }
        Stage::Severity => {
            for (key, label) in [
                ('c', "CRITICAL"),
                ('h', "HIGH"),
                ('m', "MEDIUM"),
                ('l', "LOW"),
                ('i', "INFORMATIONAL"),
            ] {
                lines.push((format!("{key}   {label}"), theme.base));
            }
            lines.push((String::new(), theme.base));
            lines.push((
                "Security Hub records the label you set; the product's own rating stays in FindingProviderFields.".into(),
                theme.muted,
            ));
        }
        Stage::Disposition {
            reason,
            words,
            review,
            on_review,
            error,
            ..
        } => {
            match reason {
                None => {
                    lines.push(("The reason (one key):".into(), theme.muted));
                    for (key, reason) in crate::app::act::REASONS {
                        lines.push((format!("{key}   {}", reason.label()), theme.base));
                    }
                }
                Some(reason) => {
                    let cursor = |on: bool| if on { "▏" } else { "" };
                    lines.push((format!("reason: {}", reason.label()), theme.base));
                    lines.push((
                        format!("note:   {}{}", words.text(), cursor(!*on_review)),
                        theme.accent,
                    ));
                    lines.push((
                        format!("review: {}{}", review.text(), cursor(*on_review)),
                        theme.accent,
                    ));
                    lines.push((String::new(), theme.base));
                    lines.push((
                        "The note is optional; review is optional too: 30d, 2w or 2026-12-31 — then picket offers to reopen it.".into(),
                        theme.muted,
                    ));
                    lines.push((
                        "Written to Security Hub: the note, and picket.reason / author / at / expires in UserDefinedFields beside other tools' keys.".into(),
                        theme.muted,
                    ));
                    lines.push((
                        "Tab: note ↔ review · Enter continues · Esc cancels".into(),
                        theme.muted,
                    ));
                }
            }
            if let Some(error) = error {
                lines.push((error.clone(), theme.error));
            }
        }
        Stage::Note { editor, action } => {
            if let Action::ResolveFalsePositive { .. } = action {
                for line in [
                    "Security Hub findings: VerificationState FALSE_POSITIVE and Workflow RESOLVED, with the note, in one BatchUpdateFindings (OCSF findings: status Resolved, the note as comment).",
                    "GuardDuty's own findings: ArchiveFindings, then UpdateFindingsFeedback NOT_USEFUL with the note as comment.",
                    "The note reads \"false positive\", then your words if you add some.",
                ] {
                    lines.extend(
                        wrap(line, usize::from(inner.width.saturating_sub(2)))
                            .into_iter()
                            .map(|l| (l, theme.muted)),
                    );
                }
                lines.push((String::new(), theme.base));
            }
            lines.push((
                "Why? (written into the finding's note with your name)".into(),
                theme.muted,
            ));
            lines.push((format!("> {}▏", editor.text()), theme.accent));
            lines.push((String::new(), theme.base));
            lines.push(("Enter continues · Esc cancels".into(), theme.muted));
        }
        Stage::Confirm {
            plan,
            token,
            reason,
            on_reason,
            error,
            scroll,
            as_cli,
        } => {
            let width = usize::from(inner.width.saturating_sub(2)).max(10);
            let body = confirmation(app, plan, flow.undo_of.as_deref(), width, *as_cli);
            let mut footer: Vec<(String, Style)> = vec![(String::new(), theme.base)];
            if plan.needs_token() {
                let why = if !plan.action.reversible() {
                    "cannot be undone"
                } else if plan.production() {
                    "production accounts"
                } else {
                    "more than ten findings"
                };
                footer.push((
                    format!(
                        "Typed confirmation ({why}): type {} or the account's name, Enter, a reason, Enter",
                        plan.targets.len()
                    ),
                    theme.warning,
                ));
                let cursor = |on: bool| if on { "▏" } else { "" };
                footer.push((
                    format!("  confirm: {}{}", token.text(), cursor(!*on_reason)),
                    theme.accent,
                ));
                footer.push((
                    format!("  reason:  {}{}", reason.text(), cursor(*on_reason)),
                    theme.accent,
                ));
            } else {
                footer.push(("y sends it · Esc cancels".into(), theme.accent));
            }
            footer.push((
                format!(
                    "Ctrl-T shows the calls {} · Ctrl-Y copies them as aws-cli commands",
                    if *as_cli { "as JSON" } else { "as aws-cli" }
                ),
                theme.muted,
            ));
            if let Some(error) = error {
                footer.push((error.clone(), theme.error));
            }
            // The prompt stays at the bottom; the plan above it scrolls (↑/↓, PgUp/PgDn).
            let room = usize::from(inner.height).saturating_sub(footer.len());
            let start = (*scroll).min(body.len().saturating_sub(room));
            let shown = body.len().saturating_sub(start).min(room);
            if body.len() > room && room > 0 {
                footer[0] = (
                    format!(
                        "lines {}–{} of {} · ↑/↓ PgUp/PgDn scroll",
                        start + 1,
                        start + shown,
                        body.len()
                    ),
                    theme.muted,
                );
            }
            lines.extend(body.into_iter().skip(start).take(shown));
            while lines.len() < room {
                lines.push((String::new(), theme.base));
            }
            lines.extend(footer);
        }
    }
    let width = usize::from(inner.width.saturating_sub(2));
    for (n, (text, style)) in lines.iter().take(usize::from(inner.height)).enumerate() {
        put(
            buf,
            inner.x + 1,
            inner.y + n as u16,
            &clean_line(text, 2000),
            width,
            *style,
        );
    }
}

/// The plan in full, wrapped to `width`: the action (named as an undo, with what the undone
/// action had set, when it is one), the targets by account and region (production ⚑), a
/// suppression rule's criteria, and every call with its parameters.
fn confirmation(
    app: &App,
    plan: &Plan,
    undo_of: Option<&Action>,
    width: usize,
    as_cli: bool,
) -> Vec<(String, Style)> {
    let theme = &app.look.theme;
    let mut lines: Vec<(String, Style)> = Vec::new();
    let mut push = |text: &str, style: Style, indent: usize| {
        let pad = " ".repeat(indent);
        if text.is_empty() {
            lines.push((String::new(), style));
        }
        for line in wrap(text, width.saturating_sub(indent)) {
            lines.push((format!("{pad}{line}"), style));
        }
    };
    let accounts = plan.accounts();
    let undo = if plan.action.reversible() {
        "can be undone"
    } else {
        "cannot be undone"
    };
    let (undoing, was) = match undo_of {
        Some(undone) => (
            "Undo: ",
            format!(" (was {})", crate::app::act::undone_values(undone)),
        ),
        None => ("", String::new()),
    };
    push(
        &format!(
            "{undoing}{} on {} findings in {} account{}{was} · {undo}",
            plan.action.describe(),
            plan.targets.len(),
            accounts.len(),
            if accounts.len() == 1 { "" } else { "s" }
        ),
        theme.header,
        0,
    );
    if let Action::SetWorkflow {
        disposition: Some(_),
        ..
    } = &plan.action
    {
        push(
            "UserDefinedFields: picket's keys below are merged into each finding's own fields, read with GetFindings just before; other tools' keys are sent back unchanged (findings with different fields go in calls of their own). OCSF findings carry it as a line of the comment.",
            theme.muted,
            0,
        );
    }
    if let Action::Suppress { rule } = &plan.action {
        push("", theme.base, 0);
        push(
            &format!(
                "Rule {} from {}: GuardDuty archives the findings it matches from now on; the {} shown now stay as they are (archive them with A).",
                rule.name,
                rule.origin,
                plan.targets.len()
            ),
            theme.base,
            0,
        );
        push("FindingCriteria:", theme.muted, 0);
        // Exact JSON, one criterion a line.
        push("{\"Criterion\": {", theme.accent, 2);
        let fields = rule.criteria.get("Criterion").and_then(|c| c.as_object());
        let count = fields.map_or(0, |f| f.len());
        for (n, (field, condition)) in fields.into_iter().flatten().enumerate() {
            let comma = if n + 1 < count { "," } else { "" };
            push(
                &format!(
                    "{}: {condition}{comma}",
                    serde_json::Value::from(field.as_str())
                ),
                theme.accent,
                4,
            );
        }
        push("}}", theme.accent, 2);
        if !rule.left_out.is_empty() {
            push("Left out of the rule:", theme.muted, 0);
            for term in &rule.left_out {
                push(term, theme.muted, 2);
            }
        }
    }
    push("", theme.base, 0);
    let mut scopes: Vec<(&str, &str, bool, usize)> = Vec::new();
    for t in &plan.targets {
        match scopes
            .iter_mut()
            .find(|s| s.0 == t.account && s.1 == t.region)
        {
            Some(scope) => scope.3 += 1,
            None => scopes.push((&t.account, &t.region, t.production, 1)),
        }
    }
    push("Targets:", theme.muted, 0);
    scopes
        .sort_by(|a, b| (app.directory.name_of(a.0), a.1).cmp(&(app.directory.name_of(b.0), b.1)));
    for (account, region, production, n) in &scopes {
        let name = app.directory.name_of(account);
        let flag = if *production { " ⚑ production" } else { "" };
        let style = if *production {
            theme.warning
        } else {
            theme.base
        };
        push(
            &format!("{name} ({account}){flag} · {region} · {n}"),
            style,
            2,
        );
    }
    push("", theme.base, 0);
    push(
        &format!(
            "{} call{}:",
            plan.calls.len(),
            if plan.calls.len() == 1 { "" } else { "s" }
        ),
        theme.muted,
        0,
    );
    if as_cli {
        // What a reviewer would run by hand: each line whole, wrapped, never cut.
        let commands = crate::actions::cli::commands(plan, app.profile.as_deref());
        for line in commands.lines() {
            let style = if line.starts_with('#') {
                theme.muted
            } else {
                theme.base
            };
            push(line, style, 2);
        }
        return lines;
    }
    for (n, call) in plan.calls.iter().enumerate() {
        push(
            &format!(
                "{} · {} {} · {} findings",
                call.api,
                app.directory.name_of(&call.account),
                call.region,
                call.targets.len()
            ),
            theme.base,
            2,
        );
        // The first calls laid out in full, one value a line; the rest compact.
        if n < 3 {
            let pretty = serde_json::to_string_pretty(&call.params).unwrap_or_default();
            for line in pretty.lines() {
                let indent = line.len() - line.trim_start().len();
                push(line.trim_start(), theme.muted, 4 + indent);
            }
        } else {
            push(&call.params.to_string(), theme.muted, 4);
        }
    }
    lines
}
