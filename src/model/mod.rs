//! The data picket works on, independent of where it came from.

pub mod account;
pub mod age;
pub mod asff;
pub mod finding;
#[cfg(test)]
pub mod fixtures;
pub mod guardduty;
pub mod health;
pub mod json;
pub mod log;
pub mod ocsf;
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

/// The GuardDuty finding id in a GuardDuty finding ARN
/// (`arn:aws:guardduty:<region>:<account>:detector/<detector>/finding/<id>`), which is how
/// Security Hub names the GuardDuty findings it carries: the key that makes them one finding.
pub fn guardduty_finding_id(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:")?;
    let (_, resource) = rest.split_once(":guardduty:")?;
    let (_, id) = resource.rsplit_once("/finding/")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

/// Rebuilds the full finding from its raw record, through the mapper that first read it.
pub fn finding_from_raw(raw: &raw::RawRecord) -> Result<Finding, MapError> {
    finding_from_text(raw.kind(), &raw.as_delivered())
}

/// Parses and maps one record delivered as compact JSON text, which is kept as its raw record.
pub fn finding_from_text(kind: raw::RecordKind, text: &str) -> Result<Finding, MapError> {
    let node = json::Node::parse(text).map_err(|_| MapError::NotJson)?;
    match kind {
        raw::RecordKind::GuardDuty => guardduty::map_node(&node, text),
        raw::RecordKind::Asff => asff::map_node(&node, text),
        raw::RecordKind::Ocsf => ocsf::map_node(&node, text),
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
