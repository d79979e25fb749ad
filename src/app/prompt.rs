//! A one-line text editor for the filter, `:` command and search prompts.

use super::keymap::Command;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineEditor {
    text: String,
    /// Byte offset of the cursor, always on a character boundary.
    cursor: usize,
}

/// Longest text a prompt accepts; a paste beyond it is cut.
pub const MAX_PROMPT_LEN: usize = 4096;

/// How many lines a prompt's history keeps.
const HISTORY_LEN: usize = 100;

/// Adds a submitted line to a history, newest last, once.
pub fn remember(history: &mut Vec<String>, text: &str) {
    if text.is_empty() {
        return;
    }
    history.retain(|h| h != text);
    history.push(text.to_string());
    if history.len() > HISTORY_LEN {
        history.remove(0);
    }
}

impl LineEditor {
    pub fn with_text(text: &str) -> Self {
        Self {
            text: text.to_string(),
            cursor: text.len(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = self.text.len();
    }

    /// Inserts typed or pasted text; control characters are dropped so nothing a paste carries
    /// can reach the terminal through the echo.
    pub fn insert(&mut self, s: &str) {
        for c in s.chars().filter(|c| !crate::model::text::is_dangerous(*c)) {
            if self.text.len() + c.len_utf8() > MAX_PROMPT_LEN {
                break;
            }
            self.text.insert(self.cursor, c);
            self.cursor += c.len_utf8();
        }
    }

    /// Applies an editing command; returns false for commands that are not edits.
    pub fn edit(&mut self, command: Command) -> bool {
        match command {
            Command::DeleteBack => {
                if let Some(c) = self.text[..self.cursor].chars().next_back() {
                    self.cursor -= c.len_utf8();
                    self.text.remove(self.cursor);
                }
            }
            Command::DeleteForward => {
                if self.cursor < self.text.len() {
                    self.text.remove(self.cursor);
                }
            }
            Command::DeleteWord => {
                let before = &self.text[..self.cursor];
                let trimmed = before.trim_end_matches(' ');
                let start = trimmed.rfind(' ').map_or(0, |i| i + 1);
                self.text.replace_range(start..self.cursor, "");
                self.cursor = start;
            }
            Command::ClearLine => {
                self.text.clear();
                self.cursor = 0;
            }
            Command::CursorLeft => {
                if let Some(c) = self.text[..self.cursor].chars().next_back() {
                    self.cursor -= c.len_utf8();
                }
            }
            Command::CursorRight => {
                if let Some(c) = self.text[self.cursor..].chars().next() {
                    self.cursor += c.len_utf8();
                }
            }
            Command::CursorStart => self.cursor = 0,
            Command::CursorEnd => self.cursor = self.text.len(),
            _ => return false,
        }
        true
    }

    /// The word under the cursor's left side, and where it starts.
    pub fn current_word(&self) -> (usize, &str) {
        let before = &self.text[..self.cursor];
        let start = before.rfind(' ').map_or(0, |i| i + 1);
        (start, &before[start..])
    }

    /// Replaces the text from `start` to the cursor with `with` (dangerous characters left
    /// out), the cursor after it; false, and nothing changed, when `start` is not before the
    /// cursor on a character boundary or the line would grow past [`MAX_PROMPT_LEN`].
    pub fn replace_to_cursor(&mut self, start: usize, with: &str) -> bool {
        if start > self.cursor || !self.text.is_char_boundary(start) {
            return false;
        }
        let with: String = with
            .chars()
            .filter(|c| !crate::model::text::is_dangerous(*c))
            .collect();
        if self.text.len() - (self.cursor - start) + with.len() > MAX_PROMPT_LEN {
            return false;
        }
        self.text.replace_range(start..self.cursor, &with);
        self.cursor = start + with.len();
        true
    }

    /// Replaces the current word with `word`.
    pub fn replace_current_word(&mut self, word: &str) {
        let (start, _) = self.current_word();
        self.text.replace_range(start..self.cursor, word);
        self.cursor = start + word.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_at_the_cursor() {
        let mut e = LineEditor::with_text("sev>=hgh");
        e.edit(Command::CursorLeft);
        e.insert("i");
        assert_eq!(e.text(), "sev>=hgih");
        e.edit(Command::CursorEnd);
        e.edit(Command::DeleteBack);
        e.insert("h");
        assert_eq!(e.text(), "sev>=hgih");
        e.insert(" region:us");
        e.edit(Command::DeleteWord);
        assert_eq!(e.text(), "sev>=hgih ");
        e.edit(Command::CursorStart);
        e.edit(Command::DeleteForward);
        assert_eq!(e.text(), "ev>=hgih ");
    }

    #[test]
    fn multibyte_text_and_control_characters() {
        let mut e = LineEditor::default();
        e.insert("é\x1b[31mü\u{202e}");
        assert_eq!(e.text(), "é[31mü");
        e.edit(Command::DeleteBack);
        e.edit(Command::CursorLeft);
        e.edit(Command::CursorLeft);
        assert_eq!(e.cursor(), "é[3".len());
        e.insert(&"x".repeat(MAX_PROMPT_LEN * 2));
        assert!(e.text().len() <= MAX_PROMPT_LEN);
    }

    #[test]
    fn word_completion_support() {
        let mut e = LineEditor::with_text("sort la");
        assert_eq!(e.current_word(), (5, "la"));
        e.replace_current_word("last-seen");
        assert_eq!(e.text(), "sort last-seen");
    }
}
