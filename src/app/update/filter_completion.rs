//! Tab in the `/` prompt: the term at the cursor completed from the filter's table of fields
//! ([`crate::query::FIELDS`]): a field's name with the operator it takes (`se` → `sev>=`,
//! `severity>=`), then after `field:` the values the queue holds for it (accounts, regions,
//! types… from the store's interners and the directory, never from the findings one by one).
//!
//! Cost, at 1,000 accounts and 1,000,000 findings: on the Tab that starts a completion, one
//! pass over the distinct values of the field (2,000 account names and ids, a few hundred
//! types, a few dozen regions) and a sort of those that match; the Tabs that cycle reuse the
//! list. Nothing is per frame beyond drawing the hint row.

use super::super::App;
use crate::query::{FIELDS, Field, Values};

/// What Tab completes: the term at the cursor from `start`, `base` kept before each of the
/// `candidates` (`-status:`, `sev:high,`; empty for a field name).
#[derive(Debug, PartialEq)]
pub(super) struct Completion {
    pub start: usize,
    pub base: String,
    pub candidates: Vec<String>,
}

/// The operators a term can use, longest first (as the parser reads them).
const OPERATORS: [&str; 7] = [">=", "<=", "!=", ":", "=", ">", "<"];

/// Candidates for the term that ends at `cursor` in the filter `text`, or none when the
/// cursor is in a free word (or a field that has no values to offer).
pub(super) fn candidates(app: &App, text: &str, cursor: usize) -> Option<Completion> {
    let before = text.get(..cursor)?;
    let start = term_start(before);
    let term = &before[start..];
    let negated = term.starts_with('-');
    let body = &term[usize::from(negated)..];
    let name_len = body
        .bytes()
        .take_while(|b| b.is_ascii_alphabetic() || *b == b'_')
        .count();
    let after_name = &body[name_len..];
    if after_name.is_empty() {
        // A field's name being typed (or none yet: every field).
        let typed = body.to_ascii_lowercase();
        let candidates: Vec<String> = FIELDS
            .iter()
            .flat_map(|f| {
                std::iter::once(f.name)
                    .chain(f.aliases.iter().copied())
                    .map(move |name| (name, f.op))
            })
            .filter(|(name, _)| name.starts_with(&typed))
            .map(|(name, op)| format!("{name}{op}"))
            .collect();
        return Some(Completion {
            start,
            base: if negated { "-".into() } else { String::new() },
            candidates,
        });
    }
    let op = OPERATORS.iter().find(|op| after_name.starts_with(**op))?;
    let field = crate::query::fields::field(&body[..name_len])?;
    let values = &after_name[op.len()..];
    // The value being typed is the one after the last comma outside quotes.
    let mut in_quote = false;
    let mut value_start = 0;
    for (i, c) in values.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            ',' if !in_quote => value_start = i + 1,
            _ => {}
        }
    }
    let typed = values[value_start..].trim_start_matches('"');
    let base_len = term.len() - values.len() + value_start;
    Some(Completion {
        start,
        base: term[..base_len].to_string(),
        candidates: matching(field_values(app, field), typed),
    })
}

/// Where the term that ends `before` starts: after the last whitespace outside quotes.
fn term_start(before: &str) -> usize {
    let mut in_quote = false;
    let mut start = 0;
    for (i, c) in before.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            c if c.is_whitespace() && !in_quote => start = i + c.len_utf8(),
            _ => {}
        }
    }
    start
}

/// Those of `values` that start with `typed` (whatever the case), then those that hold it,
/// each written as the filter reads it back (quoted where needed), at most
/// [`crate::limits::COMPLETIONS`].
fn matching(values: Vec<String>, typed: &str) -> Vec<String> {
    let typed = typed.to_lowercase();
    let (mut first, rest): (Vec<String>, Vec<String>) = values
        .into_iter()
        .filter(|v| v.to_lowercase().contains(&typed))
        .partition(|v| v.to_lowercase().starts_with(&typed));
    first.extend(rest);
    first.truncate(crate::limits::COMPLETIONS);
    first
        .into_iter()
        .map(|v| crate::query::quote_value(&v))
        .collect()
}

/// The values of `field` the queue and the directory hold, sanitized, without repeats; fixed
/// lists in their own order, the others sorted.
fn field_values(app: &App, field: &Field) -> Vec<String> {
    let store = &app.store;
    let interned = |interner: &crate::store::Interner| -> Vec<String> {
        sorted(interner.iter().map(|(_, v)| v.to_string()).collect())
    };
    let values = match field.values {
        Values::Fixed(words) => words.iter().map(|w| w.to_string()).collect(),
        Values::Accounts => {
            // Names first (what an analyst types), then the ids, also of accounts the
            // directory does not know.
            let names = sorted(app.directory.iter().map(|a| a.name.to_string()).collect());
            let ids = sorted(
                app.directory
                    .iter()
                    .map(|a| a.id.to_string())
                    .chain(store.accounts.iter().map(|(_, id)| id.to_string()))
                    .collect(),
            );
            names.into_iter().chain(ids).collect()
        }
        Values::Ous => sorted(
            app.directory
                .iter()
                .map(|a| a.ou_path.to_string())
                .collect(),
        ),
        Values::Regions => interned(&store.regions),
        Values::Types => interned(&store.types),
        Values::Products => interned(&store.products),
        Values::ResourceKinds => interned(&store.resource_kinds),
        Values::Controls => interned(&store.controls),
        Values::Tactics => crate::model::attack::Tactic::ALL
            .iter()
            .map(|t| t.name().to_ascii_lowercase().replace(' ', "-"))
            .collect(),
        Values::Free => Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    values
        .into_iter()
        .map(|v| crate::model::text::clean_line(&v, crate::limits::LINE_CHARS).into_owned())
        .filter(|v| !v.is_empty() && seen.insert(v.clone()))
        .collect()
}

fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort_by_cached_key(|v| v.to_lowercase());
    values.dedup();
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_start_after_whitespace_outside_quotes() {
        assert_eq!(term_start("sev>=high acc"), 10);
        assert_eq!(term_start("account:\"my acc"), 0);
        assert_eq!(term_start(""), 0);
        assert_eq!(term_start("x\u{3000}y"), 4);
    }

    #[test]
    fn values_that_start_with_the_text_come_first() {
        let values = vec!["web-prod".to_string(), "prod-web".into(), "sandbox".into()];
        assert_eq!(matching(values, "PROD"), ["prod-web", "web-prod"]);
        assert_eq!(matching(vec!["my account".into()], ""), ["\"my account\""]);
    }
}
