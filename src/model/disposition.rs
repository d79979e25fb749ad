//! A disposition: why a finding was resolved or suppressed, by whom, and until when. picket
//! writes it where other tools and colleagues read it — Security Hub's `UserDefinedFields`
//! under `picket.*` keys (beside the human note), an OCSF finding's comment — and reads it
//! back from there, so a disposition made elsewhere by picket shows and expires the same way.

use jiff::Timestamp;
use serde::Serialize;

use super::SafeText;
use super::json::{Json, get, get_str};

/// The fixed reason codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    FalsePositive,
    Benign,
    Duplicate,
    AcceptedRisk,
    TruePositive,
}

impl Reason {
    pub const ALL: [Reason; 5] = [
        Reason::FalsePositive,
        Reason::Benign,
        Reason::Duplicate,
        Reason::AcceptedRisk,
        Reason::TruePositive,
    ];

    /// As written to `picket.reason`.
    pub fn code(self) -> &'static str {
        match self {
            Reason::FalsePositive => "false-positive",
            Reason::Benign => "benign",
            Reason::Duplicate => "duplicate",
            Reason::AcceptedRisk => "accepted-risk",
            Reason::TruePositive => "true-positive",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Reason::FalsePositive => "false positive",
            Reason::Benign => "benign",
            Reason::Duplicate => "duplicate",
            Reason::AcceptedRisk => "accepted risk",
            Reason::TruePositive => "true positive",
        }
    }

    pub fn parse(text: &str) -> Option<Reason> {
        let key = text.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Reason::ALL.into_iter().find(|r| r.code() == key)
    }
}

/// The `UserDefinedFields` keys picket owns; every other key is another tool's.
pub const REASON_KEY: &str = "picket.reason";
pub const AUTHOR_KEY: &str = "picket.author";
pub const EXPIRES_KEY: &str = "picket.expires";
pub const AT_KEY: &str = "picket.at";
/// How picket's part of an OCSF comment begins.
pub const COMMENT_TAG: &str = "[picket]";

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Disposition {
    pub reason: Reason,
    pub author: SafeText,
    pub at: Option<Timestamp>,
    /// After this the decision is due for review: picket offers the reopen.
    pub expires: Option<Timestamp>,
}

impl Disposition {
    /// The `picket.*` fields, as written to `UserDefinedFields`.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            (REASON_KEY, self.reason.code().to_string()),
            (AUTHOR_KEY, self.author.to_string()),
        ];
        if let Some(at) = self.at {
            fields.push((AT_KEY, seconds(at)));
        }
        if let Some(expires) = self.expires {
            fields.push((EXPIRES_KEY, seconds(expires)));
        }
        fields
    }

    /// picket's line in an OCSF comment: `[picket] reason=… author=… expires=…`.
    pub fn comment_line(&self) -> String {
        let mut line = COMMENT_TAG.to_string();
        for (key, value) in self.fields() {
            let key = key.trim_start_matches("picket.");
            line.push_str(&format!(" {key}={}", value.replace(' ', "_")));
        }
        line
    }

    /// Read from ASFF `UserDefinedFields`; None without a known `picket.reason`.
    pub fn from_fields<J: Json>(record: &J) -> Option<Disposition> {
        let fields = get(record, "UserDefinedFields")?;
        let value = |key: &str| get_str(fields, key);
        Some(Disposition {
            reason: Reason::parse(value(REASON_KEY)?)?,
            author: SafeText::line(value(AUTHOR_KEY).unwrap_or("")),
            at: value(AT_KEY).and_then(|t| t.parse().ok()),
            expires: value(EXPIRES_KEY).and_then(|t| t.parse().ok()),
        })
    }

    /// Read from picket's line in an OCSF comment.
    pub fn from_comment(comment: &str) -> Option<Disposition> {
        let line = comment
            .lines()
            .find_map(|l| l.trim().strip_prefix(COMMENT_TAG))?;
        let value = |key: &str| {
            line.split_whitespace()
                .find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
        };
        Some(Disposition {
            reason: Reason::parse(value("reason")?)?,
            author: SafeText::line(&value("author").unwrap_or("").replace('_', " ")),
            at: value("at").and_then(|t| t.parse().ok()),
            expires: value("expires").and_then(|t| t.parse().ok()),
        })
    }

    pub fn expired(&self, now: Timestamp) -> bool {
        self.expires.is_some_and(|at| at <= now)
    }
}

/// RFC 3339 to the second.
fn seconds(at: Timestamp) -> String {
    Timestamp::from_second(at.as_second())
        .unwrap_or(at)
        .to_string()
}

/// `UserDefinedFields` for a disposition: the finding's own fields (other tools' keys kept as
/// they are), picket's keys replaced. Security Hub takes the map whole, so what is sent must
/// carry every key the finding has.
pub fn merged_fields(
    existing: &serde_json::Map<String, serde_json::Value>,
    disposition: &Disposition,
) -> serde_json::Map<String, serde_json::Value> {
    let mut merged: serde_json::Map<String, serde_json::Value> = existing
        .iter()
        .filter(|(k, v)| !k.starts_with("picket.") && v.is_string())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, value) in disposition.fields() {
        merged.insert(key.to_string(), serde_json::Value::String(value));
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Disposition {
        Disposition {
            reason: Reason::AcceptedRisk,
            author: SafeText::line("alice"),
            at: Some("2026-11-01T10:00:00Z".parse().unwrap()),
            expires: Some("2026-12-01T10:00:00Z".parse().unwrap()),
        }
    }

    #[test]
    fn other_tools_fields_survive_and_picket_keys_are_replaced() {
        let existing = json!({"ticket": "SEC-42", "owner": "team-a", "picket.reason": "benign"});
        let merged = merged_fields(existing.as_object().unwrap(), &sample());
        assert_eq!(merged["ticket"], "SEC-42");
        assert_eq!(merged["owner"], "team-a");
        assert_eq!(merged[REASON_KEY], "accepted-risk");
        assert_eq!(merged[EXPIRES_KEY], "2026-12-01T10:00:00Z");
        let read = Disposition::from_fields(&json!({ "UserDefinedFields": merged })).unwrap();
        assert_eq!(read, sample());
        assert!(read.expired("2026-12-02T00:00:00Z".parse().unwrap()));
        assert!(!read.expired("2026-11-02T00:00:00Z".parse().unwrap()));
    }

    #[test]
    fn an_ocsf_comment_carries_it_on_a_line_of_its_own() {
        let comment = format!(
            "looked at it — alice via picket\n{}",
            sample().comment_line()
        );
        assert_eq!(Disposition::from_comment(&comment), Some(sample()));
        assert_eq!(Disposition::from_comment("no picket here"), None);
        assert_eq!(Disposition::from_comment("[picket] reason=whatever"), None);
    }
}
