//! Case-insensitive wildcard patterns: `*` any run of characters, `?` one character.
//!
//! Hand-written rather than a glob crate because filter patterns are not paths (`/` is an
//! ordinary character in `Recon:EC2/PortProbe*`) and matching must not allocate: a filter runs
//! over every finding on every keystroke.

/// A compiled pattern, matched ignoring case.
#[derive(Clone, Debug)]
pub struct Glob {
    /// The pattern lowercased, as typed.
    pattern: Box<str>,
    /// As typed, case kept (for rules sent to AWS, which compare case).
    original: Box<str>,
    has_wildcards: bool,
    /// Substring searcher for patterns without wildcards, built once.
    finder: Box<memchr::memmem::Finder<'static>>,
}

impl PartialEq for Glob {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern
    }
}

impl Eq for Glob {}

impl Glob {
    pub fn new(typed: &str) -> Self {
        let pattern = typed.to_lowercase();
        let has_wildcards = pattern.contains(['*', '?']);
        let finder = Box::new(memchr::memmem::Finder::new(pattern.as_bytes()).into_owned());
        Self {
            pattern: pattern.into(),
            original: typed.into(),
            has_wildcards,
            finder,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// The pattern as typed.
    pub fn original(&self) -> &str {
        &self.original
    }

    pub fn has_wildcards(&self) -> bool {
        self.has_wildcards
    }

    /// The whole of `text` matches the pattern.
    pub fn matches(&self, text: &str) -> bool {
        if !text.is_ascii() {
            // Rare (AWS identifiers are ASCII); fold the whole text once.
            let lower = text.to_lowercase();
            return wildcard_match(self.pattern.as_bytes(), lower.as_bytes(), false);
        }
        if self.has_wildcards {
            wildcard_match(self.pattern.as_bytes(), text.as_bytes(), false)
        } else {
            text.as_bytes()
                .eq_ignore_ascii_case(self.pattern.as_bytes())
        }
    }

    /// The pattern matches somewhere inside `lowercase_text` (already lowercased).
    pub fn found_in(&self, lowercase_text: &str) -> bool {
        if self.has_wildcards {
            wildcard_match(self.pattern.as_bytes(), lowercase_text.as_bytes(), true)
        } else {
            self.finder.find(lowercase_text.as_bytes()).is_some()
        }
    }
}

/// Iterative wildcard match with single-star backtracking: O(pattern × text) at worst, never
/// exponential. `?` consumes one UTF-8 character. With `substring`, the pattern is matched as if
/// surrounded by stars.
fn wildcard_match(pattern: &[u8], text: &[u8], substring: bool) -> bool {
    let extra = usize::from(substring);
    let len = pattern.len() + 2 * extra;
    let at = |i: usize| {
        if substring && (i == 0 || i == len - 1) {
            b'*'
        } else {
            pattern[i - extra]
        }
    };
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let c = (p < len).then(|| at(p));
        match c {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(b'?') => {
                p += 1;
                t += utf8_len(text[t]);
            }
            Some(c) if c.eq_ignore_ascii_case(&text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    let next = st + utf8_len(text[st]);
                    star = Some((sp, next));
                    p = sp + 1;
                    t = next;
                }
                None => return false,
            },
        }
    }
    (p..len).all(|i| at(i) == b'*')
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_matches() {
        assert!(Glob::new("Recon*").matches("Recon:EC2/PortProbeUnprotectedPort"));
        assert!(Glob::new("recon:ec2/*port").matches("Recon:EC2/PortProbeUnprotectedPort"));
        assert!(!Glob::new("Recon*").matches("UnauthorizedAccess:EC2/Recon"));
        assert!(Glob::new("prod-*").matches("PROD-payments"));
        assert!(Glob::new("us-?ast-1").matches("us-east-1"));
        assert!(Glob::new("*").matches(""));
        assert!(!Glob::new("a?").matches("a"));
        assert!(Glob::new("exact").matches("EXACT"));
        assert!(!Glob::new("exact").matches("exactly"));
        assert!(Glob::new("ünï").matches("ÜNÏ"));
        assert!(Glob::new("?b").matches("éb"));
    }

    #[test]
    fn substring_matches() {
        assert!(Glob::new("bucket").found_in("public bucket policy"));
        assert!(Glob::new("pub*pol").found_in("a public bucket policy"));
        assert!(!Glob::new("pol*pub").found_in("a public bucket policy"));
        assert!(Glob::new("b?cket").found_in("the bucket"));
        assert!(Glob::new("**").found_in("anything"));
    }

    #[test]
    fn pathological_patterns_stay_fast() {
        let text = "a".repeat(10_000);
        let pattern = Glob::new(&format!("{}b", "*a".repeat(50)));
        assert!(!pattern.matches(&text));
        assert!(!pattern.found_in(&text));
    }
}
