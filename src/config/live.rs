//! The running config's file: read at start, read again by `:reload`, written by `:view save`.
//! What can change while picket runs is resolved the same way both times (the flags that won
//! over the file at start still win); what cannot is named, so the analyst knows a restart
//! applies it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;

use super::edit;
use super::{Clock, Config, Loaded};
use crate::app::views::SaveError;
use crate::app::{Command, LiveOptions, Reloaded, SavedView};
use crate::theme::ThemeSet;

/// The settings `:reload` applies (a dotted name is one key of a section); any other change
/// takes a restart: what is read from AWS and how (scope, profile, regions, polling, feed,
/// org…), the log buffer and groups, and the start-up filter and sort.
pub const LIVE: &[&str] = &[
    "theme",
    "clock",
    "views",
    "keys",
    "sla",
    "alerts",
    "playbooks",
    "logs.detect",
];

/// What wins over the file: the flags and environment start-up read.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--theme`.
    pub theme: Option<String>,
    /// `NO_COLOR`: the mono theme unless `--theme` names one.
    pub no_color: bool,
    /// `--no-alerts`.
    pub no_alerts: bool,
    /// Action keys stay out of the keymap (`--read-only` or `read_only` at start, exported
    /// files): the executor was built refusing them.
    pub read_only: bool,
}

/// Where the config is read from and written to, and what start-up read there.
#[derive(Clone, Debug, Default)]
pub struct ConfigFile {
    /// `--config` (or `$PICKET_CONFIG`), else the platform's config directory; None where
    /// there is neither.
    pub path: Option<PathBuf>,
    /// Named explicitly: then it must exist.
    pub required: bool,
    /// Where the user's themes are (`themes/` in the config directory).
    pub themes_dir: Option<PathBuf>,
    pub overrides: Overrides,
    /// The file as start-up read it, as TOML.
    pub started: toml::Table,
}

impl ConfigFile {
    /// As start-up finds it: the flag (clap fills it from `$PICKET_CONFIG` too), else
    /// `config.toml` in the platform's config directory.
    pub fn locate(flag: Option<&Path>) -> ConfigFile {
        let (path, required) = match super::locate(flag, None) {
            Some((path, required)) => (Some(path), required),
            None => (None, false),
        };
        ConfigFile {
            path,
            required,
            themes_dir: super::config_dir().map(|dir| dir.join("themes")),
            ..ConfigFile::default()
        }
    }

    /// The file as shown in messages.
    pub fn shown(&self) -> String {
        self.path
            .as_deref()
            .map_or_else(|| "(defaults)".to_string(), |p| p.display().to_string())
    }

    /// The themes (built-in, then the user's, with a warning per broken file) and the config.
    /// The error is one line, `path:line:column: message`.
    pub fn load(&self) -> Result<(Loaded, ThemeSet, Vec<String>), String> {
        let mut themes = ThemeSet::builtin();
        let mut warnings = Vec::new();
        if let Some(dir) = &self.themes_dir {
            warnings.extend(themes.load_dir(dir));
        }
        let loaded = match &self.path {
            Some(path) => Config::load(path, self.required, &themes),
            None => Config::parse("", Path::new("(defaults)"), &themes),
        }
        .map_err(|e| e.to_string())?;
        Ok((loaded, themes, warnings))
    }

    /// `:reload`: the files read again and resolved as at start, and the settings changed
    /// since start that only a restart applies. An error leaves the running config as it is.
    pub fn reload(&self) -> Result<Reloaded, String> {
        let (loaded, themes, warnings) = self.load()?;
        let live = live_options(&loaded, themes, warnings, &self.overrides)?;
        Ok(Reloaded {
            path: self.shown(),
            restart: restart_only(&self.started, &loaded.table),
            live,
        })
    }

    /// `:view save`: the view written into the file; where, as shown.
    pub fn save_view(
        &self,
        name: &str,
        view: &SavedView,
        replace: bool,
        stamp: &str,
    ) -> Result<String, SaveError> {
        let Some(path) = &self.path else {
            return Err(SaveError::Failed(
                "this platform has no config directory: start picket with --config PATH".into(),
            ));
        };
        edit::save_view(path, name, view, replace, stamp)?;
        Ok(self.shown())
    }
}

/// What can change while picket runs, from the loaded file and what wins over it.
pub fn live_options(
    loaded: &Loaded,
    themes: ThemeSet,
    warnings: Vec<String>,
    overrides: &Overrides,
) -> Result<LiveOptions, String> {
    let config = &loaded.config;
    let theme = match (&overrides.theme, overrides.no_color, &config.theme) {
        (Some(name), _, _) => {
            if themes.get(name).is_none() {
                let names: Vec<_> = themes.names().collect();
                return Err(format!(
                    "--theme: unknown theme '{name}'; expected one of {}",
                    names.join(", ")
                ));
            }
            name.clone()
        }
        (None, true, _) => "mono".to_string(),
        (None, false, Some(name)) => name.get_ref().clone(),
        (None, false, None) => "default".to_string(),
    };
    let mut keymap = loaded.keymap.clone();
    if overrides.read_only {
        // Action keys vanish from the keymap, and so from help; the executor refuses as well.
        keymap.remove_commands(&[Command::Act]);
    }
    Ok(LiveOptions {
        keymap,
        views: loaded.views.clone(),
        themes,
        theme,
        time_zone: match config.clock {
            Clock::Utc => TimeZone::UTC,
            Clock::Local => TimeZone::system(),
        },
        detect: config.logs.detect.clone(),
        sla: loaded.sla,
        alerts: if overrides.no_alerts {
            crate::app::alerts::AlertOptions::default()
        } else {
            loaded.alerts.clone()
        },
        playbooks: config.playbooks.clone(),
        warnings,
    })
}

/// The settings that differ between two readings of the file and are not [`LIVE`], by name
/// (`scope`, `logs.buffer`).
pub fn restart_only(before: &toml::Table, after: &toml::Table) -> Vec<String> {
    let mut changed = Vec::new();
    differences(before, after, "", &mut changed);
    changed
}

fn differences(before: &toml::Table, after: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let empty = toml::Table::new();
    for key in keys {
        let name = format!("{prefix}{key}");
        let (was, is) = (before.get(key), after.get(key));
        if LIVE.contains(&name.as_str()) || was == is {
            continue;
        }
        let section = format!("{name}.");
        if LIVE.iter().any(|live| live.starts_with(&section)) {
            // A section with live keys: its other keys, one by one.
            differences(
                was.and_then(toml::Value::as_table).unwrap_or(&empty),
                is.and_then(toml::Value::as_table).unwrap_or(&empty),
                &section,
                out,
            );
        } else {
            out.push(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        toml::from_str(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn only_what_a_restart_applies_is_named() {
        let before = table(
            "theme = \"mono\"\nprofile = \"a\"\n[scope]\nfilter = \"sev>=low\"\n[logs]\ndetect = [\"all\"]\nbuffer = 10\n[views.x]\nfilter = \"\"\n",
        );
        assert!(restart_only(&before, &before).is_empty());
        let after = table(
            "theme = \"light\"\nprofile = \"b\"\nregions = [\"eu-west-1\"]\n[logs]\ndetect = []\nbuffer = 20\n[views.y]\nfilter = \"\"\n[sla]\nhigh = \"1h\"\n",
        );
        assert_eq!(
            restart_only(&before, &after),
            ["logs.buffer", "profile", "regions", "scope"]
        );
        // Live keys alone: nothing to restart for.
        let live = table(
            "theme = \"light\"\nprofile = \"a\"\n[scope]\nfilter = \"sev>=low\"\n[logs]\nbuffer = 10\n[keys.findings]\nx = \"quit\"\n",
        );
        assert!(restart_only(&before, &live).is_empty());
    }

    fn loaded(text: &str) -> Loaded {
        Config::parse(text, Path::new("config.toml"), &ThemeSet::builtin())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn what_won_over_the_file_at_start_still_wins() {
        let file = loaded("theme = \"light\"\n[alerts]\nfilter = \"sev>=high\"\n");
        let plain = live_options(
            &file,
            ThemeSet::builtin(),
            Vec::new(),
            &Overrides::default(),
        )
        .expect("resolved");
        assert_eq!(plain.theme, "light");
        assert!(plain.alerts.filter.is_some());
        let act = |live: &LiveOptions| {
            live.keymap
                .resolve(crate::app::Mode::Findings, crate::app::Key::char('a'))
        };
        assert_eq!(act(&plain), Some(Command::Act));
        let flags = Overrides {
            theme: Some("colorblind".into()),
            no_color: true,
            no_alerts: true,
            read_only: true,
        };
        let live = live_options(&file, ThemeSet::builtin(), Vec::new(), &flags).expect("resolved");
        assert_eq!(
            live.theme, "colorblind",
            "--theme over NO_COLOR and the file"
        );
        assert!(live.alerts.filter.is_none(), "--no-alerts");
        assert_eq!(act(&live), None, "read-only: no action key");
        let no_color = Overrides {
            no_color: true,
            ..Overrides::default()
        };
        let live =
            live_options(&file, ThemeSet::builtin(), Vec::new(), &no_color).expect("resolved");
        assert_eq!(live.theme, "mono");
    }

    #[test]
    fn a_reload_reads_the_file_and_the_themes_again_and_fails_as_start_up_does() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config.toml");
        let themes = dir.path().join("themes");
        std::fs::create_dir_all(&themes).expect("themes dir");
        std::fs::write(&path, "theme = \"mono\"\nprofile = \"a\"\n").expect("config");
        let mut file = ConfigFile {
            path: Some(path.clone()),
            required: true,
            themes_dir: Some(themes.clone()),
            ..ConfigFile::default()
        };
        let (start, _, _) = file.load().expect("start");
        file.started = start.table;
        let same = file.reload().expect("reloaded");
        assert!(same.restart.is_empty());
        assert_eq!(same.path, path.display().to_string());

        std::fs::write(themes.join("neon.toml"), "name = \"neon\"\n").expect("theme");
        std::fs::write(themes.join("broken.toml"), "[base\n").expect("theme");
        std::fs::write(
            &path,
            "theme = \"neon\"\nprofile = \"b\"\n[views.crit]\nfilter = \"sev>=high\"\n",
        )
        .expect("config");
        let changed = file.reload().expect("reloaded");
        assert_eq!(changed.live.theme, "neon", "a theme file added since start");
        assert!(changed.live.views.contains_key("crit"));
        assert_eq!(changed.restart, ["profile"]);
        assert_eq!(
            changed.live.warnings.len(),
            1,
            "{:?}",
            changed.live.warnings
        );
        assert!(changed.live.warnings[0].contains("broken.toml"));

        std::fs::write(&path, "theme = \"mono\"\n\nthme = \"x\"\n").expect("config");
        let e = file.reload().expect_err("a mistake");
        let start_up = Config::load(&path, true, &ThemeSet::builtin())
            .err()
            .expect("the same mistake at start");
        assert_eq!(e, start_up.to_string());
        assert!(
            e.starts_with(&format!("{}:3:1: unknown field `thme`", path.display())),
            "{e}"
        );
        std::fs::remove_file(&path).expect("removed");
        assert!(
            file.reload()
                .expect_err("asked for")
                .contains("cannot read")
        );
    }

    #[test]
    fn without_a_flag_the_file_is_the_users_even_before_it_exists() {
        // `--demo` with no config file: `:view save` makes the user's.
        let file = ConfigFile::locate(None);
        assert_eq!(
            file.path,
            super::super::config_dir().map(|d| d.join("config.toml"))
        );
        assert!(!file.required, "a missing one means the defaults");
        let named = ConfigFile::locate(Some(Path::new("/etc/picket.toml")));
        assert_eq!(named.path.as_deref(), Some(Path::new("/etc/picket.toml")));
        assert!(named.required);
    }

    #[test]
    fn a_file_that_cannot_be_saved_to_says_how_to_name_one() {
        let file = ConfigFile::default();
        let view = SavedView {
            filter: String::new(),
            sort: None,
        };
        let Err(SaveError::Failed(why)) = file.save_view("x", &view, false, "now") else {
            panic!("saved nowhere")
        };
        assert!(why.contains("--config PATH"), "{why}");
    }
}
