//! Themes: TOML files with named sections, five built in (embedded from `themes/`), more in the
//! user's config directory. Colours degrade to what the terminal can show.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::model::SafeText;
use crate::model::SeverityLabel;
use crate::model::health::HealthState;
use crate::model::text::is_dangerous;

/// The built-in themes, embedded so picket works from a bare binary.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../themes/default.toml")),
    ("light", include_str!("../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../themes/high-contrast.toml"),
    ),
    ("colorblind", include_str!("../themes/colorblind.toml")),
    ("mono", include_str!("../themes/mono.toml")),
];

#[derive(Clone, Debug, PartialEq)]
pub struct SeverityStyle {
    pub style: Style,
    /// Shown before the label, so severity reads without colour.
    pub symbol: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JsonStyles {
    pub key: Style,
    pub string: Style,
    pub number: Style,
    pub literal: Style,
    pub punctuation: Style,
    pub search_match: Style,
    pub current_match: Style,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: String,
    pub base: Style,
    pub muted: Style,
    pub accent: Style,
    pub title: Style,
    pub border: Style,
    pub header: Style,
    pub selected: Style,
    pub unseen: Style,
    pub production: Style,
    pub status_bar: Style,
    pub status_mode: Style,
    pub ok: Style,
    pub warning: Style,
    pub error: Style,
    pub tab_active: Style,
    pub tab_inactive: Style,
    pub sparkline: Style,
    pub bar: Style,
    severities: [SeverityStyle; 5],
    pub json: JsonStyles,
}

impl Theme {
    pub fn severity(&self, label: SeverityLabel) -> &SeverityStyle {
        &self.severities[label.rank()]
    }

    /// How a source health state is shown: problems warn, "not enabled" is quiet.
    /// A source's state: what reads nothing until someone acts (denied, failing) in the error
    /// colour, what recovers by itself (throttled, stale) as a warning.
    pub fn health(&self, state: HealthState) -> Style {
        match state {
            HealthState::Ok => self.ok,
            HealthState::NotEnabled => self.muted,
            HealthState::AccessDenied | HealthState::Error => self.error,
            HealthState::Stale | HealthState::Throttled => self.warning,
        }
    }

    /// A built-in theme by name.
    pub fn builtin(name: &str) -> Option<Theme> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        Theme::parse(name, text).ok()
    }

    /// The default dark theme; its file is part of the binary and covered by tests.
    pub fn fallback() -> Theme {
        Theme::builtin("default").unwrap_or_else(Theme::plain)
    }

    /// A theme with no styling at all, used only if an embedded file were broken.
    fn plain() -> Theme {
        let s = Style::default();
        let sev = |symbol: &str| SeverityStyle {
            style: s,
            symbol: symbol.to_string(),
        };
        Theme {
            name: "plain".into(),
            base: s,
            muted: s,
            accent: s,
            title: s,
            border: s,
            header: s,
            selected: s.add_modifier(Modifier::REVERSED),
            unseen: s,
            production: s,
            status_bar: s,
            status_mode: s.add_modifier(Modifier::REVERSED),
            ok: s,
            warning: s,
            error: s,
            tab_active: s.add_modifier(Modifier::REVERSED),
            tab_inactive: s,
            sparkline: s,
            bar: s,
            severities: [sev("!!"), sev("! "), sev("~ "), sev(". "), sev("  ")],
            json: JsonStyles {
                key: s,
                string: s,
                number: s,
                literal: s,
                punctuation: s,
                search_match: s.add_modifier(Modifier::UNDERLINED),
                current_match: s.add_modifier(Modifier::REVERSED),
            },
        }
    }

    /// Parses a theme file. Every section is optional and falls back to the default theme.
    /// Errors quote the file, which can hold anything, so they are made safe to print.
    pub fn parse(name: &str, text: &str) -> Result<Theme, String> {
        Theme::parse_unchecked(name, text).map_err(|e| SafeText::block(&e).to_string())
    }

    fn parse_unchecked(name: &str, text: &str) -> Result<Theme, String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut theme = if name == "default" {
            Theme::plain()
        } else {
            Theme::fallback()
        };
        theme.name = file.name.clone().unwrap_or_else(|| name.to_string());
        if theme.name.chars().any(is_dangerous) {
            return Err("name: control characters are not allowed in a theme's name".into());
        }
        file.apply(&mut theme)?;
        Ok(theme)
    }

    /// Maps every colour to what the terminal can display.
    pub fn adapt(mut self, depth: ColorDepth) -> Theme {
        if depth == ColorDepth::TrueColor {
            return self;
        }
        let fix = |style: &mut Style| {
            style.fg = style.fg.map(|c| depth.convert(c));
            style.bg = style.bg.map(|c| depth.convert(c));
            style.underline_color = style.underline_color.map(|c| depth.convert(c));
        };
        for style in [
            &mut self.base,
            &mut self.muted,
            &mut self.accent,
            &mut self.title,
            &mut self.border,
            &mut self.header,
            &mut self.selected,
            &mut self.unseen,
            &mut self.production,
            &mut self.status_bar,
            &mut self.status_mode,
            &mut self.ok,
            &mut self.warning,
            &mut self.error,
            &mut self.tab_active,
            &mut self.tab_inactive,
            &mut self.sparkline,
            &mut self.bar,
            &mut self.json.key,
            &mut self.json.string,
            &mut self.json.number,
            &mut self.json.literal,
            &mut self.json.punctuation,
            &mut self.json.search_match,
            &mut self.json.current_match,
        ] {
            fix(style);
        }
        for sev in &mut self.severities {
            fix(&mut sev.style);
        }
        self
    }
}

/// How many colours the terminal shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorDepth {
    TrueColor,
    Ansi256,
    Ansi16,
    /// No colour at all (`NO_COLOR`): only modifiers.
    Mono,
}

impl ColorDepth {
    /// From `NO_COLOR`, `COLORTERM` and `TERM`, as terminals advertise themselves.
    pub fn detect(no_color: bool, colorterm: Option<&str>, term: Option<&str>) -> ColorDepth {
        if no_color {
            return ColorDepth::Mono;
        }
        if matches!(colorterm, Some("truecolor" | "24bit")) {
            return ColorDepth::TrueColor;
        }
        match term {
            Some(t) if t.contains("256color") || t.contains("direct") => ColorDepth::Ansi256,
            Some("dumb") => ColorDepth::Mono,
            _ => ColorDepth::Ansi16,
        }
    }

    fn convert(self, color: Color) -> Color {
        match (self, color) {
            (ColorDepth::Mono, _) => Color::Reset,
            (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => Color::Indexed(rgb_to_256(r, g, b)),
            (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => rgb_to_16(r, g, b),
            (ColorDepth::Ansi16, Color::Indexed(i)) if i >= 16 => {
                let (r, g, b) = indexed_to_rgb(i);
                rgb_to_16(r, g, b)
            }
            (_, other) => other,
        }
    }
}

fn rgb_to_256(r: u8, g: u8, b: u8) -> u8 {
    let level = |v: u8| -> u8 {
        if v < 48 {
            0
        } else if v < 115 {
            1
        } else {
            (v - 35) / 40
        }
    };
    let (lr, lg, lb) = (level(r), level(g), level(b));
    let cube = 16 + 36 * lr + 6 * lg + lb;
    // Greys are better served by the 24-step ramp.
    if r.abs_diff(g) < 10 && g.abs_diff(b) < 10 {
        let avg = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
        if avg < 8 {
            return 16;
        }
        if avg > 238 {
            return 231;
        }
        return 232 + ((avg - 8) / 10).min(23) as u8;
    }
    cube
}

fn indexed_to_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        16..=231 => {
            let i = i - 16;
            let c = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (c(i / 36), c((i / 6) % 6), c(i % 6))
        }
        232..=255 => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
        _ => (128, 128, 128),
    }
}

fn rgb_to_16(r: u8, g: u8, b: u8) -> Color {
    const PALETTE: [(Color, (u8, u8, u8)); 16] = [
        (Color::Black, (0, 0, 0)),
        (Color::Red, (205, 0, 0)),
        (Color::Green, (0, 205, 0)),
        (Color::Yellow, (205, 205, 0)),
        (Color::Blue, (0, 0, 238)),
        (Color::Magenta, (205, 0, 205)),
        (Color::Cyan, (0, 205, 205)),
        (Color::Gray, (229, 229, 229)),
        (Color::DarkGray, (127, 127, 127)),
        (Color::LightRed, (255, 0, 0)),
        (Color::LightGreen, (0, 255, 0)),
        (Color::LightYellow, (255, 255, 0)),
        (Color::LightBlue, (92, 92, 255)),
        (Color::LightMagenta, (255, 0, 255)),
        (Color::LightCyan, (0, 255, 255)),
        (Color::White, (255, 255, 255)),
    ];
    let dist = |(pr, pg, pb): (u8, u8, u8)| {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        d(r, pr) + d(g, pg) + d(b, pb)
    };
    PALETTE
        .iter()
        .min_by_key(|(_, rgb)| dist(*rgb))
        .map_or(Color::Reset, |(c, _)| *c)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    bold: Option<bool>,
    dim: Option<bool>,
    italic: Option<bool>,
    underline: Option<bool>,
    reverse: Option<bool>,
    symbol: Option<String>,
}

impl StyleSpec {
    fn style(&self) -> Result<Style, String> {
        let mut style = Style::default();
        if let Some(fg) = &self.fg {
            style = style.fg(parse_color(fg)?);
        }
        if let Some(bg) = &self.bg {
            style = style.bg(parse_color(bg)?);
        }
        for (flag, modifier) in [
            (self.bold, Modifier::BOLD),
            (self.dim, Modifier::DIM),
            (self.italic, Modifier::ITALIC),
            (self.underline, Modifier::UNDERLINED),
            (self.reverse, Modifier::REVERSED),
        ] {
            if flag == Some(true) {
                style = style.add_modifier(modifier);
            }
        }
        Ok(style)
    }
}

/// `red`, `light_blue`, `#1e90ff`, `238`, `reset`.
pub fn parse_color(text: &str) -> Result<Color, String> {
    let lower = text.trim().to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix('#') {
        // Six hex digits exactly: from_str_radix alone would take a sign (`#+fffff`).
        if hex.len() == 6
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
            && let Ok(v) = u32::from_str_radix(hex, 16)
        {
            return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
        return Err(format!("'{text}' is not a #rrggbb colour"));
    }
    if let Ok(index) = lower.parse::<u8>() {
        return Ok(Color::Indexed(index));
    }
    let named = match lower.replace(['-', ' '], "_").as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "dark_gray" | "dark_grey" => Color::DarkGray,
        "light_red" => Color::LightRed,
        "light_green" => Color::LightGreen,
        "light_yellow" => Color::LightYellow,
        "light_blue" => Color::LightBlue,
        "light_magenta" => Color::LightMagenta,
        "light_cyan" => Color::LightCyan,
        "white" => Color::White,
        _ => {
            return Err(format!(
                "unknown colour '{text}'; use a name (red, light_blue…), #rrggbb or 0–255"
            ));
        }
    };
    Ok(named)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    #[serde(default)]
    styles: BTreeMap<String, StyleSpec>,
    #[serde(default)]
    severity: BTreeMap<String, StyleSpec>,
    #[serde(default)]
    json: BTreeMap<String, StyleSpec>,
}

impl ThemeFile {
    fn apply(&self, theme: &mut Theme) -> Result<(), String> {
        for (key, spec) in &self.styles {
            let style = spec.style().map_err(|e| format!("[styles] {key}: {e}"))?;
            let slot = match key.as_str() {
                "base" => &mut theme.base,
                "muted" => &mut theme.muted,
                "accent" => &mut theme.accent,
                "title" => &mut theme.title,
                "border" => &mut theme.border,
                "header" => &mut theme.header,
                "selected" => &mut theme.selected,
                "unseen" => &mut theme.unseen,
                "production" => &mut theme.production,
                "status_bar" => &mut theme.status_bar,
                "status_mode" => &mut theme.status_mode,
                "ok" => &mut theme.ok,
                "warning" => &mut theme.warning,
                "error" => &mut theme.error,
                "tab_active" => &mut theme.tab_active,
                "tab_inactive" => &mut theme.tab_inactive,
                "sparkline" => &mut theme.sparkline,
                "bar" => &mut theme.bar,
                other => return Err(format!("[styles] unknown style '{other}'")),
            };
            *slot = style;
        }
        for (key, spec) in &self.severity {
            let label = SeverityLabel::parse(key)
                .ok_or_else(|| format!("[severity] unknown severity '{key}'"))?;
            let slot = &mut theme.severities[label.rank()];
            slot.style = spec.style().map_err(|e| format!("[severity] {key}: {e}"))?;
            if let Some(symbol) = &spec.symbol {
                // Drawn in every row: it must not be able to drive the terminal.
                if symbol.chars().any(is_dangerous) {
                    return Err(format!(
                        "[severity] {key}: control characters are not allowed in a symbol"
                    ));
                }
                slot.symbol = symbol.clone();
            }
        }
        for (key, spec) in &self.json {
            let style = spec.style().map_err(|e| format!("[json] {key}: {e}"))?;
            let slot = match key.as_str() {
                "key" => &mut theme.json.key,
                "string" => &mut theme.json.string,
                "number" => &mut theme.json.number,
                "literal" => &mut theme.json.literal,
                "punctuation" => &mut theme.json.punctuation,
                "search_match" => &mut theme.json.search_match,
                "current_match" => &mut theme.json.current_match,
                other => return Err(format!("[json] unknown style '{other}'")),
            };
            *slot = style;
        }
        Ok(())
    }
}

/// Every theme available: the built-in ones, then `*.toml` files of the user's theme directory
/// (a user theme with a built-in name replaces it). Broken user files are reported, not fatal.
#[derive(Clone, Debug)]
pub struct ThemeSet {
    themes: Vec<Theme>,
}

impl ThemeSet {
    pub fn builtin() -> ThemeSet {
        ThemeSet {
            themes: BUILTIN
                .iter()
                .filter_map(|(name, _)| Theme::builtin(name))
                .collect(),
        }
    }

    /// Adds the user's themes; returns one message per file that could not be used.
    pub fn load_dir(&mut self, dir: &Path) -> Vec<String> {
        let mut problems = Vec::new();
        let Ok(read) = std::fs::read_dir(dir) else {
            return problems;
        };
        let mut paths: Vec<_> = read
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|text| Theme::parse(&name, &text))
            {
                Ok(theme) => self.insert(theme),
                Err(e) => problems.push(
                    crate::model::text::clean_line(
                        &format!("theme {}: {e}", path.display()),
                        crate::model::text::MAX_LINE_CHARS,
                    )
                    .into_owned(),
                ),
            }
        }
        problems
    }

    pub fn insert(&mut self, theme: Theme) {
        self.themes.retain(|t| t.name != theme.name);
        self.themes.push(theme);
    }

    pub fn get(&self, name: &str) -> Option<&Theme> {
        self.themes.iter().find(|t| t.name == name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.themes.iter().map(|t| t.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses() {
        for (name, text) in BUILTIN {
            let theme = Theme::parse(name, text).unwrap_or_else(|e| panic!("theme {name}: {e}"));
            assert_eq!(theme.name, *name);
        }
        assert_eq!(ThemeSet::builtin().names().count(), BUILTIN.len());
    }

    #[test]
    fn mono_distinguishes_severities_without_colour() {
        let mono = Theme::builtin("mono").expect("mono theme");
        let mut seen = std::collections::HashSet::new();
        for label in SeverityLabel::ALL {
            let s = mono.severity(label);
            assert!(
                s.style.fg.is_none() || s.style.fg == Some(Color::Reset),
                "{label} has a colour"
            );
            assert!(seen.insert(s.symbol.clone()), "{label} symbol repeats");
        }
    }

    #[test]
    fn colorblind_avoids_red_and_green_for_severity() {
        let theme = Theme::builtin("colorblind").expect("colorblind theme");
        for label in SeverityLabel::ALL {
            if let Some(Color::Rgb(r, g, b)) = theme.severity(label).style.fg {
                let reddish = r > 150 && g < 100 && b < 100;
                let greenish = g > 150 && r < 100 && b < 100;
                assert!(
                    !reddish && !greenish,
                    "{label} is red or green: #{r:02x}{g:02x}{b:02x}"
                );
            }
        }
    }

    #[test]
    fn colours_parse_and_degrade() {
        assert_eq!(parse_color("#ff0000"), Ok(Color::Rgb(255, 0, 0)));
        assert_eq!(parse_color("light-blue"), Ok(Color::LightBlue));
        assert!(parse_color("#ff00").is_err());
        assert!(parse_color("octarine").is_err());
        assert_eq!(
            ColorDepth::Ansi16.convert(Color::Rgb(250, 10, 10)),
            Color::LightRed
        );
        assert_eq!(
            ColorDepth::Ansi256.convert(Color::Rgb(128, 128, 128)),
            Color::Indexed(244)
        );
        assert_eq!(ColorDepth::Mono.convert(Color::Blue), Color::Reset);
        assert_eq!(
            ColorDepth::detect(true, Some("truecolor"), None),
            ColorDepth::Mono
        );
        assert_eq!(
            ColorDepth::detect(false, Some("truecolor"), None),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::detect(false, None, Some("xterm-256color")),
            ColorDepth::Ansi256
        );
    }

    #[test]
    fn a_denied_or_failing_source_reads_as_an_error_and_a_throttled_one_as_a_warning() {
        let theme = Theme::fallback();
        assert_eq!(theme.health(HealthState::AccessDenied), theme.error);
        assert_eq!(theme.health(HealthState::Error), theme.error);
        assert_eq!(theme.health(HealthState::Throttled), theme.warning);
        assert_eq!(theme.health(HealthState::Stale), theme.warning);
        assert_ne!(theme.error, theme.warning, "told apart");
    }

    #[test]
    fn bad_theme_files_explain_themselves() {
        assert!(
            Theme::parse("x", "[styles]\nbase = { fg = \"octarine\" }")
                .unwrap_err()
                .contains("octarine")
        );
        assert!(
            Theme::parse("x", "[styles]\nbogus = {}")
                .unwrap_err()
                .contains("unknown style")
        );
        assert!(
            Theme::parse("x", "[severity]\nextreme = {}")
                .unwrap_err()
                .contains("unknown severity")
        );
        assert!(Theme::parse("x", "colour = 1").is_err());
    }

    #[test]
    fn theme_text_cannot_drive_the_terminal() {
        let e = Theme::parse("x", "[severity]\nhigh = { symbol = \"\\u001b[2J\" }")
            .expect_err("an escape in a symbol");
        assert!(e.contains("control characters"), "{e}");
        let e = Theme::parse("x", "name = \"a\\u202eb\"").expect_err("bidi in a name");
        assert!(e.contains("control characters"), "{e}");
        // toml quotes the offending line in its message: the escape shows as ␛, inert.
        let e = Theme::parse("x", "[styles]\nbase = \u{1b}[31m").expect_err("not TOML");
        assert!(!e.contains('\u{1b}') && e.contains('␛'), "{e:?}");
        assert!(parse_color("#+fffff").is_err());
        assert!(parse_color("#-00000").is_err());
    }
}
