//! Keys as the app sees them, independent of the terminal library, with the names used in the
//! config file, the help screen and `picket render --keys`.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mods {
    pub ctrl: bool,
    pub alt: bool,
    /// Only for keys without a character; a shifted letter is its capital.
    pub shift: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCode,
    pub mods: Mods,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Self {
        Self {
            code,
            mods: Mods {
                ctrl: false,
                alt: false,
                shift: false,
            },
        }
    }

    pub const fn char(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            mods: Mods {
                ctrl: true,
                alt: false,
                shift: false,
            },
        }
    }

    /// A character to insert into a text prompt, if this key types one.
    pub fn typed_char(&self) -> Option<char> {
        match self.code {
            KeyCode::Char(c) if !self.mods.ctrl && !self.mods.alt && !c.is_control() => Some(c),
            _ => None,
        }
    }

    /// Parses `ctrl-c`, `C-c`, `alt-x`, `M-x`, `shift-tab`, `enter`, `esc`, `pgdn`, `f5`, `G`,
    /// `space`, `?`. Names are case-insensitive except single characters.
    pub fn parse(text: &str) -> Option<Key> {
        let mut mods = Mods::default();
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let strip = [
                "ctrl-", "c-", "control-", "alt-", "m-", "meta-", "shift-", "s-",
            ]
            .into_iter()
            .find(|p| lower.starts_with(p) && rest.len() > p.len());
            match strip {
                Some(p) => {
                    match p {
                        "ctrl-" | "c-" | "control-" => mods.ctrl = true,
                        "alt-" | "m-" | "meta-" => mods.alt = true,
                        _ => mods.shift = true,
                    }
                    rest = &rest[p.len()..];
                }
                None => break,
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(if mods.ctrl { c.to_ascii_lowercase() } else { c }),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" | "cr" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" | "btab" => KeyCode::BackTab,
                "backspace" | "bspace" | "bs" => KeyCode::Backspace,
                "delete" | "del" | "dc" => KeyCode::Delete,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" | "pgup" | "ppage" => KeyCode::PageUp,
                "pagedown" | "pgdn" | "npage" => KeyCode::PageDown,
                "space" => KeyCode::Char(' '),
                f if f.len() >= 2 && f.starts_with('f') => {
                    KeyCode::F(f[1..].parse().ok().filter(|n| (1..=24).contains(n))?)
                }
                _ => return None,
            },
        };
        if code == KeyCode::Tab && mods.shift {
            return Some(Key::plain(KeyCode::BackTab));
        }
        Some(Key { code, mods })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.mods.alt {
            f.write_str("Alt-")?;
        }
        if self.mods.shift {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.mods.ctrl => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Delete"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
        }
    }
}

/// Splits a `tmux send-keys`-style sequence: named keys (`Enter`, `Escape`, `C-c`, `Down`) are
/// one key each, any other token is typed character by character. Tokens are separated by
/// spaces; `Space` types a space.
pub fn parse_sequence(text: &str) -> Vec<Key> {
    let mut keys = Vec::new();
    for token in text.split(' ').filter(|t| !t.is_empty()) {
        let named = token.chars().count() > 1 && Key::parse(token).is_some();
        match Key::parse(token) {
            Some(key) if named => keys.push(key),
            _ => keys.extend(token.chars().map(Key::char)),
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_config_names() {
        assert_eq!(Key::parse("ctrl-c"), Some(Key::ctrl('c')));
        assert_eq!(Key::parse("C-C"), Some(Key::ctrl('c')));
        assert_eq!(Key::parse("G"), Some(Key::char('G')));
        assert_eq!(Key::parse("shift-tab"), Some(Key::plain(KeyCode::BackTab)));
        assert_eq!(Key::parse("PgDn"), Some(Key::plain(KeyCode::PageDown)));
        assert_eq!(Key::parse("f5"), Some(Key::plain(KeyCode::F(5))));
        assert_eq!(Key::parse("space"), Some(Key::char(' ')));
        assert_eq!(Key::parse("-"), Some(Key::char('-')));
        assert_eq!(Key::parse("bogus"), None);
        assert_eq!(Key::parse("f99"), None);
    }

    #[test]
    fn displays_readably() {
        assert_eq!(Key::ctrl('c').to_string(), "Ctrl-C");
        assert_eq!(Key::plain(KeyCode::PageDown).to_string(), "PgDn");
        assert_eq!(Key::char('?').to_string(), "?");
    }

    #[test]
    fn tmux_style_sequences() {
        let keys = parse_sequence("/ sev>=high Enter Down C-c");
        assert_eq!(keys[0], Key::char('/'));
        assert_eq!(
            keys[1..10]
                .iter()
                .filter_map(|k| k.typed_char())
                .collect::<String>(),
            "sev>=high"
        );
        assert_eq!(keys[10], Key::plain(KeyCode::Enter));
        assert_eq!(keys[11], Key::plain(KeyCode::Down));
        assert_eq!(keys[12], Key::ctrl('c'));
        assert_eq!(parse_sequence("a Space b").len(), 3);
    }
}
