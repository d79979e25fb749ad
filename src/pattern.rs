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
use regex::{Regex, RegexBuilder};

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
        let trimmed = text.trim();
        let offset = text.len() - text.trim_start().len();
        let mut parser = Parser {
            text,
            at: offset,
            end: offset + trimmed.len(),
            depth: 0,
            regexes: 0,
        };
        let kind = if trimmed.is_empty() {
            Kind::All
        } else if trimmed.starts_with('{') {
            parser.at += 1;
            let expr = parser.expr()?;
            parser.skip_spaces();
            parser.expect("}")?;
            parser.finish()?;
            Kind::Json(expr)
        } else if trimmed.starts_with('[') {
            parser.at += 1;
            let fields = parser.fields()?;
            parser.finish()?;
            Kind::Delimited(fields)
        } else {
            Kind::Terms(parser.terms()?)
        };
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

struct Parser<'a> {
    text: &'a str,
    at: usize,
    end: usize,
    /// Parentheses open at this point.
    depth: usize,
    /// `%regex%` terms so far.
    regexes: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..self.end]
    }

    /// An error here; the message may quote the pattern, so it is made safe to print.
    fn error<T>(&self, message: impl Into<String>) -> Result<T, PatternError> {
        let message = message.into();
        Err(PatternError {
            at: self.at,
            message: crate::model::text::clean_line(&message, 300).into_owned(),
        })
    }

    fn skip_spaces(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_spaces();
        if self.rest().starts_with(token) {
            self.at += token.len();
            true
        } else {
            false
        }
    }

    /// A keyword: the word, followed by something that cannot continue it.
    fn eat_word(&mut self, word: &str) -> bool {
        self.skip_spaces();
        // Past the word only when it is there: the byte after a shorter prefix may be inside a
        // character (`Ié`).
        let ends_word = self.rest().strip_prefix(word).is_some_and(|after| {
            after
                .chars()
                .next()
                .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_')
        });
        if ends_word {
            self.at += word.len();
        }
        ends_word
    }

    fn expect(&mut self, token: &str) -> Result<(), PatternError> {
        if self.eat(token) {
            Ok(())
        } else {
            let found = self
                .rest()
                .chars()
                .next()
                .map_or("the end".to_string(), |c| format!("'{c}'"));
            self.error(format!("expected '{token}', found {found}"))
        }
    }

    fn finish(&mut self) -> Result<(), PatternError> {
        self.skip_spaces();
        if self.at < self.end {
            return self.error("unexpected text after the pattern's end");
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, PatternError> {
        let mut any = vec![self.and()?];
        while self.eat("||") {
            any.push(self.and()?);
        }
        Ok(if any.len() == 1 {
            any.remove(0)
        } else {
            Expr::Or(any)
        })
    }

    fn and(&mut self) -> Result<Expr, PatternError> {
        let mut all = vec![self.unary()?];
        while self.eat("&&") {
            all.push(self.unary()?);
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Expr::And(all)
        })
    }

    fn unary(&mut self) -> Result<Expr, PatternError> {
        if self.eat("(") {
            if self.depth == MAX_NESTING {
                self.at -= 1;
                return self.error(format!(
                    "parentheses nest more than {MAX_NESTING} deep; simplify the pattern"
                ));
            }
            self.depth += 1;
            let inner = self.expr()?;
            self.expect(")")?;
            self.depth -= 1;
            return Ok(inner);
        }
        self.skip_spaces();
        if !self.rest().starts_with('$') {
            return self.error("expected a selector ($.field) or '('");
        }
        let selector = self.selector()?;
        if self.eat_word("IS") {
            return if self.eat_word("NULL") {
                Ok(Expr::Test(selector, Test::IsNull))
            } else if self.eat_word("TRUE") {
                Ok(Expr::Test(selector, Test::IsTrue))
            } else if self.eat_word("FALSE") {
                Ok(Expr::Test(selector, Test::IsFalse))
            } else {
                self.error("expected NULL, TRUE or FALSE after IS")
            };
        }
        if self.eat_word("NOT") {
            return if self.eat_word("EXISTS") {
                Ok(Expr::Test(selector, Test::NotExists))
            } else {
                self.error("expected EXISTS after NOT")
            };
        }
        let op = self.op()?;
        let value = self.value(op, &['&', '|', ')', '}'])?;
        Ok(Expr::Test(selector, Test::Compare(op, value)))
    }

    fn selector(&mut self) -> Result<Selector, PatternError> {
        self.at += 1; // '$'
        let mut steps = Vec::new();
        loop {
            let rest = self.rest();
            if steps.len() == MAX_SELECTOR_STEPS && rest.starts_with(['.', '[']) {
                return self.error(format!("a selector has at most {MAX_SELECTOR_STEPS} steps"));
            }
            if let Some(after) = rest.strip_prefix('.') {
                let len = after
                    .find(|c: char| !(c.is_alphanumeric() || "_-@:".contains(c)))
                    .unwrap_or(after.len());
                if len == 0 {
                    self.at += 1;
                    return self.error("expected a field name after '.'");
                }
                steps.push(Step::Key(after[..len].to_string()));
                self.at += 1 + len;
            } else if let Some(after) = rest.strip_prefix('[') {
                let close = after.find(']').map(|i| i + 1);
                let Some(close) = close else {
                    return self.error("expected ']' closing the array index");
                };
                let inside = &after[..close - 1];
                if inside == "*" {
                    steps.push(Step::Every);
                } else if let Ok(index) = inside.parse::<usize>() {
                    steps.push(Step::Index(index));
                } else {
                    self.at += 1;
                    return self.error("expected an array index (a number or *)");
                }
                self.at += 1 + close;
            } else {
                break;
            }
        }
        if steps.is_empty() {
            return self.error("expected '.field' or '[index]' after '$'");
        }
        Ok(steps)
    }

    fn op(&mut self) -> Result<Cmp, PatternError> {
        self.skip_spaces();
        for (token, op) in [
            ("!=", Cmp::Ne),
            ("<=", Cmp::Le),
            (">=", Cmp::Ge),
            ("=", Cmp::Eq),
            ("<", Cmp::Lt),
            (">", Cmp::Gt),
        ] {
            if self.eat(token) {
                return Ok(op);
            }
        }
        self.error("expected an operator (=, !=, <, <=, >, >=), IS or NOT EXISTS")
    }

    /// A value after an operator; `stops` end a bare value.
    fn value(&mut self, op: Cmp, stops: &[char]) -> Result<Value, PatternError> {
        self.skip_spaces();
        let start = self.at;
        let rest = self.rest();
        let value = if let Some(after) = rest.strip_prefix('"') {
            let Some(close) = after.find('"') else {
                return self.error("unclosed quote");
            };
            self.at += close + 2;
            Value::Text(after[..close].to_string())
        } else if rest.starts_with('%') {
            Value::Regex(self.regex()?)
        } else {
            let len = rest
                .find(|c: char| c.is_whitespace() || stops.contains(&c))
                .unwrap_or(rest.len());
            if len == 0 {
                return self.error("expected a value");
            }
            let bare = &rest[..len];
            self.at += len;
            match bare.parse::<f64>() {
                Ok(n) if n.is_finite() => Value::Number(n),
                _ => Value::Text(bare.to_string()),
            }
        };
        if matches!(op, Cmp::Lt | Cmp::Le | Cmp::Gt | Cmp::Ge) && !matches!(value, Value::Number(_))
        {
            self.at = start;
            return self.error("<, <=, > and >= compare numbers");
        }
        Ok(value)
    }

    /// `%regex%`, as CloudWatch Logs allows it (no groups, two to a pattern).
    fn regex(&mut self) -> Result<Regex, PatternError> {
        let after = &self.rest()[1..];
        let Some(close) = after.find('%') else {
            return self.error("unclosed %regex%");
        };
        let body = &after[..close];
        if body.contains(['(', ')']) {
            return self.error("CloudWatch Logs regexes have no ( ) groups");
        }
        if self.regexes == MAX_REGEXES {
            return self.error(format!(
                "CloudWatch Logs allows at most {MAX_REGEXES} %regex% in a pattern"
            ));
        }
        let regex = match RegexBuilder::new(body).size_limit(MAX_REGEX_BYTES).build() {
            Ok(regex) => regex,
            Err(e) => return self.error(format!("bad regex: {e}")),
        };
        self.regexes += 1;
        self.at += close + 2;
        Ok(regex)
    }

    fn terms(&mut self) -> Result<Terms, PatternError> {
        let mut terms = Terms::default();
        loop {
            self.skip_spaces();
            if self.at >= self.end {
                break;
            }
            let rest = self.rest();
            let (list, skip) = match rest.as_bytes()[0] {
                b'?' => (&mut terms.any, 1),
                b'-' if rest.len() > 1 => (&mut terms.none, 1),
                _ => (&mut terms.all, 0),
            };
            self.at += skip;
            let rest = self.rest();
            let term = if let Some(after) = rest.strip_prefix('"') {
                let Some(close) = after.find('"') else {
                    return self.error("unclosed quote");
                };
                self.at += close + 2;
                Term::Text(Box::new(
                    memchr::memmem::Finder::new(&after.as_bytes()[..close]).into_owned(),
                ))
            } else if rest.starts_with('%') {
                Term::Regex(self.regex()?)
            } else {
                let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
                let word = &rest[..len];
                if word.starts_with(['{', '[']) || word.contains(['"', '{', '}']) {
                    return self.error("a term with quotes or braces must be quoted as a whole; a JSON pattern starts with {");
                }
                self.at += len;
                Term::Text(Box::new(
                    memchr::memmem::Finder::new(word.as_bytes()).into_owned(),
                ))
            };
            list.push(term);
        }
        Ok(terms)
    }

    fn fields(&mut self) -> Result<Vec<Field>, PatternError> {
        let mut fields = Vec::new();
        loop {
            self.skip_spaces();
            if self.eat("...") {
                fields.push(Field::Ellipsis);
            } else {
                let rest = self.rest();
                let len = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
                    .unwrap_or(rest.len());
                if len == 0 {
                    return self.error("expected a field name or ...");
                }
                let name = rest[..len].to_string();
                self.at += len;
                let mut conditions: Vec<Vec<(Cmp, Value)>> = Vec::new();
                self.skip_spaces();
                if !self.rest().is_empty() && !self.rest().starts_with([',', ']']) {
                    // name op value { (&& | ||) [name] op value }
                    let mut all = vec![self.delimited_condition()?];
                    loop {
                        if self.eat("&&") {
                            self.eat_word(&name);
                            all.push(self.delimited_condition()?);
                        } else if self.eat("||") {
                            self.eat_word(&name);
                            conditions.push(std::mem::take(&mut all));
                            all.push(self.delimited_condition()?);
                        } else {
                            break;
                        }
                    }
                    conditions.push(all);
                }
                fields.push(Field::Named { conditions });
            }
            if self.eat(",") {
                continue;
            }
            self.expect("]")?;
            return Ok(fields);
        }
    }

    fn delimited_condition(&mut self) -> Result<(Cmp, Value), PatternError> {
        let op = self.op()?;
        let value = self.value(op, &[',', ']', '&', '|'])?;
        Ok((op, value))
    }
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

#[cfg(test)]
mod tests;
