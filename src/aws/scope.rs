//! The scope ([`Scope`]) as each API takes it: Security Hub's ASFF filters (GetFindings),
//! its OCSF composite filters (GetFindingsV2) and GuardDuty's FindingCriteria (ListFindings).
//!
//! Security Hub evaluates every scope term. GuardDuty has no product, compliance or control
//! and reads one region: those terms are decided once per source (a GuardDuty source outside
//! the scope reads nothing); an account or whole type becomes a criterion, a contiguous run of
//! severities a range; what GuardDuty cannot compare (a type prefix, severities with a gap)
//! is applied to each finding as it is read, so nothing outside the scope is ever delivered.

use std::collections::HashMap;

use aws_sdk_guardduty::types::Condition;
use aws_sdk_securityhub::types::{
    AllowedOperators, CompositeFilter, OcsfStringField, OcsfStringFilter, StringFilter,
    StringFilterComparison,
};

use crate::store::scope::{Clause, Field, GuardDutyRead, Scope, Value};

fn comparison(clause: &Clause, value: &Value) -> StringFilterComparison {
    StringFilterComparison::from(clause.comparison(value))
}

fn string_filter(clause: &Clause, value: &Value, text: String) -> StringFilter {
    StringFilter::builder()
        .comparison(comparison(clause, value))
        .value(text)
        .build()
}

/// The scope added to GetFindings filters: a field's values join by OR, exclusions by AND,
/// fields by AND — as the filter language reads them.
pub fn cspm(
    scope: &Scope,
    mut filters: aws_sdk_securityhub::types::builders::AwsSecurityFindingFiltersBuilder,
) -> aws_sdk_securityhub::types::builders::AwsSecurityFindingFiltersBuilder {
    for clause in &scope.clauses {
        for value in &clause.values {
            let filter = string_filter(clause, value, value.text().to_string());
            filters = match clause.field {
                Field::Product => filters.product_name(filter),
                Field::Account => filters.aws_account_id(filter),
                Field::Region => filters.region(filter),
                Field::Type => filters.r#type(filter),
                Field::Control => filters.compliance_security_control_id(filter),
                Field::Compliance => filters.compliance_status(filter),
                Field::Severity => filters.severity_label(filter),
            };
        }
    }
    filters
}

/// The scope as GetFindingsV2 composite filters, one per term: a term's values joined by OR
/// (by AND when excluded); the caller joins the composites by AND.
pub fn ocsf(scope: &Scope) -> Vec<CompositeFilter> {
    scope
        .clauses
        .iter()
        .map(|clause| {
            // The field and the value's spelling are the scope's own (one table for the
            // reads and the aws-cli lines picket shows).
            let field = OcsfStringField::from(clause.field.ocsf());
            let mut composite = CompositeFilter::builder().operator(if clause.negated {
                AllowedOperators::And
            } else {
                AllowedOperators::Or
            });
            for value in &clause.values {
                composite = composite.string_filters(
                    OcsfStringFilter::builder()
                        .field_name(field.clone())
                        .filter(string_filter(
                            clause,
                            value,
                            clause.field.ocsf_value(value.text()),
                        ))
                        .build(),
                );
            }
            composite.build()
        })
        .collect()
}

/// The scope for one GuardDuty source (one region).
#[derive(Clone, Debug, PartialEq)]
pub enum GuardDutyScope {
    /// Nothing GuardDuty holds in this region is inside the scope: the reason.
    Outside(String),
    /// Criteria to add to ListFindings; `exact` when they are the whole scope (else each
    /// finding read is checked against it too).
    Criteria {
        criteria: HashMap<String, Condition>,
        exact: bool,
    },
}

/// What of `scope` a GuardDuty source reading `region` asks ListFindings for
/// ([`Scope::guardduty`], as the SDK's conditions).
pub fn guardduty(scope: &Scope, region: &str) -> GuardDutyScope {
    match scope.guardduty(region) {
        GuardDutyRead::Outside(why) => GuardDutyScope::Outside(why),
        GuardDutyRead::Criteria { criteria, exact } => GuardDutyScope::Criteria {
            criteria: criteria
                .into_iter()
                .map(|(name, c)| {
                    let condition = Condition::builder()
                        .set_equals((!c.equals.is_empty()).then_some(c.equals))
                        .set_not_equals((!c.not_equals.is_empty()).then_some(c.not_equals))
                        .set_greater_than_or_equal(c.at_least)
                        .set_less_than(c.below)
                        .build();
                    (name.to_string(), condition)
                })
                .collect(),
            exact,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(text: &str) -> Scope {
        Scope::parse(text).expect("scope")
    }

    /// An ASFF filter set holding the scope alone.
    fn cspm_filters(scope: &Scope) -> aws_sdk_securityhub::types::AwsSecurityFindingFilters {
        cspm(
            scope,
            aws_sdk_securityhub::types::AwsSecurityFindingFilters::builder(),
        )
        .build()
    }

    #[test]
    fn asff_filters_carry_each_term() {
        let filters = cspm_filters(&scope(
            "-product:Inspector,Macie sev>=high account:111111111111 type:TTPs*",
        ));
        let pairs = |list: &[StringFilter]| -> Vec<(String, String)> {
            list.iter()
                .map(|f| {
                    (
                        f.comparison()
                            .map(|c| c.as_str().to_string())
                            .unwrap_or_default(),
                        f.value().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        };
        let p = |c: &str, v: &str| (c.to_string(), v.to_string());
        assert_eq!(
            pairs(filters.product_name()),
            [p("NOT_EQUALS", "Inspector"), p("NOT_EQUALS", "Macie")]
        );
        assert_eq!(
            pairs(filters.severity_label()),
            [p("EQUALS", "HIGH"), p("EQUALS", "CRITICAL")]
        );
        assert_eq!(
            pairs(filters.aws_account_id()),
            [p("EQUALS", "111111111111")]
        );
        assert_eq!(pairs(filters.r#type()), [p("PREFIX", "TTPs")]);
    }

    #[test]
    fn ocsf_composites_join_a_term_s_values_by_or_and_exclusions_by_and() {
        let composites = ocsf(&scope(
            "-product:Inspector sev:medium,high compliance:failed",
        ));
        let shape: Vec<_> = composites
            .iter()
            .map(|c| {
                (
                    c.operator().map(|o| o.as_str().to_string()),
                    c.string_filters()
                        .iter()
                        .map(|f| {
                            (
                                f.field_name().map(|n| n.as_str().to_string()),
                                f.filter().and_then(|f| f.value()).map(str::to_string),
                            )
                        })
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            shape,
            [
                (s("AND"), vec![(s("metadata.product.name"), s("Inspector"))]),
                (s("OR"), vec![(s("compliance.status"), s("Fail"))]),
                (
                    s("OR"),
                    vec![(s("severity"), s("Medium")), (s("severity"), s("High"))]
                ),
            ]
        );
    }

    #[test]
    fn guardduty_decides_what_it_cannot_hold_and_asks_for_the_rest() {
        assert!(matches!(
            guardduty(&scope("product:Inspector"), "us-east-1"),
            GuardDutyScope::Outside(_)
        ));
        assert!(matches!(
            guardduty(&scope("region:eu-*"), "us-east-1"),
            GuardDutyScope::Outside(_)
        ));
        assert!(matches!(
            guardduty(&scope("compliance:failed"), "us-east-1"),
            GuardDutyScope::Outside(_)
        ));
        let GuardDutyScope::Criteria { criteria, exact } = guardduty(
            &scope(
                "-product:Inspector region:us-* sev>=medium -account:111111111111 -control:S3.8",
            ),
            "us-east-1",
        ) else {
            panic!("inside");
        };
        assert!(exact);
        assert_eq!(
            criteria["severity"].greater_than_or_equal(),
            Some(4),
            "medium and above: 4 and up"
        );
        assert_eq!(criteria["severity"].less_than(), None);
        assert_eq!(criteria["accountId"].not_equals(), ["111111111111"]);
        // A type prefix and severities with a gap are checked as findings are read.
        let GuardDutyScope::Criteria { exact, .. } =
            guardduty(&scope("type:Recon* sev:low,critical"), "us-east-1")
        else {
            panic!("inside");
        };
        assert!(!exact);
    }
}
