//! The application state and the messages that change it.
//!
//! `update(&mut App, Msg) -> Vec<Effect>` is the only way state changes. It performs no I/O,
//! never reads the clock (time arrives as [`Msg::Tick`]) and never awaits; whatever must happen
//! outside (quit, copy to the clipboard, poll a source now) is returned as an [`Effect`] for the
//! runtime to carry out. That makes every behaviour testable by feeding messages.

pub mod act;
pub mod alerts;
pub mod groups;
pub mod handoff;
pub mod health_matrix;
pub mod help;
pub mod history;
pub mod incidents;
pub mod json_view;
pub mod keymap;
pub mod keys;
pub mod layout;
pub mod logs;
pub mod posture;
pub mod prompt;
pub mod readiness;
pub mod screens;
pub mod stats;
pub mod symbols;
mod table;
mod update;
pub mod views;

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::model::Directory;
use crate::model::health::{Health, HealthKey};
use crate::query::QueryError;
use crate::sources::{Batch, Feed};
use crate::store::{EntryIx, FindingStore, SortKey};
use crate::theme::{ColorDepth, Theme, ThemeSet};
pub use json_view::JsonView;
pub use keymap::{Command, Keymap, Mode};
pub use keys::{Key, KeyCode};
pub use logs::LogView;
use prompt::LineEditor;
pub use screens::{
    FindingsScreen, LogsPage, LogsScreen, Look, OverviewLine, OverviewScreen, SourcesScreen,
};
pub use stats::Stats;
pub use table::FindingsTable;
pub use update::{COLON_COMMANDS, ColonCommand, Update, update};
pub use views::SavedView;

// Batches are most of the channel's traffic and its largest variant: boxing them would add an
// allocation to every poll to save bytes on the rarer messages.
#[allow(clippy::large_enum_variant)]
pub enum Msg {
    Key(Key),
    /// Bracketed paste: text for the open prompt.
    Paste(String),
    Resize(u16, u16),
    /// The clock: the runtime sends the current time every second.
    Tick(Timestamp),
    Batch(Feed, Batch),
    /// What came of an action: one outcome per target.
    ActionDone {
        action: crate::actions::Action,
        entries: Vec<crate::store::EntryIx>,
        /// Who approved it (the plan's operator).
        operator: String,
        outcome: Result<Vec<crate::journal::TargetOutcome>, String>,
    },
    /// The log groups starting with `prefix`.
    Groups {
        prefix: String,
        result: Result<Vec<String>, String>,
    },
    /// Where a Logs Insights query stands.
    Insights(crate::logs::insights::InsightsUpdate),
    /// What a pivot's search found (or why it could not look).
    PivotDone {
        finding: String,
        result: Result<crate::logs::pivot::Found, String>,
    },
    /// The queue was filled from the disk store, as it was written at `written_at`.
    Restored {
        findings: usize,
        skipped: usize,
        /// Stored findings outside the scope, left on disk.
        outside: usize,
        written_at: Option<Timestamp>,
    },
    /// These entries, as revised then, are in the disk store.
    Stored(Vec<(crate::store::EntryIx, i64)>),
    /// Writing to the disk store failed (what was not written stays in memory).
    StoreFailed(String),
    /// A question for the analyst (an MFA code for a profile's role).
    Ask(crate::ask::Question),
    /// What came of `:view save`: where the view was written, or why not.
    ViewSaved {
        name: String,
        view: SavedView,
        result: Result<String, views::SaveError>,
    },
    /// The config and theme files read again (`:reload`), or the error, as start-up says it.
    Reloaded(Result<Box<Reloaded>, String>),
}

#[derive(Debug, PartialEq)]
pub enum Effect {
    Quit,
    /// Put text on the clipboard through the terminal (OSC 52).
    Copy(String),
    /// Poll every active source now.
    Refresh,
    /// Start or stop polling a feed (only visible screens poll).
    SetFeed(Feed, bool),
    /// Carry out an acknowledged response action.
    Execute(Box<act::Approved>),
    /// Search the CloudTrail history for a finding's activity.
    Pivot(Box<crate::logs::pivot::PivotRequest>),
    /// List the log groups starting with a prefix; tail these groups (and remember them).
    ListGroups(String),
    /// Tail these groups (and remember them); log batches polled before, for the groups
    /// replaced, carry an older generation and are dropped.
    SetGroups {
        groups: Vec<String>,
        generation: u64,
    },
    /// Run a Logs Insights query; stop one.
    Insights(Box<crate::logs::insights::InsightsRequest>),
    StopInsights(u64),
    /// Ask a source to read these findings again by id ([`crate::sources::Source::recheck`]).
    Recheck {
        source: String,
        ids: Vec<String>,
    },
    /// Ring the bell and raise a desktop notification saying this (sanitized text).
    Notify(String),
    /// Show this many unseen alerts in the window title (0: the plain title).
    Title(usize),
    /// Start again on this AWS profile: its sources, its store, a fresh memory.
    SwitchProfile(String),
    /// Check log events against these detections where they are read (the polling tasks).
    SetDetections(Vec<&'static str>),
    /// The analyst's answer to a question (None: declined).
    Answer {
        id: u64,
        text: Option<String>,
    },
    /// Write this view into the config file as `[views.NAME]` (one of that name is replaced
    /// only if `replace`), under a comment saying when (`stamp`, the app's clock).
    SaveView {
        name: String,
        view: SavedView,
        replace: bool,
        stamp: String,
    },
    /// Read the config file and the theme files again.
    Reload,
}

/// A Logs Insights query and its latest answer, over the logs screen until Esc.
#[derive(Debug)]
pub struct InsightsView {
    pub request: crate::logs::insights::InsightsRequest,
    pub latest: crate::logs::insights::InsightsUpdate,
    /// First row shown.
    pub scroll: usize,
}

/// The logs screen showing one finding's activity instead of the live stream.
#[derive(Debug)]
pub struct Pivot {
    pub request: crate::logs::pivot::PivotRequest,
    pub pattern: crate::logs::pattern::Pattern,
    pub view: logs::LogView,
    /// The search beyond the live buffer is under way.
    pub searching: bool,
    pub error: Option<String>,
    /// What the search left out (it stopped at its limit), shown above the rows.
    pub left_out: Option<String>,
    /// Where the pivot was opened from (the tab and its screens, the finding's detail): Esc
    /// returns there.
    pub origin: (Tab, Vec<Screen>),
}

/// The top-level screens, switched with Tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Findings,
    Logs,
    /// Health of every (account, region, service) picket reads.
    Sources,
    /// Where the organization stands and what nobody watches.
    Posture,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Overview,
        Tab::Findings,
        Tab::Logs,
        Tab::Sources,
        Tab::Posture,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Findings => "Findings",
            Tab::Logs => "Logs",
            Tab::Sources => "Sources",
            Tab::Posture => "Posture",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Summary,
    Json,
}

/// A finding opened with Enter.
#[derive(Clone, Debug, PartialEq)]
pub struct DetailState {
    pub entry: EntryIx,
    /// The full finding, rebuilt from its raw record when opened or updated.
    pub finding: Box<crate::model::Finding>,
    pub pane: Pane,
    pub summary_scroll: usize,
    pub json: JsonView,
}

/// A log event opened with Enter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordState {
    pub title: String,
    pub json: JsonView,
    /// Where the console shows it (CloudTrail's event history, the log stream).
    pub link: Option<String>,
}

/// What is drawn above the tab's own screen: the screen stack beyond the root.
#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    Detail(Box<DetailState>),
    Record(Box<RecordState>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    Filter,
    Command,
    Search,
    /// A CloudWatch Logs filter pattern for the logs screen.
    LogFilter,
    /// The answer to the question of this id (`App::questions`' first).
    Answer(u64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub editor: LineEditor,
    pub error: Option<QueryError>,
    /// Candidates for the word at the cursor, and which one Tab inserted last.
    pub completions: Vec<String>,
    pub completion_ix: Option<usize>,
    /// In the filter prompt, once Tab has been pressed: where the completed term starts, and
    /// what stays before each candidate (`-status:`, `sev:high,`; nothing for a field name).
    pub completion_base: Option<(usize, String)>,
    /// What was in force when the prompt opened, restored on Esc.
    pub original: String,
    /// Position in the history while browsing it with ↑/↓.
    pub history_ix: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Modal {
    Help {
        scroll: usize,
    },
    Prompt(Prompt),
    /// Choosing, wording and confirming a response action.
    Action(act::ActionFlow),
    /// Choosing the log groups to tail.
    Groups(groups::GroupPicker),
    /// Text to read (and already copied): the aws-cli read behind the view.
    Text {
        title: String,
        lines: Vec<String>,
        scroll: usize,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeLevel {
    Info,
    Warning,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub level: NoticeLevel,
    pub until: Timestamp,
}

/// What the config says that can change while picket runs, resolved as at start-up (the flags
/// that win over the file still win): what `:reload` applies.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    pub keymap: Keymap,
    pub views: BTreeMap<String, SavedView>,
    pub themes: ThemeSet,
    pub theme: String,
    pub time_zone: TimeZone,
    /// CIS detections run on the CloudTrail stream (`[logs] detect`).
    pub detect: Vec<String>,
    pub sla: crate::model::sla::Sla,
    pub alerts: alerts::AlertOptions,
    pub playbooks: Vec<crate::actions::playbook::Playbook>,
    /// Theme files that did not load: said, not fatal.
    pub warnings: Vec<String>,
}

/// The config read again by `:reload`.
#[derive(Clone, Debug)]
pub struct Reloaded {
    /// The file read, for the message.
    pub path: String,
    pub live: LiveOptions,
    /// Settings changed since start that only a restart applies (`scope`, `profile`…).
    pub restart: Vec<String>,
}

/// Everything the app needs from the config and the environment, resolved at start-up.
#[derive(Clone, Debug)]
pub struct Options {
    pub keymap: Keymap,
    pub views: BTreeMap<String, SavedView>,
    pub themes: ThemeSet,
    pub theme: String,
    pub color_depth: ColorDepth,
    pub sort: SortKey,
    pub filter: String,
    pub log_capacity: usize,
    pub time_zone: TimeZone,
    /// Problems found while loading (bad user theme files…), shown once at start.
    pub warnings: Vec<String>,
    /// What is being watched, for the tab bar: `demo organization (seed 7)`, a profile…
    pub org_label: String,
    /// The AWS profile picket runs with (named in the aws-cli lines it shows), if any.
    pub profile: Option<String>,
    /// Containment playbooks from config.
    pub playbooks: Vec<crate::actions::playbook::Playbook>,
    /// The log groups tailed at start (remembered, configured, or none: discovered).
    pub log_groups: Vec<String>,
    /// CIS detections run on the CloudTrail stream (`[logs] detect`).
    pub detect: Vec<String>,
    /// Which findings are read at all (`[scope] filter`): what reaches the app unfiltered
    /// (the event feed, a store written under another scope) is held to it too.
    pub scope: Option<std::sync::Arc<crate::store::scope::Scope>>,
    /// `[sla]`: how long a finding of each severity may stay open.
    pub sla: crate::model::sla::Sla,
    /// `[alerts]`, or off.
    pub alerts: alerts::AlertOptions,
    /// Start in presenter mode (`--present`).
    pub present: bool,
    /// The AWS profiles `:profile` switches between; None where picket reads no AWS profile
    /// (the demo organization, exported files).
    pub profiles: Option<Vec<crate::model::profile::Choice>>,
    /// What earlier sessions' actions did to findings, read from the journal at start.
    pub history: history::History,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            keymap: Keymap::default(),
            views: BTreeMap::new(),
            themes: ThemeSet::builtin(),
            theme: "default".into(),
            color_depth: ColorDepth::TrueColor,
            sort: SortKey::Severity,
            filter: String::new(),
            log_capacity: logs::DEFAULT_CAPACITY,
            time_zone: TimeZone::UTC,
            warnings: Vec::new(),
            org_label: String::new(),
            profile: None,
            playbooks: Vec::new(),
            log_groups: Vec::new(),
            detect: vec!["all".into()],
            scope: None,
            sla: crate::model::sla::Sla::default(),
            alerts: alerts::AlertOptions::default(),
            present: false,
            profiles: None,
            history: history::History::default(),
        }
    }
}

pub struct App {
    pub now: Timestamp,
    pub started: Timestamp,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub store: FindingStore,
    pub directory: Directory,
    pub health: BTreeMap<HealthKey, Health>,
    pub stats: Stats,
    /// How write-back reaches each (account, region, service), as the sources report it.
    pub routes: std::collections::HashMap<
        (String, String, crate::model::health::Service),
        crate::model::Route,
    >,
    pub playbooks: Vec<crate::actions::playbook::Playbook>,
    /// When the findings feed last delivered a batch.
    pub last_batch: Option<Timestamp>,
    /// The queue on screen is the disk store's, written at this time, until a source has
    /// caught up.
    pub restored_from: Option<Timestamp>,
    /// Per reconciling source: the findings its last complete read did not deliver again,
    /// asked for by id, by the id the service knows them by ([`Effect::Recheck`]).
    pub rechecking: HashMap<String, HashMap<String, crate::store::EntryIx>>,
    /// `[scope] filter`.
    pub scope: Option<std::sync::Arc<crate::store::scope::Scope>>,
    /// The services' own counts of active findings, by source.
    pub server_counts: BTreeMap<String, crate::model::counts::ServerCounts>,
    /// New findings worth a bell.
    pub alerts: alerts::Alerts,
    /// The AWS profile picket runs with.
    pub profile: Option<String>,
    /// The profiles `:profile` offers (None: no switching here).
    pub profiles: Option<Vec<crate::model::profile::Choice>>,
    pub org_label: String,
    /// Who picket reads AWS as (`account · ARN`), once a source has asked STS.
    pub identity: Option<crate::model::SafeText>,
    pub tab: Tab,
    /// Screens pushed over the tab (detail, log record); the last is shown.
    pub stack: Vec<Screen>,
    pub modal: Option<Modal>,
    /// The latest message, on the status bar until its time is up and a key is pressed.
    pub notice: Option<Notice>,
    /// Every message shown this session, newest last, for `:messages`
    /// ([`crate::limits::MESSAGES_KEPT`] at most).
    pub messages: std::collections::VecDeque<(Timestamp, Notice)>,
    /// `:` lines entered, for ↑/↓ in the command prompt.
    pub command_history: Vec<String>,
    /// Questions waiting for the analyst, the one asked first.
    pub questions: std::collections::VecDeque<crate::ask::Question>,
    pub overview: OverviewScreen,
    pub findings: FindingsScreen,
    pub logs: LogsScreen,
    pub sources: SourcesScreen,
    pub posture: posture::screen::PostureScreen,
    pub look: Look,
    /// Something visible changed since the last frame.
    pub dirty: bool,
    /// Presenter mode: identifiers are shown, copied and exported as stand-ins.
    pub present: bool,
    /// The session's stand-ins: kept when presenter mode is switched off and on again, so a
    /// value keeps its stand-in for the whole session.
    pub mask: std::sync::Arc<crate::mask::Mask>,
    /// What picket's actions did to findings, this session's and earlier ones'.
    pub history: history::History,
}

impl App {
    /// Whether the log feed should run: its screen is open, or detections read the stream.
    pub fn wants_logs(&self) -> bool {
        self.tab == Tab::Logs || !self.logs.detector.is_empty()
    }

    pub fn new(options: Options, now: Timestamp) -> App {
        let theme = options
            .themes
            .get(&options.theme)
            .cloned()
            .unwrap_or_else(Theme::fallback)
            .adapt(options.color_depth);
        let mut app = App {
            now,
            started: now,
            size: (120, 40),
            store: FindingStore::with_sla(options.sla),
            directory: Directory::default(),
            health: BTreeMap::new(),
            stats: Stats::default(),
            routes: Default::default(),
            playbooks: options.playbooks,
            last_batch: None,
            restored_from: None,
            rechecking: HashMap::new(),
            scope: options.scope.clone(),
            server_counts: BTreeMap::new(),
            alerts: alerts::Alerts::new(options.alerts.clone()),
            org_label: crate::model::SafeText::line(&options.org_label).to_string(),
            profiles: options.profiles.clone(),
            profile: options
                .profile
                .as_deref()
                .map(|p| crate::model::SafeText::line(p).to_string()),
            identity: None,
            tab: Tab::Overview,
            stack: Vec::new(),
            modal: None,
            notice: None,
            messages: std::collections::VecDeque::new(),
            command_history: Vec::new(),
            questions: std::collections::VecDeque::new(),
            overview: OverviewScreen::default(),
            findings: FindingsScreen::new(FindingsTable::new(options.sort)),
            logs: LogsScreen::new(
                LogView::new(options.log_capacity),
                options.log_groups.clone(),
                // Names were checked when the config loaded; an unknown one leaves detection off.
                crate::logs::detect::Detector::named(&options.detect)
                    .unwrap_or_else(|_| crate::logs::detect::Detector::new(Vec::new())),
            ),
            sources: SourcesScreen::default(),
            posture: Default::default(),
            look: Look {
                keymap: options.keymap,
                views: options.views,
                themes: options.themes,
                theme,
                color_depth: options.color_depth,
                time_zone: options.time_zone,
            },
            dirty: true,
            present: options.present,
            mask: std::sync::Arc::new(crate::mask::Mask::new()),
            history: options.history,
        };
        if !options.filter.is_empty()
            && let Err(e) =
                app.findings
                    .table
                    .set_filter(&options.filter, &app.store, &app.directory, now)
        {
            app.notify(
                format!("filter from config ignored: {e}"),
                NoticeLevel::Error,
            );
        }
        if let Some(first) = options.warnings.first() {
            let more = options.warnings.len() - 1;
            let text = if more > 0 {
                format!("{first} (+{more} more)")
            } else {
                first.clone()
            };
            app.notify(text, NoticeLevel::Warning);
        }
        app
    }

    /// The screen keys are resolved for.
    pub fn mode(&self) -> Mode {
        match &self.modal {
            Some(Modal::Prompt(_)) => return Mode::Prompt,
            Some(Modal::Help { .. }) | Some(Modal::Text { .. }) => return Mode::Help,
            // The action flow reads keys itself; help shows the prompt keys meanwhile.
            Some(Modal::Action(_)) | Some(Modal::Groups(_)) => return Mode::Prompt,
            None => {}
        }
        match self.stack.last() {
            Some(Screen::Detail(_)) | Some(Screen::Record(_)) => Mode::Detail,
            None => match self.tab {
                Tab::Overview => Mode::Overview,
                Tab::Findings => Mode::Findings,
                Tab::Logs => Mode::Logs,
                Tab::Sources => Mode::Sources,
                Tab::Posture => Mode::Posture,
            },
        }
    }

    /// Recounts the accounts the marks touch (after the marks change).
    /// The active profile reaches production: its name or account matches `[org] production`,
    /// or the account it reads as is a production account of the directory.
    pub fn profile_is_production(&self) -> bool {
        let Some(name) = self.profile.as_deref() else {
            return false;
        };
        let chosen = self
            .profiles
            .iter()
            .flatten()
            .any(|c| c.profile.name == name && c.production);
        let account = self
            .identity
            .as_deref()
            .and_then(|who| who.split(" · ").next())
            .and_then(|id| self.directory.get(id))
            .is_some_and(|a| a.production);
        chosen || account
    }

    pub fn refresh_marks_scope(&mut self) {
        let accounts: std::collections::BTreeSet<u32> = self
            .findings
            .marks
            .iter()
            .filter_map(|&ix| self.store.summary(ix))
            .map(|s| s.account)
            .collect();
        let production = accounts.iter().any(|&id| {
            self.directory
                .counts_as_production(self.store.accounts.name(id))
        });
        self.findings.marks_scope = (accounts.len(), production);
    }

    /// Shows a message on the status bar. Messages quote outside text (AWS errors, names from
    /// the config, what was typed), so they are sanitized here, once, for every caller.
    /// Whether the overview shows the services' counts: there are some, and the store holds
    /// only a scope, or is still filling (empty, restored and not read on, or a backlog).
    pub fn counts_from_server(&self) -> bool {
        use crate::model::health::Service;
        let filling = self.store.is_empty()
            || self.restored_from.is_some()
            || self.health.iter().any(|(key, health)| {
                matches!(key.service, Service::GuardDuty | Service::SecurityHub)
                    && health.backlog.is_some()
            });
        !self.server_counts.is_empty() && (self.scope.is_some() || filling)
    }

    /// An info message goes after a few seconds; a warning or an error stays until a key is
    /// pressed after its few seconds, so one that came while nobody looked is still there.
    pub fn notify(&mut self, text: impl Into<String>, level: NoticeLevel) {
        let text = crate::model::SafeText::line(&text.into()).to_string();
        let seconds = if level == NoticeLevel::Info { 4 } else { 8 };
        let until = self
            .now
            .checked_add(jiff::SignedDuration::from_secs(seconds))
            .unwrap_or(self.now);
        let notice = Notice { text, level, until };
        if self.messages.len() >= crate::limits::MESSAGES_KEPT {
            self.messages.pop_front();
        }
        self.messages.push_back((self.now, notice.clone()));
        self.notice = Some(notice);
    }

    /// The finding the detail screen shows, if one is open.
    pub fn detail(&self) -> Option<&DetailState> {
        match self.stack.last() {
            Some(Screen::Detail(d)) => Some(d),
            _ => None,
        }
    }
}
