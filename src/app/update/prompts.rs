//! The prompts: the findings filter (applied as it becomes valid), the logs screen's filter
//! pattern (checked as typed, applied on Enter), the detail's search, and the `:` line with its
//! completion and history.

use super::super::prompt::{LineEditor, remember};
use super::super::{App, Command, Effect, Modal, NoticeLevel, Prompt, PromptKind};
use super::findings::apply_filter;
use super::{commands, current_json_mut, filter_completion, intake};
use crate::app::layout;
use crate::query::Query;

pub(super) fn open(app: &mut App, kind: PromptKind, text: &str) {
    let prompt = Prompt {
        kind,
        editor: LineEditor::with_text(text),
        error: None,
        completions: Vec::new(),
        completion_ix: None,
        completion_base: None,
        original: text.to_string(),
        history_ix: None,
    };
    app.modal = Some(Modal::Prompt(prompt));
    if kind == PromptKind::Command {
        refresh_completions(app);
    }
}

/// Live effects of typing: the filter applies as it becomes valid; a search highlights.
pub(super) fn after_edit(app: &mut App) -> Vec<Effect> {
    let Some(Modal::Prompt(prompt)) = &mut app.modal else {
        return Vec::new();
    };
    prompt.history_ix = None;
    match prompt.kind {
        PromptKind::Filter => {
            // What Tab offered was for the text before this edit.
            prompt.completions.clear();
            prompt.completion_ix = None;
            prompt.completion_base = None;
            apply_typed_filter(app);
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
        PromptKind::Answer(_) => {}
        // Checked as it is typed; applied on Enter (a pattern runs over the whole buffer).
        PromptKind::LogFilter => {
            prompt.error = crate::logs::pattern::Pattern::parse(prompt.editor.text())
                .err()
                .map(pattern_error);
        }
    }
    Vec::new()
}

/// The filter line as typed, applied as soon as it is valid; an error stays in the prompt.
fn apply_typed_filter(app: &mut App) {
    let Some(Modal::Prompt(prompt)) = &mut app.modal else {
        return;
    };
    let text = prompt.editor.text().to_string();
    match Query::parse(&text) {
        Ok(_) => {
            prompt.error = None;
            // A field name still being typed (`se` of `sev>=high`) filters nothing yet,
            // and a filter that did not change is not applied again (a million rows).
            let settled = &text[..crate::query::pending_field_start(&text)];
            if settled.trim() != app.findings.table.filter_text {
                apply_filter(app, settled);
            }
        }
        Err(e) => prompt.error = Some(e),
    }
}

/// A pattern error, pointed at in the prompt like a filter error.
fn pattern_error(e: crate::logs::pattern::PatternError) -> crate::query::QueryError {
    crate::query::QueryError {
        span: e.at..e.at + 1,
        message: e.message,
    }
}

/// A prompt key: editing, Enter, Esc, Tab, history.
pub(super) fn command(app: &mut App, command: Command) -> Vec<Effect> {
    let Some(Modal::Prompt(prompt)) = &mut app.modal else {
        return Vec::new();
    };
    if prompt.editor.edit(command) {
        return after_edit(app);
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
                PromptKind::Answer(id) => return answered(app, id, None),
            }
            Vec::new()
        }
        Command::Submit => submit(app),
        Command::Complete => {
            complete(app);
            Vec::new()
        }
        Command::HistoryPrev | Command::HistoryNext => {
            let history = match prompt.kind {
                PromptKind::Filter => &app.findings.filter_history,
                PromptKind::Command => &app.command_history,
                PromptKind::Search | PromptKind::LogFilter | PromptKind::Answer(_) => {
                    return Vec::new();
                }
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
            let effects = after_edit(app);
            if let Some(Modal::Prompt(prompt)) = &mut app.modal {
                prompt.history_ix = ix;
            }
            effects
        }
        _ => Vec::new(),
    }
}

fn submit(app: &mut App) -> Vec<Effect> {
    let Some(Modal::Prompt(prompt)) = &mut app.modal else {
        return Vec::new();
    };
    let text = prompt.editor.text().trim().to_string();
    match prompt.kind {
        PromptKind::LogFilter => {
            let pattern = match crate::logs::pattern::Pattern::parse(&text) {
                Ok(pattern) => pattern,
                Err(e) => {
                    prompt.error = Some(pattern_error(e));
                    return Vec::new();
                }
            };
            app.modal = None;
            let view = app.logs.shown_mut();
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
            remember(&mut app.findings.filter_history, &text);
            intake::mark_selected_seen(app);
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
            commands::run(app, &text)
        }
        // Never remembered: an MFA code is for once.
        PromptKind::Answer(id) => {
            app.modal = None;
            answered(app, id, Some(text).filter(|t| !t.is_empty()))
        }
    }
}

/// The question `id` is answered (or declined): the next one waits its turn.
fn answered(app: &mut App, id: u64, text: Option<String>) -> Vec<Effect> {
    app.questions.retain(|q| q.id != id);
    vec![Effect::Answer { id, text }]
}

fn refresh_completions(app: &mut App) {
    let Some(Modal::Prompt(prompt)) = &app.modal else {
        return;
    };
    let (start, word) = prompt.editor.current_word();
    let list = commands::candidates(app, prompt.editor.text(), start, word);
    if let Some(Modal::Prompt(prompt)) = &mut app.modal {
        prompt.completions = list;
    }
}

/// Tab: insert the next candidate for the word at the cursor.
fn complete(app: &mut App) {
    let Some(Modal::Prompt(prompt)) = &mut app.modal else {
        return;
    };
    if prompt.kind == PromptKind::Filter {
        complete_filter(app);
        return;
    }
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

/// Tab in the filter prompt: the first works out the candidates for the term at the cursor
/// and inserts the first; the next ones cycle. A field name completed alone goes on to offer
/// its values; a value completed alone ends its term. The filter applies as if typed.
fn complete_filter(app: &mut App) {
    let Some(Modal::Prompt(prompt)) = &app.modal else {
        return;
    };
    if prompt.completion_base.is_none() {
        let found =
            filter_completion::candidates(app, prompt.editor.text(), prompt.editor.cursor());
        let Some(Modal::Prompt(prompt)) = &mut app.modal else {
            return;
        };
        let Some(found) = found.filter(|f| !f.candidates.is_empty()) else {
            return;
        };
        prompt.completions = found.candidates;
        prompt.completion_ix = None;
        prompt.completion_base = Some((found.start, found.base));
    }
    let Some(Modal::Prompt(prompt)) = &mut app.modal else {
        return;
    };
    let Some((start, base)) = prompt.completion_base.clone() else {
        return;
    };
    if prompt.completions.is_empty() {
        return;
    }
    let next = prompt
        .completion_ix
        .map_or(0, |i| (i + 1) % prompt.completions.len());
    let candidate = prompt.completions[next].clone();
    if !prompt
        .editor
        .replace_to_cursor(start, &format!("{base}{candidate}"))
    {
        return;
    }
    prompt.completion_ix = Some(next);
    if prompt.completions.len() == 1 {
        let value = !base.is_empty() && base != "-";
        prompt.completions.clear();
        prompt.completion_ix = None;
        prompt.completion_base = None;
        if value {
            // A unique value ends its term: the next one starts after a space.
            prompt.editor.insert(" ");
        } else {
            // A unique field: its values are next, listed without inserting one yet.
            let found = filter_completion::candidates(app, prompt_text(app), prompt_cursor(app));
            if let (Some(Modal::Prompt(prompt)), Some(found)) = (&mut app.modal, found)
                && !found.candidates.is_empty()
            {
                prompt.completions = found.candidates;
                prompt.completion_base = Some((found.start, found.base));
            }
        }
    }
    apply_typed_filter(app);
}

fn prompt_text(app: &App) -> &str {
    match &app.modal {
        Some(Modal::Prompt(prompt)) => prompt.editor.text(),
        _ => "",
    }
}

fn prompt_cursor(app: &App) -> usize {
    match &app.modal {
        Some(Modal::Prompt(prompt)) => prompt.editor.cursor(),
        _ => 0,
    }
}
