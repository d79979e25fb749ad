//! The app as a state machine. Random sequences over the whole keymap, typed text, pastes,
//! resizes, clock ticks and answers arriving between keys (findings, log events, action
//! outcomes, pivot searches, Insights updates, group listings, stale ones included) are fed to
//! `update` from many starting states: no findings, one, the demo organization, the demo
//! organization restored from a disk store (changes written back, the writer's answers arriving
//! between keys), 100,000; every screen and modal; marks that survive a filter change; terminal
//! sizes down to 1×1. After every step the invariants are checked and the screen is drawn at the
//! current size:
//!
//! - nothing panics (`update` or the view);
//! - the findings selection, the overview row, the sources cursor and every open page point
//!   inside what exists;
//! - marks and the range anchor are entries of the store;
//! - no `Execute` leaves `update` unless the key was the acknowledgement the plan demands.
//!
//! CI runs a few thousand cases. A walk has up to `PICKET_STATE_STEPS` steps, half that on
//! average, so a long run of over a million steps is `PICKET_STATE_CASES=30000
//! PICKET_STATE_STEPS=80 cargo test --test state_space -- --nocapture` (it prints the count).

mod common;

use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use picket::app::act::Stage;
use picket::app::incidents::Line;
use picket::app::keys::{Key, KeyCode, Mods, parse_sequence};
use picket::app::{App, Effect, Modal, Mode, Msg, Options, Screen, update};
use picket::logs::insights::InsightsUpdate;
use picket::model::Workflow;
use picket::model::{Finding, LogEvent};
use picket::sources::demo::{DemoOrg, generate_findings, generate_trail};
use picket::sources::{Batch, Feed, FullRead, Reader};
use picket::store::disk::{Disk, Written};

/// How many findings the starting state holds.
#[derive(Clone, Copy, Debug)]
enum Rows {
    Empty,
    One,
    Demo,
    /// The demo queue restored from a disk store: raw records on disk, changes written back and
    /// the writer's answers (stored, or failed) arriving between keys.
    Stored,
    Large,
}

/// Key sequences that put the app on each screen and modal (and a few hard corners) before the
/// random part starts.
const SETUPS: &[&str] = &[
    "",
    "2",
    "2 / sev>=critical Space account:nobody-here Enter",
    "2 / sev>=critical Space account:nobody-here Enter V",
    "2 Space Space j Space",
    "2 * / sev>=high Enter",
    "2 Space Space / type:Nothing* Enter",
    "2 u",
    "2 Enter",
    "2 Enter Tab / a Enter",
    "2 a",
    "2 Space a r",
    "2 Space Space Space a n",
    "2 * a A",
    "2 a v",
    "2 L",
    "2 L /",
    "3",
    "3 Enter",
    "3 o",
    "3 /",
    "4",
    "4 l l Enter",
    "?",
    ":",
    ": query Space fields Space @message Enter",
    ": sort Space account Space desc Enter",
    "/ sev>=",
    "1 Enter",
    "2 i",
    "2 i Enter",
    "2 i Enter j j j a",
    "2 i i i Enter Space",
    ": group Space by Space resource Enter l j",
    "2 i i i i Enter / sev>=high Enter",
    "2 a s",
    "2 a s f gone Tab 30d",
    "2 / is:expired Enter a e",
    "2 / sev>=high Space title:*x* Enter : cli Enter",
    "2 a o Ctrl-T",
    "2 / sev>=high Enter : view Space save Space crit Enter",
    ": reload Enter",
];

#[derive(Clone, Debug)]
enum Step {
    Key(Key),
    Paste(String),
    Resize(u16, u16),
    Tick(i64),
    /// New findings from a source (a first sweep when `initial`).
    Findings {
        n: usize,
        seed: u64,
        initial: bool,
    },
    /// A stored finding delivered again with its record changed.
    Update {
        pick: usize,
        change: u8,
    },
    /// CloudTrail events on the log feed.
    Events {
        n: usize,
        seed: u64,
    },
    /// A reconciling source's complete read of its active set, begun `back` seconds ago.
    FullRead {
        back: i64,
    },
    /// Delivers the answer to an earlier effect (a stale one just as well).
    Answer {
        pick: usize,
        ok: bool,
    },
}

/// Text that would drive a terminal: a clipboard write, a title change, a bidi override, a C1
/// CSI, a zero-width joiner and a tag character.
const HOSTILE: &str = "x\u{1b}]52;c;cm0gLXJm\u{7}\u{1b}]0;t\u{7}\u{202e}\u{9b}31m\u{200d}\u{e0041}";

fn now() -> Timestamp {
    common::now()
}

/// The reconciling source of the walks.
const READER: &str = "securityhub us-east-1 123456789012";

fn reader(at: Timestamp) -> Reader {
    Reader {
        name: READER.to_string(),
        at,
    }
}

/// Every key bound anywhere, and the characters an analyst or a cat might type.
fn keys() -> &'static [Key] {
    static KEYS: OnceLock<Vec<Key>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let keymap = picket::app::Keymap::default();
        let mut keys: Vec<Key> = Mode::ALL
            .iter()
            .flat_map(|&mode| keymap.bindings(mode))
            .flat_map(|(_, keys)| keys)
            .collect();
        let typed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 :/*-+.,=<>!\"'()[]{}%?@#$&_~|^`\\\u{e9}\u{754c}\u{202e}\u{200b}\u{1f600}";
        keys.extend(typed.chars().map(Key::char));
        for code in [
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Backspace,
            KeyCode::Delete,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::F(1),
        ] {
            keys.push(Key::plain(code));
        }
        keys.push(Key {
            code: KeyCode::Char('x'),
            mods: Mods {
                alt: true,
                ..Mods::default()
            },
        });
        // Ctrl-C quits: the walk goes on in the state it leaves, like every other key.
        keys.sort();
        keys.dedup();
        keys
    })
}

fn step() -> impl Strategy<Value = Step> {
    let key = (0..keys().len()).prop_map(|i| Step::Key(keys()[i]));
    // The keys of the action flow, often enough that walks reach its confirmations.
    let flow: Vec<Key> = parse_sequence("a y y n o t f b A U + - v c h Enter Esc Space j 2 1 x");
    let flow = proptest::sample::select(flow).prop_map(Step::Key);
    let paste = prop_oneof![
        Just("sev>=high".to_string()),
        Just("line one\nline two\r\n".to_string()),
        Just("\u{1b}[2J\u{202e}evil\u{7}".to_string()),
        "[ -~]{0,40}",
    ]
    .prop_map(Step::Paste);
    let size = prop_oneof![1u16..=30, 1u16..=300];
    let resize = (size.clone(), size).prop_map(|(w, h)| Step::Resize(w, h));
    prop_oneof![
        45 => key,
        20 => flow,
        3 => paste,
        4 => resize,
        4 => (-120i64..7200).prop_map(Step::Tick),
        4 => (0usize..40, any::<u64>(), any::<bool>())
            .prop_map(|(n, seed, initial)| Step::Findings { n, seed, initial }),
        4 => (any::<usize>(), any::<u8>()).prop_map(|(pick, change)| Step::Update { pick, change }),
        3 => (0usize..60, any::<u64>()).prop_map(|(n, seed)| Step::Events { n, seed }),
        2 => (-60i64..7200).prop_map(|back| Step::FullRead { back }),
        8 => (any::<usize>(), any::<bool>()).prop_map(|(pick, ok)| Step::Answer { pick, ok }),
    ]
}

/// The findings of the demo organization's first sweep, and of a large organization, built
/// once: each case starts from copies.
fn demo_findings() -> &'static [Finding] {
    static DEMO: OnceLock<Vec<Finding>> = OnceLock::new();
    DEMO.get_or_init(|| generate_findings(7, 300, now()))
}

fn large_findings() -> &'static [Finding] {
    static LARGE: OnceLock<Vec<Finding>> = OnceLock::new();
    LARGE.get_or_init(|| generate_findings(11, 100_000, now()))
}

/// The app, the answers to its effects not yet delivered, and whether the log feed runs.
struct World {
    app: App,
    pending: Vec<Msg>,
    logs_active: bool,
    executes: usize,
    /// The disk store of a [`Rows::Stored`] walk, and the directory it lives in.
    disk: Option<(std::sync::Arc<Disk>, tempfile::TempDir)>,
}

impl World {
    fn start(rows: Rows, size: (u16, u16), setup: &str) -> World {
        // Names from the config are outside text too: a playbook and a saved view whose names
        // carry escape sequences and bidi overrides.
        let mut views = std::collections::BTreeMap::new();
        views.insert(
            HOSTILE.to_string(),
            picket::app::SavedView {
                filter: "sev>=high".into(),
                sort: None,
            },
        );
        let options = Options {
            // A playbook every finding matches, so walks reach it too.
            playbooks: vec![
                toml::Table::from_iter([
                    ("name".to_string(), toml::Value::from(HOSTILE)),
                    ("when".to_string(), "sev>=info".into()),
                    ("kind".to_string(), "eventbridge".into()),
                    ("action_name".to_string(), "Tag".into()),
                ])
                .try_into()
                .expect("playbook"),
            ],
            views,
            log_groups: vec![HOSTILE.to_string()],
            org_label: HOSTILE.to_string(),
            warnings: vec![format!("theme {HOSTILE}: bad colour")],
            // Every new finding alerts, in quiet hours half the day.
            alerts: picket::app::alerts::AlertOptions {
                filter: Some(picket::query::Query::parse("sev>=info").expect("filter")),
                quiet: picket::app::alerts::Quiet::parse("12:00-00:00").ok(),
            },
            ..Options::default()
        };
        let mut app = App::new(options, now());
        update(&mut app, Msg::Resize(size.0, size.1));
        let findings: Vec<Finding> = match rows {
            Rows::Empty | Rows::Stored => Vec::new(),
            Rows::One => demo_findings()[..1].to_vec(),
            Rows::Demo => demo_findings().to_vec(),
            Rows::Large => large_findings().to_vec(),
        };
        let disk = matches!(rows, Rows::Stored).then(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let disk =
                std::sync::Arc::new(Disk::open(&dir.path().join("s.sqlite")).expect("store"));
            let written: Vec<Written> = demo_findings()
                .iter()
                .map(|f| Written {
                    row: picket::store::Row::of(f),
                    kind: f.raw.kind(),
                    raw: Some(f.raw.clone()),
                    arrived: now(),
                    unseen: false,
                    reader: Some(READER.to_string()),
                    // Never looked at: new to this shift.
                    look: None,
                })
                .collect();
            disk.write(&written, &[], now()).expect("written");
            picket::runtime::persist::restore(&mut app, &disk);
            (disk, dir)
        });
        let batch = Batch {
            findings,
            accounts: DemoOrg::new(7).accounts().to_vec(),
            initial: true,
            ..Batch::default()
        };
        update(&mut app, Msg::Batch(Feed::Findings, batch));
        let mut world = World {
            logs_active: false,
            pending: Vec::new(),
            app,
            executes: 0,
            disk,
        };
        if world.disk.is_some() {
            world
                .pending
                .push(Msg::StoreFailed(format!("store: cannot write: {HOSTILE}")));
        }
        // An MFA code asked for at any point of a walk, over whatever is open.
        world.pending.push(Msg::Ask(picket::ask::Question {
            id: 1,
            text: format!("MFA code for {HOSTILE}"),
        }));
        if world.app.wants_logs() {
            world.logs_active = true;
            world.events(60, 1);
        }
        for key in parse_sequence(setup) {
            let acknowledged = acknowledges(&world.app, key);
            let effects = update(&mut world.app, Msg::Key(key));
            world.take(effects, acknowledged);
        }
        world
    }

    fn events(&mut self, n: usize, seed: u64) {
        let start = self.app.now - SignedDuration::from_secs(n as i64);
        let events: Vec<LogEvent> = generate_trail(seed, n, start);
        let batch = Batch {
            events,
            ..Batch::default()
        };
        let effects = update(&mut self.app, Msg::Batch(Feed::Logs, batch));
        self.take(effects, false);
    }

    /// Carries out effects as the runtime would, except that answers wait until a later step
    /// delivers them (in any order).
    fn take(&mut self, effects: impl IntoIterator<Item = Effect>, acknowledged: bool) {
        for effect in effects {
            match effect {
                Effect::Execute(approved) => {
                    assert!(
                        acknowledged,
                        "an action left update without its acknowledgement: {:?}",
                        approved.plan.action
                    );
                    self.executes += 1;
                    let outcome = picket::sources::demo::demo_outcome(&approved.plan);
                    self.pending.push(Msg::ActionDone {
                        action: approved.plan.action.clone(),
                        entries: approved.entries.clone(),
                        operator: approved.plan.operator.clone(),
                        outcome: Ok(outcome),
                    });
                    self.pending.push(Msg::ActionDone {
                        action: approved.plan.action.clone(),
                        entries: approved.entries.clone(),
                        operator: approved.plan.operator.clone(),
                        outcome: Err(format!("AccessDenied: {HOSTILE}")),
                    });
                }
                Effect::Pivot(request) => {
                    let found = generate_trail(3, 20, request.start);
                    self.pending.push(Msg::PivotDone {
                        finding: request.finding.clone(),
                        result: Ok(found.into()),
                    });
                    self.pending.push(Msg::PivotDone {
                        finding: request.finding,
                        result: Err(format!("ThrottlingException: {HOSTILE}")),
                    });
                }
                Effect::Insights(request) => {
                    let row = vec![
                        (
                            "@timestamp".to_string(),
                            "2026-01-15 09:00:00.000".to_string(),
                        ),
                        ("eventName".to_string(), HOSTILE.to_string()),
                        (HOSTILE.to_string(), "field".to_string()),
                    ];
                    self.pending.push(Msg::Insights(InsightsUpdate {
                        id: request.id,
                        status: "Running".into(),
                        rows: vec![row.clone(); 3],
                        ..InsightsUpdate::default()
                    }));
                    self.pending.push(Msg::Insights(InsightsUpdate {
                        id: request.id,
                        status: "Complete".into(),
                        rows: vec![row; 40],
                        done: true,
                        ..InsightsUpdate::default()
                    }));
                    self.pending
                        .push(Msg::Insights(InsightsUpdate::failed(request.id, HOSTILE)));
                }
                Effect::ListGroups(prefix) => {
                    self.pending.push(Msg::Groups {
                        prefix: prefix.clone(),
                        result: Ok(picket::sources::groups::DEMO_GROUPS
                            .iter()
                            .map(|g| g.to_string())
                            .chain([HOSTILE.to_string()])
                            .collect()),
                    });
                    self.pending.push(Msg::Groups {
                        prefix,
                        result: Err(format!("AccessDeniedException: {HOSTILE}")),
                    });
                }
                Effect::Recheck { source, ids } => {
                    assert_eq!(
                        source, READER,
                        "a recheck goes to the source that read them"
                    );
                    // The source no longer has half of them, and names one it was never
                    // asked for; or it fails and says nothing.
                    let gone = ids
                        .iter()
                        .step_by(2)
                        .cloned()
                        .chain([HOSTILE.to_string()])
                        .collect();
                    self.pending.push(Msg::Batch(
                        Feed::Findings,
                        Batch {
                            reader: Some(Reader {
                                name: source,
                                at: self.app.now,
                            }),
                            gone,
                            ..Batch::default()
                        },
                    ));
                    self.pending
                        .push(Msg::Batch(Feed::Findings, Batch::default()));
                }
                Effect::Notify(text) => assert!(
                    !text.chars().any(char::is_control)
                        && picket::model::SafeText::line(&text).as_str() == text,
                    "a notification carries text a terminal would act on: {text:?}"
                ),
                Effect::Title(_) => {}
                // No polling tasks here: the app checks what arrives unchecked.
                Effect::SetDetections(_) => {}
                Effect::Answer { id, text } => {
                    assert_eq!(id, 1, "an answer names the question asked");
                    assert!(
                        !self.app.questions.iter().any(|q| q.id == id),
                        "an answered question is not asked again"
                    );
                    if let Some(text) = text {
                        assert!(!text.chars().any(char::is_control), "{text:?}");
                    }
                }
                Effect::SwitchProfile(profile) => {
                    panic!("no profile to switch to in the demo, yet {profile:?} was asked for")
                }
                Effect::SetFeed(Feed::Logs, active) => self.logs_active = active,
                // The config file took the view, could not, or read back hostile text.
                Effect::SaveView { name, view, .. } => {
                    self.pending.push(Msg::ViewSaved {
                        name: name.clone(),
                        view: view.clone(),
                        result: Ok(format!("/home/{HOSTILE}/config.toml")),
                    });
                    self.pending.push(Msg::ViewSaved {
                        name,
                        view,
                        result: Err(picket::app::views::SaveError::Failed(HOSTILE.into())),
                    });
                }
                Effect::Reload => {
                    let options = picket::app::Options::default();
                    let mut views = options.views;
                    views.insert(
                        HOSTILE.to_string(),
                        picket::app::SavedView {
                            filter: format!("title:{HOSTILE}"),
                            sort: None,
                        },
                    );
                    let live = picket::app::LiveOptions {
                        keymap: options.keymap,
                        views,
                        themes: options.themes,
                        theme: HOSTILE.to_string(),
                        time_zone: options.time_zone,
                        detect: Vec::new(),
                        sla: options.sla,
                        alerts: options.alerts,
                        playbooks: options.playbooks,
                        warnings: vec![HOSTILE.to_string()],
                    };
                    self.pending
                        .push(Msg::Reloaded(Ok(Box::new(picket::app::Reloaded {
                            path: HOSTILE.to_string(),
                            live,
                            restart: vec![HOSTILE.to_string()],
                        }))));
                    self.pending.push(Msg::Reloaded(Err(HOSTILE.to_string())));
                }
                Effect::StopInsights(id) => self
                    .pending
                    .push(Msg::Insights(InsightsUpdate::failed(id, "Cancelled"))),
                Effect::Quit
                | Effect::Copy(_)
                | Effect::Refresh
                | Effect::SetFeed(Feed::Findings, _)
                | Effect::SetGroups { .. } => {}
            }
        }
    }

    fn step(&mut self, step: Step) {
        let (msg, acknowledged) = match step {
            Step::Key(key) => (Msg::Key(key), acknowledges(&self.app, key)),
            Step::Paste(text) => (Msg::Paste(text), false),
            Step::Resize(w, h) => (Msg::Resize(w, h), false),
            Step::Tick(seconds) => {
                let at = self
                    .app
                    .now
                    .checked_add(SignedDuration::from_secs(seconds))
                    .unwrap_or(self.app.now);
                (Msg::Tick(at), false)
            }
            Step::Findings { n, seed, initial } => {
                let batch = Batch {
                    findings: generate_findings(seed, n, self.app.now),
                    initial,
                    // Half the deliveries come from a source that reconciles.
                    reader: (seed % 2 == 1).then(|| reader(self.app.now)),
                    ..Batch::default()
                };
                (Msg::Batch(Feed::Findings, batch), false)
            }
            Step::Update { pick, change } => {
                let len = self.app.store.len();
                if len == 0 {
                    return;
                }
                let ix = (pick % len) as u32;
                let Some(finding) = self.app.store.finding(ix).and_then(|f| changed(&f, change))
                else {
                    return;
                };
                let batch = Batch {
                    findings: vec![finding],
                    ..Batch::default()
                };
                (Msg::Batch(Feed::Findings, batch), false)
            }
            Step::FullRead { back } => {
                let began = self
                    .app
                    .now
                    .checked_sub(SignedDuration::from_secs(back))
                    .unwrap_or(self.app.now);
                let batch = Batch {
                    reader: Some(reader(self.app.now)),
                    full_read: Some(FullRead {
                        began,
                        workflow: vec![Workflow::New, Workflow::Notified],
                    }),
                    ..Batch::default()
                };
                (Msg::Batch(Feed::Findings, batch), false)
            }
            Step::Events { n, seed } => {
                if !self.logs_active {
                    return;
                }
                self.events(n, seed);
                return;
            }
            Step::Answer { pick, ok } => {
                if self.pending.is_empty() {
                    return;
                }
                let mut at = pick % self.pending.len();
                // Answers were queued in pairs or triples, success first: `ok` prefers it.
                if ok && at > 0 && at % 2 == 1 {
                    at -= 1;
                }
                (self.pending.remove(at), false)
            }
        };
        let effects = update(&mut self.app, msg);
        self.take(effects, acknowledged);
        self.write_back();
    }

    /// What the runtime's writer does after every message: the changed entries to the disk
    /// store, its answer queued for a later step.
    fn write_back(&mut self) {
        let Some((disk, _)) = &self.disk else { return };
        let changed = self.app.store.take_changed();
        if changed.is_empty() {
            return;
        }
        let rows: Vec<Written> = changed
            .iter()
            .filter_map(|&ix| Written::of(&self.app.store, ix))
            .collect();
        disk.write(&rows, &[], self.app.now).expect("written");
        let revisions = changed
            .iter()
            .filter_map(|&ix| Some((ix, self.app.store.get(ix)?.revised)))
            .collect();
        self.pending.push(Msg::Stored(revisions));
    }
}

/// A stored finding's record with something an analyst would notice changed: severity, count,
/// last seen, workflow or archived.
fn changed(finding: &Finding, change: u8) -> Option<Finding> {
    let mut record: serde_json::Value = serde_json::from_str(&finding.raw.as_delivered()).ok()?;
    let object = record.as_object_mut()?;
    match change % 5 {
        0 if object.contains_key("severity") => {
            object.insert("severity".into(), serde_json::json!(1 + change % 9));
        }
        1 => {
            object.insert(
                "updatedAt".into(),
                serde_json::json!("2026-01-15T09:45:00Z"),
            );
            object.insert(
                "UpdatedAt".into(),
                serde_json::json!("2026-01-15T09:45:00Z"),
            );
        }
        2 => {
            let status = ["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"][change as usize % 4];
            object.insert("Workflow".into(), serde_json::json!({ "Status": status }));
        }
        3 => {
            object.insert("RecordState".into(), serde_json::json!("ARCHIVED"));
        }
        _ => {
            object.insert(
                "Title".into(),
                serde_json::json!("\u{1b}[31mchanged\u{202e}"),
            );
            object.insert(
                "title".into(),
                serde_json::json!("\u{1b}[31mchanged\u{202e}"),
            );
        }
    }
    let text = serde_json::to_string(&record).ok()?;
    let mut again = picket::model::finding_from_text(finding.raw.kind(), &text).ok()?;
    again.sources = finding.sources;
    Some(again)
}

/// Whether `key` is the answer the open confirmation demands: `y` on a plan that needs no
/// token; Enter on the reason with the right token and a reason otherwise.
fn acknowledges(app: &App, key: Key) -> bool {
    let Some(Modal::Action(flow)) = &app.modal else {
        return false;
    };
    let Stage::Confirm {
        plan,
        token,
        reason,
        on_reason,
        ..
    } = &flow.stage
    else {
        return false;
    };
    if plan.needs_token() {
        let tokens =
            picket::actions::expected_tokens(plan, |id| app.directory.name_of(id).to_string());
        key.code == KeyCode::Enter
            && *on_reason
            && tokens.iter().any(|t| t == token.text().trim())
            && !reason.text().trim().is_empty()
    } else {
        key.typed_char() == Some('y')
    }
}

/// Everything that must hold between any two messages.
fn check(app: &App) -> Result<(), TestCaseError> {
    let store = app.store.len();
    let table = &app.findings.table;
    prop_assert!(
        table.selected < table.len() || (table.is_empty() && table.selected == 0),
        "selection {} outside {} lines",
        table.selected,
        table.len()
    );
    // Grouped, every line points at a group that exists, and every member is a finding the
    // filter keeps.
    let incidents = &table.incidents;
    if incidents.active() {
        let shown: std::collections::HashSet<_> = table.rows.iter().collect();
        for line in &incidents.lines {
            let g = match *line {
                Line::Group(g) | Line::Member(g, _) | Line::Signal(g, _) => g,
            };
            prop_assert!(g < incidents.groups.len(), "a line of no group");
            if let Line::Member(_, ix) = *line {
                prop_assert!(shown.contains(&ix), "a member the filter leaves out");
            }
        }
        for group in &incidents.groups {
            prop_assert!(
                group.members.iter().all(|ix| shown.contains(ix)),
                "a group counts a finding the filter leaves out"
            );
        }
    } else {
        prop_assert!(
            incidents.lines.is_empty(),
            "lines of a grouping that is off"
        );
    }
    prop_assert!(table.offset <= table.selected, "offset below the selection");
    prop_assert!(
        table.rows.iter().all(|&ix| (ix as usize) < store),
        "a row that is not in the store"
    );
    prop_assert!(
        app.findings.marks.iter().all(|&ix| (ix as usize) < store),
        "a mark that is not a finding"
    );
    prop_assert!(
        app.findings
            .mark_anchor
            .is_none_or(|ix| (ix as usize) < store),
        "a range anchor that is not a finding"
    );
    prop_assert!(
        app.overview.row < app.stats.accounts.len().max(1),
        "overview row {} of {}",
        app.overview.row,
        app.stats.accounts.len()
    );
    prop_assert!(
        app.overview
            .column
            .is_none_or(|c| c < picket::model::SeverityLabel::ALL.len()),
        "overview cell {:?}",
        app.overview.column
    );
    for screen in &app.stack {
        if let Screen::Detail(detail) = screen {
            prop_assert!((detail.entry as usize) < store, "a detail of nothing");
        }
    }
    if let Some(Modal::Action(flow)) = &app.modal {
        prop_assert!(
            flow.targets.iter().all(|&ix| (ix as usize) < store),
            "an action on nothing"
        );
    }
    let logs = app.logs.pivot().map_or(&app.logs.buffer, |p| &p.view);
    prop_assert!(logs.len() <= logs.capacity(), "the log buffer overflowed");
    if let Some(row) = logs.selected_index() {
        prop_assert!(row < logs.rows(), "log selection {row} of {}", logs.rows());
    }
    Ok(())
}

/// Draws the app at its size: the view must never panic, and never put a character on the
/// screen that could drive the terminal (the drawing is checked without the backend's own
/// guard, so a sink that skips the sanitizer is caught here).
fn draw(app: &App) -> Result<(), TestCaseError> {
    let (w, h) = app.size;
    let Ok(mut terminal) = Terminal::new(TestBackend::new(w, h));
    let Ok(_) = terminal.draw(|frame| picket::ui::draw(frame, app));
    let buffer = terminal.backend().buffer();
    for (i, cell) in buffer.content().iter().enumerate() {
        if cell.symbol().chars().any(picket::model::text::is_dangerous) {
            let row = i / usize::from(w.max(1));
            let text: String = buffer.content()[row * usize::from(w)..(row + 1) * usize::from(w)]
                .iter()
                .map(|c| c.symbol())
                .collect();
            prop_assert!(
                false,
                "a dangerous character drawn at row {row}: {:?}",
                text
            );
        }
    }
    Ok(())
}

fn start(rows: impl Strategy<Value = Rows>) -> impl Strategy<Value = (Rows, (u16, u16), usize)> {
    let size = prop_oneof![
        (1u16..=30, 1u16..=12),
        (20u16..=300, 5u16..=100),
        Just((80u16, 24u16)),
        Just((120u16, 40u16)),
    ];
    (rows, size, 0..SETUPS.len())
}

fn env_number(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Walks `cases` random sequences of up to `steps` steps from starting states with `rows`.
fn walk(rows: impl Strategy<Value = Rows>, cases: u32, steps: usize) {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let counted = std::sync::atomic::AtomicUsize::new(0);
    let walked = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(
        &(start(rows), proptest::collection::vec(step(), 0..=steps)),
        |((rows, size, setup), steps)| {
            let mut world = World::start(rows, size, SETUPS[setup]);
            check(&world.app)?;
            draw(&world.app)?;
            for step in &steps {
                world.step(step.clone());
                check(&world.app)?;
                draw(&world.app)?;
            }
            walked.fetch_add(steps.len(), std::sync::atomic::Ordering::Relaxed);
            counted.fetch_add(world.executes, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        },
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    let (walked, sent) = (walked.into_inner(), counted.into_inner());
    eprintln!("{cases} cases, {walked} steps, {sent} acknowledged actions sent");
    assert!(
        cases < 100 || sent > 0,
        "the walks reached a confirmation and answered it"
    );
}

#[test]
fn no_state_and_no_sequence_breaks_the_app() {
    let cases = env_number("PICKET_STATE_CASES", 2_000);
    let steps = env_number("PICKET_STATE_STEPS", 40) as usize;
    walk(
        prop_oneof![
            Just(Rows::Empty),
            Just(Rows::One),
            Just(Rows::Demo),
            Just(Rows::Stored)
        ],
        cases,
        steps,
    );
}

/// 100,000 findings take a while to set up in a debug build: fewer, shorter walks.
#[test]
fn a_large_queue_survives_the_same_walks() {
    let cases = env_number("PICKET_STATE_LARGE_CASES", 6);
    walk(Just(Rows::Large), cases, 30);
}
