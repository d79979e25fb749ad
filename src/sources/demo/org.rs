//! The simulated organization: accounts in OUs, the regions each uses, and the pools of actors
//! (users, keys, instances, buckets, remote hosts) that findings and the CloudTrail stream share,
//! so the activity behind a finding can be found in the trail.

use crate::model::{Account, SafeText};

pub struct DemoAccount {
    pub id: &'static str,
    pub name: &'static str,
    pub ou: &'static str,
    pub regions: &'static [&'static str],
}

/// Fixed ids (not seeded): the same organization in every demo, only its events differ.
pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        id: "402936185713",
        name: "security-tooling",
        ou: "Security",
        regions: &["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"],
    },
    DemoAccount {
        id: "518273649105",
        name: "log-archive",
        ou: "Security",
        regions: &["us-east-1", "eu-west-1"],
    },
    DemoAccount {
        id: "730418265937",
        name: "prod-payments",
        ou: "Workloads/Production",
        regions: &["us-east-1", "eu-west-1"],
    },
    DemoAccount {
        id: "731592046818",
        name: "prod-web",
        ou: "Workloads/Production",
        regions: &["us-east-1", "us-west-2", "eu-west-1"],
    },
    DemoAccount {
        id: "736204918375",
        name: "prod-data",
        ou: "Workloads/Production",
        regions: &["us-east-1", "ap-southeast-2"],
    },
    DemoAccount {
        id: "845190372661",
        name: "staging-web",
        ou: "Workloads/Staging",
        regions: &["us-east-1", "us-west-2"],
    },
    DemoAccount {
        id: "913847502264",
        name: "sandbox-alice",
        ou: "Sandbox",
        regions: &["us-west-2"],
    },
    DemoAccount {
        id: "917365028413",
        name: "sandbox-ml",
        ou: "Sandbox",
        regions: &["us-east-1", "ap-southeast-2"],
    },
    DemoAccount {
        id: "620571934850",
        name: "shared-network",
        ou: "Infrastructure",
        regions: &["us-east-1", "eu-west-1"],
    },
];

pub const REGIONS: &[&str] = &["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"];

/// (account name, region) where GuardDuty is switched off: no GuardDuty findings there, and a
/// "not enabled" health entry.
pub const GUARDDUTY_OFF: (&str, &str) = ("sandbox-ml", "ap-southeast-2");
/// The account whose audit role lacks Security Hub read access.
pub const SECURITY_HUB_DENIED: &str = "sandbox-alice";
/// Whether the account runs the CIS benchmark in Security Hub (the sandboxes do not).
pub fn runs_cis(account: &DemoAccount) -> bool {
    account.ou != "Sandbox"
}

/// Whether the account runs PCI DSS (only the payments account).
pub fn runs_pci(account: &DemoAccount) -> bool {
    account.name == "prod-payments"
}

/// The account whose GuardDuty answers are throttled one minute in five.
pub const THROTTLED: &str = "prod-data";

/// A remote host findings and the trail name: documentation address ranges, made-up places.
pub struct RemoteHost {
    pub ip: &'static str,
    pub country_code: &'static str,
    pub country: &'static str,
    pub city: &'static str,
    pub asn: &'static str,
    pub asn_org: &'static str,
    pub isp: &'static str,
    pub tor: bool,
}

pub const HOSTILE_HOSTS: &[RemoteHost] = &[
    RemoteHost {
        ip: "198.51.100.23",
        country_code: "RU",
        country: "Russia",
        city: "Moscow",
        asn: "64500",
        asn_org: "Example Bulletproof Hosting",
        isp: "BPH Networks",
        tor: false,
    },
    RemoteHost {
        ip: "203.0.113.77",
        country_code: "CN",
        country: "China",
        city: "Shenzhen",
        asn: "64501",
        asn_org: "Example Cloud Asia",
        isp: "ECA Telecom",
        tor: false,
    },
    RemoteHost {
        ip: "192.0.2.181",
        country_code: "NL",
        country: "Netherlands",
        city: "Amsterdam",
        asn: "64502",
        asn_org: "Onion Relay Collective",
        isp: "Relay Hosting BV",
        tor: true,
    },
    RemoteHost {
        ip: "198.51.100.140",
        country_code: "BR",
        country: "Brazil",
        city: "São Paulo",
        asn: "64503",
        asn_org: "Example Datacenter LATAM",
        isp: "DC Latam",
        tor: false,
    },
    RemoteHost {
        ip: "203.0.113.9",
        country_code: "RO",
        country: "Romania",
        city: "Bucharest",
        asn: "64504",
        asn_org: "Carpathian VPS",
        isp: "Carpathian VPS SRL",
        tor: false,
    },
    RemoteHost {
        ip: "192.0.2.66",
        country_code: "DE",
        country: "Germany",
        city: "Frankfurt am Main",
        asn: "64505",
        asn_org: "Exit Node Foundation",
        isp: "ENF eV",
        tor: true,
    },
    RemoteHost {
        ip: "198.51.100.201",
        country_code: "NG",
        country: "Nigeria",
        city: "Lagos",
        asn: "64506",
        asn_org: "Example West Africa Net",
        isp: "EWAN",
        tor: false,
    },
];

/// Addresses the organization's own people and systems call from.
pub const OFFICE_IPS: &[&str] = &["203.0.113.200", "203.0.113.201", "198.51.100.10"];

pub const USERS: &[&str] = &[
    "alice",
    "bob",
    "carol",
    "deploy-bot",
    "ci-runner",
    "data-eng",
];
pub const ROLES: &[&str] = &[
    "OrganizationAccountAccessRole",
    "AdminRole",
    "ReadOnlyAudit",
    "LambdaExecution",
    "EKSNodeRole",
];
pub const INSTANCE_NAMES: &[&str] = &[
    "web-1",
    "web-2",
    "api-1",
    "batch-worker",
    "bastion",
    "jenkins",
    "etl-runner",
    "kafka-0",
];
pub const BUCKET_PURPOSES: &[&str] = &[
    "assets",
    "logs",
    "backups",
    "data-lake",
    "exports",
    "terraform-state",
];
pub const CLUSTERS: &[&str] = &["platform", "checkout", "analytics"];
pub const FUNCTIONS: &[&str] = &[
    "thumbnailer",
    "invoice-mailer",
    "etl-trigger",
    "slack-notifier",
];
pub const DATABASES: &[&str] = &["orders-db", "ledger-db", "users-db"];

/// splitmix64: a fixed mix for identifiers derived from names, stable across runs and seeds.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub fn hash(parts: &[&str]) -> u64 {
    parts.iter().fold(0xCBF2_9CE4_8422_2325, |acc, part| {
        let h = part
            .bytes()
            .fold(acc, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3));
        mix(h ^ 0xFF)
    })
}

const KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// An access key id in AWS's shape: a prefix and 16 base-32 characters.
pub fn access_key(prefix: &str, parts: &[&str]) -> String {
    let mut h = hash(parts);
    let mut key = String::with_capacity(20);
    key.push_str(prefix);
    for _ in 0..16 {
        key.push(char::from(KEY_ALPHABET[(h % 32) as usize]));
        h = mix(h);
    }
    key
}

pub fn hex_id(bits: u64, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut h = bits;
    while out.len() < len {
        out.push_str(&format!("{:016x}", h));
        h = mix(h);
    }
    out.truncate(len);
    out
}

pub fn instance_id(account: &str, name: &str) -> String {
    format!("i-0{}", hex_id(hash(&[account, name]), 16))
}

pub fn bucket_name(account: &DemoAccount, purpose: &str) -> String {
    format!(
        "{}-{purpose}-{}",
        account.name,
        &hex_id(hash(&[account.id, purpose]), 6)
    )
}

pub fn user_key(account: &str, user: &str) -> String {
    access_key("AKIA", &[account, user])
}

pub fn principal_id(prefix: &str, parts: &[&str]) -> String {
    access_key(prefix, parts)
}

/// A UUID-shaped identifier from a number.
pub fn uuid(bits: u64) -> String {
    let h = hex_id(bits, 32);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

pub fn is_production(ou: &str) -> bool {
    ou.to_ascii_lowercase().contains("production")
}

pub fn accounts() -> Vec<Account> {
    ACCOUNTS
        .iter()
        .map(|a| Account {
            id: SafeText::line(a.id),
            name: SafeText::line(a.name),
            ou_path: SafeText::line(a.ou),
            production: is_production(a.ou),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_have_aws_shapes() {
        let key = user_key("402936185713", "alice");
        assert_eq!(key.len(), 20);
        assert!(key.starts_with("AKIA"));
        assert_eq!(key, user_key("402936185713", "alice"), "stable");
        assert_ne!(key, user_key("402936185713", "bob"));
        assert_eq!(instance_id("1", "web-1").len(), 19);
        assert_eq!(uuid(42).len(), 36);
        let ids: std::collections::HashSet<_> = ACCOUNTS.iter().map(|a| a.id).collect();
        assert_eq!(ids.len(), ACCOUNTS.len());
        assert!(
            ACCOUNTS
                .iter()
                .all(|a| a.id.len() == 12 && a.regions.iter().all(|r| REGIONS.contains(r)))
        );
    }
}
