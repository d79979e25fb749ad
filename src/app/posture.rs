//! Where the organization stands: the compliance view (standards → controls → failing
//! resources, pass rates per account and OU) built from the control findings and what Security
//! Hub says is enabled.
//!
//! Security Hub's own statuses are used, not re-computed: each control finding carries the
//! status AWS evaluated for its resource (`Compliance.Status`), and a control's status follows
//! the console's rule over them — failed when any finding failed, unknown when any warned or
//! had no data and none failed, passed when all passed; suppressed and archived findings do not
//! count. A pass rate is the console's security score: passed controls over passed and failed
//! ones. Enabled standards and disabled controls come from GetEnabledStandards and
//! DescribeStandardsControls where a source read them; opened offline, the findings' own
//! `AssociatedStandards` and requirements name the standards.
//!
//! Cost: one pass over the queue's summaries with integer keys (control, account), the
//! standards of each distinct requirement set worked out once; at 1M findings (half of them
//! control findings) about as long as grouping the incidents view by account.

pub mod coverage;
pub mod exposure;
pub mod screen;

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::model::finding::ComplianceStatus;
use crate::model::finding::{SourceKind, Sources};
use crate::model::standards::{StandardsReport, of_requirement};
use crate::model::{Directory, Workflow};
use crate::store::{EntryIx, FindingStore, NONE};

/// A control's status, as the console shows it; failing first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ControlStatus {
    Failed,
    Unknown,
    Passed,
    /// Enabled, and no finding evaluated it.
    NoData,
    /// Disabled where the standard is enabled.
    Disabled,
}

impl ControlStatus {
    pub fn label(self) -> &'static str {
        match self {
            ControlStatus::Failed => "FAILED",
            ControlStatus::Unknown => "UNKNOWN",
            ControlStatus::Passed => "PASSED",
            ControlStatus::NoData => "NO DATA",
            ControlStatus::Disabled => "DISABLED",
        }
    }
}

/// Findings of one control in one account, by the status AWS gave each resource.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    failed: u32,
    passed: u32,
    unknown: u32,
}

impl Tally {
    fn status(self) -> ControlStatus {
        if self.failed > 0 {
            ControlStatus::Failed
        } else if self.unknown > 0 {
            ControlStatus::Unknown
        } else if self.passed > 0 {
            ControlStatus::Passed
        } else {
            ControlStatus::NoData
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ControlRow {
    /// `S3.8`.
    pub id: String,
    pub title: String,
    pub status: ControlStatus,
    /// Resources (findings) failing it, passing it.
    pub failing: usize,
    pub passing: usize,
    /// Accounts where it fails, of those where it was evaluated.
    pub accounts_failing: usize,
    pub accounts: usize,
    /// In how many account/regions Security Hub says it is disabled (all of them: its
    /// status is [`ControlStatus::Disabled`]), and the reason given.
    pub disabled_in: usize,
    pub disabled_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StandardRow {
    pub name: String,
    pub controls: Vec<ControlRow>,
    /// Account/region pairs where Security Hub says it is enabled (None: not read).
    pub enabled_in: Option<usize>,
}

impl StandardRow {
    pub fn count(&self, status: ControlStatus) -> usize {
        self.controls.iter().filter(|c| c.status == status).count()
    }

    /// Passed controls over passed and failed ones, in percent (None: none evaluated).
    pub fn pass_rate(&self) -> Option<u32> {
        rate(
            self.count(ControlStatus::Passed),
            self.count(ControlStatus::Failed),
        )
    }
}

/// Passed and failed controls of an account or an OU.
#[derive(Clone, Debug, PartialEq)]
pub struct Rate {
    /// An account id, or an OU path.
    pub key: String,
    pub passed: usize,
    pub failed: usize,
}

impl Rate {
    pub fn percent(&self) -> Option<u32> {
        rate(self.passed, self.failed)
    }
}

fn rate(passed: usize, failed: usize) -> Option<u32> {
    let total = passed + failed;
    (total > 0).then(|| (passed * 100 / total) as u32)
}

/// The compliance view: standards with their controls (failing first), rates by account and
/// OU (lowest first).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Compliance {
    pub standards: Vec<StandardRow>,
    pub accounts: Vec<Rate>,
    pub ous: Vec<Rate>,
    /// Control findings counted.
    pub findings: usize,
    /// Whether any source said what is enabled (else the findings alone name the standards).
    pub from_api: bool,
}

/// The name under which controls no requirement places in a standard are listed.
pub const NO_STANDARD: &str = "Controls no standard names";

impl Compliance {
    pub fn build(
        store: &FindingStore,
        directory: &Directory,
        enabled: &BTreeMap<(String, String), StandardsReport>,
    ) -> Compliance {
        // Findings by (control, account, region) and the status AWS gave each.
        let mut tallies: HashMap<(u32, u32, u32), Tally> = HashMap::new();
        let mut sets: HashMap<u32, HashSet<u32>> = HashMap::new();
        let mut first: HashMap<u32, EntryIx> = HashMap::new();
        let mut findings = 0;
        for ix in 0..store.len() as EntryIx {
            let Some(s) = store.summary(ix) else {
                continue;
            };
            let Some(status) = s.compliance else {
                continue;
            };
            // picket's own CIS detections are not Security Hub's control statuses.
            let detection_only = s.sources == Sources::of(SourceKind::Detection);
            if s.control == NONE
                || s.archived
                || s.workflow == Workflow::Suppressed
                || detection_only
            {
                continue;
            }
            findings += 1;
            let tally = tallies.entry((s.control, s.account, s.region)).or_default();
            match status {
                ComplianceStatus::Failed => tally.failed += 1,
                ComplianceStatus::Passed => tally.passed += 1,
                ComplianceStatus::Warning | ComplianceStatus::NotAvailable => tally.unknown += 1,
            }
            sets.entry(s.control).or_default().insert(s.requirements);
            first.entry(s.control).or_insert(ix);
        }
        let api = Api::read(enabled);
        // The standards each control counts toward, from its requirement sets.
        let mut standards_of_set: HashMap<u32, Vec<String>> = HashMap::new();
        let mut controls_of: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (&control, control_sets) in &sets {
            let mut names: Vec<String> = Vec::new();
            for &set in control_sets {
                let of_set = standards_of_set
                    .entry(set)
                    .or_insert_with(|| standards_in(store, set));
                names.extend(of_set.iter().cloned());
            }
            names.sort();
            names.dedup();
            if names.is_empty() {
                names.push(NO_STANDARD.to_string());
            }
            for name in names {
                controls_of.entry(name).or_default().push(control);
            }
        }
        // A finding counts toward a standard where the standard is enabled; where Security Hub
        // was not asked, its requirements are taken at their word.
        let scope_of = |account: u32, region: u32| {
            (
                store.accounts.name(account),
                if region == NONE {
                    ""
                } else {
                    store.regions.name(region)
                },
            )
        };
        let mut per_control: HashMap<u32, Vec<(Scope, Tally)>> = HashMap::new();
        for (&(control, account, region), tally) in &tallies {
            per_control
                .entry(control)
                .or_default()
                .push(((account, region), *tally));
        }
        let mut names: Vec<String> = controls_of
            .keys()
            .filter(|name| !api.read || api.enabled_in(name) > 0 || *name == NO_STANDARD)
            .cloned()
            .collect();
        for name in api.names() {
            if !controls_of.contains_key(name) {
                names.push(name.to_string());
            }
        }
        names.sort();
        names.dedup();
        // (control, account) statuses that count toward some standard, for the rates.
        let mut counted: HashMap<(u32, u32), Tally> = HashMap::new();
        let mut standards = Vec::new();
        for name in names {
            let mut rows: Vec<ControlRow> = Vec::new();
            for &control in controls_of.get(&name).into_iter().flatten() {
                let id = store.controls.name(control).to_string();
                let mut per_account: BTreeMap<u32, Tally> = BTreeMap::new();
                for ((account, region), tally) in per_control.get(&control).into_iter().flatten() {
                    let (account_id, region_name) = scope_of(*account, *region);
                    if !api.counts_toward(&name, account_id, region_name) {
                        continue;
                    }
                    per_account.entry(*account).or_default().add(*tally);
                    counted.entry((control, *account)).or_default().add(*tally);
                }
                if per_account.is_empty() && name != NO_STANDARD && !api.lists(&name, &id) {
                    continue;
                }
                let total = per_account.values().fold(Tally::default(), |mut a, t| {
                    a.add(*t);
                    a
                });
                let (disabled_in, reason) = api.disabled(&name, &id);
                let everywhere = disabled_in > 0 && disabled_in >= api.enabled_in(&name);
                rows.push(ControlRow {
                    title: first
                        .get(&control)
                        .map(|&ix| store.title(ix).to_string())
                        .unwrap_or_default(),
                    status: if everywhere {
                        ControlStatus::Disabled
                    } else {
                        total.status()
                    },
                    failing: total.failed as usize,
                    passing: total.passed as usize,
                    accounts_failing: per_account.values().filter(|t| t.failed > 0).count(),
                    accounts: per_account.len(),
                    disabled_in,
                    disabled_reason: reason.map(str::to_string),
                    id,
                });
            }
            // Controls the standard has that no finding evaluated yet.
            for (id, title) in api.controls(&name) {
                if rows.iter().any(|r| r.id == id) {
                    continue;
                }
                let (disabled_in, reason) = api.disabled(&name, id);
                rows.push(ControlRow {
                    id: id.to_string(),
                    title: title.to_string(),
                    status: if disabled_in > 0 && disabled_in >= api.enabled_in(&name) {
                        ControlStatus::Disabled
                    } else {
                        ControlStatus::NoData
                    },
                    failing: 0,
                    passing: 0,
                    accounts_failing: 0,
                    accounts: 0,
                    disabled_in,
                    disabled_reason: reason.map(str::to_string),
                });
            }
            rows.sort_by(|a, b| {
                (a.status, std::cmp::Reverse(a.failing), &a.id).cmp(&(
                    b.status,
                    std::cmp::Reverse(b.failing),
                    &b.id,
                ))
            });
            standards.push(StandardRow {
                enabled_in: api.read.then(|| api.enabled_in(&name)),
                name,
                controls: rows,
            });
        }
        let (accounts, ous) = rates(store, directory, &counted);
        Compliance {
            standards,
            accounts,
            ous,
            findings,
            from_api: api.read,
        }
    }
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.failed += other.failed;
        self.passed += other.passed;
        self.unknown += other.unknown;
    }
}

/// An (account, region) pair of store ids.
type Scope = (u32, u32);

/// What Security Hub said is enabled, indexed for the build.
struct Api<'a> {
    read: bool,
    /// Account/region pairs that reported, and the standards enabled in each.
    scopes: HashMap<(&'a str, &'a str), HashSet<&'a str>>,
    enabled_in: HashMap<&'a str, usize>,
    /// Per standard: its controls (id, title) as listed, and the disabled ones' reasons.
    controls: HashMap<&'a str, Vec<(&'a str, &'a str)>>,
    /// Per (standard, control): in how many account/regions it is disabled, and why.
    disabled: HashMap<(&'a str, &'a str), (usize, Option<&'a str>)>,
}

impl<'a> Api<'a> {
    fn read(reports: &'a BTreeMap<(String, String), StandardsReport>) -> Api<'a> {
        let mut api = Api {
            read: reports.values().any(|r| r.unread.is_none()),
            scopes: HashMap::new(),
            enabled_in: HashMap::new(),
            controls: HashMap::new(),
            disabled: HashMap::new(),
        };
        // A report that could not be read says nothing of what is enabled there.
        for report in reports.values().filter(|r| r.unread.is_none()) {
            let scope = api
                .scopes
                .entry((&report.account_id, &report.region))
                .or_default();
            for standard in &report.standards {
                scope.insert(&standard.name);
                *api.enabled_in.entry(&standard.name).or_default() += 1;
                let listed = api.controls.entry(&standard.name).or_default();
                for control in &standard.controls {
                    if !listed.iter().any(|(id, _)| *id == control.id) {
                        listed.push((&control.id, &control.title));
                    }
                    if !control.enabled {
                        let entry = api
                            .disabled
                            .entry((&standard.name, &control.id))
                            .or_insert((0, None));
                        entry.0 += 1;
                        entry.1 = entry.1.or(control.disabled_reason.as_deref());
                    }
                }
            }
        }
        api
    }

    fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.enabled_in.keys().copied()
    }

    fn enabled_in(&self, name: &str) -> usize {
        self.enabled_in.get(name).copied().unwrap_or(0)
    }

    fn counts_toward(&self, name: &str, account: &str, region: &str) -> bool {
        match self.scopes.get(&(account, region)) {
            Some(enabled) => enabled.contains(name) || name == NO_STANDARD,
            None => true,
        }
    }

    fn lists(&self, name: &str, id: &str) -> bool {
        self.controls
            .get(name)
            .is_some_and(|c| c.iter().any(|(c, _)| *c == id))
    }

    fn controls(&self, name: &str) -> Vec<(&'a str, &'a str)> {
        self.controls.get(name).cloned().unwrap_or_default()
    }

    /// In how many account/regions the control is disabled (0: none), and why.
    fn disabled(&self, name: &str, id: &str) -> (usize, Option<&'a str>) {
        self.disabled.get(&(name, id)).copied().unwrap_or((0, None))
    }
}

/// The standards a requirement set names.
fn standards_in(store: &FindingStore, set: u32) -> Vec<String> {
    if set == NONE {
        return Vec::new();
    }
    let mut names: Vec<String> = store
        .requirement_sets
        .get(set)
        .into_iter()
        .flatten()
        .filter_map(|&r| of_requirement(store.requirements.name(r)).map(|s| s.into_owned()))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Passed and failed controls by account, and by OU (the account's controls summed).
fn rates(
    store: &FindingStore,
    directory: &Directory,
    tallies: &HashMap<(u32, u32), Tally>,
) -> (Vec<Rate>, Vec<Rate>) {
    let mut by_account: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
    for ((_, account), tally) in tallies {
        let entry = by_account.entry(*account).or_default();
        match tally.status() {
            ControlStatus::Passed => entry.0 += 1,
            ControlStatus::Failed => entry.1 += 1,
            _ => {}
        }
    }
    let mut by_ou: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut accounts = Vec::new();
    for (account, (passed, failed)) in by_account {
        let id = store.accounts.name(account).to_string();
        let ou = directory
            .get(&id)
            .map(|a| a.ou_path.to_string())
            .unwrap_or_default();
        let entry = by_ou.entry(ou).or_default();
        entry.0 += passed;
        entry.1 += failed;
        accounts.push(Rate {
            key: id,
            passed,
            failed,
        });
    }
    let ous = by_ou
        .into_iter()
        .map(|(key, (passed, failed))| Rate {
            key,
            passed,
            failed,
        })
        .collect();
    accounts.sort_by_key(|r| (r.percent().unwrap_or(101), r.key.clone()));
    let mut ous: Vec<Rate> = ous;
    ous.sort_by_key(|r| (r.percent().unwrap_or(101), r.key.clone()));
    (accounts, ous)
}

/// Where the findings of a control are in the queue: the filter that shows its failing ones.
pub fn drill_filter(control: &str) -> String {
    format!("control:{control} compliance:failed -status:suppressed -source:detection")
}

#[cfg(test)]
mod tests;
