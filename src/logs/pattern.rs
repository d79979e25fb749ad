//! CloudWatch Logs filter patterns, evaluated locally, so one pattern filters the same way
//! server-side (`filterPattern`) and in picket (the logs buffer, files, the demo).
//!
//! ```text
//! pattern  = ""                                   every event
//!          | terms                                ERROR ?WARN -DEBUG "exact phrase" %regex%
//!          | "{" expr "}"                         JSON: { $.a = "x" && ($.b NOT EXISTS || $.c != 1) }
//!          | "[" field { "," field } "]"          space-delimited: [ip, user, ..., status = 4*, bytes > 100]
//! expr     = and { "||" and }     and = unary { "&&" unary }     unary = "(" expr ")" | test
//! test     = selector op value | selector "IS" ("NULL" | "TRUE" | "FALSE") | selector "NOT" "EXISTS"
//! selector = "$" { "." name | "[" index "]" | "[*]" }
//! op       = "=" | "!=" | "<" | "<=" | ">" | ">="
//! value    = "quoted" | number | bare | %regex%   (* is a wildcard in strings)
//! ```
//!
//! Matching is case-sensitive, as in CloudWatch Logs. Plain terms must all appear, `?` terms
//! are alternatives of which one must appear, `-` terms must not appear; a term is found
//! anywhere in the message. A selector that meets an array without an index tries every element.
//! A test on a field that is absent is false (except `NOT EXISTS`). Syntax picket does not know
//! is refused with the column and what was expected, never matched loosely.

use std::fmt;

use aho_corasick::AhoCorasick;
use regex::Regex;

use crate::model::json::Node;
use crate::query::Cmp;

/// Deepest nesting of `( )` in a JSON pattern. The parser and the matcher recurse once per
/// level; CloudWatch Logs patterns are at most 1,024 characters and real ones nest two or three.
pub const MAX_NESTING: usize = 32;
/// Most steps in one selector (`$.a.b[0].c`): the matcher recurses once per step.
pub const MAX_SELECTOR_STEPS: usize = 64;
/// `%regex%` terms in one pattern: the CloudWatch Logs quota, which AWS enforces too.
pub const MAX_REGEXES: usize = 2;
/// Largest compiled regex (the regex crate's default is 10 MiB): `%\w{1000}%` is refused with a
/// message instead of taking a noticeable time and memory to build on every keystroke.
const MAX_REGEX_BYTES: usize = 1 << 20;

/// A parsed pattern, ready to match messages.
#[derive(Clone, Debug)]
pub struct Pattern {
    text: String,
    kind: Kind,
    /// For JSON patterns: strings one of which every matching message contains, checked in one
    /// pass before the message is parsed (most CloudTrail records fail here, cheaply).
    prefilter: Option<AhoCorasick>,
}

#[derive(Clone, Debug)]
enum Kind {
    All,
    Terms(Terms),
    Json(Expr),
    Delimited(Vec<Field>),
}

#[derive(Clone, Debug, Default)]
struct Terms {
    all: Vec<Term>,
    any: Vec<Term>,
    none: Vec<Term>,
}

#[derive(Clone, Debug)]
enum Term {
    Text(Box<memchr::memmem::Finder<'static>>),
    Regex(Regex),
}

impl Term {
    fn found_in(&self, message: &str) -> bool {
        match self {
            Term::Text(finder) => finder.find(message.as_bytes()).is_some(),
            Term::Regex(regex) => regex.is_match(message),
        }
    }
}

#[derive(Clone, Debug)]
enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Test(Selector, Test),
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    Every,
}

type Selector = Vec<Step>;

#[derive(Clone, Debug)]
enum Test {
    Compare(Cmp, Value),
    IsNull,
    IsTrue,
    IsFalse,
    NotExists,
}

#[derive(Clone, Debug)]
enum Value {
    Text(String),
    Number(f64),
    Regex(Regex),
}

/// One column of a space-delimited pattern.
#[derive(Clone, Debug)]
enum Field {
    /// `...`: any number of columns.
    Ellipsis,
    /// A named column and the conditions on it (`status_code = 4* || status_code = 5*`).
    Named { conditions: Vec<Vec<(Cmp, Value)>> },
}

/// Where a pattern went wrong, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    /// Byte offset in the pattern.
    pub at: usize,
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at column {})", self.message, self.at + 1)
    }
}

impl std::error::Error for PatternError {}

impl Pattern {
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        let kind = parse::kind(text)?;
        let prefilter = match &kind {
            // One pass over the record, whatever the number of literals.
            Kind::Json(expr) => required_literals(expr)
                .filter(|l| !l.is_empty())
                .and_then(|literals| AhoCorasick::new(literals).ok()),
            _ => None,
        };
        Ok(Pattern {
            text: text.to_string(),
            kind,
            prefilter,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Text a matching message contains, to point at in it (a term, or a value a JSON pattern
    /// requires); `None` when the pattern names no such text.
    pub fn highlight(&self) -> Option<String> {
        match &self.kind {
            Kind::Terms(terms) => terms.all.iter().chain(&terms.any).find_map(|t| match t {
                Term::Text(finder) => std::str::from_utf8(finder.needle())
                    .ok()
                    .map(str::to_string),
                Term::Regex(_) => None,
            }),
            Kind::Json(expr) => required_literals(expr).and_then(|l| l.into_iter().next()),
            _ => None,
        }
        .filter(|t| !t.is_empty())
    }

    /// Whether the pattern selects every event (the empty pattern).
    pub fn is_all(&self) -> bool {
        matches!(self.kind, Kind::All)
    }

    pub fn matches(&self, message: &str) -> bool {
        self.matches_parsed(message, &mut Parsed::default())
    }

    /// Like [`Self::matches`], sharing the message's JSON parse with other patterns checked on
    /// the same message (the detections parse a record once, not fifteen times).
    pub fn matches_parsed<'m>(&self, message: &'m str, parsed: &mut Parsed<'m>) -> bool {
        match &self.kind {
            Kind::All => true,
            Kind::Terms(terms) => {
                terms.all.iter().all(|t| t.found_in(message))
                    && (terms.any.is_empty() || terms.any.iter().any(|t| t.found_in(message)))
                    && !terms.none.iter().any(|t| t.found_in(message))
            }
            Kind::Json(expr) => {
                if let Some(prefilter) = &self.prefilter
                    && !prefilter.is_match(message)
                {
                    return false;
                }
                parsed
                    .root
                    .get_or_insert_with(|| Node::parse(message).ok())
                    .as_ref()
                    .is_some_and(|root| evaluate(expr, root))
            }
            Kind::Delimited(fields) => {
                let columns = columns(message);
                delimited(fields, &columns)
            }
        }
    }
}

/// A message's JSON, parsed at most once across the patterns checked on it.
#[derive(Default)]
pub struct Parsed<'m> {
    root: Option<Option<Node<'m>>>,
}

/// Strings of which a matching message must contain one, if the expression says so.
fn required_literals(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::Test(selector, Test::Compare(Cmp::Eq, Value::Text(text))) => {
            // The longest run without a wildcard, as it appears in JSON text (no escapes).
            let run = text.split('*').max_by_key(|s| s.len())?;
            let plain = run
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " .:_-/@".contains(c));
            let key = match selector.last() {
                Some(Step::Key(key)) => Some(key),
                _ => None,
            };
            (plain && run.len() >= 3 && key.is_some()).then(|| vec![run.to_string()])
        }
        Expr::Or(any) => {
            let mut all = Vec::new();
            for e in any {
                all.extend(required_literals(e)?);
            }
            Some(all)
        }
        // Any one conjunct's requirement holds for the whole; take the most specific.
        Expr::And(all) => all
            .iter()
            .filter_map(required_literals)
            .min_by_key(|literals| literals.len()),
        Expr::Test(..) => None,
    }
}

fn evaluate(expr: &Expr, root: &Node) -> bool {
    match expr {
        Expr::Or(any) => any.iter().any(|e| evaluate(e, root)),
        Expr::And(all) => all.iter().all(|e| evaluate(e, root)),
        Expr::Test(selector, Test::NotExists) => {
            let mut found = false;
            select(root, selector, &mut |_| {
                found = true;
                true
            });
            !found
        }
        Expr::Test(selector, test) => {
            let mut hit = false;
            select(root, selector, &mut |node| {
                hit = holds(test, node);
                hit
            });
            hit
        }
    }
}

/// Calls `visit` on every node the selector reaches, until it answers true.
fn select<'n>(node: &'n Node, steps: &[Step], visit: &mut dyn FnMut(&'n Node) -> bool) -> bool {
    let Some((step, rest)) = steps.split_first() else {
        return visit(node);
    };
    match (step, node) {
        (Step::Key(key), Node::Object(fields)) => fields
            .iter()
            .find(|(k, _)| k == key)
            .is_some_and(|(_, v)| select(v, rest, visit)),
        // A field of an array: of any of its elements.
        (Step::Key(_), Node::Array(items)) => items.iter().any(|item| select(item, steps, visit)),
        (Step::Index(i), Node::Array(items)) => {
            items.get(*i).is_some_and(|item| select(item, rest, visit))
        }
        (Step::Every, Node::Array(items)) => items.iter().any(|item| select(item, rest, visit)),
        _ => false,
    }
}

fn holds(test: &Test, node: &Node) -> bool {
    match test {
        Test::IsNull => matches!(node, Node::Null),
        Test::IsTrue => matches!(node, Node::Bool(true)),
        Test::IsFalse => matches!(node, Node::Bool(false)),
        Test::NotExists => false,
        Test::Compare(op, value) => {
            let number = match node {
                Node::Integer(i) => Some(*i as f64),
                Node::Float(f) => Some(*f),
                _ => None,
            };
            let text: Option<std::borrow::Cow<str>> = match node {
                Node::String(s) => Some(std::borrow::Cow::Borrowed(s.as_ref())),
                Node::Bool(b) => Some(b.to_string().into()),
                Node::Integer(i) => Some(i.to_string().into()),
                Node::Float(f) => Some(f.to_string().into()),
                _ => None,
            };
            compare(*op, value, number, text.as_deref())
        }
    }
}

/// A comparison on a value that may be a number and may have a text form.
fn compare(op: Cmp, value: &Value, number: Option<f64>, text: Option<&str>) -> bool {
    match value {
        Value::Number(n) => number.is_some_and(|x| op.holds(x, *n)),
        Value::Text(pattern) => text.is_some_and(|t| (op == Cmp::Eq) == wildcard(pattern, t)),
        Value::Regex(regex) => text.is_some_and(|t| (op == Cmp::Eq) == regex.is_match(t)),
    }
}

/// Case-sensitive match where `*` stands for any run of characters.
fn wildcard(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == text;
    }
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (n, part) in parts.iter().enumerate() {
        if n + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// The message split into columns on spaces; text in "quotes" or [brackets] is one column.
fn columns(message: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = message.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let (close, skip) = match bytes[i] {
            b'"' => (Some(b'"'), 1),
            b'[' => (Some(b']'), 1),
            _ => (None, 0),
        };
        let start = i + skip;
        let end = match close {
            Some(c) => memchr::memchr(c, &bytes[start..]).map_or(bytes.len(), |j| start + j),
            None => bytes[start..]
                .iter()
                .position(u8::is_ascii_whitespace)
                .map_or(bytes.len(), |j| start + j),
        };
        out.push(&message[start..end]);
        i = end + skip;
    }
    out
}

/// Whether the columns match the fields in order, `...` taking any number of columns. Walks
/// the fields once, keeping every column position the fields so far can end at; trying each
/// split recursively instead is exponential in the number of `...`, and recursion per field
/// could exhaust the stack. Without `...` only one position is ever kept.
fn delimited(fields: &[Field], columns: &[&str]) -> bool {
    // Ascending positions k: the fields so far can consume exactly the first k columns.
    let mut reachable = vec![0];
    for field in fields {
        match field {
            Field::Ellipsis => {
                let first = reachable[0];
                reachable = (first..=columns.len()).collect();
            }
            Field::Named { conditions } => {
                reachable.retain(|&k| {
                    columns
                        .get(k)
                        .is_some_and(|column| column_matches(conditions, column))
                });
                reachable.iter_mut().for_each(|k| *k += 1);
            }
        }
        if reachable.is_empty() {
            return false;
        }
    }
    reachable.last() == Some(&columns.len())
}

fn column_matches(conditions: &[Vec<(Cmp, Value)>], column: &str) -> bool {
    if conditions.is_empty() {
        return true;
    }
    let number = column.parse::<f64>().ok();
    conditions.iter().any(|all| {
        all.iter()
            .all(|(op, value)| compare(*op, value, number, Some(column)))
    })
}

mod parse;
#[cfg(test)]
mod tests;
