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

#[cfg(test)]
mod tests {
    use super::*;

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
