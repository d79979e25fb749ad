//! What kind of record a raw record is.

/// What a record is, so the full finding can be rebuilt from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// A GuardDuty finding (API, CLI or S3 export shape).
    GuardDuty,
    /// A Security Hub finding in ASFF.
    Asff,
    /// A Security Hub (v2) finding in OCSF.
    Ocsf,
    /// A log message (CloudTrail record or any text).
    Log,
}

impl RecordKind {
    pub const ALL: [RecordKind; 4] = [Self::GuardDuty, Self::Asff, Self::Ocsf, Self::Log];

    /// A stable name (the disk store keeps it).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GuardDuty => "guardduty",
            Self::Asff => "asff",
            Self::Ocsf => "ocsf",
            Self::Log => "log",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}
