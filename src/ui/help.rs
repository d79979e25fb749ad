//! The help overlay, generated from the keymap in force: what it lists is what the keys do.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Clear, Widget};

use super::put;
use crate::app::layout;
use crate::app::{App, COLON_COMMANDS, Keymap, Mode};

/// The bindings of every mode as text, as the README lists them.
pub fn keymap_text(keymap: &Keymap) -> String {
    let mut out = String::new();
    for (line, _) in binding_lines(keymap) {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.trim_end().to_string()
}

fn binding_lines(keymap: &Keymap) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for mode in Mode::ALL {
        let bindings = keymap.bindings(mode);
        if bindings.is_empty() {
            continue;
        }
        out.push((mode.title().to_string(), true));
        for (command, keys) in bindings {
            let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
            out.push((
                format!("  {:<22} {}", keys.join(" "), command.description()),
                false,
            ));
        }
        out.push((String::new(), false));
    }
    out
}

/// The help text as (text, is_heading) lines.
fn lines(app: &App) -> Vec<(String, bool)> {
    let mut out = binding_lines(&app.look.keymap);
    out.push(("Commands (:)".to_string(), true));
    for command in COLON_COMMANDS {
        out.push((format!("  :{:<21} {}", command.name, command.help), false));
    }
    out.push((String::new(), false));
    out.push(("Filter (/)".to_string(), true));
    for line in [
        "  sev>=high  sev:critical,high  sev>=70         severity label or 0–100 score",
        "  account:prod-*  ou:Production/*  region:us-east-1  type:Recon*  product:Inspector",
        "  status:new,notified  source:detection  resource:i-0abc*  control:S3.*",
        "  compliance:failed  verification:true_positive  count>=10  age<1h  is:unseen",
        "  -type:Policy*  status!=resolved                   exclude",
        "  words \"quoted phrase\"                             anywhere in title, type, resource",
        "  * and ? are wildcards; case never matters; all terms must match",
    ] {
        out.push((line.to_string(), false));
    }
    out
}

pub fn draw(buf: &mut Buffer, body: Rect, app: &App) {
    let area = layout::help_box(body);
    let scroll = match app.modal {
        Some(crate::app::Modal::Help { scroll }) => scroll,
        _ => 0,
    };
    Clear.render(area, buf);
    buf.set_style(area, app.look.theme.base);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.look.theme.border)
        .title(" Keys · Esc closes · j/k scroll ")
        .title_style(app.look.theme.title);
    let inner = block.inner(area);
    block.render(area, buf);
    let lines = lines(app);
    let page = usize::from(inner.height);
    let scroll = scroll.min(lines.len().saturating_sub(page));
    for (n, (text, heading)) in lines.iter().skip(scroll).take(page).enumerate() {
        let style = if *heading {
            app.look.theme.header
        } else {
            app.look.theme.base
        };
        put(
            buf,
            inner.x + 1,
            inner.y + n as u16,
            text,
            usize::from(inner.width.saturating_sub(2)),
            style,
        );
    }
}

/// A text overlay (`Modal::Text`): its lines, wrapped, scrolled as the help is.
pub fn draw_text(
    buf: &mut Buffer,
    body: Rect,
    app: &App,
    title: &str,
    text: &[String],
    scroll: usize,
) {
    let area = layout::help_box(body);
    Clear.render(area, buf);
    buf.set_style(area, app.look.theme.base);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.look.theme.border)
        .title(format!(" {title} · Esc closes · j/k scroll "))
        .title_style(app.look.theme.title);
    let inner = block.inner(area);
    block.render(area, buf);
    let width = usize::from(inner.width.saturating_sub(2)).max(10);
    let lines: Vec<&String> = text.iter().collect();
    let wrapped: Vec<(String, bool)> = lines
        .iter()
        .flat_map(|line| {
            let comment = line.starts_with('#');
            super::wrap(line, width)
                .into_iter()
                .map(move |part| (part, comment))
        })
        .collect();
    let page = usize::from(inner.height);
    let scroll = scroll.min(wrapped.len().saturating_sub(page));
    for (n, (part, comment)) in wrapped.iter().skip(scroll).take(page).enumerate() {
        let style = if *comment {
            app.look.theme.muted
        } else {
            app.look.theme.base
        };
        put(buf, inner.x + 1, inner.y + n as u16, part, width, style);
    }
}
