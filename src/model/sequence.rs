//! An attack sequence as GuardDuty Extended Threat Detection states it: the signals it was
//! built from (earlier findings and API activity), each with its time and tactic. Read from
//! GuardDuty's own record (`service.detection.sequence`) and Security Hub's copy (ASFF
//! `Detection.Sequence`); the incidents view shows the signals as the sequence's timeline and
//! finds the member findings by the signals' ids.

use jiff::Timestamp;
use serde_json::Value;

use super::SafeText;
use super::attack::{Tactic, of_type};
use super::json::{get, get_array, get_f64, get_str, get_u64, path};
use super::raw::{RawRecord, RecordKind};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sequence {
    pub description: Option<SafeText>,
    /// In time order (first seen), signals without a time last.
    pub signals: Vec<Signal>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    /// The signal's id: for a `FINDING` signal, the finding's (its id or ARN).
    pub uid: SafeText,
    /// `FINDING`, `CLOUD_TRAIL`, `S3_DATA_EVENTS`, `RUNTIME_MONITORING`…
    pub kind: SafeText,
    /// A finding signal's finding type; an API signal's API.
    pub name: SafeText,
    pub description: SafeText,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub count: u64,
    pub severity: Option<f64>,
    pub tactic: Option<Tactic>,
}

impl Signal {
    pub fn is_finding(&self) -> bool {
        self.kind.eq_ignore_ascii_case("FINDING")
    }

    /// The finding id a `FINDING` signal points at: its uid, or the last part of an ARN.
    pub fn finding_ids(&self) -> impl Iterator<Item = &str> {
        let uid = self.uid.as_str();
        let tail = uid
            .starts_with("arn:")
            .then(|| uid.rsplit('/').next())
            .flatten()
            .filter(|t| !t.is_empty() && *t != uid);
        std::iter::once(uid).chain(tail)
    }
}

/// The sequence a finding's raw record carries, if it is an attack sequence.
pub fn of_record(raw: &RawRecord) -> Option<Sequence> {
    let record = raw.parse()?;
    match raw.kind() {
        RecordKind::GuardDuty => read(path(&record, &["service", "detection", "sequence"])?, GD),
        RecordKind::Asff => read(path(&record, &["Detection", "Sequence"])?, ASFF),
        _ => None,
    }
}

/// The field names of one spelling (GuardDuty's camelCase, ASFF's PascalCase).
struct Names {
    description: &'static str,
    signals: &'static str,
    uid: &'static str,
    kind: &'static str,
    name: &'static str,
    title: &'static str,
    signal_description: &'static str,
    first: &'static str,
    last: &'static str,
    count: &'static str,
    severity: &'static str,
    indicators: &'static str,
    key: &'static str,
    values: &'static str,
}

const GD: Names = Names {
    description: "description",
    signals: "signals",
    uid: "uid",
    kind: "type",
    name: "name",
    title: "name",
    signal_description: "description",
    first: "firstSeenAt",
    last: "lastSeenAt",
    count: "count",
    severity: "severity",
    indicators: "signalIndicators",
    key: "key",
    values: "values",
};

const ASFF: Names = Names {
    description: "Description",
    signals: "Signals",
    uid: "Id",
    kind: "Type",
    name: "Name",
    title: "Title",
    signal_description: "Title",
    first: "FirstSeenAt",
    last: "LastSeenAt",
    count: "Count",
    severity: "Severity",
    indicators: "SignalIndicators",
    key: "Key",
    values: "Values",
};

fn read(sequence: &Value, n: Names) -> Option<Sequence> {
    let mut signals: Vec<Signal> = get_array(sequence, n.signals)
        .iter()
        .map(|s| {
            let name = get_str(s, n.name)
                .or_else(|| get_str(s, n.title))
                .unwrap_or("");
            let indicated = get_array(s, n.indicators)
                .iter()
                .filter(|i| get_str(*i, n.key) == Some("ATTACK_TACTIC"))
                .flat_map(|i| get_array(i, n.values))
                .filter_map(Value::as_str)
                .find_map(Tactic::parse);
            Signal {
                uid: SafeText::line(get_str(s, n.uid).unwrap_or("")),
                kind: SafeText::line(get_str(s, n.kind).unwrap_or("")),
                name: SafeText::line(name),
                description: SafeText::line(get_str(s, n.signal_description).unwrap_or("")),
                first_seen: time(s, n.first),
                last_seen: time(s, n.last),
                count: get_u64(s, n.count).unwrap_or(1),
                severity: get_f64(s, n.severity),
                tactic: indicated.or_else(|| of_type(name)),
            }
        })
        .collect();
    signals.sort_by_key(|s| (s.first_seen.is_none(), s.first_seen));
    Some(Sequence {
        description: get_str(sequence, n.description).map(SafeText::line),
        signals,
    })
}

/// GuardDuty writes times as ISO text; Security Hub's copy as epoch milliseconds.
fn time(value: &Value, key: &str) -> Option<Timestamp> {
    let v = get(value, key)?;
    match v.as_i64() {
        Some(ms) => Timestamp::from_millisecond(ms).ok(),
        None => v.as_str()?.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn guardduty_signals_are_read_in_time_order_with_their_tactics() {
        let record = json!({"service": {"detection": {"sequence": {
        "uid": "s", "description": "credentials compromised",
        "signals": [
            {"uid": "arn:aws:guardduty:us-east-1:1:detector/d/finding/f2", "type": "FINDING",
             "name": "Persistence:IAMUser/AnomalousBehavior", "description": "key made",
             "firstSeenAt": "2026-01-15T10:00:00Z", "lastSeenAt": "2026-01-15T10:00:00Z", "count": 1},
            {"uid": "f1", "type": "FINDING", "name": "Discovery:IAMUser/AnomalousBehavior",
             "description": "recon", "firstSeenAt": "2026-01-15T09:00:00Z", "count": 3},
            {"uid": "e1", "type": "CLOUD_TRAIL", "name": "StopLogging", "description": "trail\u{1b}[2J off",
             "signalIndicators": [{"key": "ATTACK_TACTIC", "values": ["Defense Evasion"]}]}
        ]}}}});
        let raw = RawRecord::text(RecordKind::GuardDuty, &record.to_string());
        let sequence = of_record(&raw).expect("a sequence");
        let names: Vec<&str> = sequence.signals.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Discovery:IAMUser/AnomalousBehavior",
                "Persistence:IAMUser/AnomalousBehavior",
                "StopLogging"
            ]
        );
        let tactics: Vec<_> = sequence.signals.iter().map(|s| s.tactic).collect();
        assert_eq!(
            tactics,
            [
                Some(Tactic::Discovery),
                Some(Tactic::Persistence),
                Some(Tactic::DefenseEvasion)
            ]
        );
        let ids: Vec<&str> = sequence.signals[1].finding_ids().collect();
        assert_eq!(
            ids,
            ["arn:aws:guardduty:us-east-1:1:detector/d/finding/f2", "f2"]
        );
        assert!(!sequence.signals[2].description.contains('\u{1b}'));
        assert_eq!(sequence.signals[0].count, 3);
    }

    #[test]
    fn security_hub_copies_carry_the_sequence_in_pascal_case() {
        let record = json!({"Detection": {"Sequence": {"Uid": "s", "Signals": [
            {"Id": "f9", "Type": "FINDING", "Title": "Exfiltration:S3/AnomalousBehavior",
             "FirstSeenAt": 1_768_467_600_000_i64, "Count": 2}
        ]}}});
        let raw = RawRecord::text(RecordKind::Asff, &record.to_string());
        let sequence = of_record(&raw).expect("a sequence");
        let signal = &sequence.signals[0];
        assert_eq!(signal.tactic, Some(Tactic::Exfiltration));
        assert!(signal.is_finding());
        assert_eq!(
            signal.first_seen,
            Some("2026-01-15T09:00:00Z".parse().unwrap())
        );
        assert!(of_record(&RawRecord::text(RecordKind::Asff, "{}")).is_none());
    }
}
