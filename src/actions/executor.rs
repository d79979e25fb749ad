//! Carries out an acknowledged plan: refuses in read-only mode (the second wall, whatever the
//! UI shows), journals the intent before the first call (and refuses when it cannot), sends the
//! calls, journals every target's outcome.

use std::future::Future;
use std::pin::Pin;

use jiff::Timestamp;

use super::{Acknowledged, Call, Plan, Target};
use crate::journal::{self, Entry, Journal, Operator, TargetOutcome};

/// Where calls go: AWS through the SDK, the demo organization, or a test double.
pub trait Backend: Send + Sync {
    /// Sends one call; answers one outcome per target of the call.
    fn send<'a>(
        &'a self,
        call: &'a Call,
        targets: &'a [Target],
    ) -> Pin<Box<dyn Future<Output = Vec<TargetOutcome>> + Send + 'a>>;

    /// Called once the plan's calls were made (the demo organization keeps what was done).
    fn accepted(&self, _plan: &Plan) {}

    /// The AWS principal the calls are made as (recorded in the journal's intent), when known.
    fn principal(&self) -> Pin<Box<dyn Future<Output = Option<String>> + Send + '_>> {
        Box::pin(async { None })
    }
}

/// Where the executor writes what it does, before and after: the journal; or memory for the
/// headless harness, which must never write to the analyst's audit trail.
pub trait Trail: Send + Sync {
    fn append(&self, entry: Entry, now: Timestamp) -> Result<(), String>;
}

impl Trail for Journal {
    fn append(&self, entry: Entry, now: Timestamp) -> Result<(), String> {
        Journal::append(self, entry, now).map(|_| ())
    }
}

/// The records of a headless run, kept in memory.
#[derive(Default)]
pub struct MemoryTrail(std::sync::Mutex<Vec<Entry>>);

impl MemoryTrail {
    pub fn entries(&self) -> Vec<Entry> {
        self.0.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl Trail for MemoryTrail {
    fn append(&self, entry: Entry, _now: Timestamp) -> Result<(), String> {
        self.0
            .lock()
            .map_err(|_| "the in-memory trail is poisoned".to_string())?
            .push(entry);
        Ok(())
    }
}

pub struct Executor {
    journal: Box<dyn Trail>,
    read_only: bool,
    operator: Operator,
    backend: Box<dyn Backend>,
}

/// Every target of a call failed the same way.
pub fn all_failed(call: &Call, targets: &[Target], error: &str) -> Vec<TargetOutcome> {
    call.targets
        .iter()
        .map(|&i| TargetOutcome {
            finding: targets[i].finding.clone(),
            ok: false,
            error: Some(error.to_string()),
            request_id: None,
            detail: None,
        })
        .collect()
}

/// Every target of a call answered: done, or refused in the words `error_of` finds for it.
pub fn answered(
    call: &Call,
    targets: &[Target],
    request_id: Option<String>,
    mut error_of: impl FnMut(&Target) -> Option<String>,
) -> Vec<TargetOutcome> {
    call.targets
        .iter()
        .map(|&i| {
            let error = error_of(&targets[i]);
            TargetOutcome {
                finding: targets[i].finding.clone(),
                ok: error.is_none(),
                error,
                request_id: request_id.clone(),
                detail: None,
            }
        })
        .collect()
}

/// One outcome per target, whatever the number of calls that reached it (a false-positive
/// resolution archives a GuardDuty finding and gives it feedback): done when every call was,
/// else each refusal, named by its call. The answers come with the call that had them.
pub fn one_per_target(answers: Vec<(&'static str, TargetOutcome)>) -> Vec<TargetOutcome> {
    let mut calls: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (_, outcome) in &answers {
        *calls.entry(outcome.finding.as_str()).or_default() += 1;
    }
    let several: std::collections::HashSet<String> = calls
        .into_iter()
        .filter(|&(_, n)| n > 1)
        .map(|(finding, _)| finding.to_string())
        .collect();
    if several.is_empty() {
        return answers.into_iter().map(|(_, outcome)| outcome).collect();
    }
    let mut merged: Vec<TargetOutcome> = Vec::new();
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (api, mut outcome) in answers {
        if several.contains(&outcome.finding) {
            outcome.error = outcome.error.map(|e| format!("{api}: {e}"));
        }
        match at.get(&outcome.finding) {
            None => {
                at.insert(outcome.finding.clone(), merged.len());
                merged.push(outcome);
            }
            Some(&i) => {
                let kept = &mut merged[i];
                kept.ok &= outcome.ok;
                let join = |a: Option<String>, b: Option<String>| match (a, b) {
                    (Some(a), Some(b)) => Some(format!("{a}; {b}")),
                    (a, b) => a.or(b),
                };
                kept.error = join(kept.error.take(), outcome.error);
                kept.detail = join(kept.detail.take(), outcome.detail);
                if kept.request_id.is_none() {
                    kept.request_id = outcome.request_id;
                }
            }
        }
    }
    merged
}

impl Executor {
    pub fn new(
        journal: impl Trail + 'static,
        read_only: bool,
        operator: Operator,
        backend: Box<dyn Backend>,
    ) -> Executor {
        Executor {
            journal: Box::new(journal),
            read_only,
            operator,
            backend,
        }
    }

    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// Runs the plan. The acknowledgement is consumed: one approval, one execution.
    pub async fn execute(
        &self,
        plan: &Plan,
        _acknowledged: Acknowledged,
        action_id: &str,
        now: Timestamp,
    ) -> Result<Vec<TargetOutcome>, String> {
        if self.read_only {
            return Err("read-only: picket makes no changes in AWS in this session".into());
        }
        let mut operator = self.operator.clone();
        if operator.principal.is_none() {
            operator.principal = self.backend.principal().await;
        }
        let intent = Entry::Intent {
            action_id: action_id.to_string(),
            operator,
            action: serde_json::to_value(&plan.action).map_err(|e| e.to_string())?,
            targets: plan
                .targets
                .iter()
                .map(|t| journal::Target {
                    finding: t.finding.clone(),
                    account: t.account.clone(),
                    region: t.region.clone(),
                })
                .collect(),
            reason: plan.reason.clone(),
        };
        self.journal.append(intent, now).map_err(|e| {
            format!("nothing was sent: the journal could not record the action: {e}")
        })?;
        let mut answers = Vec::with_capacity(plan.targets.len());
        for call in &plan.calls {
            let answered = self.backend.send(call, &plan.targets).await;
            answers.extend(answered.into_iter().map(|outcome| (call.api, outcome)));
        }
        let results = one_per_target(answers);
        self.backend.accepted(plan);
        let outcome = Entry::Outcome {
            action_id: action_id.to_string(),
            results: results.clone(),
        };
        // The calls were made: a journal failure now is reported, not a reason to hide them.
        if let Err(e) = self.journal.append(outcome, Timestamp::now()) {
            return Err(format!(
                "the action ran but its outcome could not be journaled ({e}); `picket audit` will show it as outcome unknown"
            ));
        }
        Ok(results)
    }
}
