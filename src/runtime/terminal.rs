//! Terminal setup and, whatever happens, restoration: on quit, on error, on panic and on signals.

use std::io::{self, Write};
use std::sync::Once;

use crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};

/// Puts the terminal back as it was: main screen, cooked mode, cursor shown. Safe to call twice.
pub fn restore() {
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Owns the terminal while picket runs; dropping it restores the terminal.
pub struct TerminalGuard(());

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        let guard = TerminalGuard(());
        // Mouse reporting stays off (it is off unless asked for; say so explicitly in case a
        // previous program left it on), so the terminal's own selection keeps working.
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            DisableMouseCapture,
            cursor::Hide
        )?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Restores the terminal before the default hook prints the panic, so the message is readable
/// and the shell is usable afterwards.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
            let report = super::crash::report(info, &super::crash::recent());
            match super::crash::default_dir().map(|dir| super::crash::write(&dir, &report)) {
                Some(Ok(path)) => eprintln!("picket: crash report written to {}", path.display()),
                Some(Err(e)) => eprintln!("picket: the crash report could not be written: {e}"),
                None => eprintln!("picket: no state directory for a crash report on this platform"),
            }
        }));
    });
}

/// OSC 52: asks the terminal to put `text` on the clipboard. The payload is base64, so nothing
/// in it can be interpreted by the terminal.
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{encoded}\x07")
}

/// XTWINOPS: push the window title on the terminal's title stack, and pop it back at exit
/// (terminals without the stack ignore both).
pub const SAVE_TITLE: &str = "\x1b[22;0t";
pub const RESTORE_TITLE: &str = "\x1b[23;0t";

/// How this terminal shows a desktop notification, as its environment tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Desktop {
    /// `OSC 9 ; text`: iTerm2, WezTerm, kitty, Ghostty, Windows Terminal.
    Osc9,
    /// `OSC 777 ; notify ; title ; body`: VTE terminals (GNOME, Tilix), foot, urxvt.
    Osc777,
}

/// Where a notification goes: the terminal's way, and whether tmux must pass it through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notifier {
    pub desktop: Option<Desktop>,
    pub tmux: bool,
}

impl Notifier {
    /// From the environment (`TERM_PROGRAM`, `VTE_VERSION`, `TERM`, `WT_SESSION`, `TMUX`).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Notifier {
        let program = var("TERM_PROGRAM").unwrap_or_default();
        let term = var("TERM").unwrap_or_default();
        let desktop = if matches!(
            program.as_str(),
            "iTerm.app" | "WezTerm" | "ghostty" | "kitty"
        ) || var("KITTY_WINDOW_ID").is_some()
            || var("WT_SESSION").is_some()
        {
            Some(Desktop::Osc9)
        } else if var("VTE_VERSION").is_some()
            || term.starts_with("foot")
            || term.starts_with("rxvt-unicode")
        {
            Some(Desktop::Osc777)
        } else {
            None
        };
        Notifier {
            desktop,
            tmux: var("TMUX").is_some(),
        }
    }

    /// The bell and, where the terminal shows them, a desktop notification saying `text`.
    /// `text` is the app's (sanitized) line; `;` would end an OSC 777 field and is replaced.
    pub fn notify(&self, text: &str) -> String {
        let text: String = text
            .chars()
            .filter(|c| !c.is_control())
            .map(|c| if c == ';' { ',' } else { c })
            .collect();
        let osc = match self.desktop {
            Some(Desktop::Osc9) => format!("\x1b]9;{text}\x07"),
            Some(Desktop::Osc777) => format!("\x1b]777;notify;picket;{text}\x07"),
            None => String::new(),
        };
        format!("\x07{}", self.pass(&osc))
    }

    /// The window title: `picket` and the count of unseen alerts.
    pub fn title(&self, unseen: usize) -> String {
        let title = match unseen {
            0 => "picket".to_string(),
            n => format!("picket ({n} new alert{})", if n == 1 { "" } else { "s" }),
        };
        format!("\x1b]2;{title}\x07")
    }

    /// Wrapped for tmux, which passes through only what is wrapped (with `allow-passthrough`).
    fn pass(&self, sequence: &str) -> String {
        if self.tmux && !sequence.is_empty() {
            format!("\x1bPtmux;{}\x1b\\", sequence.replace('\x1b', "\x1b\x1b"))
        } else {
            sequence.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn notifications_speak_the_terminal_s_language_and_pass_through_tmux() {
        let iterm = Notifier::from_env(env(&[("TERM_PROGRAM", "iTerm.app")]));
        assert_eq!(iterm.notify("picket: x; y"), "\x07\x1b]9;picket: x, y\x07");
        let vte_in_tmux = Notifier::from_env(env(&[("VTE_VERSION", "7600"), ("TMUX", "/tmp/t")]));
        assert_eq!(
            vte_in_tmux.notify("a"),
            "\x07\x1bPtmux;\x1b\x1b]777;notify;picket;a\x07\x1b\\"
        );
        let plain = Notifier::from_env(env(&[("TERM", "xterm-256color")]));
        assert_eq!(plain.notify("a"), "\x07", "only the bell");
        assert_eq!(plain.title(0), "\x1b]2;picket\x07");
        assert_eq!(plain.title(3), "\x1b]2;picket (3 new alerts)\x07");
        // Nothing that would end the sequence early reaches it.
        assert_eq!(iterm.notify("a\x07b\x1b]0;x"), "\x07\x1b]9;ab]0,x\x07");
    }

    #[test]
    fn osc52_carries_only_base64() {
        let seq = osc52("arn:aws:x\x1b]0;evil\x07");
        let payload = seq
            .trim_start_matches("\x1b]52;c;")
            .trim_end_matches('\x07');
        assert!(
            payload
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
        );
    }
}
