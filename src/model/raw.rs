//! The record exactly as the source delivered it, kept for the detail view and for export.
//!
//! The text is attacker-controlled, so it is never handed out as a plain `&str` for display: the
//! only display path is [`RawRecord::pretty_lines`], which sanitizes every line.

use std::fmt;

use super::text::{SafeText, clean_line};

/// Longest line of the pretty-printed record shown in the viewer (characters).
const MAX_VIEW_LINE: usize = 4096;

#[derive(Clone, PartialEq, Eq)]
pub struct RawRecord(Box<str>);

impl RawRecord {
    /// Keeps a JSON value in compact form.
    pub fn from_json(value: &serde_json::Value) -> Self {
        Self(value.to_string().into_boxed_str())
    }

    /// Keeps text as delivered (a log message that may or may not be JSON).
    pub fn from_text(text: &str) -> Self {
        Self(text.into())
    }

    /// The text as delivered (compact JSON for findings), for machine output (`--format json`) and the clipboard, where the
    /// receiver is a JSON parser rather than a terminal. JSON escaping already keeps C0 controls
    /// out of such output.
    pub fn json_text(&self) -> &str {
        &self.0
    }

    pub fn parse(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.0).ok()
    }

    /// Pretty-printed with two-space indentation when the text is JSON, else its own lines; every
    /// line sanitized.
    pub fn pretty_lines(&self) -> Vec<SafeText> {
        let pretty = match self.parse() {
            Some(value) => {
                serde_json::to_string_pretty(&value).unwrap_or_else(|_| self.0.to_string())
            }
            None => self.0.to_string(),
        };
        pretty
            .lines()
            .map(|line| SafeText::line(&clean_line(line, MAX_VIEW_LINE)))
            .collect()
    }

    /// The text on one sanitized line, cut to `max_chars` (a log message in a list row).
    pub fn display_line(&self, max_chars: usize) -> SafeText {
        SafeText::line(&clean_line(&self.0, max_chars))
    }

    /// Bytes held (for memory accounting).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for RawRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawRecord({} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_lines_are_sanitized() {
        let value = serde_json::json!({"Title": "a\u{202E}b\u{7f}", "n": 1});
        let lines = RawRecord::from_json(&value).pretty_lines();
        assert_eq!(lines[0].as_str(), "{");
        assert!(
            lines
                .iter()
                .all(|l| !l.chars().any(super::super::text::is_dangerous))
        );
        assert!(lines.iter().any(|l| l.contains("a\u{FFFD}b␡")));
    }
}
