//! `picket render`: the real app on the demo organization with a frozen clock, fed a key
//! sequence, drawn once into an off-screen buffer. Used for screenshots, docs and tests.

pub mod export;

use futures_util::FutureExt;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::actions::executor::{Executor, MemoryTrail};
use crate::app::{App, Effect, Key, Msg, Options, update};
use crate::runtime::{Backends, Effects, GroupChoice, Host, Reply, Task};
use crate::sources::demo::DemoBackend;
use crate::sources::demo::{DemoFindings, DemoOrg, DemoTrail};
use crate::sources::{Batch, Feed, Source};
use crate::ui::inert::InertBackend;

/// The frozen instant renders use unless told otherwise.
pub const DEFAULT_NOW: &str = "2026-01-15T09:30:00Z";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Ansi,
    Svg,
}

/// Polls a source whose answer is immediate (the demo's always is).
fn poll_now(source: &mut dyn Source, now: Timestamp) -> Batch {
    // Only in-memory sources are rendered; one that would wait delivers nothing.
    source.poll(now).now_or_never().unwrap_or_default()
}

/// The demo organization wired to an app, advanced by hand instead of by a runtime. Effects go
/// through the runtime's own interpreter ([`Effects`]) with in-memory backends: the demo
/// organization answers pivots and accepts actions, whose records stay in memory (a render never
/// writes the analyst's journal).
pub struct Harness {
    pub app: App,
    effects: Effects,
    host: HarnessHost,
    quit: bool,
}

/// The harness as the effects' host: sources polled by hand, tasks run to their (immediate)
/// end, answers queued for the app.
struct HarnessHost {
    findings: DemoFindings,
    trail: DemoTrail,
    logs_active: bool,
    now: Timestamp,
    answers: Arc<Mutex<VecDeque<Msg>>>,
}

impl Host for HarnessHost {
    fn copy(&mut self, _text: &str) -> std::io::Result<()> {
        Ok(())
    }

    fn refresh(&mut self) {}

    fn set_feed(&mut self, feed: Feed, active: bool) {
        if feed == Feed::Logs {
            self.logs_active = active;
            if active {
                let batch = poll_now(&mut self.trail, self.now);
                self.reply().send(Msg::Batch(Feed::Logs, batch));
            }
        }
    }

    fn set_groups(&mut self, _groups: Vec<String>, _generation: u64) {}

    // A render draws one frame into a buffer: no bell, no title.
    fn notify(&mut self, _text: &str) -> std::io::Result<()> {
        Ok(())
    }

    fn title(&mut self, _unseen: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn recheck(&mut self, source: String, ids: Vec<String>) {
        if source == self.findings.name() {
            self.findings.recheck(ids);
        }
    }

    fn spawn(&mut self, task: Task) {
        // In-memory backends answer at once; one that would wait answers nothing.
        let _ = task.now_or_never();
    }

    fn reply(&self) -> Reply {
        let answers = Arc::clone(&self.answers);
        Reply::new(move |msg| {
            if let Ok(mut queue) = answers.lock() {
                queue.push_back(msg);
            }
        })
    }
}

/// The demo organization as the backends of a harness.
fn demo_backends(org: &Arc<DemoOrg>) -> Backends {
    let executor = Executor::new(
        MemoryTrail::default(),
        false,
        crate::journal::Operator::local(None),
        Box::new(DemoBackend::keeping(Arc::clone(org))),
    );
    Backends {
        executor: Arc::new(executor),
        search: Arc::clone(org) as Arc<dyn crate::logs::pivot::LogSearch>,
        insights: Arc::new(crate::logs::insights::NoInsights(
            crate::logs::insights::NO_INSIGHTS_IN_DEMO,
        )),
        groups: GroupChoice {
            lister: Arc::new(crate::sources::groups::DemoGroups),
            remember_in: None,
            profile: None,
        },
        // A render neither reads nor writes the analyst's config.
        config: crate::config::ConfigFile::default(),
    }
}

impl Harness {
    pub fn new(options: Options, seed: u64, now: Timestamp, size: (u16, u16)) -> Harness {
        let org = DemoOrg::new(seed);
        let mut app = App::new(options, now);
        update(&mut app, Msg::Resize(size.0, size.1));
        let mut findings = DemoFindings::new(Arc::clone(&org));
        let batch = poll_now(&mut findings, now);
        update(&mut app, Msg::Batch(Feed::Findings, batch));
        let mut harness = Harness {
            app,
            effects: Effects::new(demo_backends(&org)),
            host: HarnessHost {
                findings,
                trail: DemoTrail::new(Arc::clone(&org)),
                logs_active: false,
                now,
                answers: Arc::default(),
            },
            quit: false,
        };
        // As the runtime does: detections read the log stream from the start.
        if harness.app.wants_logs() {
            harness.apply(vec![Effect::SetFeed(Feed::Logs, true)]);
        }
        harness
    }

    /// Feeds keys until the sequence ends or the app quits; effects are carried out in memory.
    pub fn keys(&mut self, keys: &[Key]) {
        for key in keys {
            if self.quit {
                return;
            }
            let effects = update(&mut self.app, Msg::Key(*key));
            self.apply(effects.effects);
        }
    }

    /// Moves the frozen clock and polls what is active, as the runtime would.
    pub fn advance_to(&mut self, now: Timestamp) {
        self.host.now = now;
        update(&mut self.app, Msg::Tick(now));
        let batch = poll_now(&mut self.host.findings, now);
        update(&mut self.app, Msg::Batch(Feed::Findings, batch));
        if self.host.logs_active {
            let batch = poll_now(&mut self.host.trail, now);
            update(&mut self.app, Msg::Batch(Feed::Logs, batch));
        }
    }

    /// Carries out effects, then hands the app every answer they brought, until none is left.
    fn apply(&mut self, effects: Vec<Effect>) {
        let mut effects: VecDeque<Effect> = effects.into();
        loop {
            while let Some(effect) = effects.pop_front() {
                // The harness's host cannot fail.
                self.quit |= self
                    .effects
                    .carry_out(effect, &mut self.host)
                    .unwrap_or(false);
            }
            let answer = self
                .host
                .answers
                .lock()
                .ok()
                .and_then(|mut q| q.pop_front());
            match answer {
                Some(msg) => effects.extend(update(&mut self.app, msg)),
                None => return,
            }
        }
    }

    pub fn quit_requested(&self) -> bool {
        self.quit
    }

    /// Draws the current state into a buffer of the app's size.
    pub fn draw(&mut self) -> Buffer {
        self.app.dirty = false;
        draw_app(&self.app)
    }
}

/// Draws any app state into a buffer of its size, as the terminal would show it.
pub fn draw_app(app: &App) -> Buffer {
    let (w, h) = app.size;
    let mut terminal = match Terminal::new(InertBackend(TestBackend::new(w, h))) {
        Ok(t) => t,
        Err(never) => match never {},
    };
    let drawn = terminal.draw(|frame| crate::ui::draw(frame, app));
    if let Err(never) = drawn {
        match never {}
    }
    terminal.backend().inner().buffer().clone()
}

/// Renders the demo after `keys`, in `format`.
pub fn render(
    options: Options,
    seed: u64,
    now: Timestamp,
    size: (u16, u16),
    keys: &[Key],
    format: Format,
) -> String {
    let mut harness = Harness::new(options, seed, now, size);
    harness.keys(keys);
    let buffer = harness.draw();
    match format {
        Format::Text => export::text(&buffer),
        Format::Ansi => export::ansi(&buffer),
        Format::Svg => export::svg(&buffer),
    }
}
