//! The filter language.
//!
//! ```text
//! query    = term { " " term }                    all terms must match
//! term     = [ "-" ] ( field op values | word )  "-" negates
//! field    = sev | account | ou | region | type | status | source | product | resource
//!          | title | id | control | compliance | verification | count | age | is
//! op       = ":" | "=" | "!=" | ">" | ">=" | "<" | "<="
//! values   = value { "," value }                  any value may match
//! value    = bare | '"' text '"'                  * and ? are wildcards
//! word     = bare | '"' phrase '"'                found anywhere in title, type or resource
//! ```
//!
//! Field values match the whole field (`type:Recon*`), free words match inside the text. Case
//! never matters. Errors carry the byte span of the offending text so the prompt can point at it.

pub mod fields;
pub mod glob;

use std::fmt;
use std::ops::Range;

use crate::model::finding::{ComplianceStatus, SourceKind, Verification, Workflow};
use crate::model::severity::SeverityLabel;
pub use fields::{FIELDS, Field, Values};
pub use glob::Glob;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    pub terms: Vec<Term>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    pub negated: bool,
    pub test: Test,
    /// Where the term stands in the input.
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    /// `sev>=high`: compares labels.
    SeverityLabel(Cmp, SeverityLabel),
    /// `sev>=70`: compares the normalized 0–100 score.
    SeverityScore(Cmp, u8),
    /// `sev:high,critical`.
    SeverityIn(Vec<SeverityLabel>),
    Count(Cmp, u64),
    /// `age<1h`: seconds since the finding was last seen.
    Age(Cmp, i64),
    Text(TextField, Vec<Glob>),
    Status(Vec<Status>),
    Source(Vec<SourceKind>),
    Compliance(Vec<ComplianceStatus>),
    Verification(Vec<Verification>),
    /// `tactic:CredentialAccess,Impact`: any of these ATT&CK tactics.
    Tactic(crate::model::attack::Tactics),
    /// `sla:breached`, or `sla<1h`: seconds left before the finding's SLA breaches (negative
    /// once breached); findings without a running clock never match.
    Sla(Cmp, i64),
    Is(Flag),
    /// A free word or quoted phrase.
    Word(Glob),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    pub fn holds<T: PartialOrd>(self, left: T, right: T) -> bool {
        match self {
            Cmp::Eq => left == right,
            Cmp::Ne => left != right,
            Cmp::Lt => left < right,
            Cmp::Le => left <= right,
            Cmp::Gt => left > right,
            Cmp::Ge => left >= right,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TextField {
    /// Account name or id.
    Account,
    /// The account's OU path.
    Ou,
    Region,
    /// Any finding type, or the type shown in the table.
    Type,
    Product,
    /// Any resource's type, id or ARN.
    Resource,
    Title,
    Id,
    /// Security Hub control id or a related requirement.
    Control,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Workflow(Workflow),
    Archived,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// Arrived since picket started and not yet selected.
    Unseen,
    /// Arrived since the analyst last looked (in this shift or the last one).
    New,
    /// Severity, count or workflow moved since the analyst last looked at it.
    Changed,
    /// Resolved, suppressed or archived when last looked at, active again.
    Reopened,
    /// A disposition that has fallen due for review.
    Expired,
    Archived,
    Sample,
    /// In a production account.
    Prod,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    pub span: Range<usize>,
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at column {})", self.message, self.span.start + 1)
    }
}

impl std::error::Error for QueryError {}

impl Query {
    pub fn parse(input: &str) -> Result<Query, QueryError> {
        let mut terms = Vec::new();
        for (text, start) in split_terms(input)? {
            terms.push(parse_term(text, start)?);
        }
        Ok(Query { terms })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// An error at `span`; the message quotes what was typed, so it is made safe to print.
fn err(span: Range<usize>, message: impl Into<String>) -> QueryError {
    let message = message.into();
    QueryError {
        span,
        message: crate::model::text::clean_line(&message, MAX_MESSAGE_CHARS).into_owned(),
    }
}

/// Longest error message (characters): a quoted value is cut rather than filling the screen.
const MAX_MESSAGE_CHARS: usize = 300;

/// Splits at whitespace outside double quotes; returns each term with its byte offset.
fn split_terms(input: &str) -> Result<Vec<(&str, usize)>, QueryError> {
    let mut terms = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote_at: Option<usize> = None;
    for (i, c) in input.char_indices() {
        match c {
            '"' => {
                start.get_or_insert(i);
                quote_at = if quote_at.is_some() { None } else { Some(i) };
            }
            c if c.is_whitespace() && quote_at.is_none() => {
                if let Some(s) = start.take() {
                    terms.push((&input[s..i], s));
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(q) = quote_at {
        return Err(err(q..input.len(), "unclosed quote"));
    }
    if let Some(s) = start {
        terms.push((&input[s..], s));
    }
    Ok(terms)
}

const OPERATORS: [(&str, Cmp); 7] = [
    (">=", Cmp::Ge),
    ("<=", Cmp::Le),
    ("!=", Cmp::Ne),
    (":", Cmp::Eq),
    ("=", Cmp::Eq),
    (">", Cmp::Gt),
    ("<", Cmp::Lt),
];

fn parse_term(text: &str, start: usize) -> Result<Term, QueryError> {
    let span = start..start + text.len();
    let (negated, body, body_start) = match text.strip_prefix('-') {
        Some("") => {
            return Err(err(
                span,
                "'-' needs a term to exclude, as in -type:Policy*",
            ));
        }
        Some(rest) => (true, rest, start + 1),
        None => (false, text, start),
    };
    let name_len = body
        .bytes()
        .take_while(|b| b.is_ascii_alphabetic() || *b == b'_')
        .count();
    let after_name = &body[name_len..];
    let operator = OPERATORS.iter().find(|(op, _)| after_name.starts_with(op));
    let (Some(&(op_text, cmp)), true) = (operator, name_len > 0) else {
        let word = unquote(body, body_start)?;
        if word.is_empty() {
            return Err(err(span, "empty phrase"));
        }
        return Ok(Term {
            negated,
            test: Test::Word(Glob::new(word)),
            span,
        });
    };
    let name = &body[..name_len];
    let name_span = body_start..body_start + name_len;
    let value_start = body_start + name_len + op_text.len();
    let raw_values = &body[name_len + op_text.len()..];
    if raw_values.is_empty() {
        return Err(err(span, format!("'{name}{op_text}' needs a value")));
    }
    let values = split_values(raw_values, value_start)?;
    let (negated, cmp) = match cmp {
        // `field!=x` is `-field:x`; `-field!=x` is `field:x`.
        Cmp::Ne => (!negated, Cmp::Eq),
        other => (negated, other),
    };
    let test = field_test(name, name_span, cmp, &values)?;
    Ok(Term {
        negated,
        test,
        span,
    })
}

fn unquote(text: &str, start: usize) -> Result<&str, QueryError> {
    match text.strip_prefix('"') {
        Some(rest) => match rest.strip_suffix('"') {
            Some(inner) if !inner.contains('"') => Ok(inner),
            _ => Err(err(
                start..start + text.len(),
                "a quoted value must end with its closing quote",
            )),
        },
        None if text.contains('"') => {
            let at = start + text.find('"').unwrap_or(0);
            Err(err(
                at..at + 1,
                "quote in the middle of a word; quote the whole value",
            ))
        }
        None => Ok(text),
    }
}

/// Values separated by commas, each possibly quoted; returns (value, span).
fn split_values(text: &str, start: usize) -> Result<Vec<(&str, Range<usize>)>, QueryError> {
    let mut values = Vec::new();
    let mut from = 0;
    let mut in_quote = false;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ',')))
    {
        match c {
            '"' => in_quote = !in_quote,
            ',' if !in_quote => {
                let part = &text[from..i];
                let span = start + from..start + i;
                if part.is_empty() {
                    return Err(err(
                        span.start..span.start.max(start + i).max(span.start + 1),
                        "empty value",
                    ));
                }
                values.push((unquote(part, span.start)?, span));
                from = i + 1;
            }
            _ => {}
        }
    }
    Ok(values)
}

fn field_test(
    name: &str,
    name_span: Range<usize>,
    cmp: Cmp,
    values: &[(&str, Range<usize>)],
) -> Result<Test, QueryError> {
    // The table of fields is the list of names: one not in it is an unknown field.
    let Some(field) = fields::field(name) else {
        return Err(unknown_field(name, name_span));
    };
    let text_field = match field.name {
        "account" => Some(TextField::Account),
        "ou" => Some(TextField::Ou),
        "region" => Some(TextField::Region),
        "type" => Some(TextField::Type),
        "product" => Some(TextField::Product),
        "resource" => Some(TextField::Resource),
        "title" => Some(TextField::Title),
        "id" => Some(TextField::Id),
        "control" => Some(TextField::Control),
        _ => None,
    };
    if let Some(field) = text_field {
        equality_only(name, cmp, values)?;
        return Ok(Test::Text(
            field,
            values.iter().map(|(v, _)| Glob::new(v)).collect(),
        ));
    }
    match field.name {
        "sev" => severity_test(cmp, values),
        "count" => {
            let (value, span) = single(name, values)?;
            let n = value
                .parse::<u64>()
                .map_err(|_| err(span.clone(), format!("'{value}' is not a whole number")))?;
            Ok(Test::Count(cmp, n))
        }
        "age" => {
            let (value, span) = single(name, values)?;
            let age = crate::model::age::parse(value).map_err(|e| err(span.clone(), e))?;
            Ok(Test::Age(cmp, age.as_secs()))
        }
        "status" => {
            equality_only(name, cmp, values)?;
            enum_values(values, "status", &fields::expected("status"), |v| {
                if v.eq_ignore_ascii_case("archived") {
                    Some(Status::Archived)
                } else {
                    Workflow::parse(v).map(Status::Workflow)
                }
            })
            .map(Test::Status)
        }
        "source" => {
            equality_only(name, cmp, values)?;
            enum_values(
                values,
                "source",
                &fields::expected("source"),
                SourceKind::parse,
            )
            .map(Test::Source)
        }
        "compliance" => {
            equality_only(name, cmp, values)?;
            enum_values(
                values,
                "compliance status",
                &fields::expected("compliance"),
                ComplianceStatus::parse,
            )
            .map(Test::Compliance)
        }
        "verification" => {
            equality_only(name, cmp, values)?;
            enum_values(
                values,
                "verification state",
                &fields::expected("verification"),
                Verification::parse,
            )
            .map(Test::Verification)
        }
        "sla" => {
            let (value, span) = single(name, values)?;
            if value.eq_ignore_ascii_case("breached") || value.eq_ignore_ascii_case("late") {
                equality_only(name, cmp, values)?;
                return Ok(Test::Sla(Cmp::Lt, 0));
            }
            let left = crate::model::age::parse(value).map_err(|e| {
                err(
                    span.clone(),
                    format!("{e}; or sla:breached for the findings past their SLA"),
                )
            })?;
            Ok(Test::Sla(cmp, left.as_secs()))
        }
        "tactic" => {
            equality_only(name, cmp, values)?;
            enum_values(
                values,
                "ATT&CK tactic",
                "reconnaissance, resource-development, initial-access, execution, persistence, \
                 privilege-escalation, defense-evasion, credential-access, discovery, \
                 lateral-movement, collection, command-and-control, exfiltration, impact \
                 (or TA0006…)",
                crate::model::attack::Tactic::parse,
            )
            .map(|t| Test::Tactic(crate::model::attack::Tactics::of(t)))
        }
        "is" => {
            equality_only(name, cmp, values)?;
            let (value, span) = single(name, values)?;
            let flag = match value.to_ascii_lowercase().as_str() {
                "unseen" => Flag::Unseen,
                "new" => Flag::New,
                "changed" => Flag::Changed,
                "reopened" => Flag::Reopened,
                "expired" => Flag::Expired,
                "archived" => Flag::Archived,
                "sample" => Flag::Sample,
                "prod" | "production" => Flag::Prod,
                _ => {
                    return Err(err(
                        span.clone(),
                        format!(
                            "unknown flag '{value}'; expected new, changed, reopened, expired, unseen, archived, sample or prod"
                        ),
                    ));
                }
            };
            Ok(Test::Is(flag))
        }
        _ => Err(unknown_field(name, name_span)),
    }
}

fn unknown_field(name: &str, name_span: Range<usize>) -> QueryError {
    let names: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
    err(
        name_span,
        format!(
            "unknown field '{name}'; fields are {}; quote text that contains ':' to search it",
            names.join(", ")
        ),
    )
}

fn equality_only(name: &str, cmp: Cmp, values: &[(&str, Range<usize>)]) -> Result<(), QueryError> {
    if cmp == Cmp::Eq {
        return Ok(());
    }
    let at = values.first().map_or(0, |(_, s)| s.start.saturating_sub(1));
    Err(err(
        at..at + 1,
        format!("'{name}' compares only with ':' (or '!=' to exclude)"),
    ))
}

fn single<'a>(
    name: &str,
    values: &'a [(&'a str, Range<usize>)],
) -> Result<&'a (&'a str, Range<usize>), QueryError> {
    match values {
        [one] => Ok(one),
        [_, second, ..] => Err(err(second.1.clone(), format!("'{name}' takes one value"))),
        [] => Err(err(0..0, format!("'{name}' needs a value"))),
    }
}

fn enum_values<T>(
    values: &[(&str, Range<usize>)],
    what: &str,
    expected: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, QueryError> {
    values
        .iter()
        .map(|(v, span)| {
            parse(v).ok_or_else(|| {
                err(
                    span.clone(),
                    format!("unknown {what} '{v}'; expected {expected}"),
                )
            })
        })
        .collect()
}

fn severity_test(cmp: Cmp, values: &[(&str, Range<usize>)]) -> Result<Test, QueryError> {
    let expected = "critical, high, medium, low, informational or a score 0–100";
    if cmp == Cmp::Eq && values.len() > 1 {
        return enum_values(values, "severity", expected, SeverityLabel::parse)
            .map(Test::SeverityIn);
    }
    let (value, span) = single("sev", values)?;
    if let Some(label) = SeverityLabel::parse(value) {
        return Ok(Test::SeverityLabel(cmp, label));
    }
    match value.parse::<f64>() {
        Ok(n) if (0.0..=100.0).contains(&n) => Ok(Test::SeverityScore(cmp, n.round() as u8)),
        Ok(_) => Err(err(
            span.clone(),
            "severity scores run from 0 to 100 (GuardDuty's 0–10 × 10)",
        )),
        Err(_) => Err(err(
            span.clone(),
            format!("unknown severity '{value}'; expected {expected}"),
        )),
    }
}

/// `value` written so the filter reads it back as one value: quoted when it holds whitespace
/// or a comma, a double quote (which no value can hold) standing as `?`, the one-character
/// wildcard.
pub fn quote_value(value: &str) -> String {
    let value = value.replace('"', "?");
    if value.is_empty() || value.contains(|c: char| c.is_whitespace() || c == ',') {
        format!("\"{value}\"")
    } else {
        value
    }
}

/// Where a trailing, still-incomplete field name starts (`ou:x se` → 5), or the text's length
/// when the last word cannot be the start of a field. Lets the prompt hold off on `se` until it
/// becomes `sev>=high` or a word that no field begins with.
pub fn pending_field_start(text: &str) -> usize {
    if text.ends_with(char::is_whitespace) {
        return text.len();
    }
    // Past the last whitespace character, whatever its width in bytes (U+3000 is three).
    let start = text
        .char_indices()
        .rfind(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = text[start..].trim_start_matches('-').to_ascii_lowercase();
    let is_prefix = !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphabetic())
        && FIELDS
            .iter()
            .flat_map(|f| f.names())
            .any(|f| f.starts_with(&word));
    if is_prefix { start } else { text.len() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Query {
        Query::parse(s).unwrap_or_else(|e| panic!("{s:?} failed: {e}"))
    }

    fn error(s: &str) -> QueryError {
        match Query::parse(s) {
            Ok(q) => panic!("{s:?} parsed as {q:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn tactics_parse_in_any_spelling_and_an_unknown_one_lists_them() {
        use crate::model::attack::{Tactic, Tactics};
        assert_eq!(
            parse("tactic:credential-access,TA0040").terms[0].test,
            Test::Tactic(Tactics::of([Tactic::CredentialAccess, Tactic::Impact]))
        );
        let e = error("tactic:lunch");
        assert!(e.message.contains("credential-access"), "{}", e.message);
        assert_eq!(e.span, 7..12);
    }

    #[test]
    fn the_documented_example_parses() {
        let q = parse(
            "sev>=high account:prod-* region:us-east-1 type:Recon* status:new source:guardduty -type:Policy* bucket",
        );
        assert_eq!(q.terms.len(), 8);
        assert_eq!(
            q.terms[0].test,
            Test::SeverityLabel(Cmp::Ge, SeverityLabel::High)
        );
        assert!(q.terms[6].negated);
        assert_eq!(q.terms[7].test, Test::Word(Glob::new("bucket")));
        assert_eq!(q.terms[1].span, 10..24);
    }

    #[test]
    fn values_lists_quotes_and_inequality() {
        let q = parse(r#"sev:high,critical type:"Recon:EC2/*" region!=eu-west-1 "public bucket""#);
        assert_eq!(
            q.terms[0].test,
            Test::SeverityIn(vec![SeverityLabel::High, SeverityLabel::Critical])
        );
        assert_eq!(
            q.terms[1].test,
            Test::Text(TextField::Type, vec![Glob::new("Recon:EC2/*")])
        );
        assert!(q.terms[2].negated);
        assert_eq!(q.terms[3].test, Test::Word(Glob::new("public bucket")));
        assert_eq!(
            parse("SEV>=70").terms[0].test,
            Test::SeverityScore(Cmp::Ge, 70)
        );
        assert_eq!(parse("age<90m").terms[0].test, Test::Age(Cmp::Lt, 5400));
        assert!(!parse("-status!=new").terms[0].negated);
        assert!(parse("   ").is_empty());
    }

    #[test]
    fn malformed_input_is_an_error_with_a_place() {
        let e = error("sev>=hgih");
        assert_eq!(e.span, 5..9);
        assert!(
            e.message.contains("unknown severity 'hgih'"),
            "{}",
            e.message
        );
        let e = error("region:us-east-1 colour:red");
        assert_eq!(e.span, 17..23);
        assert!(e.message.contains("unknown field 'colour'"));
        assert_eq!(error(r#"title:"open"#).span.start, 6);
        assert!(error("type:").message.contains("needs a value"));
        assert!(error("type:a,,b").message.contains("empty value"));
        assert!(error("- x").message.contains("needs a term"));
        assert!(
            error("region>us")
                .message
                .contains("compares only with ':'")
        );
        assert!(error("count>many").message.contains("whole number"));
        assert!(error("age<soon").message.contains("is not an age like 90m"));
        assert!(
            error("age<5000000d")
                .message
                .contains("longer than 36525 days")
        );
        assert_eq!(parse("age<1h30m").terms[0].test, Test::Age(Cmp::Lt, 5400));
        assert!(error("sev>=101").message.contains("0 to 100"));
        assert!(error("is:boring").message.contains("unknown flag"));
        assert!(
            error("status:open")
                .message
                .contains("expected new, notified")
        );
        assert!(error("ti\"tl\"e").message.contains("quote in the middle"));
        assert!(error("sev>=high,low").message.contains("takes one value"));
    }

    #[test]
    fn arbitrary_input_never_panics() {
        for input in [
            "\"",
            "-",
            "--",
            ":",
            "a:\"",
            "\"\"",
            "sev>=",
            "x:\"a,b\"",
            "é:ü",
            "-\"",
            "a:\"b\"c",
            "age<99999999999999999w",
        ] {
            let _ = Query::parse(input);
        }
    }

    #[test]
    fn incomplete_field_names_are_pending() {
        assert_eq!(pending_field_start("se"), 0);
        assert_eq!(pending_field_start("region:x -acc"), 9);
        assert_eq!(
            pending_field_start("sec"),
            3,
            "no field starts with 'sec': a word"
        );
        assert_eq!(pending_field_start("sev "), 4);
        assert_eq!(pending_field_start("sev>=high"), 9);
        assert_eq!(pending_field_start(""), 0);
    }

    #[test]
    fn quoted_values_read_back_as_one_value() {
        for value in [
            "prod-web",
            "my account",
            "a,b",
            "say \"hi\"",
            "x\u{a0}y",
            "",
        ] {
            let text = format!("account:{}", quote_value(value));
            let q = parse(&text);
            assert_eq!(q.terms.len(), 1, "{text}");
            let Test::Text(TextField::Account, globs) = &q.terms[0].test else {
                panic!("{text} is {:?}", q.terms[0].test);
            };
            assert_eq!(globs.len(), 1, "{text}");
            assert!(globs[0].matches(value), "{text} does not match {value:?}");
        }
    }

    #[test]
    fn pending_fields_after_wide_whitespace() {
        // No-break space (2 bytes) and ideographic space (3 bytes) end a word as a space does.
        assert_eq!(pending_field_start("region:x\u{a0}se"), 10);
        assert_eq!(pending_field_start("x\u{3000}acc"), 4);
        assert_eq!(pending_field_start("x\u{3000}\u{3000}"), 7);
    }
}
