//! `picket render`: the real app on the demo organization with a frozen clock, fed a key
//! sequence, drawn once into an off-screen buffer. Used for screenshots, docs and tests.

pub mod export;

use futures_util::FutureExt;
use std::sync::Arc;

use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::app::{App, Effect, Key, Msg, Options, update};
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

/// The demo organization wired to an app, advanced by hand instead of by a runtime.
pub struct Harness {
    pub app: App,
    findings: DemoFindings,
    trail: DemoTrail,
    org: Arc<DemoOrg>,
    logs_active: bool,
    quit: bool,
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
            findings,
            trail: DemoTrail::new(Arc::clone(&org)),
            org,
            logs_active: false,
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
        update(&mut self.app, Msg::Tick(now));
        let batch = poll_now(&mut self.findings, now);
        update(&mut self.app, Msg::Batch(Feed::Findings, batch));
        if self.logs_active {
            let batch = poll_now(&mut self.trail, now);
            update(&mut self.app, Msg::Batch(Feed::Logs, batch));
        }
    }

    fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Quit => self.quit = true,
                Effect::SetFeed(Feed::Logs, active) => {
                    self.logs_active = active;
                    if active {
                        let batch = poll_now(&mut self.trail, self.app.now);
                        update(&mut self.app, Msg::Batch(Feed::Logs, batch));
                    }
                }
                Effect::SetFeed(Feed::Findings, _) | Effect::Refresh | Effect::Copy(_) => {}
                // The demo organization has no Logs Insights; the query ends at once saying so.
                Effect::Insights(request) => {
                    let done = Msg::Insights(crate::insights::InsightsUpdate::failed(
                        request.id,
                        crate::insights::NO_INSIGHTS_IN_DEMO,
                    ));
                    let more = update(&mut self.app, done);
                    self.apply(more.effects);
                }
                Effect::StopInsights(_) | Effect::SetGroups { .. } => {}
                Effect::ListGroups(prefix) => {
                    use crate::sources::groups::GroupLister;
                    let result = crate::sources::groups::DemoGroups
                        .list(&prefix)
                        .now_or_never()
                        .unwrap_or_else(|| Err("the demo did not answer at once".into()));
                    let more = update(&mut self.app, Msg::Groups { prefix, result });
                    self.apply(more.effects);
                }
                Effect::Pivot(request) => {
                    use crate::pivot::LogSearch;
                    let result =
                        self.org.search(&request).now_or_never().unwrap_or_else(|| {
                            Err("the demo search did not answer at once".into())
                        });
                    let done = Msg::PivotDone {
                        finding: request.finding.clone(),
                        result,
                    };
                    let more = update(&mut self.app, done);
                    self.apply(more.effects);
                }
                // The demo organization accepts every action (nothing is journaled headless).
                Effect::Execute(approved) => {
                    let outcome = crate::actions::executor::demo_outcome(&approved.plan);
                    let done = Msg::ActionDone {
                        action: approved.plan.action.clone(),
                        entries: approved.entries.clone(),
                        outcome: Ok(outcome),
                    };
                    let more = update(&mut self.app, done);
                    self.apply(more.effects);
                }
            }
        }
    }

    pub fn quit_requested(&self) -> bool {
        self.quit
    }

    /// Draws the current state into a buffer of the app's size.
    pub fn draw(&mut self) -> Buffer {
        let (w, h) = self.app.size;
        let mut terminal = match Terminal::new(InertBackend(TestBackend::new(w, h))) {
            Ok(t) => t,
            Err(never) => match never {},
        };
        let drawn = terminal.draw(|frame| crate::ui::draw(frame, &self.app));
        if let Err(never) = drawn {
            match never {}
        }
        self.app.dirty = false;
        terminal.backend().inner().buffer().clone()
    }
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
