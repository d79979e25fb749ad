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

    /// The pattern matches somewhere inside `text`, case ignored, without lowercasing it: an
    /// ASCII pattern compares ASCII letters either way (other bytes never equal them); a pattern
    /// with other letters folds the text first.
    pub fn found_in_text(&self, text: &str) -> bool {
        if !self.pattern.is_ascii() && !text.is_ascii() {
            return self.found_in(&text.to_lowercase());
        }
        if self.has_wildcards {
            return wildcard_match(self.pattern.as_bytes(), text.as_bytes(), true);
        }
        find_ignoring_ascii_case(self.pattern.as_bytes(), text.as_bytes())
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

/// Whether lowercase `needle` occurs in `hay`, ASCII case ignored. Candidates are found with
/// SIMD on the needle's least common byte, in either case, and checked in place.
fn find_ignoring_ascii_case(needle: &[u8], hay: &[u8]) -> bool {
    let Some(anchor) = (0..needle.len()).min_by_key(|&i| commonness(needle[i])) else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
    }
    let byte = needle[anchor];
    let (lower, upper) = (byte, byte.to_ascii_uppercase());
    // The anchor can sit only where the whole needle still fits around it.
    let window = &hay[anchor..hay.len() - (needle.len() - 1 - anchor)];
    memchr::memchr2_iter(lower, upper, window)
        .any(|at| hay[at..at + needle.len()].eq_ignore_ascii_case(needle))
}

/// How often a byte appears in AWS text (lower is rarer): letters by English frequency, digits
/// and punctuation common in ids and ARNs.
fn commonness(byte: u8) -> u8 {
    const LETTERS: &[u8; 26] = b"etaoinsrhldcumfpgwybvkxjqz";
    match byte {
        b'a'..=b'z' => 40 - LETTERS.iter().position(|&l| l == byte).unwrap_or(0) as u8,
        b'0'..=b'9' => 45,
        b'-' | b':' | b'/' | b'.' | b' ' | b'_' => 50,
        _ => 0,
    }
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
    fn words_are_found_in_text_of_any_case() {
        let title = "Unusual API call: DeleteTrail by AdminRole/carol-laptop";
        for (word, found) in [
            ("deletetrail", true),
            ("DELETETRAIL", true),
            ("admin*carol", true),
            ("carol-laptop", true),
            ("carol-laptops", false),
            ("", true),
            ("zzz", false),
        ] {
            assert_eq!(Glob::new(word).found_in_text(title), found, "{word}");
        }
        // Letters beyond ASCII fold both ways.
        assert!(Glob::new("ÜNÏCODE").found_in_text("an ünïcode title"));
        assert!(Glob::new("title").found_in_text("AN ÜNÏCODE TITLE"));
        assert!(!Glob::new("longer than the text").found_in_text("short"));
    }

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
