//! Identifiers that have a shape, found in any text: ARNs (their account and IAM and bucket
//! names), e-mail addresses, host names, IPv4 and IPv6 addresses, access key ids and
//! twelve-digit account ids.

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::names::Names;
use super::pseudonym::{Class, Pseudonyms, is_pseudonym};

/// One alternation, tried in this order where two start at the same place.
static IDENTIFIER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?P<url>\bhttps?://[^\s<>",
        "\"'`",
        r"]+)|",
        // The account part admits a stand-in (`acct-C`), so a masked ARN reads as one again.
        r"(?P<arn>\barn:aws[a-z-]*:[A-Za-z0-9-]*:[a-z0-9-]*:[A-Za-z0-9-]*:[^\s",
        "\"'<>,;\\]\\)\\}`",
        r"]+)",
        r"|(?P<email>\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b)",
        r"|(?P<ec2host>\b(?:ip|ec2)-[0-9]{1,3}-[0-9]{1,3}-[0-9]{1,3}-[0-9]{1,3}(?:\.[A-Za-z0-9-]+)*)",
        r"|(?P<host>\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b)",
        r"|(?P<ipv4>\b[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\b)",
        r"|(?P<ipv6>(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}\b)",
        r"|(?P<key>\b(?:AKIA|ASIA|AIDA|AROA|AIPA|ANPA|ANVA|AGPA|ACCA)[A-Z0-9]{12,20}\b)",
        r"|(?P<account>\b[0-9]{12}\b)",
    ))
    .ok()
});

/// Only the numbers: what is left to mask inside a host name kept as it is.
static NUMBERS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\b[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\b|\b[0-9]{12}\b").ok()
});

/// Top-level domains a name must end in to be taken for a host (a finding type such as
/// `…Exfiltration.OutsideAWS` or a file name must not be).
const TLDS: [&str; 44] = [
    "com", "net", "org", "io", "info", "biz", "co", "me", "us", "uk", "de", "fr", "ru", "cn", "jp",
    "in", "br", "au", "nl", "xyz", "top", "site", "online", "club", "app", "dev", "cloud", "tech",
    "ai", "ly", "to", "cc", "tk", "pw", "su", "ir", "kp", "internal", "local", "lan", "corp",
    "home", "onion", "arpa",
];

/// Masks every identifier with a shape in `text`, learning the names they carry (a role's
/// name in an ARN is masked wherever it appears next).
pub fn mask<'t>(text: &'t str, given: &mut Pseudonyms, names: &mut Names) -> Cow<'t, str> {
    let Some(re) = IDENTIFIER.as_ref() else {
        return Cow::Borrowed(text);
    };
    let mut out = String::new();
    let mut at = 0;
    for caps in re.captures_iter(text) {
        let Some(whole) = caps.get(0) else {
            continue;
        };
        // An IPv6 candidate inside a longer token (`1::AKIA…`, `x1::2`) is no address.
        if caps.name("ipv6").is_some() {
            let glued = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == ':');
            if glued(text[..whole.start()].chars().next_back())
                || glued(text[whole.end()..].chars().next())
            {
                continue;
            }
        }
        out.push_str(&text[at..whole.start()]);
        out.push_str(&replace(&caps, given, names));
        at = whole.end();
    }
    if at == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

fn replace(caps: &Captures, given: &mut Pseudonyms, names: &mut Names) -> String {
    let whole = caps.get(0).map(|m| m.as_str()).unwrap_or("");
    if caps.name("url").is_some() {
        return url(whole, given, names);
    }
    if caps.name("arn").is_some() {
        return arn(whole, given, names);
    }
    if caps.name("email").is_some() {
        if whole.to_ascii_lowercase().ends_with("@example.com") {
            return whole.into();
        }
        return given.of(Class::Email, whole).into();
    }
    if caps.name("ec2host").is_some() {
        return given.of(Class::Host, whole).into();
    }
    if caps.name("host").is_some() {
        return host(whole, given, names);
    }
    if caps.name("ipv4").is_some() {
        return match whole.parse::<Ipv4Addr>() {
            Ok(ip) if !given.is_ours(whole) && !ip.is_unspecified() => {
                given.of(Class::Ipv4, whole).into()
            }
            _ => whole.into(),
        };
    }
    if caps.name("ipv6").is_some() {
        return match whole.parse::<Ipv6Addr>() {
            Ok(ip) if !given.is_ours(whole) && !ip.is_unspecified() && !ip.is_loopback() => {
                given.of(Class::Ipv6, whole).into()
            }
            _ => whole.into(),
        };
    }
    if caps.name("key").is_some() {
        return given.of(Class::AccessKey, whole).into();
    }
    if caps.name("account").is_some() {
        return given.of(Class::Account, whole).into();
    }
    whole.into()
}

/// A URL, decoded and masked: an identifier percent-encoded (once, or twice as the consoles'
/// fragments are) is still found. The link no longer works, as none does with stand-ins.
fn url(whole: &str, given: &mut Pseudonyms, names: &mut Names) -> String {
    let (scheme, rest) = whole.split_once("://").unwrap_or(("", whole));
    let mut decoded = rest.to_string();
    for _ in 0..3 {
        let once = percent_encoding::percent_decode_str(&decoded)
            .decode_utf8_lossy()
            .into_owned();
        if once == decoded {
            break;
        }
        decoded = once;
    }
    // What decoding brought out must not end the string or escape it is printed in (a JSON
    // line, a Markdown link), nor reach a terminal.
    decoded.retain(|c| !matches!(c, '\\' | '"' | '<' | '>' | '`') && !c.is_control());
    format!("{scheme}://{}", mask(&decoded, given, names))
}

/// `arn:partition:service:region:account:resource` with the account masked, and the names an
/// IAM, STS or S3 resource carries.
fn arn(whole: &str, given: &mut Pseudonyms, names: &mut Names) -> String {
    let parts: Vec<&str> = whole.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts[..] else {
        return whole.into();
    };
    let account = if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        given.of(Class::Account, account).to_string()
    } else {
        account.to_string()
    };
    let resource = match service {
        "iam" | "sts" => iam_resource(resource, given, names),
        "s3" if account.is_empty() => s3_resource(resource, given, names),
        // Anything else an ARN's resource holds (an address, another ARN) is masked as text;
        // it is shorter than the ARN, so this ends.
        _ => mask(resource, given, names).into_owned(),
    };
    format!("{arn}:{partition}:{service}:{region}:{account}:{resource}")
}

/// `user/path/carol` → `user/path/user-A`; `assumed-role/Admin/carol` → `assumed-role/role-A/user-B`.
fn iam_resource(resource: &str, given: &mut Pseudonyms, names: &mut Names) -> String {
    let mut parts: Vec<String> = resource.split('/').map(str::to_string).collect();
    let last = parts.len() - 1;
    let mut name = |class: Class, part: &mut String| {
        if !is_pseudonym(part) && !part.is_empty() {
            names.learn(class, part);
            *part = given.of(class, part).to_string();
        }
    };
    let named: &[usize] = match parts[0].as_str() {
        "user" | "federated-user" if last > 0 => {
            name(Class::User, &mut parts[last]);
            &[last]
        }
        "role" if last > 0 => {
            name(Class::Role, &mut parts[last]);
            &[last]
        }
        "assumed-role" if last >= 2 => {
            name(Class::User, &mut parts[last]);
            name(Class::Role, &mut parts[last - 1]);
            &[last - 1, last]
        }
        "assumed-role" if last == 1 => {
            name(Class::Role, &mut parts[1]);
            &[1]
        }
        _ => &[],
    };
    // The path and anything else: masked as text (a path can hold an id, or another ARN).
    for (i, part) in parts.iter_mut().enumerate() {
        if i > 0 && !named.contains(&i) {
            *part = mask(part, given, names).into_owned();
        }
    }
    parts.join("/")
}

/// `bucket/key` → `bucket-a/…`: the bucket masked, the object's key not shown.
fn s3_resource(resource: &str, given: &mut Pseudonyms, names: &mut Names) -> String {
    let (bucket, key) = resource
        .split_once('/')
        .map_or((resource, None), |(b, k)| (b, Some(k)));
    let bucket = if is_pseudonym(bucket) || bucket.is_empty() {
        bucket.to_string()
    } else {
        names.learn(Class::Bucket, bucket);
        given.of(Class::Bucket, bucket).to_string()
    };
    match key {
        Some(k) if !k.is_empty() && k != "*" && k != "…" => format!("{bucket}/…"),
        Some(k) => format!("{bucket}/{k}"),
        None => bucket,
    }
}

/// A host name: masked when it ends in a public or private top-level domain; AWS's own
/// endpoints are kept, but a bucket's virtual host (`bucket.s3.amazonaws.com`) is not, nor the
/// addresses and account ids inside them.
fn host(whole: &str, given: &mut Pseudonyms, names: &mut Names) -> String {
    let aws = [".amazonaws.com", ".amazonaws.com.cn", ".amazon.com", ".aws"]
        .iter()
        .any(|suffix| whole.ends_with(suffix))
        || whole == "amazonaws.com"
        || whole == "amazon.com";
    if aws {
        let bucket = whole
            .find(".s3.")
            .or_else(|| whole.find(".s3-"))
            .map(|i| &whole[..i]);
        return match bucket {
            Some(bucket) if !bucket.is_empty() && !is_pseudonym(bucket) => {
                names.learn(Class::Bucket, bucket);
                let rest = &whole[bucket.len()..];
                format!("{}{rest}", given.of(Class::Bucket, bucket))
            }
            _ => numbers(whole, given).into_owned(),
        };
    }
    let tld = whole.rsplit('.').next().unwrap_or("");
    if TLDS.contains(&tld) {
        return given.of(Class::Host, whole).into();
    }
    numbers(whole, given).into_owned()
}

/// Addresses and account ids inside a span kept otherwise as it is.
fn numbers<'t>(text: &'t str, given: &mut Pseudonyms) -> Cow<'t, str> {
    let Some(re) = NUMBERS.as_ref() else {
        return Cow::Borrowed(text);
    };
    re.replace_all(text, |caps: &Captures| {
        let whole = caps.get(0).map(|m| m.as_str()).unwrap_or("");
        match whole.parse::<Ipv4Addr>() {
            Ok(_) if given.is_ours(whole) => whole.to_string(),
            Ok(_) => given.of(Class::Ipv4, whole).to_string(),
            Err(_) if whole.len() == 12 => given.of(Class::Account, whole).to_string(),
            Err(_) => whole.to_string(),
        }
    })
}
