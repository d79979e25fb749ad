//! GuardDuty suppression rules: a saved filter with action ARCHIVE, whose FindingCriteria is
//! built either from one finding (its type, its account and the resource it names) or from the
//! filter in use. The criteria are exactly what CreateFilter receives and what the confirmation
//! shows; a filter term that has no GuardDuty equivalent is refused with the reason, never
//! dropped in a way that would make the rule broader than what the analyst sees.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::model::finding::SourceKind;
use crate::model::raw::RecordKind;
use crate::model::{Directory, Finding, SeverityLabel};
use crate::query::{Cmp, Flag, Glob, Query, Test, TextField};
use crate::store::FindingStore;

/// GuardDuty's limit on a filter name.
const NAME_LIMIT: usize = 64;
/// And on its description.
pub const DESCRIPTION_LIMIT: usize = 512;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// The filter's name: `picket-<what>-<hash of the criteria>`, so the same rule made twice
    /// is refused by GuardDuty as a duplicate instead of piling up.
    pub name: String,
    /// `{"Criterion": {...}}`, as CreateFilter takes it.
    pub criteria: Value,
    /// What the rule was made from: `finding <id>` or `filter <text>`.
    pub origin: String,
    /// Filter terms that describe a finding's current state rather than what it is, which a
    /// rule for future findings leaves out.
    pub left_out: Vec<String>,
}

/// Conditions by criterion field, merged as terms arrive.
#[derive(Default)]
struct Criteria(BTreeMap<String, Map<String, Value>>);

impl Criteria {
    fn add(
        &mut self,
        field: &str,
        condition: &str,
        value: Value,
        term: &str,
    ) -> Result<(), String> {
        let conditions = self.0.entry(field.to_string()).or_default();
        if conditions.contains_key(condition) {
            return Err(format!(
                "`{term}`: a second {condition} on {field} cannot be expressed in one rule"
            ));
        }
        conditions.insert(condition.to_string(), value);
        Ok(())
    }

    fn into_value(self) -> Value {
        let criterion: Map<String, Value> = self
            .0
            .into_iter()
            .map(|(field, conditions)| (field, Value::Object(conditions)))
            .collect();
        json!({ "Criterion": criterion })
    }
}

/// A rule that suppresses this finding's type on the resource it names, in its account.
pub fn from_finding(finding: &Finding) -> Result<Rule, String> {
    if finding.raw.kind() != RecordKind::GuardDuty {
        return Err(
            "suppression rules are GuardDuty's; this finding was read from Security Hub".into(),
        );
    }
    let raw = finding
        .raw
        .parse()
        .ok_or("the finding's record is not JSON")?;
    let text = |pointer: &str| raw.pointer(pointer).and_then(Value::as_str);
    let kind = text("/type").ok_or("the finding has no type")?;
    let account = text("/accountId").ok_or("the finding has no account id")?;
    let (field, value) = resource_criterion(&raw)?;
    let mut criteria = Criteria::default();
    criteria.add("type", "Equals", json!([kind]), kind)?;
    criteria.add("accountId", "Equals", json!([account]), account)?;
    criteria.add(field, "Equals", json!([value]), &value)?;
    let criteria = criteria.into_value();
    Ok(Rule {
        name: rule_name(Some(kind), &criteria),
        criteria,
        origin: format!("finding {}", finding.id.as_str()),
        left_out: Vec::new(),
    })
}

/// The criterion naming the finding's resource, by resource type.
fn resource_criterion(raw: &Value) -> Result<(&'static str, String), String> {
    let text = |pointer: &str| {
        raw.pointer(pointer)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let kind = text("/resource/resourceType").unwrap_or_default();
    let found = match kind.as_str() {
        "Instance" => text("/resource/instanceDetails/instanceId")
            .map(|id| ("resource.instanceDetails.instanceId", id)),
        "AccessKey" => match text("/resource/accessKeyDetails/accessKeyId") {
            // A long-term key stays the same; temporary keys (ASIA…) change with every session,
            // so the rule names the user or role instead.
            Some(key) if key.starts_with("AKIA") => {
                Some(("resource.accessKeyDetails.accessKeyId", key))
            }
            _ => text("/resource/accessKeyDetails/userName")
                .map(|user| ("resource.accessKeyDetails.userName", user)),
        },
        "S3Bucket" => text("/resource/s3BucketDetails/0/name")
            .map(|name| ("resource.s3BucketDetails.name", name)),
        "EKSCluster" => text("/resource/eksClusterDetails/name")
            .map(|name| ("resource.eksClusterDetails.name", name)),
        "ECSCluster" => text("/resource/ecsClusterDetails/name")
            .map(|name| ("resource.ecsClusterDetails.name", name)),
        "Lambda" => text("/resource/lambdaDetails/functionName")
            .map(|name| ("resource.lambdaDetails.functionName", name)),
        "RDSDBInstance" => text("/resource/rdsDbInstanceDetails/dbInstanceIdentifier")
            .map(|id| ("resource.rdsDbInstanceDetails.dbInstanceIdentifier", id)),
        "Container" => text("/resource/containerDetails/image")
            .map(|image| ("resource.containerDetails.image", image)),
        _ => None,
    };
    found.ok_or_else(|| {
        let kind = if kind.is_empty() { "unknown" } else { &kind };
        format!(
            "no rule criterion for a resource of type {kind}: build the rule from a filter instead (F)"
        )
    })
}

/// A rule matching what `query` matches among GuardDuty findings. `text` is the filter as typed
/// (for messages); accounts named by name, OU or `is:prod` become their ids; a type pattern
/// becomes the types picket has seen that it matches (GuardDuty compares case exactly, and the
/// filter does not).
pub fn from_query(
    query: &Query,
    text: &str,
    store: &FindingStore,
    directory: &Directory,
) -> Result<Rule, String> {
    let mut criteria = Criteria::default();
    let mut left_out = Vec::new();
    let mut single_type = None;
    for term in &query.terms {
        let shown = text.get(term.span.clone()).unwrap_or("a term");
        let equals = if term.negated { "NotEquals" } else { "Equals" };
        match &term.test {
            Test::Text(TextField::Type, globs) => {
                let types = expand(globs, store.types.iter().map(|(_, t)| t));
                if types.is_empty() {
                    return Err(format!("`{shown}` matches no finding type picket has seen"));
                }
                if types.len() == 1 && !term.negated {
                    single_type = types.first().cloned();
                }
                criteria.add("type", equals, json!(types), shown)?;
            }
            Test::Text(TextField::Region, globs) => {
                let regions = expand(globs, store.regions.iter().map(|(_, r)| r));
                if regions.is_empty() {
                    return Err(format!("`{shown}` matches no region picket reads"));
                }
                criteria.add("region", equals, json!(regions), shown)?;
            }
            Test::Text(TextField::Id, globs) => {
                if globs.iter().any(Glob::has_wildcards) {
                    return Err(format!(
                        "`{shown}`: finding ids cannot have wildcards in a rule"
                    ));
                }
                let ids: Vec<&str> = globs.iter().map(Glob::original).collect();
                criteria.add("id", equals, json!(ids), shown)?;
            }
            Test::Text(TextField::Account, globs) => {
                let ids = accounts(directory, |a| {
                    globs.iter().any(|g| g.matches(&a.id) || g.matches(&a.name))
                });
                // An id typed in full counts even when the directory does not know it.
                let mut ids = ids;
                for g in globs {
                    let typed = g.original();
                    if typed.len() == 12
                        && typed.bytes().all(|b| b.is_ascii_digit())
                        && !ids.iter().any(|i| i == typed)
                    {
                        ids.push(typed.to_string());
                    }
                }
                account_criterion(&mut criteria, ids, equals, shown)?;
            }
            Test::Text(TextField::Ou, globs) => {
                let ids = accounts(directory, |a| globs.iter().any(|g| g.matches(&a.ou_path)));
                account_criterion(&mut criteria, ids, equals, shown)?;
            }
            Test::Is(Flag::Prod) => {
                let ids = accounts(directory, |a| a.production);
                account_criterion(&mut criteria, ids, equals, shown)?;
            }
            Test::SeverityLabel(cmp, label) => {
                let cmp = if term.negated { negate(*cmp) } else { *cmp };
                severity_band(&mut criteria, cmp, *label, shown)?;
            }
            Test::SeverityScore(cmp, score) => {
                let cmp = if term.negated { negate(*cmp) } else { *cmp };
                if score % 10 != 0 {
                    return Err(format!(
                        "`{shown}`: GuardDuty rules compare whole severities (1–10): use a multiple of 10"
                    ));
                }
                let value = i64::from(*score / 10);
                let condition = match cmp {
                    Cmp::Ge => "GreaterThanOrEqual",
                    Cmp::Gt => "GreaterThan",
                    Cmp::Le => "LessThanOrEqual",
                    Cmp::Lt => "LessThan",
                    Cmp::Eq | Cmp::Ne => {
                        return Err(format!(
                            "`{shown}`: use a range (sev>=, sev<) for a rule's severity"
                        ));
                    }
                };
                criteria.add("severity", condition, json!(value), shown)?;
            }
            Test::SeverityIn(labels) => {
                let (low, high) = contiguous(labels).ok_or_else(|| {
                    format!("`{shown}`: a rule's severity must be one range of labels")
                })?;
                if term.negated {
                    return Err(format!(
                        "`{shown}`: say the severities to keep (sev<…, sev>=…) instead"
                    ));
                }
                criteria.add(
                    "severity",
                    "GreaterThanOrEqual",
                    json!(band_floor(low)),
                    shown,
                )?;
                if let Some(above) = next_label(high) {
                    criteria.add("severity", "LessThan", json!(band_floor(above)), shown)?;
                }
            }
            Test::Source(kinds) => {
                let guardduty = kinds.contains(&SourceKind::GuardDuty) != term.negated;
                if !guardduty {
                    return Err(format!("`{shown}` leaves no GuardDuty finding to suppress"));
                }
                left_out.push(format!("{shown} (rules are GuardDuty's)"));
            }
            Test::Status(_)
            | Test::Is(Flag::Archived)
            | Test::Is(Flag::Unseen)
            | Test::Is(Flag::New)
            | Test::Is(Flag::Changed)
            | Test::Is(Flag::Reopened)
            | Test::Is(Flag::Expired)
            | Test::Age(..)
            | Test::Sla(..) => {
                left_out.push(format!(
                    "{shown} (a finding's current state, not what it is)"
                ));
            }
            Test::Is(Flag::Sample) => {
                return Err(format!(
                    "`{shown}`: GuardDuty rules cannot select sample findings"
                ));
            }
            Test::Count(..) => {
                return Err(format!(
                    "`{shown}`: GuardDuty rules cannot filter on the count"
                ));
            }
            Test::Text(field, _) => {
                let hint = match field {
                    TextField::Resource => {
                        ": make the rule from one finding (S) to name its resource"
                    }
                    _ => "",
                };
                return Err(format!("`{shown}` has no GuardDuty rule criterion{hint}"));
            }
            Test::Tactic(_) => {
                return Err(format!(
                    "`{shown}`: a tactic is picket's reading of the finding type, not a GuardDuty criterion: name the types (type:…)"
                ));
            }
            Test::Compliance(_) | Test::Verification(_) => {
                return Err(format!("`{shown}` is Security Hub's, not GuardDuty's"));
            }
            Test::Word(_) => {
                return Err(format!(
                    "`{shown}`: free words have no GuardDuty rule criterion; use field:value terms"
                ));
            }
        }
    }
    if criteria.0.is_empty() {
        return Err(
            "the filter names nothing a rule can match on: it would suppress every finding".into(),
        );
    }
    let criteria = criteria.into_value();
    Ok(Rule {
        name: rule_name(single_type.as_deref(), &criteria),
        criteria,
        origin: format!("filter {}", text.trim()),
        left_out,
    })
}

/// The known values a set of patterns matches, in their own case.
fn expand<'a>(globs: &[Glob], known: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut found: Vec<String> = known
        .filter(|value| !value.is_empty() && globs.iter().any(|g| g.matches(value)))
        .map(str::to_string)
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

fn accounts(directory: &Directory, wanted: impl Fn(&crate::model::Account) -> bool) -> Vec<String> {
    let mut ids: Vec<String> = directory
        .iter()
        .filter(|a| wanted(a))
        .map(|a| a.id.to_string())
        .collect();
    ids.sort_unstable();
    ids
}

fn account_criterion(
    criteria: &mut Criteria,
    ids: Vec<String>,
    condition: &str,
    shown: &str,
) -> Result<(), String> {
    if ids.is_empty() {
        return Err(format!("`{shown}` matches no account picket knows"));
    }
    criteria.add("accountId", condition, json!(ids), shown)
}

fn negate(cmp: Cmp) -> Cmp {
    match cmp {
        Cmp::Eq => Cmp::Ne,
        Cmp::Ne => Cmp::Eq,
        Cmp::Lt => Cmp::Ge,
        Cmp::Le => Cmp::Gt,
        Cmp::Gt => Cmp::Le,
        Cmp::Ge => Cmp::Lt,
    }
}

/// The lowest GuardDuty severity (1–10) of a band.
fn band_floor(label: SeverityLabel) -> i64 {
    match label {
        SeverityLabel::Informational => 0,
        SeverityLabel::Low => 1,
        SeverityLabel::Medium => 4,
        SeverityLabel::High => 7,
        SeverityLabel::Critical => 9,
    }
}

fn next_label(label: SeverityLabel) -> Option<SeverityLabel> {
    match label {
        SeverityLabel::Informational => Some(SeverityLabel::Low),
        SeverityLabel::Low => Some(SeverityLabel::Medium),
        SeverityLabel::Medium => Some(SeverityLabel::High),
        SeverityLabel::High => Some(SeverityLabel::Critical),
        SeverityLabel::Critical => None,
    }
}

fn severity_band(
    criteria: &mut Criteria,
    cmp: Cmp,
    label: SeverityLabel,
    shown: &str,
) -> Result<(), String> {
    let floor = band_floor(label);
    let above = next_label(label).map(band_floor);
    match cmp {
        Cmp::Ge => criteria.add("severity", "GreaterThanOrEqual", json!(floor), shown),
        Cmp::Lt => criteria.add("severity", "LessThan", json!(floor), shown),
        Cmp::Gt => match above {
            Some(above) => criteria.add("severity", "GreaterThanOrEqual", json!(above), shown),
            None => Err(format!("`{shown}` matches nothing")),
        },
        Cmp::Le => match above {
            Some(above) => criteria.add("severity", "LessThan", json!(above), shown),
            None => Ok(()),
        },
        Cmp::Eq => {
            criteria.add("severity", "GreaterThanOrEqual", json!(floor), shown)?;
            match above {
                Some(above) => criteria.add("severity", "LessThan", json!(above), shown),
                None => Ok(()),
            }
        }
        Cmp::Ne => Err(format!(
            "`{shown}`: say the severities to keep (sev<…, sev>=…) instead"
        )),
    }
}

/// The lowest and highest label when the labels form one unbroken range.
fn contiguous(labels: &[SeverityLabel]) -> Option<(SeverityLabel, SeverityLabel)> {
    let mut sorted = labels.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let (low, high) = (*sorted.first()?, *sorted.last()?);
    let mut label = low;
    for &next in &sorted[1..] {
        if next_label(label) != Some(next) {
            return None;
        }
        label = next;
    }
    Some((low, high))
}

/// `picket-<type or "filter">-<8 hex of the criteria>`, within GuardDuty's name rules.
fn rule_name(kind: Option<&str>, criteria: &Value) -> String {
    let digest = Sha256::digest(criteria.to_string().as_bytes());
    let hash = hex::encode(&digest[..4]);
    let what: String = kind
        .unwrap_or("filter")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let room = NAME_LIMIT - "picket--".len() - hash.len();
    let what: String = what.chars().take(room).collect();
    format!("picket-{what}-{hash}")
}

/// Whether a GuardDuty record matches the criteria, as GuardDuty would judge it: every field's
/// conditions hold; a dotted field reaches through arrays (any element may match). The demo
/// organization archives its new findings with this.
pub fn matches(criteria: &Value, record: &Value) -> bool {
    let Some(fields) = criteria.get("Criterion").and_then(Value::as_object) else {
        return false;
    };
    fields.iter().all(|(field, conditions)| {
        let mut values = Vec::new();
        collect(record, &field.split('.').collect::<Vec<_>>(), &mut values);
        let text: Vec<String> = values
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        let numbers: Vec<f64> = values.iter().filter_map(|v| v.as_f64()).collect();
        let Some(conditions) = conditions.as_object() else {
            return false;
        };
        conditions.iter().all(|(condition, operand)| {
            let listed = |v: &String| {
                operand
                    .as_array()
                    .is_some_and(|list| list.iter().any(|o| o.as_str() == Some(v)))
            };
            let bound = operand.as_f64().unwrap_or(f64::NAN);
            match condition.as_str() {
                "Equals" => text.iter().any(listed),
                "NotEquals" => !text.iter().any(listed),
                "GreaterThan" => numbers.iter().any(|&n| n > bound),
                "GreaterThanOrEqual" => numbers.iter().any(|&n| n >= bound),
                "LessThan" => numbers.iter().any(|&n| n < bound),
                "LessThanOrEqual" => numbers.iter().any(|&n| n <= bound),
                _ => false,
            }
        })
    })
}

fn collect<'a>(value: &'a Value, path: &[&str], out: &mut Vec<&'a Value>) {
    match (value, path) {
        (Value::Array(items), _) => items.iter().for_each(|item| collect(item, path, out)),
        (_, []) => out.push(value),
        (Value::Object(map), [first, rest @ ..]) => {
            if let Some(next) = map.get(*first) {
                collect(next, rest, out);
            }
        }
        _ => {}
    }
}

/// Text GuardDuty accepts in a filter description: letters, digits, whitespace and
/// `-.:_{}[]()/`; anything else becomes a space. Bounded to its limit.
pub fn description_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() || c.is_whitespace() || "-.:_{}[]()/".contains(c) {
                c
            } else {
                ' '
            }
        })
        .take(DESCRIPTION_LIMIT)
        .collect()
}

#[cfg(test)]
mod tests;
