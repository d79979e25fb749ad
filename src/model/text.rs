//! Text that is safe to put on a terminal.
//!
//! Everything picket shows comes from outside: finding titles, tags, user agents, log lines, file
//! names. Any of it can carry escape sequences that would move the cursor, rewrite the window
//! title, or set the clipboard, and bidi overrides that make text read differently from what it
//! is. [`SafeText`] can only be built through the sanitizer, so a field of that type cannot drive
//! the terminal; control characters stay *visible* (as control pictures or U+FFFD) so an analyst
//! sees that a field was tampered with instead of having the evidence silently dropped.

use std::borrow::Cow;
use std::fmt;

use serde::{Serialize, Serializer};

/// Longest single-line field kept for display (characters); longer values end in `…`.
pub const MAX_LINE_CHARS: usize = crate::limits::LINE_CHARS;
/// Longest multi-line field kept for display (characters).
pub const MAX_BLOCK_CHARS: usize = crate::limits::BLOCK_CHARS;

/// A string with every terminal-controlling character neutralized and its length bounded.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SafeText(Box<str>);

impl SafeText {
    /// A single-line field: newlines become `␤`, tabs spaces, other controls visible pictures.
    pub fn line(raw: &str) -> Self {
        Self(neutralize(raw, Shape::Line, MAX_LINE_CHARS).into())
    }

    /// A multi-line field (descriptions, notes): newlines kept, everything else as [`Self::line`].
    pub fn block(raw: &str) -> Self {
        Self(neutralize(raw, Shape::Block, MAX_BLOCK_CHARS).into())
    }

    pub fn empty() -> Self {
        Self::default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::ops::Deref for SafeText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SafeText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SafeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SafeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for SafeText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Line,
    Block,
}

/// Sanitizes one line of text for display, bounded to `max_chars`. For strings that are not
/// stored (a line of pretty-printed JSON, a log message cut for a row).
pub fn clean_line(raw: &str, max_chars: usize) -> Cow<'_, str> {
    neutralize(raw, Shape::Line, max_chars)
}

/// True for every character that must never reach the terminal as itself.
pub fn is_dangerous(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Bidirectional formatting characters (Trojan Source, CVE-2021-42574) and the invisible marks.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn neutralize(raw: &str, shape: Shape, max_chars: usize) -> Cow<'_, str> {
    // Most of what AWS sends is short printable ASCII: one pass over the bytes says so.
    if raw.len() <= max_chars && raw.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Cow::Borrowed(raw);
    }
    let needs_work = raw.chars().take(max_chars + 1).count() > max_chars
        || raw
            .chars()
            .any(|c| is_dangerous(c) && !(shape == Shape::Block && c == '\n'));
    if !needs_work {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len().min(max_chars * 4) + 4);
    let mut chars = raw.chars().peekable();
    let mut written = 0usize;
    while let Some(c) = chars.next() {
        if written >= max_chars {
            out.push('…');
            break;
        }
        match c {
            '\n' if shape == Shape::Block => out.push('\n'),
            '\r' if shape == Shape::Block && chars.peek() == Some(&'\n') => continue,
            '\n' => out.push('␤'),
            '\t' => out.push(' '),
            // C0 controls and DEL as their Unicode control pictures (ESC shows as ␛).
            '\u{0}'..='\u{1F}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}')),
            '\u{7F}' => out.push('␡'),
            c if is_dangerous(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
        written += 1;
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible_pictures() {
        let t = SafeText::line("ok\x1b[2J\x1b]0;pwned\x07");
        assert_eq!(t.as_str(), "ok␛[2J␛]0;pwned␇");
        assert!(!t.chars().any(is_dangerous));
    }

    #[test]
    fn bidi_overrides_and_c1_are_replaced() {
        let t = SafeText::line("invoice\u{202E}fdp.exe\u{9b}31m");
        assert_eq!(t.as_str(), "invoice\u{FFFD}fdp.exe\u{FFFD}31m");
    }

    #[test]
    fn lines_fold_newlines_but_blocks_keep_them() {
        assert_eq!(SafeText::line("a\nb\tc").as_str(), "a␤b c");
        assert_eq!(SafeText::block("a\r\nb\rc").as_str(), "a\nb␍c");
    }

    #[test]
    fn long_fields_are_bounded() {
        let long = "x".repeat(MAX_LINE_CHARS * 3);
        let t = SafeText::line(&long);
        assert_eq!(t.chars().count(), MAX_LINE_CHARS + 1);
        assert!(t.ends_with('…'));
    }

    #[test]
    fn clean_text_is_borrowed_unchanged() {
        assert!(matches!(
            clean_line("plain ünïcode 漢字", 100),
            Cow::Borrowed(_)
        ));
    }
}
