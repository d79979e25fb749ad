//! A scrollable, searchable view of a record's pretty-printed JSON (or plain text).

use crate::model::SafeText;
use crate::model::raw::RawRecord;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub line: usize,
    /// Byte range within the line.
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Search {
    pub needle: String,
    pub matches: Vec<Match>,
    pub current: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonView {
    pub lines: Vec<SafeText>,
    /// First line shown.
    pub scroll: usize,
    pub search: Option<Search>,
}

impl JsonView {
    pub fn new(raw: &RawRecord) -> Self {
        Self {
            lines: raw.pretty_lines(),
            scroll: 0,
            search: None,
        }
    }

    /// Replaces the text (the record was updated) and keeps the place and the search.
    pub fn reload(&mut self, raw: &RawRecord) {
        self.lines = raw.pretty_lines();
        self.scroll = self.scroll.min(self.lines.len().saturating_sub(1));
        if let Some(needle) = self.search.as_ref().map(|s| s.needle.clone()) {
            self.search = Some(self.find(&needle));
        }
    }

    pub fn scroll_by(&mut self, delta: isize, page: usize) {
        let max = self.lines.len().saturating_sub(page.max(1));
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
    }

    pub fn scroll_to_end(&mut self, page: usize) {
        self.scroll = self.lines.len().saturating_sub(page.max(1));
    }

    /// Every case-insensitive occurrence of `needle`.
    pub fn find(&self, needle: &str) -> Search {
        let lower_needle = needle.to_lowercase();
        let mut matches = Vec::new();
        if !lower_needle.is_empty() {
            for (line, text) in self.lines.iter().enumerate() {
                let lower = text.to_lowercase();
                // Lowercasing can change byte lengths outside ASCII; only trust offsets when it did not.
                if lower.len() != text.len() {
                    if lower.contains(&lower_needle) {
                        matches.push(Match {
                            line,
                            start: 0,
                            end: text.len(),
                        });
                    }
                    continue;
                }
                let mut from = 0;
                while let Some(at) = lower[from..].find(&lower_needle) {
                    let start = from + at;
                    matches.push(Match {
                        line,
                        start,
                        end: start + lower_needle.len(),
                    });
                    from = start + lower_needle.len().max(1);
                }
            }
        }
        Search {
            needle: needle.to_string(),
            matches,
            current: 0,
        }
    }

    /// Runs a search and scrolls to the first match at or after the current position.
    pub fn search(&mut self, needle: &str, page: usize) {
        let mut search = self.find(needle);
        search.current = search
            .matches
            .iter()
            .position(|m| m.line >= self.scroll)
            .unwrap_or(0);
        self.search = Some(search);
        self.reveal_current(page);
    }

    /// Moves to the next (`forward`) or previous match, wrapping around.
    pub fn step(&mut self, forward: bool, page: usize) {
        if let Some(search) = &mut self.search {
            let n = search.matches.len();
            if n > 0 {
                search.current = if forward {
                    (search.current + 1) % n
                } else {
                    (search.current + n - 1) % n
                };
            }
        }
        self.reveal_current(page);
    }

    fn reveal_current(&mut self, page: usize) {
        let Some(line) = self
            .search
            .as_ref()
            .and_then(|s| s.matches.get(s.current))
            .map(|m| m.line)
        else {
            return;
        };
        let page = page.max(1);
        if line < self.scroll || line >= self.scroll + page {
            self.scroll = line.saturating_sub(page / 3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> JsonView {
        let value =
            serde_json::json!({"a": "alpha", "b": ["beta", "ALPHA"], "c": {"d": "gamma alpha"}});
        JsonView::new(&RawRecord::json(
            crate::model::raw::RecordKind::Asff,
            &value,
        ))
    }

    #[test]
    fn finds_every_match_case_insensitively() {
        let v = view();
        let s = v.find("alpha");
        assert_eq!(s.matches.len(), 3);
        let first = &s.matches[0];
        assert_eq!(&v.lines[first.line][first.start..first.end], "alpha");
        assert!(v.find("").matches.is_empty());
        assert!(v.find("zeta").matches.is_empty());
    }

    #[test]
    fn steps_wrap_around_and_scroll_into_view() {
        let mut v = view();
        v.search("alpha", 2);
        assert_eq!(v.search.as_ref().map(|s| s.current), Some(0));
        v.step(false, 2);
        assert_eq!(v.search.as_ref().map(|s| s.current), Some(2));
        let line = v
            .search
            .as_ref()
            .map(|s| s.matches[2].line)
            .unwrap_or_default();
        assert!(v.scroll <= line && line < v.scroll + 2);
        v.step(true, 2);
        assert_eq!(v.search.as_ref().map(|s| s.current), Some(0));
    }
}
