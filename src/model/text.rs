//! Text that is safe to put on a terminal.
//!
//! Everything picket shows comes from outside: finding titles, tags, user agents, log lines, file
//! names. Any of it can carry escape sequences that would move the cursor, rewrite the window
//! title, or set the clipboard, and bidi overrides that make text read differently from what it
//! is. [`SafeText`] can only be built through the sanitizer, so a field of that type cannot drive
//! the terminal; control characters stay *visible* (as control pictures or U+FFFD) so an analyst
//! sees that a field was tampered with instead of having the evidence silently dropped.

use std::borrow::Cow;
use std::fmt;

use unicode_width::UnicodeWidthChar;

use serde::{Serialize, Serializer};

/// Longest single-line field kept for display (characters); longer values end in `…`.
pub const MAX_LINE_CHARS: usize = crate::limits::LINE_CHARS;
/// Longest multi-line field kept for display (characters).
pub const MAX_BLOCK_CHARS: usize = crate::limits::BLOCK_CHARS;

/// A string with every terminal-controlling character neutralized and its length bounded.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SafeText(Box<str>);

impl SafeText {
    /// A single-line field: newlines become `␤`, tabs spaces, other controls visible pictures.
    pub fn line(raw: &str) -> Self {
        Self(neutralize(raw, Shape::Line, MAX_LINE_CHARS).into())
    }

    /// A multi-line field (descriptions, notes): newlines kept, everything else as [`Self::line`].
    pub fn block(raw: &str) -> Self {
        Self(neutralize(raw, Shape::Block, MAX_BLOCK_CHARS).into())
    }

    pub fn empty() -> Self {
        Self::default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::ops::Deref for SafeText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SafeText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SafeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SafeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for SafeText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Line,
    Block,
}

/// Sanitizes one line of text for display, bounded to `max_chars`. For strings that are not
/// stored (a line of pretty-printed JSON, a log message cut for a row).
pub fn clean_line(raw: &str, max_chars: usize) -> Cow<'_, str> {
    neutralize(raw, Shape::Line, max_chars)
}

/// True for every character that must never reach the terminal as itself: controls (C0, DEL,
/// C1), and the format characters that change how text reads without showing themselves.
pub fn is_dangerous(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// Unicode's format characters (general category Cf) and the line and paragraph separators:
/// bidirectional overrides and isolates (Trojan Source, CVE-2021-42574), zero-width spaces and
/// joiners, the soft hyphen, the word joiner and invisible operators, the byte-order mark, tag
/// characters (which can smuggle a hidden ASCII message). None of them prints anything; each
/// can make a value read as something it is not, so picket shows them instead.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

fn neutralize(raw: &str, shape: Shape, max_chars: usize) -> Cow<'_, str> {
    // Most of what AWS sends is short printable ASCII: one pass over the bytes says so.
    if raw.len() <= max_chars && raw.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Cow::Borrowed(raw);
    }
    let needs_work = raw.chars().take(max_chars + 1).count() > max_chars
        || raw
            .chars()
            .any(|c| is_dangerous(c) && !(shape == Shape::Block && c == '\n'));
    if !needs_work {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len().min(max_chars * 4) + 4);
    let mut chars = raw.chars().peekable();
    let mut written = 0usize;
    while let Some(c) = chars.next() {
        if written >= max_chars {
            out.push('…');
            break;
        }
        match c {
            '\n' if shape == Shape::Block => out.push('\n'),
            '\r' if shape == Shape::Block && chars.peek() == Some(&'\n') => continue,
            '\n' => out.push('␤'),
            '\t' => out.push(' '),
            // C0 controls and DEL as their Unicode control pictures (ESC shows as ␛).
            '\u{0}'..='\u{1F}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}')),
            '\u{7F}' => out.push('␡'),
            c if is_dangerous(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
        written += 1;
    }
    Cow::Owned(out)
}

/// JSON text with every dangerous character inside its strings written as a `\\u` escape:
/// the same JSON to a parser, inert on a terminal or in a clipboard. serde_json escapes C0
/// controls itself but writes DEL, C1 controls and format characters as they are. Outside
/// strings JSON holds only ASCII punctuation and whitespace, so escaping wherever such a
/// character appears is escaping inside strings.
pub fn json_inert(json: &str) -> Cow<'_, str> {
    if !json
        .chars()
        .any(|c| is_dangerous(c) && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        // A raw newline, return or tab in JSON text is whitespace between tokens (inside
        // strings serde_json escapes them): it stays.
        if is_dangerous(c) && !matches!(c, '\n' | '\r' | '\t') {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A spreadsheet cell that cannot run as a formula: a value starting with `=`, `+`, `-`, `@`,
/// tab or carriage return gets a leading `'` (the OWASP rule for CSV injection). Then quoted
/// when it needs it (RFC 4180).
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if !formula && !text.contains([',', '"', '\n', '\r']) {
        return Cow::Borrowed(text);
    }
    let body = text.replace('"', "\"\"");
    Cow::Owned(if formula {
        format!("\"'{body}\"")
    } else {
        format!("\"{body}\"")
    })
}

/// Cuts `s` to at most `width` terminal columns, ending in `…` when cut. Whatever reaches a cell
/// through here is also sanitized, so a value that skipped the model's sanitizer still cannot
/// drive the terminal.
pub fn fit(s: &str, width: usize) -> Cow<'_, str> {
    if width == 0 {
        return Cow::Borrowed("");
    }
    if s.chars().any(is_dangerous) {
        let clean = clean_line(s, s.len());
        return Cow::Owned(fit(&clean, width).into_owned());
    }
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            let mut out = String::with_capacity(i + 3);
            let mut keep = 0;
            let mut kept_width = 0;
            for (j, c) in s.char_indices() {
                let w = c.width().unwrap_or(0);
                if kept_width + w > width - 1 {
                    break;
                }
                kept_width += w;
                keep = j + c.len_utf8();
            }
            out.push_str(&s[..keep]);
            out.push('…');
            return Cow::Owned(out);
        }
        used += w;
    }
    Cow::Borrowed(s)
}

/// `s` cut to `width` columns in its middle (`Unauth…SSHBruteForce`): what tells similar values
/// apart is often at their end, as in finding types. A third of the room keeps the start.
pub fn fit_middle(s: &str, width: usize) -> Cow<'_, str> {
    if s.chars().any(is_dangerous) {
        let clean = clean_line(s, s.len());
        return Cow::Owned(fit_middle(&clean, width).into_owned());
    }
    if self::width(s) <= width {
        return Cow::Borrowed(s);
    }
    if width < 5 {
        return fit(s, width);
    }
    let head_room = (width - 1) / 3;
    let tail_room = width - 1 - head_room;
    let mut out = take_width(s.chars(), head_room);
    out.push('…');
    let tail: String = take_width(s.chars().rev(), tail_room)
        .chars()
        .rev()
        .collect();
    out.push_str(&tail);
    Cow::Owned(out)
}

/// `s` cut to `width` columns at its start (`…/AdminRole/carol-ops`): for ids and ARNs, whose
/// end names the thing.
pub fn fit_tail(s: &str, width: usize) -> Cow<'_, str> {
    if s.chars().any(is_dangerous) {
        let clean = clean_line(s, s.len());
        return Cow::Owned(fit_tail(&clean, width).into_owned());
    }
    if self::width(s) <= width || width < 2 {
        return fit(s, width);
    }
    let tail: String = take_width(s.chars().rev(), width - 1)
        .chars()
        .rev()
        .collect();
    Cow::Owned(format!("…{tail}"))
}

/// The characters of `chars`, in their order, while they fit in `room` columns.
fn take_width(chars: impl Iterator<Item = char>, room: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for c in chars {
        let w = c.width().unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    out
}

/// Display width of `s` in columns.
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// The readable tail of a resource id: `i-0abc` from an instance ARN, the bucket from an S3 ARN,
/// the function from a Lambda ARN, `account` for Security Hub's account-level resource.
pub fn short_resource(id: &str) -> &str {
    if id.starts_with("AWS::::Account:") {
        return "account";
    }
    if !id.starts_with("arn:") {
        return id;
    }
    let resource = id.splitn(6, ':').nth(5).unwrap_or(id);
    if id.starts_with("arn:aws:s3:::") {
        return resource.split('/').next().unwrap_or(resource);
    }
    resource
        .rsplit(['/', ':'])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn middle_and_tail_cuts_keep_what_tells_values_apart() {
        assert_eq!(
            fit_middle("UnauthorizedAccess:EC2/SSHBruteForce", 20),
            "Unauth…SSHBruteForce"
        );
        assert_eq!(
            fit_middle("UnauthorizedAccess:EC2/RDPBruteForce", 20),
            "Unauth…RDPBruteForce"
        );
        assert_eq!(fit_middle("Recon:EC2/Portscan", 20), "Recon:EC2/Portscan");
        assert_eq!(
            fit_tail("role/AdminRole/carol-ops-admin", 26),
            "…AdminRole/carol-ops-admin"
        );
        for w in 0..40 {
            let cut = fit_middle("AttackSequence:S3/CompromisedData", w);
            assert!(width(&cut) <= w, "{w}: {cut}");
            let cut = fit_tail("AdminRole/carol-ops-admin-break-glass", w);
            assert!(width(&cut) <= w, "{w}: {cut}");
        }
        assert_eq!(fit_middle("危険な型の名前です長いもの", 9), "危…いもの");
    }

    #[test]
    fn json_keeps_its_meaning_and_loses_its_controls() {
        let value = serde_json::json!({"t": "a\u{9b}31m\u{202e}b\u{7f}\u{E0041}\u{200b}"});
        let text = serde_json::to_string(&value).expect("json");
        assert!(
            text.chars().any(is_dangerous),
            "serde_json writes them as they are"
        );
        let inert = json_inert(&text);
        assert!(!inert.chars().any(is_dangerous));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&inert).expect("still json"),
            value
        );
        assert!(matches!(json_inert("{\"a\":\"b\"}"), Cow::Borrowed(_)));
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        for formula in ["+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_cell(formula).starts_with("\"'"), "{formula}");
        }
    }

    #[test]
    fn escape_sequences_become_visible_pictures() {
        let t = SafeText::line("ok\x1b[2J\x1b]0;pwned\x07");
        assert_eq!(t.as_str(), "ok␛[2J␛]0;pwned␇");
        assert!(!t.chars().any(is_dangerous));
    }

    #[test]
    fn bidi_overrides_and_c1_are_replaced() {
        let t = SafeText::line("invoice\u{202E}fdp.exe\u{9b}31m");
        assert_eq!(t.as_str(), "invoice\u{FFFD}fdp.exe\u{FFFD}31m");
    }

    #[test]
    fn lines_fold_newlines_but_blocks_keep_them() {
        assert_eq!(SafeText::line("a\nb\tc").as_str(), "a␤b c");
        assert_eq!(SafeText::block("a\r\nb\rc").as_str(), "a\nb␍c");
    }

    #[test]
    fn long_fields_are_bounded() {
        let long = "x".repeat(MAX_LINE_CHARS * 3);
        let t = SafeText::line(&long);
        assert_eq!(t.chars().count(), MAX_LINE_CHARS + 1);
        assert!(t.ends_with('…'));
    }

    #[test]
    fn invisible_format_characters_become_visible() {
        for hidden in [
            '\u{200B}',
            '\u{200D}',
            '\u{00AD}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{E0041}',
            '\u{2028}',
            '\u{2066}',
            '\u{0085}',
            '\u{7F}',
        ] {
            let t = SafeText::line(&format!("admin{hidden}istrator"));
            assert!(!t.chars().any(is_dangerous), "{:?}", hidden);
            assert_ne!(t.as_str(), "administrator", "{:?} stays visible", hidden);
        }
    }

    #[test]
    fn clean_text_is_borrowed_unchanged() {
        assert!(matches!(
            clean_line("plain ünïcode 漢字", 100),
            Cow::Borrowed(_)
        ));
    }
}
