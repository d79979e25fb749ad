//! Response actions as data. An [`Action`] on a set of [`Target`]s becomes a [`Plan`]: the exact
//! API calls, chunked as the APIs require, with their parameters. That is what the confirmation
//! shows and what the executor sends, so what the analyst approves is what reaches AWS.
//!
//! Nothing is sent without an [`Acknowledged`], which only [`acknowledge`] makes, with the rule
//! scaled to the blast radius: a reversible action on at most ten findings outside production is
//! confirmed with `y`; anything else needs a typed token (the number of findings, or the account
//! name when there is one account) and a reason.

pub mod cli;
pub mod executor;
pub mod playbook;
pub mod suppress;
pub mod values;

use serde::Serialize;
use serde_json::json;

use crate::model::finding::Verification;
use crate::model::health::Service;
use crate::model::{Finding, SeverityLabel, Workflow};

/// Security Hub BatchUpdateFindings takes at most 100 findings per call.
pub const SECURITY_HUB_CHUNK: usize = 100;
/// GuardDuty ArchiveFindings, UnarchiveFindings, UpdateFindingsFeedback: at most 50.
pub const GUARDDUTY_CHUNK: usize = 50;
/// The parameter of a BatchUpdateFindings call that carries `UserDefinedFields` to merge into
/// each finding's own (Security Hub takes the map whole, so the executor reads the findings'
/// fields first and sends each distinct merged map).
pub const MERGED_FIELDS: &str = "UserDefinedFields";
/// More findings than this, or any production account, or an irreversible action, needs a
/// typed token.
pub const QUICK_CONFIRM_LIMIT: usize = 10;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum Action {
    /// Security Hub workflow status; a note is required for RESOLVED and SUPPRESSED.
    SetWorkflow {
        status: Workflow,
        note: Option<String>,
        /// Why, by whom and until when: written to `UserDefinedFields` (`picket.*`, merged
        /// into the finding's own) or an OCSF finding's comment.
        #[serde(skip_serializing_if = "Option::is_none")]
        disposition: Option<crate::model::disposition::Disposition>,
    },
    AddNote {
        text: String,
    },
    SetVerification {
        state: Verification,
    },
    SetSeverity {
        label: SeverityLabel,
    },
    /// GuardDuty archive (the administrator account can; members cannot).
    Archive,
    Unarchive,
    Feedback {
        useful: bool,
        comment: Option<String>,
    },
    /// GuardDuty CreateFilter with action ARCHIVE, once per detector of the targets.
    Suppress {
        rule: suppress::Rule,
    },
    /// A containment playbook from config, in each finding's own account and region.
    Playbook {
        playbook: playbook::Playbook,
    },
    /// False positive, and closed, in one confirmation: a Security Hub finding gets
    /// `VerificationState` FALSE_POSITIVE and `Workflow` RESOLVED with the note in one
    /// BatchUpdateFindings (an OCSF finding: status Resolved, the note as its comment); a
    /// finding read from GuardDuty itself is archived and given the feedback NOT_USEFUL, the
    /// note as its comment. `note` holds the analyst's words, which may be empty.
    ResolveFalsePositive {
        note: String,
    },
    /// Findings put back as they were before a [`Action::ResolveFalsePositive`] (its undo):
    /// Security Hub's workflow and verification state in one call; GuardDuty's archived or not.
    Reinstate {
        workflow: Workflow,
        verification: Verification,
        archived: bool,
    },
}

/// The note a false-positive resolution writes: the reason, then the analyst's words.
pub fn false_positive_note(words: &str) -> String {
    let label = crate::model::disposition::Reason::FalsePositive.label();
    match words.trim() {
        "" => label.to_string(),
        words => format!("{label}: {words}"),
    }
}

/// The note an undo writes beside what it puts back.
pub const UNDO_NOTE: &str = "undo of the previous picket action";

impl Action {
    pub fn service(&self) -> Service {
        match self {
            Action::Archive
            | Action::Unarchive
            | Action::Feedback { .. }
            | Action::Suppress { .. } => Service::GuardDuty,
            Action::Playbook { .. } => Service::Playbooks,
            _ => Service::SecurityHub,
        }
    }

    /// The service that carries the action to `target`: the action's own, except for the
    /// actions that apply to either (a false-positive resolution and its undo), which go
    /// through GuardDuty for a finding read from GuardDuty itself and Security Hub otherwise.
    pub fn service_for(&self, target: &Target) -> Service {
        match self {
            Action::ResolveFalsePositive { .. } | Action::Reinstate { .. }
                if target.detector.is_some() && !target.ocsf =>
            {
                Service::GuardDuty
            }
            _ => self.service(),
        }
    }

    /// What the action changes in the queue once AWS has accepted it, for a finding it reached
    /// through GuardDuty (`guardduty`) or Security Hub; notes, feedback, rules and playbooks
    /// change nothing the queue shows.
    pub fn changes(&self, guardduty: bool) -> Vec<crate::store::Change> {
        use crate::store::Change;
        match self {
            Action::ResolveFalsePositive { .. } if guardduty => vec![Change::Archived(true)],
            Action::ResolveFalsePositive { .. } => vec![
                Change::Workflow(Workflow::Resolved),
                Change::Verification(Verification::FalsePositive),
                Change::Expires(crate::store::expiry(None)),
            ],
            Action::Reinstate { archived, .. } if guardduty => vec![Change::Archived(*archived)],
            Action::Reinstate {
                workflow,
                verification,
                ..
            } => vec![
                Change::Workflow(*workflow),
                Change::Verification(*verification),
                Change::Expires(crate::store::expiry(None)),
            ],
            Action::SetWorkflow {
                status,
                disposition,
                ..
            } => {
                // A new disposition sets the review date; any other workflow change ends it.
                let expires = disposition.as_ref().and_then(|d| d.expires);
                let mut changes = vec![
                    Change::Workflow(*status),
                    Change::Expires(crate::store::expiry(expires)),
                ];
                if let Some(state) = disposition
                    .as_ref()
                    .and_then(|d| crate::model::finding::Verification::of_reason(d.reason))
                {
                    changes.push(Change::Verification(state));
                }
                changes
            }
            Action::SetVerification { state } => vec![Change::Verification(*state)],
            Action::SetSeverity { label } => vec![Change::Severity(*label)],
            Action::Archive => vec![Change::Archived(true)],
            Action::Unarchive => vec![Change::Archived(false)],
            Action::AddNote { .. }
            | Action::Feedback { .. }
            | Action::Suppress { .. }
            | Action::Playbook { .. } => Vec::new(),
        }
    }

    /// Whether picket can put things back as they were (undo).
    pub fn reversible(&self) -> bool {
        matches!(
            self,
            Action::SetWorkflow { .. }
                | Action::SetVerification { .. }
                | Action::SetSeverity { .. }
                | Action::Archive
                | Action::Unarchive
                | Action::ResolveFalsePositive { .. }
                | Action::Reinstate { .. }
        )
    }

    pub fn describe(&self) -> String {
        match self {
            Action::SetWorkflow {
                status,
                disposition: Some(d),
                ..
            } => match d.expires {
                Some(until) => format!(
                    "set workflow {} ({}, review {})",
                    status.as_str(),
                    d.reason.label(),
                    until.strftime("%Y-%m-%d")
                ),
                None => format!("set workflow {} ({})", status.as_str(), d.reason.label()),
            },
            Action::SetWorkflow { status, .. } => format!("set workflow {}", status.as_str()),
            Action::AddNote { .. } => "add a note".into(),
            Action::SetVerification { state } => format!("mark {}", state.as_str()),
            Action::SetSeverity { label } => format!("set severity {}", label.as_str()),
            Action::Archive => "archive".into(),
            Action::Unarchive => "unarchive".into(),
            Action::Feedback { useful: true, .. } => "feedback: useful".into(),
            Action::Feedback { useful: false, .. } => "feedback: not useful".into(),
            Action::Suppress { rule } => format!("create suppression rule {}", rule.name),
            Action::Playbook { playbook } => format!("playbook: {}", playbook.name),
            Action::ResolveFalsePositive { .. } => "false positive + resolve".into(),
            Action::Reinstate {
                workflow,
                verification,
                archived,
            } => format!(
                "put back workflow {}, verification {} (GuardDuty: {})",
                workflow.as_str(),
                verification.as_str(),
                if *archived { "archived" } else { "unarchive" }
            ),
        }
    }
}

/// A finding an action touches, with the identifiers its API needs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Target {
    /// picket's id (GuardDuty's own id for GuardDuty findings).
    pub finding: String,
    pub account: String,
    pub region: String,
    pub production: bool,
    /// Security Hub: the finding's `Id` and `ProductArn`.
    pub hub_id: Option<String>,
    pub product_arn: Option<String>,
    /// GuardDuty: the detector that owns the finding.
    pub detector: Option<String>,
    /// An OCSF finding of the new Security Hub, updated with BatchUpdateFindingsV2.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ocsf: bool,
    /// How write-back reaches the finding when it is not through its own account and region
    /// (the administrator, an aggregation region): per service, as the sources read it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<crate::model::Route>,
    /// A playbook's placeholders' values, and the finding's record for an EventBridge event;
    /// filled only for playbooks.
    #[serde(skip)]
    pub variables: playbook::Variables,
    #[serde(skip)]
    pub record: Option<serde_json::Value>,
}

impl Target {
    /// The identifiers, read from the finding's raw record.
    pub fn of(finding: &Finding, production: bool) -> Target {
        let raw = finding.raw.parse().unwrap_or_default();
        let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
        let (hub_id, product_arn, detector) = match finding.raw.kind() {
            crate::model::raw::RecordKind::Asff => {
                (text(raw.get("Id")), text(raw.get("ProductArn")), None)
            }
            crate::model::raw::RecordKind::Ocsf => (
                text(raw.pointer("/finding_info/uid")),
                text(raw.pointer("/metadata/product/uid")),
                None,
            ),
            crate::model::raw::RecordKind::GuardDuty | crate::model::raw::RecordKind::Log => {
                // Security Hub knows a GuardDuty finding by its ARN, under GuardDuty's product.
                let arn = text(raw.get("arn"));
                let partition = arn
                    .as_deref()
                    .and_then(|a| a.split(':').nth(1))
                    .unwrap_or("aws")
                    .to_string();
                (
                    arn,
                    Some(format!(
                        "arn:{partition}:securityhub:{}::product/aws/guardduty",
                        finding.region.as_str()
                    )),
                    text(raw.pointer("/service/detectorId")),
                )
            }
        };
        Target {
            ocsf: finding.raw.kind() == crate::model::raw::RecordKind::Ocsf,
            finding: finding.id.to_string(),
            account: finding.account_id.to_string(),
            region: finding.region.to_string(),
            production,
            hub_id,
            product_arn,
            detector,
            routes: Vec::new(),
            variables: playbook::Variables::default(),
            record: None,
        }
    }

    /// With what a playbook needs: the placeholders' values and the record.
    pub fn for_playbook(mut self, finding: &Finding) -> Target {
        self.variables = playbook::Variables::of(finding);
        self.record = finding.raw.parse();
        self
    }

    /// The account and region whose credentials and endpoint write back for `service`, and
    /// the GuardDuty detector to name.
    pub fn reached_through(&self, service: Service) -> (&str, &str, Option<&str>) {
        match self.routes.iter().find(|r| r.service == service) {
            Some(route) => (
                &route.via_account,
                &route.via_region,
                route.detector.as_deref().or(self.detector.as_deref()),
            ),
            None => (&self.account, &self.region, self.detector.as_deref()),
        }
    }
}

/// One API call of a plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Call {
    /// The account whose credentials make the call, and the region it goes to.
    pub account: String,
    pub region: String,
    /// The operation, as `service:Operation` (`securityhub:BatchUpdateFindings`).
    pub api: &'static str,
    /// The request's parameters, as sent.
    pub params: serde_json::Value,
    /// Indices into the plan's targets.
    pub targets: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    pub action: Action,
    pub targets: Vec<Target>,
    pub calls: Vec<Call>,
    /// Who the note names, and why (Security Hub notes written by picket say both).
    pub operator: String,
    pub reason: String,
}

impl Plan {
    pub fn production(&self) -> bool {
        self.targets.iter().any(|t| t.production)
    }

    /// The accounts touched, sorted.
    pub fn accounts(&self) -> Vec<&str> {
        let mut accounts: Vec<&str> = self.targets.iter().map(|t| t.account.as_str()).collect();
        accounts.sort_unstable();
        accounts.dedup();
        accounts
    }

    /// Whether `y` is enough, or a typed token and a reason are needed.
    pub fn needs_token(&self) -> bool {
        self.production() || self.targets.len() > QUICK_CONFIRM_LIMIT || !self.action.reversible()
    }
}

/// The note text picket writes: the analyst's words, then who and why.
fn signed_note(text: &str, operator: &str, reason: &str) -> String {
    let mut note = format!("{text} — {operator} via picket");
    if !reason.is_empty() {
        note.push_str(&format!(" ({reason})"));
    }
    note
}

/// Plans `action` on `targets`: calls grouped by account and region, chunked as the API
/// requires. Fails with a sentence when the action cannot apply (a missing note, a finding
/// without the identifiers its API needs).
pub fn plan(
    action: Action,
    targets: Vec<Target>,
    operator: &str,
    reason: &str,
) -> Result<Plan, String> {
    if targets.is_empty() {
        return Err("no finding selected".into());
    }
    if let Action::SetWorkflow { status, note, .. } = &action
        && matches!(status, Workflow::Resolved | Workflow::Suppressed)
        && note.as_deref().is_none_or(|n| n.trim().is_empty())
    {
        return Err(format!("{} needs a note saying why", status.as_str()));
    }
    // Keyed by the service too: a false-positive resolution reaches some findings through
    // GuardDuty and others through Security Hub.
    let mut groups: std::collections::BTreeMap<(String, String, Service, String), Vec<usize>> =
        std::collections::BTreeMap::new();
    for (i, target) in targets.iter().enumerate() {
        let service = action.service_for(target);
        let (via_account, via_region, detector) = target.reached_through(service);
        let scope = match service {
            // A playbook acts in the finding's own account and region.
            Service::Playbooks => String::new(),
            Service::GuardDuty => detector
                .map(str::to_string)
                .ok_or_else(|| format!("{} is not a GuardDuty finding", target.finding))?,
            _ => {
                if target.hub_id.is_none() || target.product_arn.is_none() {
                    return Err(format!(
                        "{} has no Security Hub identifiers",
                        target.finding
                    ));
                }
                // OCSF findings go through BatchUpdateFindingsV2, in calls of their own.
                if target.ocsf { "v2" } else { "" }.to_string()
            }
        };
        groups
            .entry((
                via_account.to_string(),
                via_region.to_string(),
                service,
                scope,
            ))
            .or_default()
            .push(i);
    }
    let mut calls = Vec::new();
    for ((account, region, service, detector), members) in groups {
        let chunk = match &action {
            // One rule per detector, whatever the number of findings it was made from.
            Action::Suppress { .. } => members.len(),
            Action::Playbook { playbook } => playbook.chunk(),
            _ if service == Service::GuardDuty => GUARDDUTY_CHUNK,
            _ => SECURITY_HUB_CHUNK,
        };
        for part in members.chunks(chunk) {
            let requests = requests(
                &action, service, &targets, part, &detector, operator, reason,
            )?;
            for (api, params) in requests {
                calls.push(Call {
                    account: account.clone(),
                    region: region.clone(),
                    api,
                    params,
                    targets: part.to_vec(),
                });
            }
        }
    }
    Ok(Plan {
        action,
        targets,
        calls,
        operator: operator.to_string(),
        reason: reason.to_string(),
    })
}

/// The calls for one chunk of targets: one, except a false-positive resolution through
/// GuardDuty, which archives and gives feedback (GuardDuty has no call that does both).
fn requests(
    action: &Action,
    service: Service,
    targets: &[Target],
    part: &[usize],
    detector: &str,
    operator: &str,
    reason: &str,
) -> Result<Vec<(&'static str, serde_json::Value)>, String> {
    match (action, service) {
        (Action::ResolveFalsePositive { note }, Service::GuardDuty) => {
            let feedback = Action::Feedback {
                useful: false,
                comment: Some(false_positive_note(note)),
            };
            Ok(vec![
                request(&Action::Archive, targets, part, detector, operator, reason)?,
                request(&feedback, targets, part, detector, operator, reason)?,
            ])
        }
        (Action::Reinstate { archived, .. }, Service::GuardDuty) => {
            let back = if *archived {
                Action::Archive
            } else {
                Action::Unarchive
            };
            Ok(vec![request(
                &back, targets, part, detector, operator, reason,
            )?])
        }
        _ => Ok(vec![request(
            action, targets, part, detector, operator, reason,
        )?]),
    }
}

fn request(
    action: &Action,
    targets: &[Target],
    part: &[usize],
    detector: &str,
    operator: &str,
    reason: &str,
) -> Result<(&'static str, serde_json::Value), String> {
    let finding_ids: Vec<&str> = part.iter().map(|&i| targets[i].finding.as_str()).collect();
    let identifiers: Vec<serde_json::Value> = part
        .iter()
        .map(|&i| json!({"Id": targets[i].hub_id, "ProductArn": targets[i].product_arn}))
        .collect();
    let note = |text: &str| json!({"Text": signed_note(text, operator, reason), "UpdatedBy": format!("picket/{operator}")});
    if part.first().is_some_and(|&i| targets[i].ocsf) {
        return request_v2(action, targets, part, operator, reason);
    }
    Ok(match action {
        Action::SetWorkflow {
            status,
            note: text,
            disposition,
        } => {
            let mut params =
                json!({"FindingIdentifiers": identifiers, "Workflow": {"Status": status.as_str()}});
            if let Some(text) = text.as_deref().filter(|t| !t.trim().is_empty()) {
                params["Note"] = note(text);
            }
            if let Some(d) = disposition {
                // picket's keys only: the executor merges them into each finding's own
                // fields, read just before, so other tools' keys are never lost.
                let fields: serde_json::Map<String, serde_json::Value> = d
                    .fields()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), json!(v)))
                    .collect();
                params[MERGED_FIELDS] = serde_json::Value::Object(fields);
                if let Some(state) = crate::model::finding::Verification::of_reason(d.reason) {
                    params["VerificationState"] = json!(state.as_str());
                }
            }
            ("securityhub:BatchUpdateFindings", params)
        }
        Action::AddNote { text } => (
            "securityhub:BatchUpdateFindings",
            json!({"FindingIdentifiers": identifiers, "Note": note(text)}),
        ),
        Action::SetVerification { state } => (
            "securityhub:BatchUpdateFindings",
            json!({"FindingIdentifiers": identifiers, "VerificationState": state.as_str()}),
        ),
        Action::SetSeverity { label } => (
            "securityhub:BatchUpdateFindings",
            json!({"FindingIdentifiers": identifiers, "Severity": {"Label": label.as_str()}}),
        ),
        // Security Hub takes both, and the note, in one call.
        Action::ResolveFalsePositive { note: words } => (
            "securityhub:BatchUpdateFindings",
            json!({"FindingIdentifiers": identifiers,
                "Workflow": {"Status": Workflow::Resolved.as_str()},
                "VerificationState": Verification::FalsePositive.as_str(),
                "Note": note(&false_positive_note(words))}),
        ),
        Action::Reinstate {
            workflow,
            verification,
            ..
        } => (
            "securityhub:BatchUpdateFindings",
            json!({"FindingIdentifiers": identifiers,
                "Workflow": {"Status": workflow.as_str()},
                "VerificationState": verification.as_str(),
                "Note": note(UNDO_NOTE)}),
        ),
        Action::Archive => (
            "guardduty:ArchiveFindings",
            json!({"DetectorId": detector, "FindingIds": finding_ids}),
        ),
        Action::Unarchive => (
            "guardduty:UnarchiveFindings",
            json!({"DetectorId": detector, "FindingIds": finding_ids}),
        ),
        Action::Feedback { useful, comment } => {
            let mut params = json!({"DetectorId": detector, "FindingIds": finding_ids,
                "Feedback": if *useful { "USEFUL" } else { "NOT_USEFUL" }});
            if let Some(comment) = comment {
                params["Comments"] = json!(signed_note(comment, operator, reason));
            }
            ("guardduty:UpdateFindingsFeedback", params)
        }
        Action::Suppress { rule } => {
            let mut why = format!("{} by {operator} via picket", rule.origin);
            if !reason.is_empty() {
                why.push_str(&format!(" ({reason})"));
            }
            (
                "guardduty:CreateFilter",
                json!({"DetectorId": detector, "Name": rule.name, "Action": "ARCHIVE",
                    "Description": suppress::description_text(&why),
                    "FindingCriteria": rule.criteria}),
            )
        }
        Action::Playbook { playbook } => {
            let findings: Vec<_> = part
                .iter()
                .map(|&i| (&targets[i].variables, targets[i].record.as_ref()))
                .collect();
            let params = playbook
                .request(&findings, operator, reason)
                .map_err(|e| format!("playbook '{}': {e}", playbook.name))?;
            (playbook.api(), params)
        }
    })
}

/// BatchUpdateFindingsV2 for OCSF findings: OCSF status and severity ids and a comment of at
/// most 512 characters. OCSF has no NOTIFIED (it becomes In Progress) and no verification state.
fn request_v2(
    action: &Action,
    targets: &[Target],
    part: &[usize],
    operator: &str,
    reason: &str,
) -> Result<(&'static str, serde_json::Value), String> {
    let identifiers: Vec<serde_json::Value> = part
        .iter()
        .map(|&i| {
            let t = &targets[i];
            json!({"CloudAccountUid": t.account, "FindingInfoUid": t.hub_id,
                "MetadataProductUid": t.product_arn})
        })
        .collect();
    let mut params = json!({"FindingIdentifiers": identifiers});
    let comment = |text: &str| -> serde_json::Value {
        json!(
            signed_note(text, operator, reason)
                .chars()
                .take(512)
                .collect::<String>()
        )
    };
    let status_id = |status: &Workflow| match status {
        Workflow::New => 1,
        Workflow::Notified => 2,
        Workflow::Suppressed => 3,
        Workflow::Resolved => 4,
    };
    match action {
        // OCSF has no verification state: the comment says false positive.
        Action::ResolveFalsePositive { note } => {
            params["StatusId"] = json!(status_id(&Workflow::Resolved));
            params["Comment"] = comment(&false_positive_note(note));
        }
        Action::Reinstate { workflow, .. } => {
            params["StatusId"] = json!(status_id(workflow));
            params["Comment"] = comment(UNDO_NOTE);
        }
        Action::SetWorkflow {
            status,
            note,
            disposition,
        } => {
            params["StatusId"] = json!(status_id(status));
            if let Some(text) = note.as_deref().filter(|t| !t.trim().is_empty()) {
                params["Comment"] = comment(text);
            }
            // OCSF has no user-defined fields: the disposition is a line of the comment, kept
            // whole within the comment's limit (the note gives way).
            if let Some(d) = disposition {
                let line = d.comment_line();
                let note = params["Comment"].as_str().unwrap_or("").to_string();
                let room = 512usize.saturating_sub(line.chars().count() + 1);
                let note: String = note.chars().take(room).collect();
                params["Comment"] = json!(if note.is_empty() {
                    line
                } else {
                    format!("{note}\n{line}")
                });
            }
        }
        Action::AddNote { text } => params["Comment"] = comment(text),
        Action::SetSeverity { label } => {
            params["SeverityId"] = json!(match label {
                SeverityLabel::Informational => 1,
                SeverityLabel::Low => 2,
                SeverityLabel::Medium => 3,
                SeverityLabel::High => 4,
                SeverityLabel::Critical => 5,
            });
        }
        Action::SetVerification { .. } => {
            return Err("Security Hub (OCSF findings) has no verification state".into());
        }
        other => {
            return Err(format!(
                "{} does not apply to OCSF findings",
                other.describe()
            ));
        }
    }
    Ok(("securityhub:BatchUpdateFindingsV2", params))
}

/// Proof that the analyst approved a plan; only [`acknowledge`] makes one.
#[derive(Debug)]
pub struct Acknowledged {
    _private: (),
}

/// What the analyst answered in the confirmation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    /// `y` pressed (enough for small, reversible, non-production actions).
    pub yes: bool,
    /// What was typed as the token.
    pub token: String,
    pub reason: String,
}

/// The token a plan asks for: the number of findings, or the account's name (or id) when
/// there is a single account.
pub fn expected_tokens(plan: &Plan, account_name: impl Fn(&str) -> String) -> Vec<String> {
    let mut tokens = vec![plan.targets.len().to_string()];
    if let [account] = plan.accounts()[..] {
        tokens.push(account.to_string());
        tokens.push(account_name(account));
    }
    tokens
}

/// Checks the answer against the plan's blast radius.
pub fn acknowledge(
    plan: &Plan,
    answer: &Answer,
    account_name: impl Fn(&str) -> String,
) -> Result<Acknowledged, String> {
    if !plan.needs_token() {
        return if answer.yes {
            Ok(Acknowledged { _private: () })
        } else {
            Err("not confirmed".into())
        };
    }
    let tokens = expected_tokens(plan, account_name);
    if !tokens.iter().any(|t| t == answer.token.trim()) {
        return Err(format!(
            "type {} to confirm",
            tokens.first().map(String::as_str).unwrap_or("the count")
        ));
    }
    if answer.reason.trim().is_empty() {
        return Err("a reason is required".into());
    }
    Ok(Acknowledged { _private: () })
}

#[cfg(test)]
mod tests;
