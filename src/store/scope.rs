//! The scope (`[scope] filter`): which findings picket reads at all, in the filter language,
//! translated into what AWS evaluates — Security Hub's ASFF and OCSF filters, GuardDuty's
//! FindingCriteria — so what the team excluded is never downloaded.
//!
//! Only terms AWS can evaluate exactly are accepted; any other is refused with the reason, as a
//! suppression rule refuses a term it cannot express, because a term dropped silently would
//! make the scope broader than the one written. AWS compares values as written (case counts),
//! and so does the scope: regions, account ids, severities and compliance states are put in
//! AWS's own spelling; products, types and controls are compared as typed.
//!
//! The same scope is applied by picket to what reaches it unfiltered — the event feed, and a
//! disk store written under another scope — through [`Scope::admits`].

use crate::model::SeverityLabel;
use crate::model::finding::ComplianceStatus;
use crate::query::{Glob, Query, Test, TextField};

use super::RowRef;

/// A finding field the scope can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Product,
    Account,
    Region,
    Type,
    Control,
    Compliance,
    Severity,
}

impl Field {
    /// The ASFF filter field Security Hub's GetFindings compares it in.
    pub fn asff(self) -> &'static str {
        match self {
            Field::Product => "ProductName",
            Field::Account => "AwsAccountId",
            Field::Region => "Region",
            Field::Type => "Type",
            Field::Control => "ComplianceSecurityControlId",
            Field::Compliance => "ComplianceStatus",
            Field::Severity => "SeverityLabel",
        }
    }

    /// The OCSF field Security Hub v2's GetFindingsV2 compares it in.
    pub fn ocsf(self) -> &'static str {
        match self {
            Field::Product => "metadata.product.name",
            Field::Account => "cloud.account.uid",
            Field::Region => "cloud.region",
            Field::Type => "finding_info.types",
            Field::Control => "compliance.control",
            Field::Compliance => "compliance.status",
            Field::Severity => "severity",
        }
    }

    /// A value as OCSF spells it: its captions for compliance statuses and severities.
    pub fn ocsf_value(self, value: &str) -> String {
        match self {
            Field::Compliance => match value {
                "PASSED" => "Pass",
                "FAILED" => "Fail",
                "WARNING" => "Warning",
                _ => "Unknown",
            }
            .to_string(),
            Field::Severity => SeverityLabel::parse(value)
                .map_or(value, |l| match l {
                    SeverityLabel::Informational => "Informational",
                    SeverityLabel::Low => "Low",
                    SeverityLabel::Medium => "Medium",
                    SeverityLabel::High => "High",
                    SeverityLabel::Critical => "Critical",
                })
                .to_string(),
            _ => value.to_string(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Field::Product => "product",
            Field::Account => "account",
            Field::Region => "region",
            Field::Type => "type",
            Field::Control => "control",
            Field::Compliance => "compliance",
            Field::Severity => "sev",
        }
    }
}

/// How a value compares: the whole value, or its start (a pattern ending in one `*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Equals(String),
    Prefix(String),
}

impl Value {
    fn matches(&self, text: &str) -> bool {
        match self {
            Value::Equals(v) => text == v,
            Value::Prefix(p) => text.starts_with(p.as_str()),
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Value::Equals(v) | Value::Prefix(v) => v,
        }
    }
}

/// One term: the field has one of `values` (or, negated, none of them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    pub field: Field,
    pub negated: bool,
    pub values: Vec<Value>,
}

impl Clause {
    /// How Security Hub's string filters compare `value` for this clause.
    pub fn comparison(&self, value: &Value) -> &'static str {
        match (self.negated, value) {
            (false, Value::Equals(_)) => "EQUALS",
            (false, Value::Prefix(_)) => "PREFIX",
            (true, Value::Equals(_)) => "NOT_EQUALS",
            (true, Value::Prefix(_)) => "PREFIX_NOT_EQUALS",
        }
    }

    /// Whether a finding whose field holds `present` (any of them, for types) passes.
    pub fn admits<T: AsRef<str>>(&self, present: impl IntoIterator<Item = T>) -> bool {
        let hit = present
            .into_iter()
            .any(|text| self.values.iter().any(|v| v.matches(text.as_ref())));
        hit != self.negated
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// As written, for messages and the Sources screen.
    pub text: String,
    /// At most one positive clause per field (AWS joins a field's values with OR), severity
    /// folded into one positive clause of labels.
    pub clauses: Vec<Clause>,
}

impl Scope {
    /// What of the scope a GuardDuty source reading `region` asks ListFindings for.
    pub fn guardduty(&self, region: &str) -> GuardDutyRead {
        guardduty_read(self, region)
    }

    /// The scope as GetFindings `Filters` JSON, as `aws securityhub get-findings --filters`
    /// takes it: a field's values join by OR, fields by AND.
    pub fn asff_filters(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut filters = serde_json::Map::new();
        for clause in &self.clauses {
            let list = filters
                .entry(clause.field.asff())
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
            if let serde_json::Value::Array(list) = list {
                list.extend(clause.values.iter().map(|value| {
                    serde_json::json!({"Value": value.text(), "Comparison": clause.comparison(value)})
                }));
            }
        }
        filters
    }

    /// The scope as GetFindingsV2 `CompositeFilters` JSON, as `aws securityhub
    /// get-findings-v2 --filters` takes it: a field's values join by OR (exclusions by AND),
    /// fields by AND.
    pub fn ocsf_filters(&self) -> Vec<serde_json::Value> {
        self.clauses
            .iter()
            .map(|clause| {
                let filters: Vec<serde_json::Value> = clause
                    .values
                    .iter()
                    .map(|value| {
                        serde_json::json!({
                            "FieldName": clause.field.ocsf(),
                            "Filter": {
                                "Value": clause.field.ocsf_value(value.text()),
                                "Comparison": clause.comparison(value),
                            }
                        })
                    })
                    .collect();
                serde_json::json!({
                    "StringFilters": filters,
                    "Operator": if clause.negated { "AND" } else { "OR" },
                })
            })
            .collect()
    }

    /// The terms of a filter Security Hub can apply, as a scope, and the others, each with
    /// why it is left to picket.
    pub fn split(text: &str) -> (Option<Scope>, Vec<String>) {
        let Ok(query) = Query::parse(text) else {
            return (None, vec![format!("`{text}`: not a valid filter")]);
        };
        let mut kept = Vec::new();
        let mut left = Vec::new();
        for term in &query.terms {
            let shown = text.get(term.span.clone()).unwrap_or_default();
            match Scope::parse(shown) {
                Ok(_) => kept.push(shown),
                Err(why) => left.push(why),
            }
        }
        if kept.is_empty() {
            return (None, left);
        }
        match Scope::parse(&kept.join(" ")) {
            Ok(scope) => (Some(scope), left),
            Err(why) => (None, vec![why]),
        }
    }

    /// The scope `text` says, or why AWS cannot be asked for it.
    pub fn parse(text: &str) -> Result<Scope, String> {
        let query = Query::parse(text).map_err(|e| e.to_string())?;
        let mut clauses: Vec<Clause> = Vec::new();
        let mut severities: Option<Vec<SeverityLabel>> = None;
        for term in &query.terms {
            let shown = text.get(term.span.clone()).unwrap_or("a term");
            let (field, values) = match &term.test {
                Test::SeverityLabel(cmp, label) => {
                    let kept = labels(|l| cmp.holds(l, *label) != term.negated);
                    narrow(&mut severities, kept);
                    continue;
                }
                Test::SeverityIn(listed) => {
                    let kept = labels(|l| listed.contains(&l) != term.negated);
                    narrow(&mut severities, kept);
                    continue;
                }
                Test::SeverityScore(..) => {
                    return Err(format!(
                        "`{shown}`: the scope compares severity labels (sev>=medium, sev:high,critical), which every service states the same way"
                    ));
                }
                Test::Text(TextField::Account, globs) => {
                    (Field::Account, account_ids(globs, shown)?)
                }
                Test::Text(TextField::Region, globs) => (
                    Field::Region,
                    patterns(globs, shown, |v| v.to_ascii_lowercase())?,
                ),
                Test::Text(TextField::Product, globs) => {
                    (Field::Product, patterns(globs, shown, str::to_string)?)
                }
                Test::Text(TextField::Type, globs) => {
                    (Field::Type, patterns(globs, shown, str::to_string)?)
                }
                Test::Text(TextField::Control, globs) => {
                    (Field::Control, patterns(globs, shown, str::to_string)?)
                }
                Test::Compliance(states) => (
                    Field::Compliance,
                    states
                        .iter()
                        .map(|s| Value::Equals(s.as_str().to_string()))
                        .collect(),
                ),
                Test::Text(TextField::Ou, _) | Test::Is(crate::query::Flag::Prod) => {
                    return Err(format!(
                        "`{shown}`: name accounts by their 12-digit ids in the scope (the organization's directory is read after the scope is applied)"
                    ));
                }
                Test::Status(_) | Test::Is(_) | Test::Age(..) | Test::Count(..) | Test::Sla(..) => {
                    return Err(format!(
                        "`{shown}` is a finding's current state, not what it is: use it in a view, not the scope ([securityhub] workflow_status chooses the states read)"
                    ));
                }
                Test::Source(_) => {
                    return Err(format!(
                        "`{shown}`: choose the services read with [guardduty] and [securityhub], not the scope"
                    ));
                }
                Test::Tactic(_) => {
                    return Err(format!(
                        "`{shown}`: a tactic is picket's reading of the finding types, which AWS cannot filter on: use type:TTPs/… for Security Hub"
                    ));
                }
                Test::Verification(_) => {
                    return Err(format!(
                        "`{shown}`: verification is the analysts' verdict, not what a finding is: use it in a view"
                    ));
                }
                Test::Text(field @ (TextField::Title | TextField::Id | TextField::Resource), _) => {
                    let name = match field {
                        TextField::Title => "titles",
                        TextField::Id => "ids",
                        _ => "resources",
                    };
                    return Err(format!(
                        "`{shown}`: the scope does not filter on {name}: use it in a view"
                    ));
                }
                Test::Word(_) => {
                    return Err(format!(
                        "`{shown}`: free words search text AWS cannot filter on: use field:value terms"
                    ));
                }
            };
            let clause = Clause {
                field,
                negated: term.negated,
                values,
            };
            check_combination(&clauses, &clause, shown)?;
            clauses.push(clause);
        }
        if let Some(kept) = severities {
            if kept.is_empty() {
                return Err("the scope's severity terms leave no severity at all".into());
            }
            if kept.len() < SeverityLabel::ALL.len() {
                clauses.push(Clause {
                    field: Field::Severity,
                    negated: false,
                    values: kept
                        .iter()
                        .map(|l| Value::Equals(l.as_str().to_string()))
                        .collect(),
                });
            }
        }
        clauses.sort_by_key(|c| (c.field, c.negated));
        Ok(Scope {
            text: text.trim().to_string(),
            clauses,
        })
    }

    /// Whether a finding is inside the scope, compared as AWS compares.
    pub fn admits(&self, row: &RowRef<'_>) -> bool {
        self.clauses.iter().all(|clause| match clause.field {
            Field::Product => clause.admits([&*row.product]),
            Field::Account => clause.admits([&*row.account]),
            Field::Region => clause.admits([&*row.region]),
            Field::Type => clause.admits(row.types.iter()),
            Field::Control => clause.admits(row.control.as_deref()),
            Field::Compliance => clause.admits(row.compliance.map(ComplianceStatus::as_str)),
            Field::Severity => clause.admits([row.label.as_str()]),
        })
    }
}

/// The labels for which `keep` holds, lowest first.
fn labels(keep: impl Fn(SeverityLabel) -> bool) -> Vec<SeverityLabel> {
    let mut kept: Vec<SeverityLabel> = SeverityLabel::ALL
        .into_iter()
        .filter(|&l| keep(l))
        .collect();
    kept.sort();
    kept
}

/// Severity terms all hold: the labels every one keeps.
fn narrow(severities: &mut Option<Vec<SeverityLabel>>, kept: Vec<SeverityLabel>) {
    *severities = Some(match severities.take() {
        Some(before) => before.into_iter().filter(|l| kept.contains(l)).collect(),
        None => kept,
    });
}

/// Account terms as ids: AWS filters on the id alone.
fn account_ids(globs: &[Glob], shown: &str) -> Result<Vec<Value>, String> {
    globs
        .iter()
        .map(|g| {
            let id = g.original();
            if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
                Ok(Value::Equals(id.to_string()))
            } else {
                Err(format!(
                    "`{shown}`: name accounts by their 12-digit ids in the scope (`{id}` is not one)"
                ))
            }
        })
        .collect()
}

/// Patterns AWS can compare: a whole value, or a start (one `*`, at the end).
fn patterns(
    globs: &[Glob],
    shown: &str,
    spell: impl Fn(&str) -> String,
) -> Result<Vec<Value>, String> {
    globs
        .iter()
        .map(|g| {
            let typed = g.original();
            let body = typed.strip_suffix('*').unwrap_or(typed);
            if body.contains(['*', '?']) {
                return Err(format!(
                    "`{shown}`: AWS matches a whole value or its start: a `*` may only end a value"
                ));
            }
            if body.is_empty() {
                return Err(format!("`{shown}`: an empty value matches everything"));
            }
            Ok(if body.len() < typed.len() {
                Value::Prefix(spell(body))
            } else {
                Value::Equals(spell(body))
            })
        })
        .collect()
}

/// AWS joins the values of one field with OR and cannot mix some comparisons on a field:
/// refuse what it would read differently from the filter language.
fn check_combination(before: &[Clause], clause: &Clause, shown: &str) -> Result<(), String> {
    let field = clause.field.name();
    for other in before.iter().filter(|c| c.field == clause.field) {
        if !clause.negated && !other.negated {
            return Err(format!(
                "`{shown}`: a second {field} term: AWS would join it with the first by OR; put the values in one term ({field}:a,b)"
            ));
        }
        let (positive, _) = if clause.negated {
            (other, clause)
        } else {
            (clause, other)
        };
        if !positive.negated
            && positive
                .values
                .iter()
                .any(|v| matches!(v, Value::Equals(_)))
        {
            return Err(format!(
                "`{shown}`: AWS cannot combine a whole {field} with an excluded one; the excluded one is implied"
            ));
        }
    }
    Ok(())
}

/// One GuardDuty `FindingCriteria` condition, as plain data (the SDK's `Condition` is built
/// from it where SDK types live).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Criterion {
    pub equals: Vec<String>,
    pub not_equals: Vec<String>,
    pub at_least: Option<i64>,
    pub below: Option<i64>,
}

impl Criterion {
    /// As the AWS CLI's `--finding-criteria` JSON writes a condition.
    pub fn json(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        if !self.equals.is_empty() {
            out.insert("Equals".into(), serde_json::json!(self.equals));
        }
        if !self.not_equals.is_empty() {
            out.insert("NotEquals".into(), serde_json::json!(self.not_equals));
        }
        if let Some(n) = self.at_least {
            out.insert("GreaterThanOrEqual".into(), serde_json::json!(n));
        }
        if let Some(n) = self.below {
            out.insert("LessThan".into(), serde_json::json!(n));
        }
        serde_json::Value::Object(out)
    }
}

/// The scope for one GuardDuty region, as plain data.
#[derive(Clone, Debug, PartialEq)]
pub enum GuardDutyRead {
    /// Nothing GuardDuty holds in this region is inside the scope: the reason.
    Outside(String),
    /// Criteria to add to ListFindings; `exact` when they are the whole scope (else each
    /// finding read is checked against it too).
    Criteria {
        criteria: std::collections::BTreeMap<&'static str, Criterion>,
        exact: bool,
    },
}

/// What of `scope` a GuardDuty source reading `region` asks ListFindings for.
fn guardduty_read(scope: &Scope, region: &str) -> GuardDutyRead {
    let mut criteria: std::collections::BTreeMap<&'static str, Criterion> = Default::default();
    let mut exact = true;
    for clause in &scope.clauses {
        let values = || {
            clause
                .values
                .iter()
                .map(|v| v.text().to_string())
                .collect::<Vec<_>>()
        };
        let whole = clause.values.iter().all(|v| matches!(v, Value::Equals(_)));
        match clause.field {
            // Every GuardDuty finding is GuardDuty's, in the detector's region, with no
            // compliance or control.
            Field::Product | Field::Region | Field::Compliance | Field::Control => {
                let present = match clause.field {
                    Field::Product => Some("GuardDuty"),
                    Field::Region => Some(region),
                    _ => None,
                };
                if !clause.admits(present) {
                    return GuardDutyRead::Outside(format!(
                        "GuardDuty in {region} is outside the scope ({})",
                        scope.text
                    ));
                }
            }
            Field::Account | Field::Type if whole => {
                let name = if clause.field == Field::Account {
                    "accountId"
                } else {
                    "type"
                };
                let criterion = criteria.entry(name).or_default();
                if clause.negated {
                    criterion.not_equals = values();
                } else {
                    criterion.equals = values();
                }
            }
            Field::Severity => match severity_range(clause) {
                Some((floor, below)) => {
                    criteria.insert(
                        "severity",
                        Criterion {
                            at_least: Some(floor),
                            below,
                            ..Criterion::default()
                        },
                    );
                }
                None => exact = false,
            },
            Field::Account | Field::Type => exact = false,
        }
    }
    GuardDutyRead::Criteria { criteria, exact }
}

/// A severity clause's labels as GuardDuty's 0–10 range: from the lowest label's floor to
/// below the floor of the label above the highest; None when the labels leave a gap.
fn severity_range(clause: &Clause) -> Option<(i64, Option<i64>)> {
    if clause.negated {
        return None;
    }
    let mut labels: Vec<SeverityLabel> = clause
        .values
        .iter()
        .filter_map(|v| SeverityLabel::parse(v.text()))
        .collect();
    labels.sort();
    let (low, high) = (*labels.first()?, *labels.last()?);
    let span = SeverityLabel::ALL
        .iter()
        .filter(|&&l| l >= low && l <= high)
        .count();
    if span != labels.len() {
        return None;
    }
    let floor = |label| match label {
        SeverityLabel::Informational => 0,
        SeverityLabel::Low => 1,
        SeverityLabel::Medium => 4,
        SeverityLabel::High => 7,
        SeverityLabel::Critical => 9,
    };
    let above = match high {
        SeverityLabel::Informational => Some(SeverityLabel::Low),
        SeverityLabel::Low => Some(SeverityLabel::Medium),
        SeverityLabel::Medium => Some(SeverityLabel::High),
        SeverityLabel::High => Some(SeverityLabel::Critical),
        SeverityLabel::Critical => None,
    };
    Some((floor(low), above.map(floor)))
}

#[cfg(test)]
mod tests;
