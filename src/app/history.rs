//! picket's own triage history of each finding: what its actions set (workflow, verification,
//! a note…), who did it, when, and how it went — this session's, and earlier sessions' read
//! from the journal at start (by the runtime, handed over in [`super::Options`]). The detail
//! shows it beside what the record itself carries, so a note saved a moment ago is there
//! before any poll brings the finding back.
//!
//! Kept only for findings picket acted on, by finding id: a million findings of which a few
//! hundred were acted on cost a few hundred entries. A step is shared by every finding it
//! touched (an action on 10,000 findings is one step and 10,000 small references), and each
//! finding keeps its newest [`crate::limits::HISTORY_PER_FINDING`] steps, counting the older.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;

use crate::actions::values::Values;
use crate::model::SafeText;

/// One action, as every finding it touched shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub at: Timestamp,
    pub who: SafeText,
    /// What it set (`workflow RESOLVED · verification FALSE_POSITIVE`), or what it was when it
    /// set no value (`add note`).
    pub what: SafeText,
    /// The note it wrote, in the analyst's words.
    pub note: Option<SafeText>,
    /// From the journal: an earlier session's.
    pub earlier: bool,
}

impl Step {
    /// The step of an action, from its JSON (as the journal keeps it).
    pub fn of(action: &serde_json::Value, at: Timestamp, who: &str, earlier: bool) -> Step {
        let values = Values::of(action);
        let mut what = values.summary();
        if what.is_empty() {
            what = action
                .get("name")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("action")
                .replace('_', " ");
        }
        Step {
            at,
            who: SafeText::line(who),
            what: SafeText::line(&what),
            note: values.note.as_deref().map(SafeText::block),
            earlier,
        }
    }
}

/// How a step went for one finding.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Done,
    /// AWS's words.
    Failed(SafeText),
    /// The journal holds the intent and no outcome: picket stopped in between.
    Unknown,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub step: Arc<Step>,
    pub outcome: Outcome,
}

/// One finding's steps, oldest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trail {
    pub events: Vec<Event>,
    /// Older steps no longer kept.
    pub older: usize,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    by_finding: HashMap<Box<str>, Trail>,
}

impl History {
    /// The finding's trail, if picket ever acted on it.
    pub fn of(&self, finding: &str) -> Option<&Trail> {
        self.by_finding.get(finding)
    }

    /// Findings with a history.
    pub fn len(&self) -> usize {
        self.by_finding.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_finding.is_empty()
    }

    /// Adds a step to a finding's trail, dropping (and counting) the oldest beyond the limit.
    pub fn record(&mut self, finding: &str, step: &Arc<Step>, outcome: Outcome) {
        let trail = match self.by_finding.get_mut(finding) {
            Some(trail) => trail,
            None => self.by_finding.entry(finding.into()).or_default(),
        };
        trail.events.push(Event {
            step: Arc::clone(step),
            outcome,
        });
        let over = trail
            .events
            .len()
            .saturating_sub(crate::limits::HISTORY_PER_FINDING);
        if over > 0 {
            trail.events.drain(..over);
            trail.older += over;
        }
    }

    /// The history the journal's records tell, in their order: each intent a step for each of
    /// its targets, done or failed as its outcome says (unknown without one).
    pub fn from_journal(records: &[crate::journal::Record]) -> History {
        use crate::journal::Entry;
        let mut outcomes: HashMap<&str, HashMap<&str, &crate::journal::TargetOutcome>> =
            HashMap::new();
        for record in records {
            if let Entry::Outcome { action_id, results } = &record.entry {
                let of_action = outcomes.entry(action_id.as_str()).or_default();
                for result in results {
                    of_action.insert(result.finding.as_str(), result);
                }
            }
        }
        let mut history = History::default();
        for record in records {
            let Entry::Intent {
                action_id,
                operator,
                action,
                targets,
                ..
            } = &record.entry
            else {
                continue;
            };
            let step = Arc::new(Step::of(action, record.time, &operator.user, true));
            let answered = outcomes.get(action_id.as_str());
            for target in targets {
                let outcome = match answered.and_then(|a| a.get(target.finding.as_str())) {
                    Some(result) if result.ok => Outcome::Done,
                    Some(result) => {
                        Outcome::Failed(SafeText::line(result.error.as_deref().unwrap_or("failed")))
                    }
                    None => Outcome::Unknown,
                };
                history.record(&target.finding, &step, outcome);
            }
        }
        history
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Entry, Operator, Record, Target, TargetOutcome};

    fn record(seq: u64, entry: Entry) -> Record {
        Record {
            seq,
            time: "2026-01-14T10:00:00Z".parse().expect("time"),
            entry,
            prev: String::new(),
            hash: String::new(),
            mac: None,
        }
    }

    fn target(finding: &str) -> Target {
        Target {
            finding: finding.into(),
            account: "111111111111".into(),
            region: "us-east-1".into(),
        }
    }

    #[test]
    fn the_journal_tells_each_finding_what_was_set_by_whom_and_how_it_went() {
        let records = vec![
            record(
                1,
                Entry::Intent {
                    action_id: "a1".into(),
                    operator: Operator {
                        user: "alice\u{1b}[31m".into(),
                        principal: None,
                    },
                    action: serde_json::json!({"name": "add_note", "text": "paged the owner"}),
                    targets: vec![target("f-1"), target("f-2")],
                    reason: String::new(),
                },
            ),
            record(
                2,
                Entry::Outcome {
                    action_id: "a1".into(),
                    results: vec![
                        TargetOutcome {
                            finding: "f-1".into(),
                            ok: true,
                            error: None,
                            request_id: None,
                            detail: None,
                        },
                        TargetOutcome {
                            finding: "f-2".into(),
                            ok: false,
                            error: Some("AccessDenied".into()),
                            request_id: None,
                            detail: None,
                        },
                    ],
                },
            ),
            record(
                3,
                Entry::Intent {
                    action_id: "a2".into(),
                    operator: Operator::default(),
                    action: serde_json::json!({"name": "set_workflow", "status": "RESOLVED", "note": "dup"}),
                    targets: vec![target("f-1")],
                    reason: String::new(),
                },
            ),
        ];
        let history = History::from_journal(&records);
        assert_eq!(history.len(), 2);
        let one = history.of("f-1").expect("f-1 has a history");
        assert_eq!(one.events.len(), 2);
        let first = &one.events[0];
        assert_eq!(first.step.what.as_str(), "add note");
        assert_eq!(first.step.note.as_deref(), Some("paged the owner"));
        assert!(first.step.earlier);
        assert!(!first.step.who.contains('\u{1b}'), "sanitized");
        assert_eq!(first.outcome, Outcome::Done);
        assert_eq!(one.events[1].step.what.as_str(), "workflow RESOLVED");
        assert_eq!(
            one.events[1].outcome,
            Outcome::Unknown,
            "no outcome recorded"
        );
        let two = history.of("f-2").expect("f-2 has a history");
        assert_eq!(
            two.events[0].outcome,
            Outcome::Failed(SafeText::line("AccessDenied"))
        );
        assert!(
            Arc::ptr_eq(&one.events[0].step, &two.events[0].step),
            "one step shared by its targets"
        );
        assert!(history.of("f-3").is_none());
    }

    #[test]
    fn a_trail_keeps_the_newest_steps_and_counts_the_older() {
        let mut history = History::default();
        let limit = crate::limits::HISTORY_PER_FINDING;
        for n in 0..limit + 3 {
            let step = Arc::new(Step::of(
                &serde_json::json!({"name": "add_note", "text": format!("note {n}")}),
                "2026-01-14T10:00:00Z".parse().expect("time"),
                "alice",
                false,
            ));
            history.record("f-1", &step, Outcome::Done);
        }
        let trail = history.of("f-1").expect("trail");
        assert_eq!((trail.events.len(), trail.older), (limit, 3));
        assert_eq!(trail.events[0].step.note.as_deref(), Some("note 3"));
    }
}
