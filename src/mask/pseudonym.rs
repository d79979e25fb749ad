//! Stable stand-ins: the same value always gets the same pseudonym within a session, each kind of
//! value in its own sequence (`acct-A`, `acct-B`…; `192.0.2.1`, `192.0.2.2`…).

use std::collections::HashMap;

/// What a masked value is; each kind has its own shape and sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// An account id or name (an account's id and name share one pseudonym).
    Account,
    Ou,
    /// An IAM user, a role session's name, a federated user, whoever a log names.
    User,
    Role,
    Bucket,
    Host,
    Email,
    AccessKey,
    Ipv4,
    Ipv6,
}

impl Class {
    const ALL: [Class; 10] = [
        Class::Account,
        Class::Ou,
        Class::User,
        Class::Role,
        Class::Bucket,
        Class::Host,
        Class::Email,
        Class::AccessKey,
        Class::Ipv4,
        Class::Ipv6,
    ];

    /// Kinds that share stand-ins: a user and a role may be the same name.
    fn family(self) -> Class {
        match self {
            Class::Role => Class::User,
            other => other,
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// The words pseudonyms are made of: a learned name that is one of them would mask a pseudonym
/// again.
pub const VOCABULARY: [&str; 9] = [
    "acct", "ou", "user", "role", "bucket", "host", "mail", "key", "example",
];

/// Pseudonyms handed out so far, by kind and value (ASCII case folded: `Carol` is `carol`).
#[derive(Debug, Default)]
pub struct Pseudonyms {
    given: HashMap<(Class, Box<str>), Box<str>>,
    /// Every pseudonym handed out: met again in text (masked twice), it stays.
    handed: std::collections::HashSet<Box<str>>,
    next: [u32; Class::ALL.len()],
}

impl Pseudonyms {
    /// The value's pseudonym, handing out the next of its kind the first time it is seen.
    /// Users and roles are one kind of value: a name keeps the stand-in it got first, whether
    /// an ARN names it as a role or a record as a user.
    pub fn of(&mut self, class: Class, value: &str) -> &str {
        let key = (class.family(), value.to_ascii_lowercase().into_boxed_str());
        if !self.given.contains_key(&key) {
            let pseudonym = loop {
                let n = self.next[class.index()];
                self.next[class.index()] += 1;
                let candidate = shape(class, n);
                // Never a stand-in that is some other value's real name (the demo's
                // addresses are documentation addresses too).
                let lower = candidate.to_ascii_lowercase();
                if *lower != *key.1
                    && !self
                        .given
                        .contains_key(&(class.family(), lower.into_boxed_str()))
                {
                    break candidate.into_boxed_str();
                }
            };
            self.handed.insert(pseudonym.clone());
            self.given.insert(key.clone(), pseudonym);
        }
        self.given.get(&key).map(|p| &**p).unwrap_or("")
    }

    /// Gives `value` the pseudonym `other` already has (an account's name, its id's).
    pub fn alias(&mut self, class: Class, value: &str, other: &str) {
        let given = self.of(class, other).to_string();
        self.given.insert(
            (class.family(), value.to_ascii_lowercase().into_boxed_str()),
            given.into_boxed_str(),
        );
    }

    /// Whether `text` is a stand-in handed out this session.
    pub fn is_ours(&self, text: &str) -> bool {
        self.handed.contains(text)
    }
}

/// `A`…`Z`, `AA`…: the n-th letter name (bijective base 26).
pub fn letters(mut n: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn shape(class: Class, n: u32) -> String {
    let l = letters(n);
    match class {
        Class::Account => format!("acct-{l}"),
        Class::Ou => format!("ou-{l}"),
        Class::User => format!("user-{l}"),
        Class::Role => format!("role-{l}"),
        Class::Bucket => format!("bucket-{}", l.to_ascii_lowercase()),
        Class::Host => format!("host-{}.example", l.to_ascii_lowercase()),
        Class::Email => format!("mail-{}@example.com", l.to_ascii_lowercase()),
        Class::AccessKey => format!("AKIAEXAMPLE{l}"),
        Class::Ipv4 => documentation_v4(n),
        Class::Ipv6 => format!("2001:db8::{:x}", n + 1),
    }
}

/// The documentation ranges (RFC 5737) in turn: 192.0.2.1–254, 198.51.100.1–254,
/// 203.0.113.1–254; past those, numbered.
fn documentation_v4(n: u32) -> String {
    const RANGES: [[u8; 3]; 3] = [[192, 0, 2], [198, 51, 100], [203, 0, 113]];
    match RANGES.get((n / 254) as usize) {
        Some([a, b, c]) => format!("{a}.{b}.{c}.{}", n % 254 + 1),
        None => format!("ipv4-{}", n + 1),
    }
}

/// Whether `name` has a pseudonym's shape (`acct-C`, `role-AB`): masking it again would hide
/// which stand-in it is.
pub fn is_pseudonym(name: &str) -> bool {
    let Some((word, letters)) = name.split_once('-') else {
        return false;
    };
    let letters = letters.split('.').next().unwrap_or(letters);
    let letters = letters.split('@').next().unwrap_or(letters);
    VOCABULARY.contains(&word.to_ascii_lowercase().as_str())
        && !letters.is_empty()
        && letters.bytes().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_run_on_past_z() {
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(27), "AB");
        assert_eq!(letters(26 + 26 * 26), "AAA");
    }

    #[test]
    fn a_value_keeps_its_pseudonym_and_each_kind_counts_on_its_own() {
        let mut p = Pseudonyms::default();
        assert_eq!(p.of(Class::Account, "111122223333"), "acct-A");
        assert_eq!(p.of(Class::Account, "444455556666"), "acct-B");
        assert_eq!(p.of(Class::User, "carol"), "user-A");
        assert_eq!(p.of(Class::User, "Carol"), "user-A");
        assert_eq!(p.of(Class::Account, "111122223333"), "acct-A");
        assert_eq!(p.of(Class::Ipv4, "10.0.0.1"), "192.0.2.1");
        p.alias(Class::Account, "prod-web", "444455556666");
        assert_eq!(p.of(Class::Account, "prod-web"), "acct-B");
    }

    #[test]
    fn addresses_come_from_the_documentation_ranges() {
        assert_eq!(documentation_v4(253), "192.0.2.254");
        assert_eq!(documentation_v4(254), "198.51.100.1");
        assert_eq!(documentation_v4(508), "203.0.113.1");
        assert_eq!(documentation_v4(762), "ipv4-763");
    }

    #[test]
    fn pseudonyms_are_recognized() {
        for p in [
            "acct-C",
            "role-AB",
            "host-a.example",
            "mail-b@example.com",
            "bucket-c",
        ] {
            assert!(is_pseudonym(p), "{p}");
        }
        for p in ["prod-web", "acct-1", "user", "carol-session"] {
            assert!(!is_pseudonym(p), "{p}");
        }
    }
}
