//! Hostile text the demo puts where attackers really control it (instance tags, user agents, a
//! third-party product's finding), so the sanitizer is exercised on every run.

/// Where a generated finding carries hostile text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spot {
    InstanceTag,
    UserAgent,
}

/// Clears the screen, homes the cursor, rewrites the window title.
pub const TAG: &str = "web-1\u{1b}[2J\u{1b}[H\u{1b}]0;pwned\u{7}";

/// A right-to-left override to disguise text, and a C1 control sequence introducer.
pub const USER_AGENT: &str =
    "aws-cli/2.15.30 \u{202e}exe.lmth\u{202c} \u{9b}31mred\u{9b}0m Python/3.11";

/// An OSC 52 clipboard write (`rm -rf ~`), a colour change and a bell in a third-party title.
pub const TITLE: &str =
    "Exposed admin panel \u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}[31mon web tier\u{1b}[0m\u{7}";

/// About 20,000 characters, with escapes sprinkled through.
pub fn long_description() -> String {
    let chunk =
        "The scanner found an administrative interface reachable from the Internet. \u{1b}[5m";
    let mut text = String::with_capacity(20_100);
    while text.chars().count() < 20_000 {
        text.push_str(chunk);
    }
    text
}

/// A resource id of about 3,000 characters.
pub fn long_resource_id() -> String {
    format!("acme://scan/{}", "segment/".repeat(375))
}
