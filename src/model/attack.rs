//! MITRE ATT&CK tactics (Enterprise), as findings state them or their types imply: GuardDuty's
//! threat purpose (the finding type's prefix, `CredentialAccess:IAMUser/…`) and an attack
//! sequence's `ATTACK_TACTIC` indicators, ASFF `Types` under `TTPs/<tactic>/…`, OCSF
//! `attacks[].tactic` (kept as such `TTPs/` types by the mapper), and picket's own detections
//! (mapped by hand). A finding's tactics are a small set ([`Tactics`]) the queue filters on.

use std::fmt;

/// The fourteen Enterprise tactics, in the matrix's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tactic {
    Reconnaissance,
    ResourceDevelopment,
    InitialAccess,
    Execution,
    Persistence,
    PrivilegeEscalation,
    DefenseEvasion,
    CredentialAccess,
    Discovery,
    LateralMovement,
    Collection,
    CommandAndControl,
    Exfiltration,
    Impact,
}

impl Tactic {
    pub const ALL: [Tactic; 14] = [
        Tactic::Reconnaissance,
        Tactic::ResourceDevelopment,
        Tactic::InitialAccess,
        Tactic::Execution,
        Tactic::Persistence,
        Tactic::PrivilegeEscalation,
        Tactic::DefenseEvasion,
        Tactic::CredentialAccess,
        Tactic::Discovery,
        Tactic::LateralMovement,
        Tactic::Collection,
        Tactic::CommandAndControl,
        Tactic::Exfiltration,
        Tactic::Impact,
    ];

    /// As ATT&CK names it: `Credential Access`.
    pub fn name(self) -> &'static str {
        match self {
            Tactic::Reconnaissance => "Reconnaissance",
            Tactic::ResourceDevelopment => "Resource Development",
            Tactic::InitialAccess => "Initial Access",
            Tactic::Execution => "Execution",
            Tactic::Persistence => "Persistence",
            Tactic::PrivilegeEscalation => "Privilege Escalation",
            Tactic::DefenseEvasion => "Defense Evasion",
            Tactic::CredentialAccess => "Credential Access",
            Tactic::Discovery => "Discovery",
            Tactic::LateralMovement => "Lateral Movement",
            Tactic::Collection => "Collection",
            Tactic::CommandAndControl => "Command and Control",
            Tactic::Exfiltration => "Exfiltration",
            Tactic::Impact => "Impact",
        }
    }

    /// ATT&CK's id: `TA0006`.
    pub fn id(self) -> &'static str {
        match self {
            Tactic::Reconnaissance => "TA0043",
            Tactic::ResourceDevelopment => "TA0042",
            Tactic::InitialAccess => "TA0001",
            Tactic::Execution => "TA0002",
            Tactic::Persistence => "TA0003",
            Tactic::PrivilegeEscalation => "TA0004",
            Tactic::DefenseEvasion => "TA0005",
            Tactic::CredentialAccess => "TA0006",
            Tactic::Discovery => "TA0007",
            Tactic::LateralMovement => "TA0008",
            Tactic::Collection => "TA0009",
            Tactic::CommandAndControl => "TA0011",
            Tactic::Exfiltration => "TA0010",
            Tactic::Impact => "TA0040",
        }
    }

    /// For a narrow column.
    pub fn short(self) -> &'static str {
        match self {
            Tactic::Reconnaissance => "Recon",
            Tactic::ResourceDevelopment => "ResourceDev",
            Tactic::InitialAccess => "InitAccess",
            Tactic::Execution => "Execution",
            Tactic::Persistence => "Persistence",
            Tactic::PrivilegeEscalation => "PrivEsc",
            Tactic::DefenseEvasion => "DefEvasion",
            Tactic::CredentialAccess => "CredAccess",
            Tactic::Discovery => "Discovery",
            Tactic::LateralMovement => "LateralMove",
            Tactic::Collection => "Collection",
            Tactic::CommandAndControl => "C2",
            Tactic::Exfiltration => "Exfiltration",
            Tactic::Impact => "Impact",
        }
    }

    /// A tactic by name in any spelling (`Credential Access`, `CredentialAccess`,
    /// `credential-access`), by id (`TA0006`) or by its short form.
    pub fn parse(text: &str) -> Option<Tactic> {
        let key: String = text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        Tactic::ALL.into_iter().find(|t| {
            let squash = |s: &str| -> String {
                s.chars()
                    .filter(|c| c.is_ascii_alphanumeric())
                    .map(|c| c.to_ascii_lowercase())
                    .collect()
            };
            key == squash(t.name()) || key == squash(t.id()) || key == squash(t.short())
        })
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Tactic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of tactics, in the matrix's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Tactics(u16);

impl Tactics {
    pub const NONE: Tactics = Tactics(0);

    pub fn of(tactics: impl IntoIterator<Item = Tactic>) -> Tactics {
        Tactics(tactics.into_iter().fold(0, |bits, t| bits | t.bit()))
    }

    pub fn insert(&mut self, tactic: Tactic) {
        self.0 |= tactic.bit();
    }

    pub fn contains(self, tactic: Tactic) -> bool {
        self.0 & tactic.bit() != 0
    }

    pub fn intersects(self, other: Tactics) -> bool {
        self.0 & other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The tactics in the matrix's order, visiting only the set bits (most findings have none
    /// or one: the overview counts them over every finding).
    pub fn iter(self) -> impl Iterator<Item = Tactic> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let at = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            Tactic::ALL.get(at).copied()
        })
    }

    /// The first in the matrix's order: the column's tactic.
    pub fn first(self) -> Option<Tactic> {
        self.iter().next()
    }

    /// The tactics a finding's types imply.
    pub fn of_types<'a>(types: impl IntoIterator<Item = &'a str>) -> Tactics {
        let mut tactics = Tactics::NONE;
        for t in types {
            if let Some(tactic) = of_type(t) {
                tactics.insert(tactic);
            }
        }
        tactics
    }
}

/// The ASFF type naming `tactic` (`TTPs/Credential Access`), as mappers add them.
pub fn ttp_type(tactic: Tactic) -> String {
    format!("TTPs/{}", tactic.name())
}

/// Adds to `types` the `TTPs/<tactic>` type of each tactic named in `names` (an attack
/// sequence's `ATTACK_TACTIC` values, OCSF `attacks[].tactic`) that no type states yet.
pub fn add_tactic_types<'a>(
    types: &mut Vec<super::SafeText>,
    names: impl IntoIterator<Item = &'a str>,
) {
    for tactic in names.into_iter().filter_map(Tactic::parse) {
        let have = Tactics::of_types(types.iter().map(|t| t.as_str()));
        if !have.contains(tactic) {
            types.push(super::SafeText::line(&ttp_type(tactic)));
        }
    }
}

/// The tactic one type implies: an ASFF `TTPs/<tactic>[/…]` type, or a GuardDuty finding
/// type by its threat purpose (and, for the purposes ATT&CK splits, its family).
pub fn of_type(kind: &str) -> Option<Tactic> {
    if let Some(rest) = kind.strip_prefix("TTPs/") {
        let category = rest.split('/').next().unwrap_or(rest);
        return Tactic::parse(category);
    }
    let (purpose, rest) = kind.split_once(':')?;
    let family = rest.split('/').nth(1).unwrap_or("");
    Some(match purpose {
        "Recon" => Tactic::Reconnaissance,
        "InitialAccess" => Tactic::InitialAccess,
        "Execution" => Tactic::Execution,
        "Persistence" => Tactic::Persistence,
        "PrivilegeEscalation" => Tactic::PrivilegeEscalation,
        // GuardDuty's stealth findings hide activity: ATT&CK's defense evasion.
        "DefenseEvasion" | "Stealth" => Tactic::DefenseEvasion,
        "CredentialAccess" => Tactic::CredentialAccess,
        "Discovery" => Tactic::Discovery,
        "Exfiltration" => Tactic::Exfiltration,
        // Mining is resource hijacking (T1496), an impact.
        "Impact" | "CryptoCurrency" | "Cryptocurrency" => Tactic::Impact,
        // Backdoors and trojans talk to their controllers.
        "Backdoor" | "Trojan" => Tactic::CommandAndControl,
        "UnauthorizedAccess" => {
            if family.starts_with("InstanceCredentialExfiltration") || family.contains("BruteForce")
            {
                Tactic::CredentialAccess
            } else {
                Tactic::InitialAccess
            }
        }
        // Policy, Behavior, PenTest and attack sequences name no one tactic (a sequence's
        // are its indicators').
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_imply_tactics() {
        for (kind, tactic) in [
            (
                "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
                Some(Tactic::CredentialAccess),
            ),
            (
                "UnauthorizedAccess:EC2/SSHBruteForce",
                Some(Tactic::CredentialAccess),
            ),
            (
                "UnauthorizedAccess:EC2/TorIPCaller",
                Some(Tactic::InitialAccess),
            ),
            (
                "Recon:EC2/PortProbeUnprotectedPort",
                Some(Tactic::Reconnaissance),
            ),
            (
                "Backdoor:EC2/C&CActivity.B",
                Some(Tactic::CommandAndControl),
            ),
            ("CryptoCurrency:EC2/BitcoinTool.B!DNS", Some(Tactic::Impact)),
            (
                "Stealth:IAMUser/CloudTrailLoggingDisabled",
                Some(Tactic::DefenseEvasion),
            ),
            ("Policy:IAMUser/RootCredentialUsage", None),
            ("AttackSequence:IAM/CompromisedCredentials", None),
            (
                "TTPs/Initial Access/UnauthorizedAccess:EC2-TorIPCaller",
                Some(Tactic::InitialAccess),
            ),
            ("TTPs/Command and Control", Some(Tactic::CommandAndControl)),
            (
                "Software and Configuration Checks/Vulnerabilities/CVE",
                None,
            ),
            ("Effects/Data Exposure", None),
        ] {
            assert_eq!(of_type(kind), tactic, "{kind}");
        }
    }

    #[test]
    fn names_parse_in_any_spelling() {
        for text in [
            "Credential Access",
            "CredentialAccess",
            "credential-access",
            "TA0006",
            "credaccess",
        ] {
            assert_eq!(
                Tactic::parse(text),
                Some(Tactic::CredentialAccess),
                "{text}"
            );
        }
        assert_eq!(Tactic::parse("c2"), Some(Tactic::CommandAndControl));
        assert_eq!(Tactic::parse("lunch"), None);
        let set = Tactics::of([Tactic::Impact, Tactic::Discovery]);
        assert_eq!(set.first(), Some(Tactic::Discovery));
        assert_eq!(set.iter().count(), 2);
    }
}
