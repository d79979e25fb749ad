//! The record exactly as the source delivered it, kept for the detail view and for export.
//!
//! A record starts as plain text. What is kept for long (the finding store, the logs buffer)
//! is packed where it is read, off the UI task: with zstd against a dictionary learned from the
//! first records of its kind ([`super::packing`]), about 200 bytes for a typical 2 KB finding,
//! or before that dictionary exists with LZ4 against a built-in dictionary of the field names
//! GuardDuty, ASFF and CloudTrail records share (about 750). That is what lets 100,000 findings
//! fit in memory with their raw JSON. Packing costs more than mapping the record, so a record
//! printed and dropped (`picket findings`) is never packed. Unpacking costs microseconds and
//! happens only when a record is opened, copied or exported.
//!
//! The text is attacker-controlled, so it is never handed out for display as is: the display
//! paths ([`RawRecord::pretty_lines`], [`RawRecord::display_line`]) sanitize every line.

use std::fmt;
use std::sync::Arc;

use super::packing::{Dictionary, Packer};
pub use super::record_kind::RecordKind;
use super::text::{SafeText, clean_line};

/// Longest line of the pretty-printed record shown in the viewer (characters).
const MAX_VIEW_LINE: usize = crate::limits::JSON_VIEW_LINE;

/// Shared content that small JSON records compress against (raw-content dictionary).
const DICTIONARY: &[u8] = include_bytes!("raw_dictionary.txt");

#[derive(Clone)]
pub struct RawRecord {
    kind: RecordKind,
    body: Body,
}

#[derive(Clone)]
enum Body {
    Plain(Box<str>),
    /// LZ4 against [`DICTIONARY`], and the length of the text.
    Packed(Box<[u8]>, u32),
    /// zstd against a learned dictionary, and the length of the text.
    Learned(Box<[u8]>, u32, Arc<Dictionary>),
}

/// A packed record's parts, as the disk store keeps them.
#[derive(Clone, Copy, Debug)]
pub struct PackedParts<'a> {
    pub bytes: &'a [u8],
    /// Length of the text.
    pub len: u32,
    /// The learned dictionary it was packed with; None for LZ4 and the built-in one.
    pub dictionary: Option<&'a Arc<Dictionary>>,
}

/// Two records are equal when they hold the same text, however each is packed.
impl PartialEq for RawRecord {
    fn eq(&self, other: &Self) -> bool {
        if self.kind != other.kind || self.len() != other.len() {
            return false;
        }
        match (&self.body, &other.body) {
            (Body::Plain(a), Body::Plain(b)) => a == b,
            (Body::Packed(a, _), Body::Packed(b, _)) => a == b,
            _ => self.as_delivered() == other.as_delivered(),
        }
    }
}

impl Eq for RawRecord {}

impl RawRecord {
    /// Keeps a JSON value in compact form.
    pub fn json(kind: RecordKind, value: &serde_json::Value) -> Self {
        Self::plain(kind, value.to_string())
    }

    /// Keeps text as delivered (a log message that may or may not be JSON).
    pub fn text(kind: RecordKind, text: &str) -> Self {
        Self::plain(kind, text.into())
    }

    fn plain(kind: RecordKind, text: String) -> Self {
        Self {
            kind,
            body: Body::Plain(text.into_boxed_str()),
        }
    }

    /// The compact form, for records kept in memory for long. The text must fit in a u32
    /// length; a longer one (over 4 GiB, never seen from AWS) stays plain.
    pub fn packed(mut self) -> Self {
        self.pack();
        self
    }

    /// Packs in place with LZ4 ([`Self::packed`]): a record that reached the store unpacked.
    pub fn pack(&mut self) {
        let Body::Plain(text) = &self.body else {
            return;
        };
        let Ok(len) = u32::try_from(text.len()) else {
            return;
        };
        let packed =
            lz4_flex::block::compress_with_dict(text.as_bytes(), DICTIONARY).into_boxed_slice();
        self.body = Body::Packed(packed, len);
    }

    /// Packs in place with what `packer` has learned of the kind (LZ4 until it has): where
    /// records are read, off the UI task.
    pub fn pack_with(&mut self, packer: &Arc<Packer>) {
        let Body::Plain(text) = &self.body else {
            return;
        };
        let Ok(len) = u32::try_from(text.len()) else {
            return;
        };
        let learned = packer
            .learn(self.kind, text.as_bytes())
            .and_then(|dictionary| {
                let packed = dictionary.pack(text.as_bytes())?;
                Some(Body::Learned(packed, len, dictionary))
            });
        match learned {
            Some(body) => self.body = body,
            None => self.pack(),
        }
    }

    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// The packed bytes, the text's length and the dictionary, as [`Self::from_packed`] takes
    /// them back.
    pub fn packed_parts(&self) -> Option<PackedParts<'_>> {
        match &self.body {
            Body::Packed(bytes, len) => Some(PackedParts {
                bytes,
                len: *len,
                dictionary: None,
            }),
            Body::Learned(bytes, len, dictionary) => Some(PackedParts {
                bytes,
                len: *len,
                dictionary: Some(dictionary),
            }),
            Body::Plain(_) => None,
        }
    }

    /// A record packed earlier ([`Self::packed_parts`]). Bytes that do not unpack read as an
    /// empty text, which maps to no finding: a damaged store yields an error, never garbage.
    pub fn from_packed(
        kind: RecordKind,
        bytes: Box<[u8]>,
        len: u32,
        dictionary: Option<Arc<Dictionary>>,
    ) -> Self {
        let body = match dictionary {
            Some(dictionary) => Body::Learned(bytes, len, dictionary),
            None => Body::Packed(bytes, len),
        };
        Self { kind, body }
    }

    /// The text as delivered, borrowed while it is not packed.
    pub fn delivered_text(&self) -> std::borrow::Cow<'_, str> {
        match &self.body {
            Body::Plain(text) => std::borrow::Cow::Borrowed(text),
            Body::Packed(..) | Body::Learned(..) => std::borrow::Cow::Owned(self.as_delivered()),
        }
    }

    /// The text as delivered (compact JSON for findings), for machine output and the
    /// clipboard, where the receiver is a parser rather than a terminal.
    pub fn as_delivered(&self) -> String {
        let bytes = match &self.body {
            Body::Plain(text) => return text.to_string(),
            Body::Packed(packed, len) => {
                lz4_flex::block::decompress_with_dict(packed, *len as usize, DICTIONARY)
                    .unwrap_or_default()
            }
            Body::Learned(packed, len, dictionary) => {
                dictionary.unpack(packed, *len as usize).unwrap_or_default()
            }
        };
        // Compressed from a &str, so valid UTF-8; a lossy read guards against a corrupted buffer.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    pub fn parse(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.as_delivered()).ok()
    }

    /// Pretty-printed with two-space indentation when the text is JSON, else its own lines; every
    /// line sanitized.
    pub fn pretty_lines(&self) -> Vec<SafeText> {
        let text = self.as_delivered();
        let pretty = match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(value) => serde_json::to_string_pretty(&value).unwrap_or(text),
            Err(_) => text,
        };
        pretty
            .lines()
            .map(|line| SafeText::line(&clean_line(line, MAX_VIEW_LINE)))
            .collect()
    }

    /// The text on one sanitized line, cut to `max_chars` (a log message in a list row).
    pub fn display_line(&self, max_chars: usize) -> SafeText {
        SafeText::line(&clean_line(&self.as_delivered(), max_chars))
    }

    /// Length of the text as delivered.
    pub fn len(&self) -> usize {
        match &self.body {
            Body::Plain(text) => text.len(),
            Body::Packed(_, len) | Body::Learned(_, len, _) => *len as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes actually held.
    pub fn stored_len(&self) -> usize {
        match &self.body {
            Body::Plain(text) => text.len(),
            Body::Packed(packed, _) | Body::Learned(packed, _, _) => packed.len(),
        }
    }
}

impl fmt::Debug for RawRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RawRecord({:?}, {} bytes, {} stored)",
            self.kind,
            self.len(),
            self.stored_len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_lines_are_sanitized() {
        let value = serde_json::json!({"Title": "a\u{202E}b\u{7f}", "n": 1});
        let lines = RawRecord::json(RecordKind::Asff, &value).pretty_lines();
        assert_eq!(lines[0].as_str(), "{");
        assert!(
            lines
                .iter()
                .all(|l| !l.chars().any(super::super::text::is_dangerous))
        );
        assert!(lines.iter().any(|l| l.contains("a\u{FFFD}b␡")));
    }

    #[test]
    fn round_trips_exactly_and_compresses() {
        let text = r#"{"accountId":"111122223333","resource":{"resourceType":"Instance"},"title":"ünïcode ✓"}"#;
        let raw = RawRecord::text(RecordKind::GuardDuty, text).packed();
        assert_eq!(raw.as_delivered(), text);
        assert_eq!(raw.len(), text.len());
        assert!(raw.stored_len() < text.len());
        assert_eq!(raw, RawRecord::text(RecordKind::GuardDuty, text).packed());
        let empty = RawRecord::text(RecordKind::Log, "").packed();
        assert_eq!(empty.as_delivered(), "");
        assert!(empty.is_empty());
    }

    #[test]
    fn plain_text_keeps_its_lines() {
        let raw = RawRecord::text(RecordKind::Log, "START RequestId: 1\n\x1b[31mEND");
        assert_eq!(raw.pretty_lines().len(), 2);
        assert_eq!(
            raw.display_line(100).as_str(),
            "START RequestId: 1␤␛[31mEND"
        );
    }
}
