//! The filter's fields in one table: the parser takes their names from it, the help lists them
//! with an example each, and the `/` prompt completes them and their values from it, so the
//! three cannot disagree.

/// Where a field's values come from, for completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Values {
    /// These words, in this order.
    Fixed(&'static [&'static str]),
    /// The accounts' names and ids (the directory's, and the ids findings carry).
    Accounts,
    /// The OU paths of the directory.
    Ous,
    /// The regions findings came from.
    Regions,
    /// The finding types held.
    Types,
    /// The products that produced findings.
    Products,
    /// The resource types findings name.
    ResourceKinds,
    /// The control ids findings name.
    Controls,
    /// The ATT&CK tactics, by name.
    Tactics,
    /// Free text or a number: nothing to offer.
    Free,
}

/// One field of the filter language.
#[derive(Debug)]
pub struct Field {
    /// The name the help lists.
    pub name: &'static str,
    /// Other names, offered by completion too (`severity`).
    pub aliases: &'static [&'static str],
    /// Short names the parser accepts and completion does not offer (`acct`).
    pub abbreviations: &'static [&'static str],
    /// The operator completion writes after the name: `:`, or the comparison most asked.
    pub op: &'static str,
    pub example: &'static str,
    pub help: &'static str,
    pub values: Values,
}

impl Field {
    /// Every name the parser accepts for this field.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.name)
            .chain(self.aliases.iter().copied())
            .chain(self.abbreviations.iter().copied())
    }
}

pub const SEVERITIES: &[&str] = &["critical", "high", "medium", "low", "informational"];
pub const STATUSES: &[&str] = &["new", "notified", "resolved", "suppressed", "archived"];
pub const SOURCES: &[&str] = &["guardduty", "securityhub", "detection"];
pub const COMPLIANCE: &[&str] = &["passed", "warning", "failed", "not_available"];
pub const VERIFICATIONS: &[&str] = &[
    "true_positive",
    "false_positive",
    "benign_positive",
    "unknown",
];
pub const FLAGS: &[&str] = &[
    "unseen", "new", "changed", "reopened", "expired", "archived", "sample", "prod",
];

/// Every field, in the order the help lists them.
pub const FIELDS: &[Field] = &[
    Field {
        name: "sev",
        aliases: &["severity"],
        abbreviations: &[],
        op: ">=",
        example: "sev>=high",
        help: "severity (critical … informational) or 0–100 score",
        values: Values::Fixed(SEVERITIES),
    },
    Field {
        name: "account",
        aliases: &[],
        abbreviations: &["acct"],
        op: ":",
        example: "account:prod-*",
        help: "account name or id",
        values: Values::Accounts,
    },
    Field {
        name: "ou",
        aliases: &[],
        abbreviations: &[],
        op: ":",
        example: "ou:Workloads/*",
        help: "the account's OU path",
        values: Values::Ous,
    },
    Field {
        name: "region",
        aliases: &[],
        abbreviations: &[],
        op: ":",
        example: "region:us-east-1",
        help: "region",
        values: Values::Regions,
    },
    Field {
        name: "type",
        aliases: &[],
        abbreviations: &[],
        op: ":",
        example: "type:Recon*",
        help: "any finding type, or the control id shown as type",
        values: Values::Types,
    },
    Field {
        name: "status",
        aliases: &["workflow"],
        abbreviations: &[],
        op: ":",
        example: "status:new,notified",
        help: "new, notified, resolved, suppressed, archived",
        values: Values::Fixed(STATUSES),
    },
    Field {
        name: "source",
        aliases: &[],
        abbreviations: &[],
        op: ":",
        example: "source:detection",
        help: "guardduty, securityhub, detection (picket's alerts)",
        values: Values::Fixed(SOURCES),
    },
    Field {
        name: "product",
        aliases: &[],
        abbreviations: &[],
        op: ":",
        example: "product:Inspector",
        help: "the product that produced it",
        values: Values::Products,
    },
    Field {
        name: "resource",
        aliases: &[],
        abbreviations: &["res"],
        op: ":",
        example: "resource:i-0abc*",
        help: "any resource's type, id or ARN",
        values: Values::ResourceKinds,
    },
    Field {
        name: "title",
        aliases: &[],
        abbreviations: &[],
        op: ":",
        example: "title:\"*public*\"",
        help: "the title",
        values: Values::Free,
    },
    Field {
        name: "id",
        aliases: &[],
        abbreviations: &[],
        op: ":",
        example: "id:*5ab3f1",
        help: "finding id or ARN",
        values: Values::Free,
    },
    Field {
        name: "control",
        aliases: &[],
        abbreviations: &[],
        op: ":",
        example: "control:S3.*",
        help: "control id or related requirement (CIS*)",
        values: Values::Controls,
    },
    Field {
        name: "compliance",
        aliases: &[],
        abbreviations: &[],
        op: ":",
        example: "compliance:failed",
        help: "passed, warning, failed, not_available",
        values: Values::Fixed(COMPLIANCE),
    },
    Field {
        name: "verification",
        aliases: &[],
        abbreviations: &["verify"],
        op: ":",
        example: "verification:unknown",
        help: "true_positive, false_positive, benign_positive, …",
        values: Values::Fixed(VERIFICATIONS),
    },
    Field {
        name: "tactic",
        aliases: &[],
        abbreviations: &["tactics"],
        op: ":",
        example: "tactic:impact",
        help: "ATT&CK tactic: name, TA0040 or short form",
        values: Values::Tactics,
    },
    Field {
        name: "sla",
        aliases: &[],
        abbreviations: &[],
        op: ":",
        example: "sla:breached",
        help: "past the SLA; sla<4h: less than 4h left",
        values: Values::Fixed(&["breached"]),
    },
    Field {
        name: "count",
        aliases: &[],
        abbreviations: &[],
        op: ">=",
        example: "count>=10",
        help: "occurrences",
        values: Values::Free,
    },
    Field {
        name: "age",
        aliases: &[],
        abbreviations: &[],
        op: "<",
        example: "age<1h",
        help: "last seen within: s m h d w, or 1h30m",
        values: Values::Free,
    },
    Field {
        name: "is",
        aliases: &[],
        abbreviations: &[],
        op: ":",
        example: "is:unseen",
        help: "unseen, new, changed, reopened, expired, prod, …",
        values: Values::Fixed(FLAGS),
    },
];

/// The field a name (or alias) stands for, whatever its case.
pub fn field(name: &str) -> Option<&'static Field> {
    FIELDS
        .iter()
        .find(|f| f.names().any(|n| n.eq_ignore_ascii_case(name)))
}

/// A field's fixed values as a list for an error message: `new, notified, resolved`.
pub(super) fn expected(name: &str) -> String {
    match field(name).map(|f| f.values) {
        Some(Values::Fixed(values)) => values.join(", "),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Query;

    #[test]
    fn every_example_parses_and_tests_its_field() {
        for f in FIELDS {
            let q = Query::parse(f.example)
                .unwrap_or_else(|e| panic!("{}: {:?} fails: {e}", f.name, f.example));
            assert_eq!(q.terms.len(), 1, "{}", f.example);
            assert!(
                !matches!(q.terms[0].test, crate::query::Test::Word(_)),
                "{} is read as a word",
                f.example
            );
        }
    }

    #[test]
    fn every_name_and_fixed_value_parses() {
        for f in FIELDS {
            let value = match f.values {
                Values::Fixed(values) => {
                    for v in values {
                        let text = format!("{}:{v}", f.name);
                        assert!(Query::parse(&text).is_ok(), "{text} fails");
                    }
                    values[0]
                }
                _ => f.example.split_once(f.op).map_or("x", |(_, v)| v),
            };
            for name in f.names() {
                let text = format!("{name}{}{value}", f.op);
                assert!(Query::parse(&text).is_ok(), "{text} fails");
            }
        }
    }
}
