//! The data picket works on, independent of where it came from.

pub mod account;
pub mod asff;
pub mod finding;
#[cfg(test)]
pub mod fixtures;
pub mod guardduty;
pub mod health;
pub mod json;
pub mod log;
pub mod raw;
pub mod severity;
pub mod text;

pub use account::{Account, Directory};
pub use finding::{Finding, SourceKind, Sources, Workflow};
pub use log::LogEvent;
pub use severity::{Severity, SeverityLabel};
pub use text::SafeText;

/// Why a record could not become a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapError {
    Missing(&'static str),
    NotJson,
    NotAFinding,
}

/// Rebuilds the full finding from its raw record, through the mapper that first read it.
pub fn finding_from_raw(raw: &raw::RawRecord) -> Result<Finding, MapError> {
    let value = raw.parse().ok_or(MapError::NotJson)?;
    match raw.kind() {
        raw::RecordKind::GuardDuty => guardduty::map_finding(&value),
        raw::RecordKind::Asff => asff::map_finding(&value),
        raw::RecordKind::Log => Err(MapError::NotAFinding),
    }
}

impl std::fmt::Display for MapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MapError::Missing(field) => write!(f, "missing required field `{field}`"),
            MapError::NotJson => f.write_str("not a JSON document"),
            MapError::NotAFinding => f.write_str("not a finding"),
        }
    }
}

impl std::error::Error for MapError {}
