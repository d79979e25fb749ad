//! The action overlay: the menu, the note, and the confirmation that shows exactly what will be
//! sent — targets by account and region (production marked ⚑), each API call with its
//! parameters, whether it can be undone — and what the analyst must answer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Clear, Widget};

use super::{layout, put};
use crate::app::App;
use crate::app::act::{ActionFlow, MENU, Stage};
use crate::model::text::clean_line;

pub fn draw(buf: &mut Buffer, body: Rect, app: &App, flow: &ActionFlow) {
    let area = layout::help_box(body);
    Clear.render(area, buf);
    buf.set_style(area, app.theme.base);
    let title = match &flow.stage {
        Stage::Menu => format!(" Act on {} findings · Esc cancels ", flow.targets.len()),
        Stage::Note { action, .. } => format!(" {} · a note is required ", action.describe()),
        Stage::Confirm { plan, .. } => format!(" Confirm: {} ", plan.action.describe()),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.border)
        .title(title)
        .title_style(app.theme.title);
    let inner = block.inner(area);
    block.render(area, buf);
    let mut lines: Vec<(String, Style)> = Vec::new();
    let theme = &app.theme;
    match &flow.stage {
        Stage::Menu => {
            for (key, label) in MENU {
                lines.push((format!("{key}   {label}"), theme.base));
            }
        }
        Stage::Note { editor, .. } => {
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
        } => {
            let accounts = plan.accounts();
            let undo = if plan.action.reversible() {
                "can be undone"
            } else {
                "cannot be undone"
            };
            lines.push((
                format!(
                    "{} on {} findings in {} account{} · {undo}",
                    plan.action.describe(),
                    plan.targets.len(),
                    accounts.len(),
                    if accounts.len() == 1 { "" } else { "s" }
                ),
                theme.header,
            ));
            lines.push((String::new(), theme.base));
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
            for (account, region, production, n) in scopes.iter().take(6) {
                let name = app.directory.name_of(account);
                let flag = if *production { " ⚑ production" } else { "" };
                let style = if *production {
                    theme.warning
                } else {
                    theme.base
                };
                lines.push((
                    format!("  {name} ({account}){flag} · {region} · {n}"),
                    style,
                ));
            }
            if scopes.len() > 6 {
                lines.push((format!("  … and {} more", scopes.len() - 6), theme.muted));
            }
            lines.push((String::new(), theme.base));
            lines.push(("Calls:".into(), theme.muted));
            for call in plan.calls.iter().take(4) {
                lines.push((
                    format!(
                        "  {} {} {} · {} findings · {}",
                        call.api,
                        call.account,
                        call.region,
                        call.targets.len(),
                        call.params
                    ),
                    theme.base,
                ));
            }
            if plan.calls.len() > 4 {
                lines.push((
                    format!("  … {} calls in all", plan.calls.len()),
                    theme.muted,
                ));
            }
            lines.push((String::new(), theme.base));
            if plan.needs_token() {
                let why = if plan.production() {
                    "production accounts"
                } else if plan.targets.len() > crate::actions::QUICK_CONFIRM_LIMIT {
                    "more than ten findings"
                } else {
                    "it cannot be undone"
                };
                lines.push((
                    format!(
                        "Because of {why}: type {} (or the account's name), Enter, then a reason",
                        plan.targets.len()
                    ),
                    theme.warning,
                ));
                let cursor = |on: bool| if on { "▏" } else { "" };
                lines.push((
                    format!("  confirm: {}{}", token.text(), cursor(!*on_reason)),
                    theme.accent,
                ));
                lines.push((
                    format!("  reason:  {}{}", reason.text(), cursor(*on_reason)),
                    theme.accent,
                ));
            } else {
                lines.push(("y sends it · Esc cancels".into(), theme.accent));
            }
            if let Some(error) = error {
                lines.push((error.clone(), theme.error));
            }
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
