//! The runtime: one event loop that turns terminal events, source batches and the clock into
//! messages, runs `update`, carries out the effects and draws when something changed.

pub mod crash;
pub mod effects;
pub mod memory;
pub mod persist;
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

use crate::app::{App, Key, KeyCode, Msg, update};
use crate::sources::Source;
use crate::ui::inert::InertBackend;
use poller::Pollers;

/// Frames are at least this far apart; bursts of messages in between coalesce into one frame.
const FRAME_INTERVAL: Duration = Duration::from_millis(16);

pub use effects::{Backends, Effects, GroupChoice, Host, Reply, Task};

/// Runs the TUI until the analyst quits (None) or switches profiles (the profile to start
/// again on).
pub async fn run(
    mut app: App,
    sources: Vec<Box<dyn Source>>,
    backends: Backends,
    disk: Option<std::sync::Arc<crate::store::disk::Disk>>,
) -> io::Result<Option<String>> {
    let mut effects = Effects::new(backends);
    let _guard = terminal::TerminalGuard::enter()?;
    let mut terminal = Terminal::new(InertBackend(CrosstermBackend::new(io::stdout())))?;
    let size = terminal.size()?;
    let resize = Msg::Resize(size.width, size.height);
    crash::saw(&resize);
    update(&mut app, resize);

    let (tx, mut rx) = mpsc::channel::<Msg>(64);
    let marks = disk.as_ref().map(|d| d.marks()).unwrap_or_default();
    // Records are packed with the dictionaries the store learned in earlier runs, if any.
    let packer = crate::model::packing::Packer::new();
    for dictionary in disk.iter().flat_map(|d| d.latest_dictionaries()) {
        packer.adopt(dictionary);
    }
    let pollers = Pollers::start(
        sources,
        marks,
        app.logs.detector.clone(),
        packer,
        tx.clone(),
    );
    // Tasks answer through an unbounded queue, so none is lost to a full channel; a relay
    // hands the answers on to the loop.
    let (answers, mut answered) = mpsc::unbounded_channel::<Msg>();
    let relay = tx.clone();
    tokio::spawn(async move {
        while let Some(msg) = answered.recv().await {
            if relay.send(msg).await.is_err() {
                return;
            }
        }
    });
    let reply = Reply::new(move |msg| {
        let _ = answers.send(msg);
    });
    let mut persist = persist::Persist::start(disk, reply.clone());
    // Detections read the log stream from the start, whatever screen is open.
    pollers.set_active(crate::sources::Feed::Logs, app.wants_logs());
    // Questions from below the UI (an MFA code) come to the app while it runs.
    let (questions, mut asked) = mpsc::unbounded_channel();
    let _questions = AskInTui::start(questions);
    let mut events = EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut signals = Signals::new()?;
    let notifier = terminal::Notifier::from_env(|name| std::env::var(name).ok());
    // Whether the terminal's own title was saved before the first alert count replaced it.
    let mut title_saved = false;
    let mut last_frame = tokio::time::Instant::now() - FRAME_INTERVAL;

    draw(&mut terminal, &mut app)?;
    // Lets the terminal smoke test prove that a panic leaves the terminal usable.
    if std::env::var_os("PICKET_DEBUG_PANIC").is_some() {
        panic!("PICKET_DEBUG_PANIC is set: panicking on purpose after the first frame");
    }
    loop {
        let frame_due = last_frame + FRAME_INTERVAL;
        // In this order, not at random: a key is taken before batches queued behind it, and a
        // frame that is due is drawn before more batches, so a busy tail neither delays the
        // analyst nor freezes the screen.
        let msg = tokio::select! {
            biased;
            event = events.next() => match event {
                Some(Ok(event)) => translate(event),
                Some(Err(e)) => return Err(e),
                None => break,
            },
            _ = signals.recv() => break,
            _ = tokio::time::sleep_until(frame_due), if app.dirty => {
                draw(&mut terminal, &mut app)?;
                last_frame = tokio::time::Instant::now();
                None
            }
            Some(question) = asked.recv() => Some(Msg::Ask(question)),
            _ = clock.tick() => Some(Msg::Tick(Timestamp::now())),
            Some(msg) = rx.recv() => Some(msg),
        };
        let Some(mut msg) = msg else { continue };
        if let Msg::Batch(_, batch) = &mut msg {
            batch.lag = batch.read_at.map(|read| read.elapsed());
        }
        // What the analyst does is drawn at once; only what sources send is paced into frames
        // (a key must not wait out the rest of a frame interval behind a batch).
        let analyst = matches!(msg, Msg::Key(_) | Msg::Paste(_) | Msg::Resize(..));
        crash::saw(&msg);
        persist.before(&mut msg);
        let mut quit = false;
        let mut host = TerminalHost {
            pollers: &pollers,
            reply: reply.clone(),
            notifier,
            title_saved: &mut title_saved,
        };
        for effect in update(&mut app, msg) {
            quit |= effects.carry_out(effect, &mut host)?;
        }
        persist.after(&mut app);
        if quit {
            break;
        }
        if analyst && app.dirty {
            draw(&mut terminal, &mut app)?;
            last_frame = tokio::time::Instant::now();
        }
    }
    pollers.stop();
    if title_saved {
        // The title the terminal had before the alert count (where it keeps a title stack).
        let mut out = io::stdout();
        out.write_all(terminal::RESTORE_TITLE.as_bytes())?;
        out.flush()?;
    }
    Ok(effects.switch_to())
}

/// Questions go to the TUI while this lives, to the terminal again after (also when the run
/// ends in an error).
struct AskInTui;

impl AskInTui {
    fn start(questions: mpsc::UnboundedSender<crate::ask::Question>) -> AskInTui {
        crate::ask::to_tui(questions);
        AskInTui
    }
}

impl Drop for AskInTui {
    fn drop(&mut self) {
        crate::ask::to_terminal();
    }
}

/// The terminal runtime as the effects' host: the pollers, tokio tasks, OSC 52 on stdout.
struct TerminalHost<'a> {
    pollers: &'a Pollers,
    reply: Reply,
    notifier: terminal::Notifier,
    title_saved: &'a mut bool,
}

impl Host for TerminalHost<'_> {
    fn copy(&mut self, text: &str) -> io::Result<()> {
        let mut out = io::stdout();
        out.write_all(terminal::osc52(text).as_bytes())?;
        out.flush()
    }

    fn refresh(&mut self) {
        self.pollers.refresh();
    }

    fn set_feed(&mut self, feed: crate::sources::Feed, active: bool) {
        self.pollers.set_active(feed, active);
    }

    fn recheck(&mut self, source: String, ids: Vec<String>) {
        self.pollers.recheck(source, ids);
    }

    fn notify(&mut self, text: &str) -> io::Result<()> {
        let mut out = io::stdout();
        out.write_all(self.notifier.notify(text).as_bytes())?;
        out.flush()
    }

    fn title(&mut self, unseen: usize) -> io::Result<()> {
        let mut out = io::stdout();
        if !*self.title_saved {
            out.write_all(terminal::SAVE_TITLE.as_bytes())?;
            *self.title_saved = true;
        }
        out.write_all(self.notifier.title(unseen).as_bytes())?;
        out.flush()
    }

    fn set_groups(&mut self, groups: Vec<String>, generation: u64) {
        self.pollers.set_groups(groups, generation);
    }

    fn spawn(&mut self, task: Task) {
        tokio::spawn(task);
    }

    fn set_detections(&mut self, names: &[&'static str]) {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        // Built-in names always resolve; none at all is no detection.
        let detector = crate::logs::detect::Detector::named(&names)
            .unwrap_or_else(|_| crate::logs::detect::Detector::new(Vec::new()));
        self.pollers.set_detector(detector);
    }

    fn reply(&self) -> Reply {
        self.reply.clone()
    }
}

fn draw(
    terminal: &mut Terminal<InertBackend<CrosstermBackend<io::Stdout>>>,
    app: &mut App,
) -> io::Result<()> {
    // Synchronized updates: the terminal shows the frame whole, never half-drawn.
    crossterm::queue!(terminal.backend_mut().0, BeginSynchronizedUpdate)?;
    let urls = crate::ui::links::shown(app);
    let drawn = terminal.draw(|frame| crate::ui::draw(frame, app))?;
    let links = crate::ui::links::find(drawn.buffer, &urls);
    hyperlinks(&mut terminal.backend_mut().0, &links)?;
    crossterm::execute!(terminal.backend_mut().0, EndSynchronizedUpdate)?;
    app.dirty = false;
    Ok(())
}

/// Writes each link's text again inside an OSC 8 hyperlink, in the style it was drawn in, so
/// terminals that support links make it clickable (over SSH too) and others show it as it was.
/// The cursor is put back where the frame left it.
fn hyperlinks(out: &mut impl io::Write, links: &[crate::ui::links::Link]) -> io::Result<()> {
    use crossterm::cursor::{MoveTo, RestorePosition, SavePosition};
    use crossterm::style::{
        Print, ResetColor, SetAttribute, SetBackgroundColor, SetForegroundColor,
    };
    use ratatui::backend::IntoCrossterm;
    if links.is_empty() {
        return Ok(());
    }
    crossterm::queue!(out, SavePosition)?;
    for link in links {
        crossterm::queue!(out, MoveTo(link.x, link.y))?;
        if let Some(fg) = link.style.fg {
            crossterm::queue!(out, SetForegroundColor(fg.into_crossterm()))?;
        }
        if let Some(bg) = link.style.bg {
            crossterm::queue!(out, SetBackgroundColor(bg.into_crossterm()))?;
        }
        // `ui::links` hands over printable ASCII URLs only: nothing in one can end the sequence.
        crossterm::queue!(
            out,
            Print(format!("\x1b]8;;{}\x1b\\", link.url)),
            Print(&link.text),
            Print("\x1b]8;;\x1b\\"),
            SetAttribute(crossterm::style::Attribute::Reset),
            ResetColor
        )?;
    }
    crossterm::queue!(out, RestorePosition)
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

#[cfg(test)]
mod hyperlink_tests {
    use super::*;

    #[test]
    fn a_link_is_its_own_text_again_inside_osc_8_and_the_cursor_goes_back() {
        let link = crate::ui::links::Link {
            x: 4,
            y: 2,
            text: "https://a.e".into(),
            style: ratatui::style::Style::default(),
            url: "https://a.example/x?y=1".into(),
        };
        let mut out = Vec::new();
        hyperlinks(&mut out, std::slice::from_ref(&link)).expect("written");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.starts_with("\u{1b}7"), "{text:?}");
        assert!(text.contains("\u{1b}[3;5H"), "{text:?}");
        assert!(
            text.contains("\u{1b}]8;;https://a.example/x?y=1\u{1b}\\https://a.e\u{1b}]8;;\u{1b}\\"),
            "{text:?}"
        );
        assert!(text.ends_with("\u{1b}8"), "{text:?}");
        let mut none = Vec::new();
        hyperlinks(&mut none, &[]).expect("nothing");
        assert!(none.is_empty(), "no link, not a byte");
    }
}
