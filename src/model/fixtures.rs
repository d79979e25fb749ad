//! Small findings for unit tests, built through the real mappers.

use serde_json::json;

use super::{Account, Directory, Finding, SafeText};

/// A GuardDuty finding with the given id, account, type, score and last-seen time (RFC 3339).
pub fn guardduty(id: &str, account: &str, kind: &str, severity: f64, last_seen: &str) -> Finding {
    let value = json!({
        "id": id, "accountId": account, "type": kind, "severity": severity, "region": "us-east-1",
        "title": format!("{kind} on {id}"), "createdAt": "2026-01-01T00:00:00Z", "updatedAt": last_seen,
        "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": format!("i-{id}")}},
        "service": {"count": 1, "eventFirstSeen": "2026-01-01T00:00:00Z", "eventLastSeen": last_seen}
    });
    super::guardduty::map_finding(&value).unwrap_or_else(|e| panic!("fixture {id}: {e}"))
}

/// Two accounts: `111111111111` prod-web (Production) and `222222222222` sandbox (Sandbox).
pub fn directory() -> Directory {
    let mut d = Directory::default();
    for (id, name, ou, production) in [
        ("111111111111", "prod-web", "Production", true),
        ("222222222222", "sandbox", "Sandbox", false),
    ] {
        d.insert(Account {
            id: SafeText::line(id),
            name: SafeText::line(name),
            ou_path: SafeText::line(ou),
            production,
        });
    }
    d
}
