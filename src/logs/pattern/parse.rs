//! The parser of filter patterns: text in, the pattern's [`Kind`] or an error with the column
//! and what was expected. Bounded: nesting, selector steps and regexes each have a limit.

use regex::{Regex, RegexBuilder};

use super::*;

/// The kind of pattern `text` is, parsed.
pub(super) fn kind(text: &str) -> Result<Kind, PatternError> {
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
    Ok(kind)
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
