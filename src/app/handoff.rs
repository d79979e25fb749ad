//! The handoff bundle: what the next responder needs from a shift — the findings (grouped as
//! in the incidents view), their notes and dispositions and console links, and the actions
//! journaled in the window with their outcomes — as Markdown that reads well pasted into a
//! ticket or a chat, or as JSON for tools. `picket handoff` builds it from the disk store and
//! the journal; `H` on the findings screen copies it for the marked findings.

use jiff::Timestamp;
use serde::Serialize;

use super::incidents::{GroupBy, Incidents};
use crate::journal::{Entry, Record};
use crate::model::Directory;
use crate::store::{EntryIx, FindingStore};

#[derive(Debug, Serialize)]
pub struct Handoff {
    pub since: Option<Timestamp>,
    pub until: Timestamp,
    pub filter: String,
    pub grouped_by: &'static str,
    pub findings: usize,
    pub groups: Vec<HandoffGroup>,
    /// None: the journal was not part of it (the key's handoff of marked findings).
    pub actions: Option<Vec<ActionSummary>>,
}

#[derive(Debug, Serialize)]
pub struct HandoffGroup {
    pub label: String,
    pub highest: &'static str,
    pub accounts: usize,
    pub production: bool,
    pub new: usize,
    pub findings: Vec<HandoffFinding>,
    /// Who acted in these findings, as the trail names them (for [`add_activity`]).
    #[serde(skip)]
    pub principals: Vec<String>,
    /// What each of them did in the CloudTrail records read: the pivot in brief.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub activity: Vec<Activity>,
}

/// One principal's calls in the trail read: how many, how many refused, the most frequent.
#[derive(Debug, Serialize)]
pub struct Activity {
    pub principal: String,
    pub events: usize,
    pub denied: usize,
    /// `service:Event` and how often, most frequent first (at most five).
    pub top: Vec<(String, usize)>,
}

#[derive(Debug, Serialize)]
pub struct HandoffFinding {
    pub severity: &'static str,
    pub title: String,
    pub kind: String,
    pub account: String,
    pub region: String,
    pub status: &'static str,
    pub last_seen: Timestamp,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposition: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ActionSummary {
    pub time: Timestamp,
    pub operator: String,
    pub action: String,
    pub reason: String,
    pub targets: usize,
    /// None until AWS answered (or when picket stopped before it did).
    pub succeeded: Option<usize>,
    pub failed: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// The handoff of `rows` (filtered and sorted as the queue shows them), grouped `by`, with the
/// journal's actions since `since` when `records` are given.
pub fn build(
    store: &FindingStore,
    directory: &Directory,
    rows: &[EntryIx],
    by: GroupBy,
    records: Option<&[Record]>,
    (since, until): (Option<Timestamp>, Timestamp),
    filter: &str,
) -> Handoff {
    let mut incidents = Incidents::default();
    incidents.by = Some(by);
    incidents.rebuild(rows, store, directory);
    let groups = incidents
        .groups
        .iter()
        .map(|group| HandoffGroup {
            label: incidents.label(group, store, directory),
            highest: group.highest.as_str(),
            accounts: group.accounts,
            production: group.production,
            new: group.new,
            findings: group
                .members
                .iter()
                .filter_map(|&ix| finding(store, directory, ix))
                .collect(),
            principals: {
                let mut names: Vec<String> = group
                    .members
                    .iter()
                    .filter_map(|&ix| store.summary(ix))
                    .filter(|s| s.principal != crate::store::NONE)
                    .map(|s| store.principals.name(s.principal).to_string())
                    .collect();
                names.sort_unstable();
                names.dedup();
                names
            },
            activity: Vec::new(),
        })
        .collect();
    Handoff {
        since,
        until,
        filter: filter.to_string(),
        grouped_by: by.name(),
        findings: rows.len(),
        groups,
        actions: records.map(|records| actions(records, since)),
    }
}

/// Each group's principals' calls in `events` (the CloudTrail records read): the pivot summary
/// a handoff carries when the trail is at hand (the TUI's buffer).
pub fn add_activity<'a>(
    handoff: &mut Handoff,
    events: impl Iterator<Item = &'a crate::model::LogEvent> + Clone,
) {
    for group in &mut handoff.groups {
        group.activity = group
            .principals
            .iter()
            .filter_map(|principal| {
                let mut counts: std::collections::HashMap<String, usize> = Default::default();
                let (mut total, mut denied) = (0, 0);
                for trail in events.clone().filter_map(|e| e.trail.as_deref()) {
                    if trail.principal() != principal {
                        continue;
                    }
                    total += 1;
                    denied += usize::from(trail.error_code.is_some());
                    *counts.entry(trail.action()).or_default() += 1;
                }
                let mut top: Vec<(String, usize)> = counts.into_iter().collect();
                top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                top.truncate(5);
                (total > 0).then(|| Activity {
                    principal: principal.clone(),
                    events: total,
                    denied,
                    top,
                })
            })
            .collect();
    }
}

fn finding(store: &FindingStore, directory: &Directory, ix: EntryIx) -> Option<HandoffFinding> {
    let s = store.summary(ix)?;
    let full = store.finding(ix);
    let account = store.accounts.name(s.account);
    Some(HandoffFinding {
        severity: s.label.as_str(),
        title: store.title(ix).to_string(),
        kind: store.types.name(s.type_label).to_string(),
        account: match directory.get(account) {
            Some(a) => format!("{} ({account})", a.name),
            None => account.to_string(),
        },
        region: store.regions.name(s.region).to_string(),
        status: s.status_label(),
        last_seen: Timestamp::from_second(s.last_seen).unwrap_or(Timestamp::UNIX_EPOCH),
        id: store.id(ix).into_owned(),
        console: full.as_ref().and_then(crate::model::console::finding),
        notes: full
            .as_ref()
            .map(|f| {
                f.notes
                    .iter()
                    .map(|n| format!("{} — {}", n.text, n.updated_by))
                    .collect()
            })
            .unwrap_or_default(),
        disposition: full.and_then(|f| f.disposition).map(|d| {
            let mut text = format!("{} by {}", d.reason.label(), d.author);
            if let Some(until) = d.expires {
                text.push_str(&format!(", review {}", until.strftime("%Y-%m-%d")));
            }
            text
        }),
    })
}

/// The journal's actions since `since`: each intent with its outcome.
fn actions(records: &[Record], since: Option<Timestamp>) -> Vec<ActionSummary> {
    let mut out: Vec<(String, ActionSummary)> = Vec::new();
    for record in records.iter().filter(|r| since.is_none_or(|t| r.time >= t)) {
        match &record.entry {
            Entry::Intent {
                action_id,
                operator,
                action,
                targets,
                reason,
            } => out.push((
                action_id.clone(),
                ActionSummary {
                    time: record.time,
                    operator: operator.user.clone(),
                    action: describe(action),
                    reason: reason.clone(),
                    targets: targets.len(),
                    succeeded: None,
                    failed: None,
                    errors: Vec::new(),
                },
            )),
            Entry::Outcome { action_id, results } => {
                if let Some((_, summary)) = out.iter_mut().find(|(id, _)| id == action_id) {
                    summary.succeeded = Some(results.iter().filter(|r| r.ok).count());
                    summary.failed = Some(results.iter().filter(|r| !r.ok).count());
                    let mut errors: Vec<String> =
                        results.iter().filter_map(|r| r.error.clone()).collect();
                    errors.dedup();
                    errors.truncate(3);
                    summary.errors = errors;
                }
            }
            Entry::Repair { .. } => {}
        }
    }
    out.into_iter().map(|(_, summary)| summary).collect()
}

/// `set_workflow RESOLVED`, from the action as the journal keeps it.
fn describe(action: &serde_json::Value) -> String {
    let name = action
        .get("name")
        .and_then(|n| n.as_str())
        .unwrap_or("action");
    let detail = ["status", "state", "label"]
        .iter()
        .find_map(|k| action.get(*k).and_then(|v| v.as_str()));
    let mut text = match detail {
        Some(detail) => format!("{} {detail}", name.replace('_', " ")),
        None => name.replace('_', " "),
    };
    if let Some(reason) = action
        .pointer("/disposition/reason")
        .and_then(|r| r.as_str())
    {
        text.push_str(&format!(" ({})", reason.replace('-', " ")));
    }
    text
}

/// Text from AWS in Markdown: the characters that could format, link or embed are escaped
/// (and only those: ids and names stay readable where the Markdown is not rendered), and its
/// lines run on in one (a line of its own could start a heading or an item).
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // A note's lines stay on its list item's line: a new line could start a heading.
        if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
            continue;
        }
        if "\\`*_[]<>|~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The Markdown a ticket or a chat shows well: a heading per incident, a line per finding.
pub fn markdown(h: &Handoff) -> String {
    let mut out = String::new();
    let window = match h.since {
        Some(since) => format!("{} → {}", minute(since), minute(h.until)),
        None => format!("up to {}", minute(h.until)),
    };
    out.push_str(&format!("# Handoff · {window}\n\n"));
    let filter = if h.filter.is_empty() {
        "no filter".to_string()
    } else {
        format!("filter `{}`", h.filter.replace('`', "'"))
    };
    out.push_str(&format!(
        "{} findings in {} incidents by {} · {filter}\n",
        h.findings,
        h.groups.len(),
        h.grouped_by
    ));
    for group in &h.groups {
        out.push_str(&format!(
            "\n## {} · {} · {} finding{} · {} account{}{}{}\n\n",
            md(&group.label),
            group.highest,
            group.findings.len(),
            plural(group.findings.len()),
            group.accounts,
            plural(group.accounts),
            if group.production {
                " ⚑ production"
            } else {
                ""
            },
            if group.new > 0 {
                format!(" · {} new", group.new)
            } else {
                String::new()
            }
        ));
        for a in &group.activity {
            let top: Vec<String> = a
                .top
                .iter()
                .map(|(action, n)| format!("{} ×{n}", md(action)))
                .collect();
            out.push_str(&format!(
                "- activity of {} in the trail read: {} event{}{} — {}\n",
                md(&a.principal),
                a.events,
                plural(a.events),
                if a.denied > 0 {
                    format!(", {} refused", a.denied)
                } else {
                    String::new()
                },
                top.join(", ")
            ));
        }
        for f in &group.findings {
            out.push_str(&format!(
                "- **{}** {} — {} · {} {} · {} · last seen {}\n",
                f.severity,
                md(&f.title),
                md(&f.kind),
                md(&f.account),
                md(&f.region),
                f.status,
                minute(f.last_seen)
            ));
            if let Some(d) = &f.disposition {
                out.push_str(&format!("  - disposition: {}\n", md(d)));
            }
            for note in &f.notes {
                out.push_str(&format!("  - note: {}\n", md(note)));
            }
            if let Some(url) = &f.console {
                // Console links are picket's own, from checked regions and encoded ids.
                out.push_str(&format!("  - <{url}>\n"));
            }
        }
    }
    if let Some(actions) = &h.actions {
        out.push_str("\n## Actions\n\n");
        if actions.is_empty() {
            out.push_str("None journaled in the window.\n");
        }
        for a in actions {
            let outcome = match (a.succeeded, a.failed) {
                (Some(ok), Some(0)) => format!("{ok} done"),
                (Some(ok), Some(failed)) => format!("{ok} done, {failed} failed"),
                _ => "no answer recorded".to_string(),
            };
            out.push_str(&format!(
                "- {} {} — {} on {} finding{}: {outcome}{}\n",
                minute(a.time),
                md(&a.operator),
                md(&a.action),
                a.targets,
                plural(a.targets),
                if a.reason.is_empty() {
                    String::new()
                } else {
                    format!(" · why: {}", md(&a.reason))
                }
            ));
            for error in &a.errors {
                out.push_str(&format!("  - {}\n", md(error)));
            }
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn minute(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handoff_carries_what_its_principals_did_in_the_trail() {
        let record = serde_json::json!({
            "id": "g1", "accountId": "111122223333", "region": "us-east-1",
            "type": "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom", "severity": 5,
            "title": "calls from a listed IP", "createdAt": "2026-01-01T00:00:00Z",
            "updatedAt": "2026-01-02T00:00:00Z",
            "resource": {"resourceType": "AccessKey", "accessKeyDetails": {
                "accessKeyId": "AKIA1", "userName": "carol", "userType": "IAMUser"}},
            "service": {"count": 1}
        });
        let finding = crate::model::guardduty::map_finding(&record).expect("maps");
        let mut store = FindingStore::default();
        let now: Timestamp = "2026-01-02T01:00:00Z".parse().expect("time");
        store.upsert(finding, now, true);
        let call = |event: &str, error: &str| {
            crate::model::LogEvent::new(
                now,
                "111122223333",
                "us-east-1",
                "trail",
                "s",
                &format!(
                    r#"{{"eventSource":"s3.amazonaws.com","eventName":"{event}","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/carol"}}{error}}}"#
                ),
            )
        };
        let events = [
            call("GetObject", ""),
            call("GetObject", ""),
            call("PutBucketPolicy", r#","errorCode":"AccessDenied""#),
        ];
        let mut bundle = build(
            &store,
            &Directory::default(),
            &[0],
            GroupBy::Principal,
            None,
            (None, now),
            "",
        );
        add_activity(&mut bundle, events.iter());
        let activity = &bundle.groups[0].activity;
        assert_eq!(activity.len(), 1);
        assert_eq!((activity[0].events, activity[0].denied), (3, 1));
        assert_eq!(activity[0].top[0], ("s3:GetObject".to_string(), 2));
        let text = markdown(&bundle);
        assert!(
            text.contains("- activity of carol in the trail read: 3 events, 1 refused — s3:GetObject ×2, s3:PutBucketPolicy ×1"),
            "{text}"
        );
    }

    #[test]
    fn text_from_aws_cannot_format_or_link_in_markdown() {
        assert_eq!(
            md("[click](https://evil) *bold* <img> `x` (ok)"),
            r"\[click\](https://evil) \*bold\* \<img\> \`x\` (ok)"
        );
        assert_eq!(
            md("line one\n# not a heading\n\n- nor an item"),
            "line one # not a heading - nor an item"
        );
    }
}
