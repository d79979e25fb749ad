//! Where a source's reading stands, kept in the disk store so a restart reads on from there.

use jiff::Timestamp;

/// Where a source's reading stands: everything updated before `cursor` has been read, and
/// the last complete re-read of its active findings ended at `full_read`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// The source's name ([`crate::sources::Source::name`]).
    pub source: String,
    pub cursor: Timestamp,
    pub full_read: Option<Timestamp>,
}

impl Mark {
    /// `cursor-ms full-read-ms` (or `-`), as the disk store keeps it beside the source's name.
    pub fn encode(&self) -> String {
        let full = self
            .full_read
            .map_or("-".to_string(), |t| t.as_millisecond().to_string());
        format!("{} {full}", self.cursor.as_millisecond())
    }

    pub fn decode(source: String, text: &str) -> Option<Mark> {
        let (cursor, full) = text.split_once(' ')?;
        let time = |ms: &str| Timestamp::from_millisecond(ms.parse().ok()?).ok();
        Some(Mark {
            source,
            cursor: time(cursor)?,
            full_read: if full == "-" { None } else { Some(time(full)?) },
        })
    }
}
