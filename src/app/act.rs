//! The action flow: `a` on the marked findings (or the selected one) opens a menu of actions;
//! one that needs words asks for a note; then the confirmation shows the plan — the action, the
//! targets by account and region, the exact calls — and asks for `y`, or for a typed token and
//! a reason when the blast radius calls for it. Only then does an [`Effect::Execute`] leave
//! `update`; Esc cancels at every step.

use super::keys::{Key, KeyCode};
use super::prompt::LineEditor;
use super::{App, Effect, Modal, NoticeLevel};
use crate::actions::{Acknowledged, Action, Answer, Plan, Target, acknowledge, plan, suppress};
use crate::model::disposition::{Disposition, Reason};
use crate::model::finding::Verification;
use crate::model::health::Service;
use crate::model::{SeverityLabel, Workflow};
use crate::store::EntryIx;

/// What a key of the action menu does.
#[derive(Clone, Copy)]
pub enum MenuChoice {
    /// An action on the findings (a note is asked for first when the action needs one).
    Act(fn() -> Action),
    /// Resolve or suppress: a reason code, words and a review date are asked for first.
    Dispose(Workflow),
    /// Back to NEW, with a note saying the disposition fell due.
    Reopen,
    /// A severity, chosen next.
    Severity,
    /// A GuardDuty suppression rule from the finding's type and resource, or from the filter.
    Suppression { from_filter: bool },
}

/// One line of the action menu: the one table its drawing and its keys both read.
pub struct MenuEntry {
    pub key: char,
    pub label: &'static str,
    pub choice: MenuChoice,
}

const fn entry(key: char, label: &'static str, choice: MenuChoice) -> MenuEntry {
    MenuEntry { key, label, choice }
}

const fn act(key: char, label: &'static str, action: fn() -> Action) -> MenuEntry {
    entry(key, label, MenuChoice::Act(action))
}

pub const MENU: &[MenuEntry] = &[
    act('n', "workflow NEW", || workflow(Workflow::New)),
    act('o', "workflow NOTIFIED", || workflow(Workflow::Notified)),
    entry(
        'r',
        "workflow RESOLVED (reason, note, review date)",
        MenuChoice::Dispose(Workflow::Resolved),
    ),
    entry(
        's',
        "workflow SUPPRESSED (reason, note, review date)",
        MenuChoice::Dispose(Workflow::Suppressed),
    ),
    entry(
        'e',
        "reopen: the disposition is due for review (workflow NEW, with a note)",
        MenuChoice::Reopen,
    ),
    act('c', "add a note", || Action::AddNote {
        text: String::new(),
    }),
    act(
        'x',
        "false positive + resolve (SH: both, one call · GD: archive + not useful)",
        || Action::ResolveFalsePositive {
            note: String::new(),
        },
    ),
    act('t', "verified: true positive", || {
        verify(Verification::TruePositive)
    }),
    act('f', "verified: false positive", || {
        verify(Verification::FalsePositive)
    }),
    act('b', "verified: benign positive", || {
        verify(Verification::BenignPositive)
    }),
    entry(
        'v',
        "severity… (then c, h, m, l or i)",
        MenuChoice::Severity,
    ),
    act('A', "GuardDuty: archive", || Action::Archive),
    act('U', "GuardDuty: unarchive", || Action::Unarchive),
    act('+', "GuardDuty feedback: useful", || feedback(true)),
    act('-', "GuardDuty feedback: not useful", || feedback(false)),
    entry(
        'S',
        "GuardDuty suppression rule: this finding's type + resource",
        MenuChoice::Suppression { from_filter: false },
    ),
    entry(
        'F',
        "GuardDuty suppression rule: the current filter",
        MenuChoice::Suppression { from_filter: true },
    ),
];

fn workflow(status: Workflow) -> Action {
    Action::SetWorkflow {
        status,
        note: None,
        disposition: None,
    }
}

/// The keys of the reason codes, in the order the overlay lists them.
pub const REASONS: [(char, Reason); 5] = [
    ('f', Reason::FalsePositive),
    ('b', Reason::Benign),
    ('d', Reason::Duplicate),
    ('a', Reason::AcceptedRisk),
    ('t', Reason::TruePositive),
];

/// A review date: an age from now (`30d`, `2w`) or a day (`2026-12-31`, at midnight UTC).
pub fn review_date(text: &str, now: jiff::Timestamp) -> Result<Option<jiff::Timestamp>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(day) = text.parse::<jiff::civil::Date>() {
        let at = day
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(|e| format!("'{text}': {e}"))?
            .timestamp();
        return match at > now {
            true => Ok(Some(at)),
            false => Err(format!("'{text}' is not in the future")),
        };
    }
    let span = crate::model::age::parse(text)
        .map_err(|_| format!("'{text}' is not a review date like 30d, 2w or 2026-12-31"))?;
    Ok(Some(crate::model::age::after(now, span)))
}

/// The action a disposition makes: the workflow, a note in the analyst's words (the reason
/// first), and the structured disposition.
fn disposed(
    status: Workflow,
    reason: Reason,
    words: &str,
    expires: Option<jiff::Timestamp>,
    author: &str,
    now: jiff::Timestamp,
) -> Action {
    let mut note = reason.label().to_string();
    if !words.trim().is_empty() {
        note.push_str(&format!(": {}", words.trim()));
    }
    if let Some(until) = expires {
        note.push_str(&format!(" (review {})", until.strftime("%Y-%m-%d")));
    }
    Action::SetWorkflow {
        status,
        note: Some(note),
        disposition: Some(Disposition {
            reason,
            author: crate::model::SafeText::line(author),
            at: Some(now),
            expires,
        }),
    }
}

fn verify(state: Verification) -> Action {
    Action::SetVerification { state }
}

fn feedback(useful: bool) -> Action {
    Action::Feedback {
        useful,
        comment: None,
    }
}

/// Whether the action asks for a note before its confirmation.
fn needs_note(action: &Action) -> bool {
    matches!(
        action,
        Action::SetWorkflow {
            status: Workflow::Resolved | Workflow::Suppressed,
            ..
        } | Action::AddNote { .. }
            | Action::ResolveFalsePositive { .. }
    )
}

/// Whether the note it asks for may be left empty (a false-positive resolution says why
/// itself: "false positive").
pub fn note_optional(action: &Action) -> bool {
    matches!(action, Action::ResolveFalsePositive { .. })
}

fn with_note(action: Action, text: &str) -> Action {
    match action {
        Action::SetWorkflow {
            status,
            disposition,
            ..
        } => Action::SetWorkflow {
            status,
            note: Some(text.to_string()),
            disposition,
        },
        Action::AddNote { .. } => Action::AddNote {
            text: text.to_string(),
        },
        Action::ResolveFalsePositive { .. } => Action::ResolveFalsePositive {
            note: text.trim().to_string(),
        },
        other => other,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    Menu,
    /// `v` pressed: which severity label.
    Severity,
    Note {
        action: Action,
        editor: LineEditor,
    },
    /// Resolving or suppressing: the reason code (one key), then optional words and an
    /// optional review date (Tab moves between them).
    Disposition {
        status: Workflow,
        reason: Option<Reason>,
        words: LineEditor,
        review: LineEditor,
        on_review: bool,
        error: Option<String>,
    },
    Confirm {
        plan: Box<Plan>,
        token: LineEditor,
        reason: LineEditor,
        on_reason: bool,
        error: Option<String>,
        /// First line of the plan shown (a long plan scrolls above the prompt).
        scroll: usize,
        /// The calls shown as aws-cli command lines instead of their JSON (Ctrl-T).
        as_cli: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ActionFlow {
    pub targets: Vec<EntryIx>,
    pub stage: Stage,
    /// The configured playbooks every target matches (indices), offered as 1–9.
    pub playbooks: Vec<usize>,
    /// Undoing this action (`u`): the confirmation says so.
    pub undo_of: Option<Box<Action>>,
}

/// An approved plan, on its way to the executor.
#[derive(Debug)]
pub struct Approved {
    pub plan: Plan,
    pub acknowledged: Acknowledged,
    /// The store entries of the plan's targets, in the same order.
    pub entries: Vec<EntryIx>,
}

impl PartialEq for Approved {
    fn eq(&self, other: &Approved) -> bool {
        self.plan == other.plan && self.entries == other.entries
    }
}

/// Opens the menu on the marked findings, or the selected one.
pub fn open(app: &mut App) {
    // A finding's detail acts on the finding shown, whatever is marked: the marks stay after
    // an action, and the analyst reading one finding means that one. Unmarked, a group's row
    // acts on the whole group (the filter's members of it).
    app.findings.undoing = None;
    let targets: Vec<EntryIx> = if let Some(detail) = app.detail() {
        vec![detail.entry]
    } else if app.findings.marks.is_empty() {
        app.findings.table.selected_findings()
    } else {
        app.findings.marks.iter().copied().collect()
    };
    if targets.is_empty() {
        app.notify("no finding to act on", NoticeLevel::Warning);
        return;
    }
    let playbooks = matching_playbooks(app, &targets);
    app.modal = Some(Modal::Action(ActionFlow {
        targets,
        stage: Stage::Menu,
        playbooks,
        undo_of: None,
    }));
}

/// `e`: the targets whose disposition fell due go back to NEW, with a note saying whose
/// decision it was and when it expired; the others are left out, and the confirmation says so.
fn reopen(app: &mut App, flow: &mut ActionFlow) {
    let now = app.now.as_second();
    let due: Vec<EntryIx> = flow
        .targets
        .iter()
        .copied()
        .filter(|&ix| app.store.summary(ix).is_some_and(|s| s.expired(now)))
        .collect();
    if due.is_empty() {
        app.notify(
            "no disposition here is due for review (is:expired finds them)",
            NoticeLevel::Warning,
        );
        return;
    }
    let note = match &due[..] {
        [one] => match app.store.finding(*one).and_then(|f| f.disposition) {
            Some(d) => format!(
                "reopened for review: the disposition '{}' by {} expired{}",
                d.reason.label(),
                d.author,
                d.expires
                    .map(|t| format!(" {}", t.strftime("%Y-%m-%d")))
                    .unwrap_or_default()
            ),
            // Written by this session and not read back yet: the queue knows the date.
            None => {
                let due = app
                    .store
                    .summary(*one)
                    .and_then(|s| jiff::Timestamp::from_second(i64::from(s.expires)).ok());
                match due {
                    Some(due) => format!(
                        "reopened for review: the disposition expired {}",
                        due.strftime("%Y-%m-%d")
                    ),
                    None => "reopened for review: the disposition expired".to_string(),
                }
            }
        },
        many => format!("reopened for review: {} dispositions expired", many.len()),
    };
    flow.targets = due;
    let action = Action::SetWorkflow {
        status: Workflow::New,
        note: Some(note),
        disposition: None,
    };
    to_confirm(app, flow, action);
}

/// The playbooks whose `when` filter every target passes.
fn matching_playbooks(app: &App, targets: &[EntryIx]) -> Vec<usize> {
    app.playbooks
        .iter()
        .enumerate()
        .filter(|(_, playbook)| {
            let Ok(query) = crate::query::Query::parse(&playbook.when) else {
                return false;
            };
            let filter =
                crate::store::CompiledFilter::compile(&query, &app.store, &app.directory, app.now);
            targets.iter().all(|&ix| filter.matches(&app.store, ix))
        })
        .map(|(i, _)| i)
        .take(9)
        .collect()
}

/// A key while the flow is open.
pub fn on_key(app: &mut App, key: Key) -> Vec<Effect> {
    let Some(Modal::Action(mut flow)) = app.modal.take() else {
        return Vec::new();
    };
    if key.code == KeyCode::Esc {
        app.notify("cancelled; nothing was sent", NoticeLevel::Info);
        return Vec::new();
    }
    let mut effects = Vec::new();
    let keep = match &mut flow.stage {
        Stage::Menu if key.typed_char().is_some_and(|c| ('1'..='9').contains(&c)) => {
            let n = key.typed_char().and_then(|c| c.to_digit(10)).unwrap_or(0) as usize;
            match flow
                .playbooks
                .get(n.wrapping_sub(1))
                .and_then(|&i| app.playbooks.get(i))
            {
                Some(playbook) => {
                    let action = Action::Playbook {
                        playbook: playbook.clone(),
                    };
                    to_confirm(app, &mut flow, action);
                }
                None => app.notify(format!("no playbook {n} here"), NoticeLevel::Warning),
            }
            true
        }
        Stage::Severity => {
            let label = match key.typed_char() {
                Some('c') => Some(SeverityLabel::Critical),
                Some('h') => Some(SeverityLabel::High),
                Some('m') => Some(SeverityLabel::Medium),
                Some('l') => Some(SeverityLabel::Low),
                Some('i') => Some(SeverityLabel::Informational),
                _ => None,
            };
            if let Some(label) = label {
                to_confirm(app, &mut flow, Action::SetSeverity { label });
            }
            true
        }
        Stage::Menu => {
            let choice = key
                .typed_char()
                .and_then(|c| MENU.iter().find(|entry| entry.key == c))
                .map(|entry| entry.choice);
            match choice {
                Some(MenuChoice::Act(make)) => {
                    let action = make();
                    if needs_note(&action) {
                        flow.stage = Stage::Note {
                            action,
                            editor: LineEditor::default(),
                        };
                    } else {
                        to_confirm(app, &mut flow, action);
                    }
                }
                Some(MenuChoice::Dispose(status)) => {
                    flow.stage = Stage::Disposition {
                        status,
                        reason: None,
                        words: LineEditor::default(),
                        review: LineEditor::default(),
                        on_review: false,
                        error: None,
                    }
                }
                Some(MenuChoice::Reopen) => reopen(app, &mut flow),
                Some(MenuChoice::Severity) => flow.stage = Stage::Severity,
                Some(MenuChoice::Suppression { from_filter }) => {
                    suppression(app, &mut flow, from_filter)
                }
                None => {}
            }
            true
        }
        Stage::Disposition {
            reason: reason @ None,
            ..
        } => {
            if let Some(&(_, chosen)) = key
                .typed_char()
                .and_then(|c| REASONS.iter().find(|(k, _)| *k == c))
            {
                *reason = Some(chosen);
            }
            true
        }
        Stage::Disposition {
            status,
            reason: Some(reason),
            words,
            review,
            on_review,
            error,
        } => {
            match key.code {
                KeyCode::Tab | KeyCode::BackTab => *on_review = !*on_review,
                KeyCode::Enter => match review_date(review.text(), app.now) {
                    Ok(expires) => {
                        let author = crate::journal::Operator::local(None).user;
                        let action =
                            disposed(*status, *reason, words.text(), expires, &author, app.now);
                        to_confirm(app, &mut flow, action);
                    }
                    Err(e) => *error = Some(e),
                },
                _ => edit(if *on_review { review } else { words }, key),
            }
            true
        }
        Stage::Note { action, editor } => match key.code {
            KeyCode::Enter if note_optional(action) || !editor.text().trim().is_empty() => {
                let action = with_note(action.clone(), editor.text());
                to_confirm(app, &mut flow, action);
                true
            }
            _ => {
                edit(editor, key);
                true
            }
        },
        Stage::Confirm {
            plan,
            token,
            reason,
            on_reason,
            error,
            scroll,
            as_cli,
        } => {
            // The calls as aws-cli: shown (Ctrl-T), copied (Ctrl-Y); neither sends anything.
            if key == Key::ctrl('t') {
                *as_cli = !*as_cli;
                *scroll = 0;
                app.modal = Some(Modal::Action(flow));
                return effects;
            }
            if key == Key::ctrl('y') {
                let commands = crate::actions::cli::commands(plan, app.profile.as_deref());
                effects.push(Effect::Copy(commands));
                app.notify(
                    format!("copied {} call(s) as aws-cli commands", plan.calls.len()),
                    NoticeLevel::Info,
                );
                app.modal = Some(Modal::Action(flow));
                return effects;
            }
            let lines = match key.code {
                KeyCode::Up => Some(-1),
                KeyCode::Down => Some(1),
                KeyCode::PageUp => Some(-10),
                KeyCode::PageDown => Some(10),
                _ => None,
            };
            if let Some(lines) = lines {
                *scroll = scroll.saturating_add_signed(lines);
                app.modal = Some(Modal::Action(flow));
                return effects;
            }
            if !plan.needs_token() {
                match key.typed_char() {
                    Some('y') => {
                        let answer = Answer {
                            yes: true,
                            ..Answer::default()
                        };
                        approve(app, &flow.targets, plan, &answer, &mut effects)
                    }
                    _ => true,
                }
            } else {
                match key.code {
                    KeyCode::Tab => {
                        *on_reason = !*on_reason;
                        true
                    }
                    KeyCode::Enter if !*on_reason => {
                        *on_reason = true;
                        true
                    }
                    KeyCode::Enter => {
                        let answer = Answer {
                            yes: false,
                            token: token.text().to_string(),
                            reason: reason.text().to_string(),
                        };
                        let name = |id: &str| app.directory.name_of(id).to_string();
                        match acknowledge(plan, &answer, name) {
                            Ok(_) => approve(app, &flow.targets, plan, &answer, &mut effects),
                            Err(e) => {
                                *error = Some(e);
                                true
                            }
                        }
                    }
                    _ => {
                        edit(if *on_reason { reason } else { token }, key);
                        true
                    }
                }
            }
        }
    };
    if keep {
        app.modal = Some(Modal::Action(flow));
    }
    effects
}

fn edit(editor: &mut LineEditor, key: Key) {
    match key.code {
        KeyCode::Backspace => {
            editor.edit(super::Command::DeleteBack);
        }
        _ => {
            if let Some(c) = key.typed_char() {
                editor.insert(c.encode_utf8(&mut [0; 4]));
            }
        }
    }
}

/// Plans the action on the flow's targets and moves to the confirmation, or says why not.
fn to_confirm(app: &mut App, flow: &mut ActionFlow, action: Action) {
    let targets: Vec<Target> = flow
        .targets
        .iter()
        .filter_map(|&ix| {
            let finding = app.store.finding(ix)?;
            let production = app.directory.counts_as_production(&finding.account_id);
            let mut target = Target::of(&finding, production);
            if matches!(action, Action::Playbook { .. }) {
                target = target.for_playbook(&finding);
            }
            for service in [Service::GuardDuty, Service::SecurityHub] {
                let key = (target.account.clone(), target.region.clone(), service);
                target.routes.extend(app.routes.get(&key).cloned());
            }
            Some(target)
        })
        .collect();
    let operator = crate::journal::Operator::local(None).user;
    match plan(action, targets, &operator, "") {
        Ok(planned) => {
            flow.stage = Stage::Confirm {
                plan: Box::new(planned),
                token: LineEditor::default(),
                reason: LineEditor::default(),
                on_reason: false,
                error: None,
                scroll: 0,
                as_cli: false,
            }
        }
        Err(e) => {
            app.notify(format!("cannot do that: {e}"), NoticeLevel::Error);
            flow.stage = Stage::Menu;
        }
    }
}

/// A suppression rule from the finding under the flow (`S`) or from the filter in use (`F`,
/// on every finding the filter shows: one rule per detector holding them).
fn suppression(app: &mut App, flow: &mut ActionFlow, from_filter: bool) {
    let rule = if from_filter {
        let store = &app.store;
        flow.targets = app
            .findings
            .table
            .rows
            .iter()
            .copied()
            .filter(|&ix| {
                store
                    .get(ix)
                    .is_some_and(|e| e.raw.kind() == crate::model::raw::RecordKind::GuardDuty)
            })
            .collect();
        let others = app.findings.table.rows.len() - flow.targets.len();
        if flow.targets.is_empty() {
            app.notify(
                "cannot make the rule: the filter shows no GuardDuty finding",
                NoticeLevel::Error,
            );
            return;
        }
        suppress::from_query(
            app.findings.table.query(),
            &app.findings.table.filter_text,
            &app.store,
            &app.directory,
        )
        .map(|mut rule| {
            if others > 0 {
                rule.left_out.push(format!(
                    "{others} findings read from Security Hub (rules are GuardDuty's)"
                ));
            }
            rule
        })
    } else {
        match &flow.targets[..] {
            [one] => match app.store.finding(*one) {
                Some(finding) => suppress::from_finding(&finding),
                None => Err("the finding is gone".into()),
            },
            _ => Err("a rule from a finding takes one: clear the marks (M), or use F".into()),
        }
    };
    match rule {
        Ok(rule) => to_confirm(app, flow, Action::Suppress { rule }),
        Err(e) => app.notify(format!("cannot make the rule: {e}"), NoticeLevel::Error),
    }
}

/// Acknowledged: hands the plan to the runtime and closes the flow.
fn approve(
    app: &mut App,
    entries: &[EntryIx],
    plan: &Plan,
    answer: &Answer,
    effects: &mut Vec<Effect>,
) -> bool {
    let name = |id: &str| app.directory.name_of(id).to_string();
    let Ok(acknowledged) = acknowledge(plan, answer, name) else {
        return true;
    };
    // Planned again with the reason, which the notes picket writes carry.
    let plan = crate::actions::plan(
        plan.action.clone(),
        plan.targets.clone(),
        &plan.operator,
        answer.reason.trim(),
    )
    .unwrap_or_else(|_| plan.clone());
    app.notify(
        format!(
            "{} on {} findings: sending…",
            plan.action.describe(),
            plan.targets.len()
        ),
        NoticeLevel::Info,
    );
    // What `.` repeats: the action itself; a suppression rule is one finding's, not repeated.
    if !matches!(plan.action, Action::Suppress { .. }) {
        app.findings.last_action = Some(plan.action.clone());
    }
    effects.push(Effect::Execute(Box::new(Approved {
        plan,
        acknowledged,
        entries: entries.to_vec(),
    })));
    // Acting on the selected finding moves on to the next: a shift is one finding after another.
    let on_selection = app.findings.marks.is_empty()
        && !entries.is_empty()
        && app.findings.table.selected_findings() == entries
        && app.stack.is_empty();
    if on_selection {
        let page = crate::app::layout::findings_page(app.size);
        // From a group's row, on to the next group.
        match app.findings.table.selected_group().is_some() {
            true => app.findings.table.next_group(page),
            false => app.findings.table.move_by(1, page),
        }
    }
    // The marks stay: a second action on the same findings needs no marking again (M clears
    // them).
    false
}

/// `.`: the last approved action again, on the marked findings or the selected one, through
/// the same confirmation.
pub fn repeat(app: &mut App) {
    let Some(action) = app.findings.last_action.clone() else {
        app.notify("no action to repeat yet", NoticeLevel::Info);
        return;
    };
    open(app);
    let Some(Modal::Action(mut flow)) = app.modal.take() else {
        return;
    };
    to_confirm(app, &mut flow, action);
    if matches!(flow.stage, Stage::Confirm { .. }) {
        app.modal = Some(Modal::Action(flow));
    }
}

/// The action that puts one finding back as it was before `action`, if it can be undone.
pub fn inverse(action: &Action, before: &crate::store::Summary) -> Option<Action> {
    match action {
        Action::SetWorkflow { .. } => Some(Action::SetWorkflow {
            status: before.workflow,
            note: Some(crate::actions::UNDO_NOTE.into()),
            disposition: None,
        }),
        Action::ResolveFalsePositive { .. } | Action::Reinstate { .. } => Some(Action::Reinstate {
            workflow: before.workflow,
            verification: before.verification,
            archived: before.archived,
        }),
        Action::SetVerification { .. } => Some(Action::SetVerification {
            state: before.verification,
        }),
        Action::SetSeverity { .. } => Some(Action::SetSeverity {
            label: before.label,
        }),
        Action::Archive | Action::Unarchive if before.archived => Some(Action::Archive),
        Action::Archive | Action::Unarchive => Some(Action::Unarchive),
        Action::AddNote { .. }
        | Action::Feedback { .. }
        | Action::Suppress { .. }
        | Action::Playbook { .. } => None,
    }
}

/// What an undo's confirmation is called: `Undo: set workflow NEW on 5 findings (was
/// RESOLVED)` — the undo's plan, and what the action it undoes had set.
pub fn undo_title(undone: &Action, plan: &Plan) -> String {
    format!(
        "Undo: {} on {} findings (was {})",
        plan.action.describe(),
        plan.targets.len(),
        undone_values(undone)
    )
}

/// What an undone action had set, in a word or two (`RESOLVED`, `archived`).
pub fn undone_values(undone: &Action) -> String {
    match undone {
        Action::SetWorkflow { status, .. } => status.as_str().to_string(),
        Action::SetVerification { state } => state.as_str().to_string(),
        Action::SetSeverity { label } => label.as_str().to_string(),
        Action::Archive => "archived".into(),
        Action::Unarchive => "unarchived".into(),
        Action::ResolveFalsePositive { .. } => "FALSE_POSITIVE, RESOLVED".into(),
        other => other.describe(),
    }
}

/// `u`: confirms the undo of the last action, one previous state at a time (findings that were
/// NEW and findings that were NOTIFIED go back in two steps).
pub fn undo(app: &mut App) {
    let Some((_, first)) = app.findings.undo.first().cloned() else {
        app.notify("nothing to undo", NoticeLevel::Info);
        return;
    };
    // The steps stay until this one is done (an undo cancelled loses nothing); then the
    // findings it put back leave them ([`crate::app::update`]'s `action_done`).
    let now: Vec<_> = app
        .findings
        .undo
        .iter()
        .filter(|(_, a)| *a == first)
        .cloned()
        .collect();
    let later = app.findings.undo.len() - now.len();
    app.findings.undoing = Some(first.clone());
    let mut flow = ActionFlow {
        targets: now.iter().map(|(ix, _)| *ix).collect(),
        stage: Stage::Menu,
        playbooks: Vec::new(),
        undo_of: app.findings.undo_of.clone().map(Box::new),
    };
    if later > 0 {
        app.notify(
            format!("undo in steps: {later} more findings after this one"),
            NoticeLevel::Info,
        );
    }
    to_confirm(app, &mut flow, first);
    if matches!(flow.stage, Stage::Confirm { .. }) {
        app.modal = Some(Modal::Action(flow));
    }
}
