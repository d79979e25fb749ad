//! What an action set, read from its JSON as the journal keeps it (the JSON an [`Action`]
//! serializes to, so a session's own actions read the same): the values it wrote — workflow
//! status, verification state, severity, archived, feedback, a suppression rule, a playbook —
//! and the note. One reading for `picket audit` and the detail's triage history.
//!
//! The text is the journal's or the analyst's: whoever shows it sanitizes it.
//!
//! [`Action`]: super::Action

use serde_json::Value;

use crate::model::disposition::Reason;
use crate::model::finding::Verification;

/// The values an action set, in the order it sets them, and its note.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Values {
    /// (what, value): `("workflow", "RESOLVED")`.
    pub set: Vec<(&'static str, String)>,
    /// The note it wrote (a Security Hub note, GuardDuty feedback's comment), in the analyst's
    /// words (picket signs the note it sends with who and why).
    pub note: Option<String>,
}

impl Values {
    /// The values of an action's JSON; an action picket no longer knows has none.
    pub fn of(action: &Value) -> Values {
        let text = |key: &str| action.get(key).and_then(Value::as_str).map(str::to_string);
        let words = |key: &str| text(key).filter(|t| !t.trim().is_empty());
        let mut set: Vec<(&'static str, String)> = Vec::new();
        let mut note = None;
        match action.get("name").and_then(Value::as_str).unwrap_or("") {
            "set_workflow" => {
                set.extend(text("status").map(|s| ("workflow", s)));
                let disposition = action.get("disposition");
                let field = |key: &str| {
                    disposition
                        .and_then(|d| d.get(key))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                };
                if let Some(reason) = field("reason") {
                    let known = Reason::parse(&reason);
                    if let Some(state) = known.and_then(Verification::of_reason) {
                        set.push(("verification", state.as_str().to_string()));
                    }
                    set.push(("reason", known.map_or(reason, |r| r.label().to_string())));
                }
                if let Some(expires) = field("expires") {
                    let day = expires
                        .parse::<jiff::Timestamp>()
                        .map_or(expires, |t| t.strftime("%Y-%m-%d").to_string());
                    set.push(("review", day));
                }
                note = words("note");
            }
            "add_note" => note = words("text"),
            "set_verification" => set.extend(text("state").map(|s| ("verification", s))),
            "set_severity" => set.extend(text("label").map(|s| ("severity", s))),
            "archive" => set.push(("archived", "yes".into())),
            "unarchive" => set.push(("archived", "no".into())),
            "feedback" => {
                let useful = action.get("useful").and_then(Value::as_bool);
                set.extend(useful.map(|u| {
                    let value = if u { "USEFUL" } else { "NOT_USEFUL" };
                    ("feedback", value.to_string())
                }));
                note = words("comment");
            }
            "suppress" => set.extend(
                action
                    .pointer("/rule/name")
                    .and_then(Value::as_str)
                    .map(|name| ("suppression rule", name.to_string())),
            ),
            "playbook" => set.extend(
                action
                    .pointer("/playbook/name")
                    .and_then(Value::as_str)
                    .map(|name| ("playbook", name.to_string())),
            ),
            "resolve_false_positive" => {
                set.push(("verification", "FALSE_POSITIVE".into()));
                set.push(("workflow", "RESOLVED".into()));
                set.push(("GuardDuty", "archived + feedback NOT_USEFUL".into()));
                note = Some(super::false_positive_note(
                    &text("note").unwrap_or_default(),
                ));
            }
            "reinstate" => {
                set.extend(text("workflow").map(|s| ("workflow", s)));
                set.extend(text("verification").map(|s| ("verification", s)));
                let archived = action.get("archived").and_then(Value::as_bool);
                set.extend(archived.map(|a| {
                    let value = if a { "archived" } else { "unarchived" };
                    ("GuardDuty", value.to_string())
                }));
                note = Some(super::UNDO_NOTE.to_string());
            }
            _ => {}
        }
        Values { set, note }
    }

    /// `workflow RESOLVED · verification FALSE_POSITIVE`; empty when it set no value.
    pub fn summary(&self) -> String {
        self.joined(" · ")
    }

    /// The values, `what value`, joined by `separator`.
    pub fn joined(&self, separator: &str) -> String {
        self.set
            .iter()
            .map(|(what, value)| format!("{what} {value}"))
            .collect::<Vec<_>>()
            .join(separator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::Action;
    use crate::model::Workflow;

    fn values(action: &Action) -> Values {
        Values::of(&serde_json::to_value(action).expect("json"))
    }

    #[test]
    fn every_action_says_what_it_set_and_its_note() {
        let resolved = values(&Action::SetWorkflow {
            status: Workflow::Resolved,
            note: Some("scanner".into()),
            disposition: Some(crate::model::disposition::Disposition {
                reason: Reason::FalsePositive,
                author: crate::model::SafeText::line("alice"),
                at: None,
                expires: "2026-03-01T00:00:00Z".parse().ok(),
            }),
        });
        assert_eq!(
            resolved.summary(),
            "workflow RESOLVED · verification FALSE_POSITIVE · reason false positive · review 2026-03-01"
        );
        assert_eq!(resolved.note.as_deref(), Some("scanner"));
        let note = values(&Action::AddNote {
            text: "paged the owner".into(),
        });
        assert_eq!(
            (note.summary().as_str(), note.note.as_deref()),
            ("", Some("paged the owner"))
        );
        assert_eq!(
            values(&Action::SetVerification {
                state: Verification::TruePositive
            })
            .summary(),
            "verification TRUE_POSITIVE"
        );
        assert_eq!(values(&Action::Archive).summary(), "archived yes");
        let both = values(&Action::ResolveFalsePositive {
            note: "test traffic".into(),
        });
        assert_eq!(
            both.summary(),
            "verification FALSE_POSITIVE · workflow RESOLVED · GuardDuty archived + feedback NOT_USEFUL"
        );
        assert_eq!(both.note.as_deref(), Some("false positive: test traffic"));
        assert_eq!(
            values(&Action::Feedback {
                useful: false,
                comment: None
            })
            .summary(),
            "feedback NOT_USEFUL"
        );
        assert_eq!(
            Values::of(&serde_json::json!({"name": "resolve"})),
            Values::default()
        );
    }
}
