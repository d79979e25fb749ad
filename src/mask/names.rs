//! Names that no pattern recognizes (an account's name, a user, a bucket, a queried domain),
//! learned from the fields that hold them and then found wherever they occur in text.
//!
//! A name is found on word boundaries: text is cut into runs of letters and digits, and every
//! span of up to as many runs as the longest name is looked up, longest first. That costs a few
//! hash lookups per word, needs nothing rebuilt when a name is learned mid-frame, and never
//! finds `bob` inside `bobcat`.

use std::collections::HashMap;
use std::ops::Range;

use super::pseudonym::{Class, VOCABULARY, is_pseudonym};

/// Names too common to be anyone's: masking them would garble every sentence and reveal
/// nothing.
const NOT_NAMES: [&str; 10] = [
    "root",
    "aws",
    "amazon",
    "default",
    "unknown",
    "none",
    "null",
    "true",
    "false",
    "anonymous",
];

/// Product phrases a learned name must not be found inside (`Security` is an OU, `Security
/// Hub` is a product).
const PRODUCTS: [&str; 8] = [
    "security hub",
    "guardduty",
    "cloudtrail",
    "cloudwatch",
    "access analyzer",
    "systems manager",
    "firewall manager",
    "inspector",
];

#[derive(Debug, Default)]
pub struct Names {
    /// ASCII-lowercased name → what it is.
    by_name: HashMap<Box<str>, Class>,
    /// Runs of letters and digits in the longest name.
    longest: usize,
}

impl Names {
    /// Learns `value` as a name of this kind; returns the name as kept (its ends trimmed of
    /// punctuation), or None when it is too short, a number, a common word or a pseudonym.
    pub fn learn<'v>(&mut self, class: Class, value: &'v str) -> Option<&'v str> {
        let name = value.trim_matches(|c: char| !c.is_alphanumeric());
        let lower = name.to_ascii_lowercase();
        if name.chars().count() < 3
            || name.chars().all(|c| c.is_ascii_digit())
            || NOT_NAMES.contains(&lower.as_str())
            || VOCABULARY.contains(&lower.as_str())
            || is_pseudonym(name)
            // A service principal (`ec2.amazonaws.com`) is AWS's, not anyone's.
            || lower.ends_with(".amazonaws.com")
            || lower.ends_with(".amazon.com")
        {
            return None;
        }
        self.longest = self.longest.max(runs(name).len());
        self.by_name.entry(lower.into_boxed_str()).or_insert(class);
        Some(name)
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The learned names in `text`, in order and not overlapping (the longest at each place).
    pub fn find(&self, text: &str) -> Vec<(Range<usize>, Class)> {
        let mut found = Vec::new();
        if self.by_name.is_empty() {
            return found;
        }
        let lower = text.to_ascii_lowercase();
        let runs = runs(text);
        let protected = protected(&lower);
        let mut i = 0;
        while i < runs.len() {
            let last = (i + self.longest).min(runs.len());
            let hit = (i..last).rev().find_map(|j| {
                let span = runs[i].start..runs[j].end;
                let class = self.by_name.get(&lower[span.clone()])?;
                let inside_product = protected
                    .iter()
                    .any(|p| p.start < span.end && span.start < p.end);
                (!inside_product).then_some((j, span, *class))
            });
            match hit {
                Some((j, span, class)) => {
                    found.push((span, class));
                    i = j + 1;
                }
                None => i += 1,
            }
        }
        found
    }
}

/// Byte ranges of the runs of letters and digits in `text`.
fn runs(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..text.len());
    }
    out
}

fn protected(lower: &str) -> Vec<Range<usize>> {
    PRODUCTS
        .iter()
        .flat_map(|p| lower.match_indices(p).map(|(i, m)| i..i + m.len()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(pairs: &[(Class, &str)]) -> Names {
        let mut n = Names::default();
        for (class, value) in pairs {
            n.learn(*class, value);
        }
        n
    }

    fn found<'t>(n: &Names, text: &'t str) -> Vec<&'t str> {
        n.find(text).into_iter().map(|(r, _)| &text[r]).collect()
    }

    #[test]
    fn names_are_found_on_word_boundaries_longest_first() {
        let n = names(&[
            (Class::Account, "prod-web"),
            (Class::User, "bob"),
            (Class::User, "carol-session"),
            (Class::User, "carol"),
        ]);
        assert_eq!(
            found(&n, "bob and bobcat in prod-web-logs; Carol-Session, carol."),
            ["bob", "prod-web", "Carol-Session", "carol"]
        );
    }

    #[test]
    fn common_words_numbers_short_values_and_pseudonyms_are_not_learned() {
        let mut n = Names::default();
        for value in ["root", "ab", "1234", "user", "acct-C", "  ", "AWS"] {
            assert_eq!(n.learn(Class::User, value), None, "{value}");
        }
        assert!(n.is_empty());
        assert_eq!(n.learn(Class::User, "'alice'"), Some("alice"));
    }

    #[test]
    fn a_name_inside_a_product_phrase_is_left_alone() {
        let n = names(&[(Class::Ou, "Security")]);
        assert_eq!(
            found(&n, "Security Hub flagged the Security account"),
            ["Security"]
        );
        assert_eq!(n.find("Security Hub flagged")[..], []);
    }
}
