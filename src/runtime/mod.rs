//! The runtime: one event loop that turns terminal events, source batches and the clock into
//! messages, runs `update`, carries out the effects and draws when something changed.

pub mod crash;
pub mod poller;
pub mod terminal;

use std::io::{self, Write};
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind, KeyModifiers};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures_util::StreamExt;
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

use crate::app::{App, Effect, Key, KeyCode, Msg, update};
use crate::sources::Source;
use crate::ui::inert::InertBackend;
use poller::Pollers;

/// Frames are at least this far apart; bursts of messages in between coalesce into one frame.
const FRAME_INTERVAL: Duration = Duration::from_millis(16);

/// Runs picket in the terminal until the analyst quits or a signal arrives.
/// What effects reach beyond the app: actions, pivot searches, Logs Insights.
pub struct Backends {
    pub executor: std::sync::Arc<crate::actions::executor::Executor>,
    pub search: std::sync::Arc<dyn crate::pivot::LogSearch>,
    pub insights: std::sync::Arc<dyn crate::insights::InsightsRunner>,
    pub groups: GroupChoice,
}

/// Lists log groups for the picker, and remembers the choice (for a profile, in a file).
pub struct GroupChoice {
    pub lister: std::sync::Arc<dyn crate::sources::groups::GroupLister>,
    pub remember_in: Option<std::path::PathBuf>,
    pub profile: Option<String>,
}

pub async fn run(
    mut app: App,
    sources: Vec<Box<dyn Source>>,
    backends: Backends,
) -> io::Result<()> {
    let Backends {
        executor,
        search,
        insights,
        groups,
    } = backends;
    // Running queries, by id: a send stops one.
    let mut queries: std::collections::HashMap<u64, tokio::sync::watch::Sender<bool>> =
        std::collections::HashMap::new();
    let _guard = terminal::TerminalGuard::enter()?;
    let mut terminal = Terminal::new(InertBackend(CrosstermBackend::new(io::stdout())))?;
    let size = terminal.size()?;
    let resize = Msg::Resize(size.width, size.height);
    crash::saw(&resize);
    update(&mut app, resize);

    let (tx, mut rx) = mpsc::channel::<Msg>(64);
    let pollers = Pollers::start(sources, tx.clone());
    // Detections read the log stream from the start, whatever screen is open.
    pollers.set_active(crate::sources::Feed::Logs, app.wants_logs());
    let mut events = EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut signals = Signals::new()?;
    let mut last_frame = tokio::time::Instant::now() - FRAME_INTERVAL;

    draw(&mut terminal, &mut app)?;
    // Lets the terminal smoke test prove that a panic leaves the terminal usable.
    if std::env::var_os("PICKET_DEBUG_PANIC").is_some() {
        panic!("PICKET_DEBUG_PANIC is set: panicking on purpose after the first frame");
    }
    loop {
        let frame_due = last_frame + FRAME_INTERVAL;
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => translate(event),
                Some(Err(e)) => return Err(e),
                None => break,
            },
            Some(msg) = rx.recv() => Some(msg),
            _ = clock.tick() => Some(Msg::Tick(Timestamp::now())),
            _ = signals.recv() => break,
            _ = tokio::time::sleep_until(frame_due), if app.dirty => {
                draw(&mut terminal, &mut app)?;
                last_frame = tokio::time::Instant::now();
                None
            }
        };
        let Some(msg) = msg else { continue };
        crash::saw(&msg);
        let mut quit = false;
        for effect in update(&mut app, msg) {
            match effect {
                Effect::Quit => quit = true,
                Effect::Copy(text) => {
                    let mut out = io::stdout();
                    out.write_all(terminal::osc52(&text).as_bytes())?;
                    out.flush()?;
                }
                Effect::Refresh => pollers.refresh(),
                Effect::SetFeed(feed, active) => pollers.set_active(feed, active),
                Effect::Insights(request) => {
                    let (stop, cancel) = tokio::sync::watch::channel(false);
                    queries.retain(|_, s| !s.is_closed());
                    queries.insert(request.id, stop);
                    let insights = std::sync::Arc::clone(&insights);
                    let tx = tx.clone();
                    // Updates go through an unbounded queue so none is lost to a full channel.
                    let (updates, mut pending) = mpsc::unbounded_channel();
                    tokio::spawn(async move {
                        while let Some(update) = pending.recv().await {
                            if tx.send(Msg::Insights(update)).await.is_err() {
                                return;
                            }
                        }
                    });
                    tokio::spawn(async move {
                        let progress: crate::insights::Progress = Box::new(move |update| {
                            let _ = updates.send(update);
                        });
                        insights.run(*request, cancel, progress).await;
                    });
                }
                Effect::ListGroups(prefix) => {
                    let lister = std::sync::Arc::clone(&groups.lister);
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let result = lister.list(&prefix).await;
                        let _ = tx.send(Msg::Groups { prefix, result }).await;
                    });
                }
                Effect::SetGroups {
                    groups: chosen,
                    generation,
                } => {
                    if let Some(path) = &groups.remember_in
                        && let Err(e) = crate::sources::groups::remember(
                            path,
                            groups.profile.as_deref(),
                            &chosen,
                        )
                    {
                        let _ = tx
                            .send(Msg::Groups {
                                prefix: String::new(),
                                result: Err(format!("the choice could not be remembered: {e}")),
                            })
                            .await;
                    }
                    pollers.set_groups(chosen, generation);
                }
                Effect::StopInsights(id) => {
                    if let Some(stop) = queries.get(&id) {
                        let _ = stop.send(true);
                    }
                }
                Effect::Pivot(request) => {
                    let search = std::sync::Arc::clone(&search);
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let result = search.search(&request).await;
                        let _ = tx
                            .send(Msg::PivotDone {
                                finding: request.finding.clone(),
                                result,
                            })
                            .await;
                    });
                }
                Effect::Execute(approved) => {
                    let executor = std::sync::Arc::clone(&executor);
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let crate::app::act::Approved {
                            plan,
                            acknowledged,
                            entries,
                        } = *approved;
                        let now = Timestamp::now();
                        let id = format!("{}-{:08x}", now.as_millisecond(), fastrand::u32(..));
                        let outcome = executor.execute(&plan, acknowledged, &id, now).await;
                        let _ = tx
                            .send(Msg::ActionDone {
                                action: plan.action,
                                entries,
                                outcome,
                            })
                            .await;
                    });
                }
            }
        }
        if quit {
            break;
        }
    }
    pollers.stop();
    Ok(())
}

fn draw(
    terminal: &mut Terminal<InertBackend<CrosstermBackend<io::Stdout>>>,
    app: &mut App,
) -> io::Result<()> {
    // Synchronized updates: the terminal shows the frame whole, never half-drawn.
    crossterm::queue!(terminal.backend_mut().0, BeginSynchronizedUpdate)?;
    terminal.draw(|frame| crate::ui::draw(frame, app))?;
    crossterm::execute!(terminal.backend_mut().0, EndSynchronizedUpdate)?;
    app.dirty = false;
    Ok(())
}

/// A terminal event as a message, if it is one the app cares about.
fn translate(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => key_from(key).map(Msg::Key),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

fn key_from(key: crossterm::event::KeyEvent) -> Option<Key> {
    use crossterm::event::KeyCode as C;
    let code = match key.code {
        C::Char(c) => KeyCode::Char(c),
        C::Enter => KeyCode::Enter,
        C::Esc => KeyCode::Esc,
        C::Tab => KeyCode::Tab,
        C::BackTab => KeyCode::BackTab,
        C::Backspace => KeyCode::Backspace,
        C::Delete => KeyCode::Delete,
        C::Up => KeyCode::Up,
        C::Down => KeyCode::Down,
        C::Left => KeyCode::Left,
        C::Right => KeyCode::Right,
        C::Home => KeyCode::Home,
        C::End => KeyCode::End,
        C::PageUp => KeyCode::PageUp,
        C::PageDown => KeyCode::PageDown,
        C::F(n) => KeyCode::F(n),
        _ => return None,
    };
    let mut mods = crate::app::keys::Mods {
        ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
        alt: key.modifiers.contains(KeyModifiers::ALT),
        shift: key.modifiers.contains(KeyModifiers::SHIFT),
    };
    if let KeyCode::Char(c) = code {
        // A shifted character arrives as its capital; keep Shift only for named keys.
        mods.shift = false;
        if mods.ctrl {
            return Some(Key {
                code: KeyCode::Char(c.to_ascii_lowercase()),
                mods,
            });
        }
    }
    Some(Key { code, mods })
}

/// SIGTERM, SIGHUP (the SSH connection dropped) and SIGINT end picket cleanly.
struct Signals {
    #[cfg(unix)]
    streams: Vec<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = vec![
                signal(SignalKind::terminate())?,
                signal(SignalKind::hangup())?,
                signal(SignalKind::interrupt())?,
            ];
            Ok(Signals { streams })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            let waits = self.streams.iter_mut().map(|s| Box::pin(s.recv()));
            futures_util::future::select_all(waits).await;
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
