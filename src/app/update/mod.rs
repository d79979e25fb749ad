//! `update`: every state change, as a function of the state and one message.
//!
//! The rooms: this file dispatches messages and the commands every screen shares; [`intake`]
//! takes in what arrives (batches, answers, the clock); [`findings`] and [`logs`] hold what
//! their screens' keys do; [`prompts`] edits and submits the filter, search and `:` lines;
//! [`commands`] is the table of `:` commands that drives their dispatch, completion and help.
//!
//! A handler answers with an [`Update`]: the effects for the runtime and whether the screen
//! changed. `update` notes a change in `App::dirty` in one place; the drawer clears it.

mod commands;
mod filter_completion;
mod findings;
mod intake;
mod logs;
mod posture;
mod prompts;

use super::{App, Command, Effect, JsonView, Key, Modal, Msg, Pane, PromptKind, Screen, Tab};
use super::{NoticeLevel, keymap::FORCE_QUIT};
use crate::app::layout;
use crate::sources::Feed;

pub use commands::{COLON_COMMANDS, ColonCommand};

/// What a message did: effects for the runtime to carry out, and whether the screen changed.
#[derive(Debug, Default, PartialEq)]
pub struct Update {
    pub effects: Vec<Effect>,
    pub redraw: bool,
}

impl Update {
    /// The screen changed; nothing to carry out.
    pub fn redraw() -> Update {
        Update {
            effects: Vec::new(),
            redraw: true,
        }
    }

    /// Nothing changed: no frame, no effect.
    pub fn unchanged() -> Update {
        Update::default()
    }

    /// The screen changed if `redraw`.
    pub fn redraw_if(redraw: bool) -> Update {
        Update {
            effects: Vec::new(),
            redraw,
        }
    }
}

/// Effects from a key the app acted on: the screen shows what it did.
impl From<Vec<Effect>> for Update {
    fn from(effects: Vec<Effect>) -> Update {
        Update {
            effects,
            redraw: true,
        }
    }
}

impl IntoIterator for Update {
    type Item = Effect;
    type IntoIter = std::vec::IntoIter<Effect>;

    fn into_iter(self) -> Self::IntoIter {
        self.effects.into_iter()
    }
}

impl<const N: usize> PartialEq<[Effect; N]> for Update {
    fn eq(&self, other: &[Effect; N]) -> bool {
        self.effects[..] == other[..]
    }
}

impl std::ops::Deref for Update {
    type Target = [Effect];

    fn deref(&self) -> &[Effect] {
        &self.effects
    }
}

pub fn update(app: &mut App, msg: Msg) -> Update {
    let update = match msg {
        Msg::Key(key) => on_key(app, key),
        Msg::Paste(text) => match &mut app.modal {
            Some(Modal::Prompt(prompt)) => {
                prompt.editor.insert(&text.replace(['\r', '\n'], " "));
                prompts::after_edit(app).into()
            }
            _ => Update::unchanged(),
        },
        Msg::Resize(w, h) => {
            app.size = (w, h);
            let page = layout::findings_page(app.size);
            app.findings.table.keep_visible(page);
            Update::redraw()
        }
        Msg::Tick(now) => Update::redraw_if(intake::tick(app, now)),
        Msg::Batch(feed, mut batch) => {
            // What is enabled where (standards, plans, agents) is the posture screen's.
            let standards = std::mem::take(&mut batch.standards);
            let coverage = std::mem::take(&mut batch.coverage);
            let mut update = intake::batch(app, feed, batch);
            if !standards.is_empty() || !coverage.is_empty() {
                posture::reports(app, standards, coverage);
            }
            update.redraw |= posture::rebuild_if_due(app);
            update
        }
        Msg::Groups { prefix, result } => {
            Update::redraw_if(super::groups::listed(app, &prefix, result))
        }
        Msg::Insights(answer) => Update::redraw_if(intake::insights(app, answer)),
        Msg::PivotDone { finding, result } => {
            Update::redraw_if(intake::pivot_done(app, &finding, result))
        }
        Msg::ActionDone {
            action,
            entries,
            operator,
            outcome,
        } => {
            intake::action_done(app, &action, &entries, &operator, outcome);
            Update::redraw()
        }
        Msg::Restored {
            findings,
            skipped,
            outside,
            written_at,
        } => Update::redraw_if(intake::restored(
            app, findings, skipped, outside, written_at,
        )),
        Msg::Stored(revisions) => {
            for (ix, revised) in revisions {
                app.store.stored(ix, revised);
            }
            Update::unchanged()
        }
        Msg::StoreFailed(message) => {
            app.notify(message, NoticeLevel::Error);
            Update::redraw()
        }
        Msg::Ask(question) => {
            app.questions.push_back(question);
            Update::redraw()
        }
        Msg::ViewSaved { name, view, result } => {
            commands::view_saved(app, name, view, result);
            Update::redraw()
        }
        Msg::Reloaded(result) => commands::reloaded(app, result).into(),
    };
    let mut update = update;
    // A question waits until nothing else is open: an action being confirmed is not cut off.
    if app.modal.is_none()
        && let Some(question) = app.questions.front()
    {
        prompts::open(app, PromptKind::Answer(question.id), "");
        update.redraw = true;
    }
    update.effects.extend(alerts_due(app));
    if app.present {
        mask_outgoing(app, &mut update.effects);
    }
    if update.redraw {
        app.dirty = true;
    }
    update
}

/// In presenter mode, what leaves picket as text (a copy, a desktop notification) carries
/// stand-ins, as the screen does.
fn mask_outgoing(app: &App, effects: &mut [Effect]) {
    app.mask.learn_directory(&app.directory);
    app.mask.learn_principals(&app.store.principals);
    for effect in effects {
        if let Effect::Copy(text) | Effect::Notify(text) = effect {
            *text = app.mask.outgoing(text);
        }
    }
}

/// What the alerts have to say after a message: a notification when one is due, the window
/// title when its count of unseen alerts changed.
fn alerts_due(app: &mut App) -> Vec<Effect> {
    if !app.alerts.enabled() {
        return Vec::new();
    }
    let mut effects = Vec::new();
    if app.alerts.waiting() {
        let zoned = app.now.to_zoned(app.look.time_zone.clone());
        let minute =
            u16::from(zoned.hour().unsigned_abs()) * 60 + u16::from(zoned.minute().unsigned_abs());
        effects.extend(app.alerts.due(app.now, minute).map(Effect::Notify));
    }
    let unseen = app.alerts.unseen(&app.store);
    if unseen != app.alerts.shown {
        app.alerts.shown = unseen;
        effects.push(Effect::Title(unseen));
    }
    effects
}

fn on_key(app: &mut App, key: Key) -> Update {
    if key == FORCE_QUIT {
        return Update {
            effects: vec![Effect::Quit],
            redraw: false,
        };
    }
    if let Some(Modal::Action(_)) = app.modal {
        return super::act::on_key(app, key).into();
    }
    if let Some(Modal::Groups(_)) = app.modal {
        let effects = super::groups::on_key(app, key);
        if let Some(Effect::SetGroups { groups, .. }) = effects.first() {
            app.logs.groups = groups.clone();
        }
        return effects.into();
    }
    // A message whose time is up goes with the next key (the key's own message replaces it).
    let dismissed = app.notice.take_if(|n| n.until <= app.now).is_some();
    let mode = app.mode();
    let command = app.look.keymap.resolve(mode, key);
    if let Some(Modal::Prompt(_)) = app.modal {
        return match command {
            Some(command) => prompts::command(app, command).into(),
            None => match key.typed_char() {
                Some(c) => {
                    if let Some(Modal::Prompt(prompt)) = &mut app.modal {
                        prompt.editor.insert(c.encode_utf8(&mut [0; 4]));
                    }
                    prompts::after_edit(app).into()
                }
                None => Update::redraw(),
            },
        };
    }
    match command {
        Some(command) => run(app, command),
        None => Update::redraw_if(dismissed),
    }
}

/// Runs a command outside prompts.
fn run(app: &mut App, command: Command) -> Update {
    // The help stops at its last page, so a key up after `G` moves at once.
    let help_end = matches!(app.modal, Some(Modal::Help { .. }))
        .then(|| super::help::line_count(app).saturating_sub(layout::help_page(app.size)));
    if let Some(Modal::Help { scroll } | Modal::Text { scroll, .. }) = &mut app.modal {
        match command {
            Command::Back => app.modal = None,
            Command::Quit => return vec![Effect::Quit].into(),
            other => {
                scroll_plain(scroll, other, layout::help_page(app.size));
                if let Some(end) = help_end {
                    *scroll = (*scroll).min(end);
                }
            }
        }
        return Update::redraw();
    }
    match command {
        Command::Quit => return vec![Effect::Quit].into(),
        Command::Help => app.modal = Some(Modal::Help { scroll: 0 }),
        Command::NextScreen | Command::PrevScreen => {
            let i = Tab::ALL.iter().position(|t| *t == app.tab).unwrap_or(0);
            let n = Tab::ALL.len();
            let next = if command == Command::NextScreen {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            return switch_tab(app, Tab::ALL[next]).into();
        }
        Command::ShowOverview => return switch_tab(app, Tab::Overview).into(),
        Command::ShowFindings => return switch_tab(app, Tab::Findings).into(),
        Command::ShowLogs => return switch_tab(app, Tab::Logs).into(),
        Command::ShowSources => return switch_tab(app, Tab::Sources).into(),
        Command::ShowPosture => return switch_tab(app, Tab::Posture).into(),
        Command::CommandLine => prompts::open(app, PromptKind::Command, ""),
        Command::Filter if app.tab == Tab::Logs && app.stack.is_empty() => {
            let current = app
                .logs
                .shown()
                .filter()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            prompts::open(app, PromptKind::LogFilter, &current);
        }
        Command::Filter => {
            let current = app.findings.table.filter_text.clone();
            prompts::open(app, PromptKind::Filter, &current);
        }
        Command::Search if app.stack.last().is_some() => {
            let needle = current_json(app)
                .and_then(|j| j.search.as_ref())
                .map(|s| s.needle.clone())
                .unwrap_or_default();
            prompts::open(app, PromptKind::Search, &needle);
        }
        Command::ClearFilter => {
            if app.findings.table.filter_text.is_empty() {
                return Update::unchanged();
            }
            findings::apply_filter(app, "");
            app.notify("filter cleared", NoticeLevel::Info);
        }
        Command::Refresh => {
            app.notify("refreshing every source…", NoticeLevel::Info);
            return vec![Effect::Refresh].into();
        }
        Command::Present => set_present(app, !app.present),
        Command::Back => return go_back(app),
        Command::Pivot => return logs::pivot(app).into(),
        _ => return screen_command(app, command),
    }
    Update::redraw()
}

/// Presenter mode on or off. On, the stand-ins are ready for what is already known: the
/// organization and every principal the queue names.
fn set_present(app: &mut App, on: bool) {
    app.present = on;
    if on {
        app.mask.learn_directory(&app.directory);
        for (_, principal) in app.store.principals.iter() {
            app.mask.learn_principal(principal);
        }
        app.notify(
            "presenter mode: accounts, addresses, principals, buckets and hosts are stand-ins (P: off)",
            NoticeLevel::Info,
        );
    } else {
        app.notify(
            "presenter mode off: real identifiers shown",
            NoticeLevel::Info,
        );
    }
}

fn switch_tab(app: &mut App, tab: Tab) -> Vec<Effect> {
    let before = app.wants_logs();
    app.stack.clear();
    app.tab = tab;
    if tab == Tab::Posture {
        posture::shown(app);
    }
    intake::mark_selected_seen(app);
    let mut effects = Vec::new();
    if before != app.wants_logs() {
        effects.push(Effect::SetFeed(Feed::Logs, app.wants_logs()));
    }
    effects
}

fn go_back(app: &mut App) -> Update {
    // The page on top goes: a finding or a record; the logs screen's query or pivot; the
    // sources screen's cell.
    let mut update = Update::redraw();
    if app.stack.pop().is_none() {
        if app.tab == Tab::Logs
            && let Some(effects) = logs::back(app)
        {
            update.effects = effects;
        } else if app.tab == Tab::Sources && app.sources.detail {
            app.sources.detail = false;
        } else {
            update.redraw = false;
        }
    }
    intake::mark_selected_seen(app);
    update
}

fn current_json(app: &App) -> Option<&JsonView> {
    match app.stack.last()? {
        Screen::Detail(d) => Some(&d.json),
        Screen::Record(r) => Some(&r.json),
    }
}

fn current_json_mut(app: &mut App) -> Option<&mut JsonView> {
    match app.stack.last_mut()? {
        Screen::Detail(d) => Some(&mut d.json),
        Screen::Record(r) => Some(&mut r.json),
    }
}

/// Commands whose meaning depends on the screen.
fn screen_command(app: &mut App, command: Command) -> Update {
    let size = app.size;
    match app.stack.last_mut() {
        Some(Screen::Detail(detail)) => {
            let (summary_page, json_page) = layout::detail_pages(size);
            if command == Command::SwitchPane {
                detail.pane = if detail.pane == Pane::Summary {
                    Pane::Json
                } else {
                    Pane::Summary
                };
                return Update::redraw();
            }
            if matches!(command, Command::CopyArn | Command::CopyJson) {
                let entry = detail.entry;
                return findings::copy(app, entry, command).into();
            }
            if command == Command::CopyLink {
                let link = crate::model::console::finding(&detail.finding);
                return findings::copy_link(app, link).into();
            }
            if command == Command::Act {
                super::act::open(app);
                return Update::redraw();
            }
            if detail.pane == Pane::Summary {
                scroll_plain(&mut detail.summary_scroll, command, summary_page);
            } else {
                scroll_json(&mut detail.json, command, json_page);
            }
            return Update::redraw();
        }
        Some(Screen::Record(record)) => {
            if command == Command::CopyLink {
                let link = record.link.clone();
                return findings::copy_link(app, link).into();
            }
            let (_, json_page) = layout::detail_pages(size);
            scroll_json(&mut record.json, command, json_page);
            return Update::redraw();
        }
        None => {}
    }
    match app.tab {
        Tab::Overview => findings::overview_command(app, command),
        Tab::Findings => findings::command(app, command),
        Tab::Logs => logs::command(app, command),
        Tab::Sources => sources_command(app, command),
        Tab::Posture => posture::command(app, command),
    }
}

/// The sources screen: the health matrix's cursor, and a cell's messages in full.
fn sources_command(app: &mut App, command: Command) -> Update {
    let matrix = super::health_matrix::Matrix::build(&app.health, &app.directory);
    let last = matrix.account_count().saturating_sub(1);
    let last_col = matrix.regions.len().saturating_sub(1);
    let page = layout::findings_page(app.size);
    let row = &mut app.sources.row;
    match command {
        Command::Up => *row = row.saturating_sub(1),
        Command::Down => *row = (*row + 1).min(last),
        Command::PageUp => *row = row.saturating_sub(page),
        Command::PageDown => *row = (*row + page).min(last),
        Command::Top => *row = 0,
        Command::Bottom => *row = last,
        Command::Left => app.sources.col = app.sources.col.saturating_sub(1),
        Command::Right => app.sources.col = (app.sources.col + 1).min(last_col),
        Command::Open => app.sources.detail = true,
        _ => return Update::unchanged(),
    }
    Update::redraw()
}

fn scroll_plain(scroll: &mut usize, command: Command, page: usize) {
    match command {
        Command::Up => *scroll = scroll.saturating_sub(1),
        Command::Down => *scroll += 1,
        Command::PageUp => *scroll = scroll.saturating_sub(page),
        Command::PageDown => *scroll += page,
        Command::Top => *scroll = 0,
        Command::Bottom => *scroll = usize::MAX / 2,
        _ => {}
    }
}

fn scroll_json(json: &mut JsonView, command: Command, page: usize) {
    match command {
        Command::Up => json.scroll_by(-1, page),
        Command::Down => json.scroll_by(1, page),
        Command::PageUp => json.scroll_by(-(page as isize), page),
        Command::PageDown => json.scroll_by(page as isize, page),
        Command::Top => json.scroll = 0,
        Command::Bottom => json.scroll_to_end(page),
        Command::SearchNext => json.step(true, page),
        Command::SearchPrev => json.step(false, page),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
