//! The `:` commands: one table drives what each does, what Tab completes after it, and the help
//! screen's list, so a command cannot exist in one and be missing from another.

use super::super::prompt::remember;
use super::super::{App, Command, Effect, Modal, NoticeLevel, Reloaded, SavedView, Tab};
use super::{findings, logs, run as run_key, switch_tab};
use crate::app::views::SaveError;
use crate::store::SortKey;

/// A `:` command.
pub struct ColonCommand {
    pub name: &'static str,
    /// Other names it answers to (`:q`).
    pub aliases: &'static [&'static str],
    pub help: &'static str,
    /// Candidates for the word at position `n` after the name (0 is the first argument).
    complete: fn(&App, usize) -> Vec<String>,
    /// Runs it with its arguments, and the whole line after the name (for free text).
    run: fn(&mut App, &[&str], &str) -> Vec<Effect>,
}

/// `:group by KEY` (or `:group KEY`), `:group off`.
fn group(app: &mut App, args: &[&str], _: &str) -> Vec<Effect> {
    let word = match args {
        ["by", word] | [word] => *word,
        _ => {
            app.notify(
                "usage: :group by sequence|resource|principal|type|account, or :group off",
                NoticeLevel::Error,
            );
            return Vec::new();
        }
    };
    let by = match word {
        "off" | "none" => None,
        word => match crate::app::incidents::GroupBy::parse(word) {
            Some(by) => Some(by),
            None => {
                app.notify(
                    format!(
                        "cannot group by '{word}': sequence, resource, principal, type or account"
                    ),
                    NoticeLevel::Error,
                );
                return Vec::new();
            }
        },
    };
    findings::group_by(app, by);
    switch_tab(app, Tab::Findings)
}

/// `:present [on|off]` (bare: toggle).
fn present(app: &mut App, args: &[&str], _: &str) -> Vec<Effect> {
    let on = match args {
        [] => !app.present,
        ["on"] => true,
        ["off"] => false,
        _ => {
            app.notify("usage: :present [on|off]", NoticeLevel::Error);
            return Vec::new();
        }
    };
    super::set_present(app, on);
    Vec::new()
}

/// `:cli`: what picket asks Security Hub for, with the view's filter terms Security Hub can
/// apply, as `aws securityhub get-findings` lines; shown and copied. Terms Security Hub cannot
/// apply are listed as picket's, with why.
fn read_as_cli(app: &mut App) -> Vec<Effect> {
    use crate::actions::cli::quote;
    use crate::model::health::Service;
    let mut filters = serde_json::Map::new();
    filters.insert(
        "RecordState".into(),
        serde_json::json!([{"Value": "ACTIVE", "Comparison": "EQUALS"}]),
    );
    let mut left: Vec<String> = Vec::new();
    // v2's filters: composite filters joined by AND.
    let mut composites: Vec<serde_json::Value> = Vec::new();
    // The configured scope is part of every read.
    if let Some(scope) = &app.scope {
        filters.extend(scope.asff_filters());
        composites.extend(scope.ocsf_filters());
    }
    let filter = app.findings.table.filter_text.clone();
    if !filter.is_empty() {
        let (view, not_here) = crate::store::scope::Scope::split(&filter);
        left.extend(not_here);
        composites.extend(view.iter().flat_map(|v| v.ocsf_filters()));
        for (field, values) in view.map(|v| v.asff_filters()).unwrap_or_default() {
            // Security Hub joins one field's values by OR: a second constraint on a field the
            // scope names stays picket's.
            if filters.contains_key(&field) {
                left.push(format!(
                    "`{field}` is named by the scope already; picket applies the view's term"
                ));
            } else {
                filters.insert(field, values);
            }
        }
    }
    let mut regions: Vec<&str> = app
        .health
        .keys()
        .filter(|k| k.service == Service::SecurityHub)
        .map(|k| k.region.as_str())
        .collect();
    if regions.is_empty() {
        regions = app.store.regions.iter().map(|(_, r)| r).collect();
    }
    regions.sort_unstable();
    regions.dedup();
    let json = serde_json::Value::Object(filters).to_string();
    let mut lines = vec![
        "# The read behind this view: Security Hub (ASFF) findings as picket asks for them, with the filter's terms Security Hub can apply".to_string(),
    ];
    for region in &regions {
        let mut line = format!("aws securityhub get-findings --region {}", quote(region));
        if let Some(profile) = &app.profile {
            line.push_str(&format!(" --profile {}", quote(profile)));
        }
        line.push_str(&format!(" --filters {}", quote(&json)));
        lines.push(line);
    }
    lines.push(
        "# Where the region has Security Hub v2 ([securityhub] api = \"v2\", or \"auto\"): the same read of OCSF findings".to_string(),
    );
    let v2 =
        serde_json::json!({"CompositeFilters": composites, "CompositeOperator": "AND"}).to_string();
    let sort = r#"[{"Field":"finding_info.modified_time_dt","SortOrder":"desc"}]"#;
    for region in &regions {
        let mut line = format!("aws securityhub get-findings-v2 --region {}", quote(region));
        if let Some(profile) = &app.profile {
            line.push_str(&format!(" --profile {}", quote(profile)));
        }
        if !composites.is_empty() {
            line.push_str(&format!(" --filters {}", quote(&v2)));
        }
        line.push_str(&format!(" --sort-criteria {}", quote(sort)));
        lines.push(line);
    }
    for why in &left {
        lines.push(format!("# left to picket, applied after reading: {why}"));
    }
    lines.extend(guardduty_reads(app, &filter));
    let text = lines.join("\n");
    app.modal = Some(Modal::Text {
        title: "the read behind this view, as aws-cli · copied".into(),
        lines,
        scroll: 0,
    });
    vec![Effect::Copy(text)]
}

/// The GuardDuty side of `:cli`: per region read, ListFindings with the unarchived findings,
/// the scope and the view's terms GuardDuty can apply, on the region's detector.
fn guardduty_reads(app: &App, filter: &str) -> Vec<String> {
    use crate::actions::cli::quote;
    use crate::model::health::Service;
    use crate::store::scope::{GuardDutyRead, Scope};
    let mut regions: Vec<&str> = app
        .health
        .keys()
        .filter(|k| k.service == Service::GuardDuty)
        .map(|k| k.region.as_str())
        .collect();
    regions.sort_unstable();
    regions.dedup();
    let view = (!filter.is_empty())
        .then(|| Scope::split(filter).0)
        .flatten();
    let mut lines = vec![
        "# GuardDuty: the unarchived findings of each region's detector, with the terms GuardDuty can apply; then aws guardduty get-findings for the ids listed (50 a call)".to_string(),
    ];
    for region in regions {
        let mut criteria = serde_json::Map::new();
        criteria.insert(
            "service.archived".into(),
            serde_json::json!({"Equals": ["false"]}),
        );
        let mut outside = None;
        for scope in app.scope.as_deref().into_iter().chain(view.as_ref()) {
            match scope.guardduty(region) {
                GuardDutyRead::Outside(why) => outside = Some(why),
                GuardDutyRead::Criteria {
                    criteria: terms, ..
                } => {
                    for (name, criterion) in terms {
                        // A field named twice stays the first one's; picket applies the view's.
                        criteria.entry(name).or_insert_with(|| criterion.json());
                    }
                }
            }
        }
        if let Some(why) = outside {
            lines.push(format!("# {region}: nothing to read — {why}"));
            continue;
        }
        let json = serde_json::json!({ "Criterion": criteria }).to_string();
        let profile = app
            .profile
            .as_deref()
            .map(|p| format!(" --profile {}", quote(p)))
            .unwrap_or_default();
        let region = quote(region);
        lines.push(format!(
            "aws guardduty list-findings --region {region}{profile} --detector-id \"$(aws guardduty list-detectors --region {region}{profile} --query 'DetectorIds[0]' --output text)\" --finding-criteria {}",
            quote(&json)
        ));
    }
    lines
}

/// `:profile` lists the AWS profiles of this machine; `:profile NAME` starts again on one.
fn profile(app: &mut App, args: &[&str], _: &str) -> Vec<Effect> {
    let Some(choices) = app.profiles.clone() else {
        app.notify(
            "no AWS profile here (the demo organization or exported files): start picket --profile NAME",
            NoticeLevel::Error,
        );
        return Vec::new();
    };
    match args {
        [] => {
            let lines = profile_lines(app, &choices);
            app.modal = Some(Modal::Text {
                title: "AWS profiles".into(),
                lines,
                scroll: 0,
            });
            Vec::new()
        }
        [name] if app.profile.as_deref() == Some(*name) => {
            app.notify(format!("already on profile {name}"), NoticeLevel::Info);
            Vec::new()
        }
        [name] if choices.iter().any(|c| c.profile.name == *name) => {
            vec![Effect::SwitchProfile((*name).to_string())]
        }
        [name] => {
            let defined: Vec<&str> = choices.iter().map(|c| c.profile.name.as_str()).collect();
            let defined = if defined.is_empty() {
                "none are defined".to_string()
            } else {
                format!("defined: {}", defined.join(", "))
            };
            app.notify(
                format!("no profile '{name}' in ~/.aws/config or ~/.aws/credentials ({defined})"),
                NoticeLevel::Error,
            );
            Vec::new()
        }
        _ => {
            app.notify("usage: :profile [NAME]", NoticeLevel::Error);
            Vec::new()
        }
    }
}

/// The profiles as a table: the active one marked ●, production ones ⚑.
fn profile_lines(app: &App, choices: &[crate::model::profile::Choice]) -> Vec<String> {
    let mut lines = vec![format!(
        "{:<22} {:<12} {:<8} {:<14} SSO START URL",
        "PROFILE", "ACCOUNT", "KIND", "REGION"
    )];
    for choice in choices {
        let p = &choice.profile;
        let mut name = p.name.clone();
        if choice.production {
            name.push_str(" ⚑");
        }
        if app.profile.as_deref() == Some(p.name.as_str()) {
            name.push_str(" ●");
        }
        lines.push(format!(
            "{:<22} {:<12} {:<8} {:<14} {}",
            name,
            p.account().unwrap_or_else(|| "—".into()),
            p.kind(),
            p.get("region").unwrap_or("—"),
            p.sso_start_url.as_deref().unwrap_or("")
        ));
    }
    if choices.is_empty() {
        lines.push("no profile in ~/.aws/config or ~/.aws/credentials: `aws configure` or `aws configure sso` makes one".into());
    }
    lines.push(String::new());
    lines.push(
        "● active · ⚑ production ([org] production) · :profile NAME switches: sources, disk store and memory follow the profile"
            .into(),
    );
    lines
}

fn nothing(_: &App, _: usize) -> Vec<String> {
    Vec::new()
}

/// `:messages`: the session's status-bar messages, newest first.
fn messages(app: &mut App, _: &[&str], _: &str) -> Vec<Effect> {
    let lines: Vec<String> = if app.messages.is_empty() {
        vec!["no message yet".to_string()]
    } else {
        app.messages
            .iter()
            .rev()
            .map(|(at, notice)| {
                let level = match notice.level {
                    NoticeLevel::Info => "info",
                    NoticeLevel::Warning => "warning",
                    NoticeLevel::Error => "error",
                };
                let time = at.to_zoned(app.look.time_zone.clone()).strftime("%H:%M:%S");
                format!("{time}  {level:<7}  {}", notice.text)
            })
            .collect()
    };
    app.modal = Some(Modal::Text {
        title: format!("messages · newest first · {} kept", lines.len()),
        lines,
        scroll: 0,
    });
    Vec::new()
}

pub const COLON_COMMANDS: &[ColonCommand] = &[
    ColonCommand {
        name: "sort",
        aliases: &[],
        help: "sort findings: severity, last-seen, account, type [asc|desc]",
        complete: |_, n| match n {
            0 => SortKey::ALL.iter().map(|k| k.name().to_string()).collect(),
            1 => vec!["asc".into(), "desc".into()],
            _ => Vec::new(),
        },
        run: sort,
    },
    ColonCommand {
        name: "group",
        aliases: &[],
        help: "incidents: group by sequence, resource, principal, type or account; :group off",
        complete: |_, n| match n {
            0 => vec!["by".into()],
            1 => crate::app::incidents::GroupBy::ALL
                .iter()
                .map(|g| g.name().to_string())
                .chain(["off".to_string()])
                .collect(),
            _ => Vec::new(),
        },
        run: group,
    },
    ColonCommand {
        name: "cli",
        aliases: &["aws"],
        help: "the read behind the findings view as aws-cli commands (shown, and copied)",
        complete: nothing,
        run: |app, _, _| read_as_cli(app),
    },
    ColonCommand {
        name: "view",
        aliases: &[],
        help: "list saved views; NAME applies; save[!] NAME saves",
        complete: |app, n| match n {
            0 => ["save".to_string()]
                .into_iter()
                .chain(app.look.views.keys().cloned())
                .collect(),
            // After `save!`: the view to replace.
            1 => app.look.views.keys().cloned().collect(),
            _ => Vec::new(),
        },
        run: view,
    },
    ColonCommand {
        name: "messages",
        aliases: &["msg"],
        help: "the status bar's messages this session, newest first",
        complete: nothing,
        run: messages,
    },
    ColonCommand {
        name: "reload",
        aliases: &[],
        help: "read the config and theme files again (no restart)",
        complete: nothing,
        run: |app, _, _| {
            app.notify("reading the config again…", NoticeLevel::Info);
            vec![Effect::Reload]
        },
    },
    ColonCommand {
        name: "profile",
        aliases: &[],
        help: "list the AWS profiles; :profile NAME starts again on one",
        complete: |app, n| match (n, &app.profiles) {
            (0, Some(choices)) => choices.iter().map(|c| c.profile.name.clone()).collect(),
            _ => Vec::new(),
        },
        run: profile,
    },
    ColonCommand {
        name: "present",
        aliases: &[],
        help: "presenter mode on or off (identifiers shown as stand-ins)",
        complete: |_, n| match n {
            0 => vec!["on".into(), "off".into()],
            _ => Vec::new(),
        },
        run: present,
    },
    ColonCommand {
        name: "theme",
        aliases: &[],
        help: "switch theme",
        complete: |app, n| match n {
            0 => app.look.themes.names().map(str::to_string).collect(),
            _ => Vec::new(),
        },
        run: theme,
    },
    ColonCommand {
        name: "filter",
        aliases: &[],
        help: "set the filter",
        complete: nothing,
        run: filter,
    },
    ColonCommand {
        name: "query",
        aliases: &[],
        help: "Logs Insights over the CloudTrail groups: :query [AGE] <query>",
        complete: nothing,
        run: |app, _, rest| logs::start_query(app, rest),
    },
    ColonCommand {
        name: "detect",
        aliases: &[],
        help: "CIS detections on the CloudTrail stream: all, off, or names",
        complete: |_, _| {
            ["all", "off"]
                .into_iter()
                .chain(crate::logs::detect::CIS.iter().map(|d| d.name))
                .map(str::to_string)
                .collect()
        },
        run: |app, args, _| logs::detect_command(app, args),
    },
    ColonCommand {
        name: "overview",
        aliases: &[],
        help: "show the overview",
        complete: nothing,
        run: |app, _, _| switch_tab(app, Tab::Overview),
    },
    ColonCommand {
        name: "findings",
        aliases: &[],
        help: "show the findings",
        complete: nothing,
        run: |app, _, _| switch_tab(app, Tab::Findings),
    },
    ColonCommand {
        name: "logs",
        aliases: &[],
        help: "show the logs",
        complete: nothing,
        run: |app, _, _| switch_tab(app, Tab::Logs),
    },
    ColonCommand {
        name: "sources",
        aliases: &[],
        help: "show the sources (health of every account, region, service)",
        complete: nothing,
        run: |app, _, _| switch_tab(app, Tab::Sources),
    },
    ColonCommand {
        name: "refresh",
        aliases: &[],
        help: "poll every source now",
        complete: nothing,
        run: |app, _, _| run_key(app, Command::Refresh).effects,
    },
    ColonCommand {
        name: "help",
        aliases: &[],
        help: "show the keys",
        complete: nothing,
        run: |app, _, _| {
            app.modal = Some(Modal::Help { scroll: 0 });
            Vec::new()
        },
    },
    ColonCommand {
        name: "quit",
        aliases: &["q", "q!", "qa"],
        help: "quit picket (also :q)",
        complete: nothing,
        run: |_, _, _| vec![Effect::Quit],
    },
];

fn named(name: &str) -> Option<&'static ColonCommand> {
    COLON_COMMANDS
        .iter()
        .find(|c| c.name == name || c.aliases.contains(&name))
}

/// Runs a `:` line.
pub(super) fn run(app: &mut App, line: &str) -> Vec<Effect> {
    let line = line.trim_start();
    let mut words = line.split_whitespace();
    let Some(name) = words.next() else {
        return Vec::new();
    };
    let args: Vec<&str> = words.collect();
    match named(name) {
        Some(command) => (command.run)(app, &args, &line[name.len()..]),
        None => {
            let known: Vec<_> = COLON_COMMANDS.iter().map(|c| c.name).collect();
            app.notify(
                format!(
                    "unknown command ':{name}'; commands are {}",
                    known.join(", ")
                ),
                NoticeLevel::Error,
            );
            Vec::new()
        }
    }
}

/// Candidates for the word at the cursor of the `:` line.
pub(super) fn candidates(app: &App, line: &str, word_start: usize, word: &str) -> Vec<String> {
    let before: Vec<&str> = line
        .get(..word_start)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let options: Vec<String> = match before.split_first() {
        None => COLON_COMMANDS.iter().map(|c| c.name.to_string()).collect(),
        Some((name, args)) => named(name).map_or_else(Vec::new, |c| (c.complete)(app, args.len())),
    };
    let lower = word.to_ascii_lowercase();
    options
        .into_iter()
        .filter(|o| o.to_ascii_lowercase().starts_with(&lower))
        .collect()
}

fn sort(app: &mut App, args: &[&str], _: &str) -> Vec<Effect> {
    let Some(key) = args.first().and_then(|k| SortKey::parse(k)) else {
        let keys: Vec<_> = SortKey::ALL.iter().map(|k| k.name()).collect();
        app.notify(
            format!(":sort takes one of {}", keys.join(", ")),
            NoticeLevel::Error,
        );
        return Vec::new();
    };
    app.findings.table.sort = key;
    app.findings.table.reverse = match args.get(1).map(|s| s.to_ascii_lowercase()) {
        // The natural order of each key is the one an analyst wants first; `asc`/`desc`
        // name the direction of the key itself.
        Some(dir) if dir == "asc" => matches!(key, SortKey::Severity | SortKey::LastSeen),
        Some(dir) if dir == "desc" => matches!(key, SortKey::Account | SortKey::Type),
        _ => false,
    };
    findings::resort(app);
    Vec::new()
}

/// `:view` lists the saved views, `:view NAME` applies one, `:view save NAME` saves the
/// findings' filter and sort as one (`save!` replaces one of that name).
fn view(app: &mut App, args: &[&str], _: &str) -> Vec<Effect> {
    match args {
        [] => {
            list_views(app);
            Vec::new()
        }
        [word @ ("save" | "save!"), name] => save_view(app, name, *word == "save!"),
        ["save" | "save!", ..] => {
            app.notify(
                "usage: :view save NAME (:view save! NAME replaces a view of that name)",
                NoticeLevel::Error,
            );
            Vec::new()
        }
        [name, ..] => apply_view(app, name),
    }
}

/// The saved views in the text overlay: name, sort, filter (the filter last: it wraps).
fn list_views(app: &mut App) {
    use crate::model::SafeText;
    if app.look.views.is_empty() {
        app.notify(
            "no saved views: :view save NAME saves the findings' filter and sort",
            NoticeLevel::Info,
        );
        return;
    }
    let rows: Vec<(String, &str, String)> = app
        .look
        .views
        .iter()
        .map(|(name, view)| {
            let filter = if view.filter.trim().is_empty() {
                "(every finding)".to_string()
            } else {
                SafeText::line(&view.filter).to_string()
            };
            let sort = view.sort.map_or("—", SortKey::name);
            (SafeText::line(name).to_string(), sort, filter)
        })
        .collect();
    let width = rows
        .iter()
        .map(|(name, _, _)| name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(4, 24);
    let mut lines = vec![format!("{:<width$}  {:<9}  FILTER", "VIEW", "SORT")];
    for (name, sort, filter) in rows {
        lines.push(format!("{name:<width$}  {sort:<9}  {filter}"));
    }
    lines.push(String::new());
    lines.push(
        ":view NAME applies one · :view save NAME saves the findings' filter and sort · :view save! NAME replaces · :reload reads the config again"
            .into(),
    );
    app.modal = Some(Modal::Text {
        title: format!("saved views ({})", app.look.views.len()),
        lines,
        scroll: 0,
    });
}

/// `:view save NAME`: the findings' filter and sort, to be written into the config (the
/// runtime writes; [`view_saved`] takes the outcome).
fn save_view(app: &mut App, name: &str, replace: bool) -> Vec<Effect> {
    if let Err(why) = crate::app::views::check_view_name(name) {
        app.notify(
            format!("cannot save a view named '{name}': {why}"),
            NoticeLevel::Error,
        );
        return Vec::new();
    }
    if !replace && app.look.views.contains_key(name) {
        app.notify(
            format!("there is a view {name} already: :view save! {name} replaces it"),
            NoticeLevel::Error,
        );
        return Vec::new();
    }
    let table = &app.findings.table;
    let view = SavedView {
        filter: table.filter_text.clone(),
        sort: Some(table.sort),
    };
    let stamp = app
        .now
        .to_zoned(app.look.time_zone.clone())
        .strftime("%Y-%m-%d %H:%M:%S %Z")
        .to_string();
    vec![Effect::SaveView {
        name: name.to_string(),
        view,
        replace,
        stamp,
    }]
}

/// What came of `:view save`. Saved, the view is usable at once; not written (the file could
/// not be read, parsed or written), it is kept for the session and the message says why.
pub(super) fn view_saved(
    app: &mut App,
    name: String,
    view: SavedView,
    result: Result<String, SaveError>,
) {
    match result {
        Ok(path) => {
            let filter = if view.filter.trim().is_empty() {
                "every finding".to_string()
            } else {
                view.filter.clone()
            };
            let sort = view
                .sort
                .map(|s| format!(", by {}", s.name()))
                .unwrap_or_default();
            app.notify(
                format!("view {name} saved to {path}: {filter}{sort}"),
                NoticeLevel::Info,
            );
            app.look.views.insert(name, view);
        }
        Err(SaveError::Exists) => app.notify(
            format!("the config file has a view {name} already: :view save! {name} replaces it"),
            NoticeLevel::Error,
        ),
        Err(SaveError::Failed(why)) => {
            app.notify(
                format!("view {name} is kept for this session only, not saved: {why}"),
                NoticeLevel::Error,
            );
            app.look.views.insert(name, view);
        }
    }
}

/// `:reload`'s outcome: every option that can change while picket runs is replaced; what
/// needs a restart is named; an error (as start-up says it) changes nothing.
pub(super) fn reloaded(app: &mut App, result: Result<Box<Reloaded>, String>) -> Vec<Effect> {
    let Reloaded {
        path,
        live,
        restart,
    } = match result {
        Ok(reloaded) => *reloaded,
        Err(e) => {
            app.notify(
                format!("{e} · nothing reloaded, the running config stays"),
                NoticeLevel::Error,
            );
            return Vec::new();
        }
    };
    let look = &mut app.look;
    look.keymap = live.keymap;
    look.views = live.views;
    look.theme = live
        .themes
        .get(&live.theme)
        .cloned()
        .unwrap_or_else(crate::theme::Theme::fallback)
        .adapt(look.color_depth);
    look.themes = live.themes;
    look.time_zone = live.time_zone;
    // An action being chosen names playbooks by their place in the list: a list read again
    // could put another playbook there, so the choice starts over.
    let choosing = matches!(app.modal, Some(Modal::Action(_)));
    if choosing {
        app.modal = None;
    }
    app.playbooks = live.playbooks;
    app.alerts.set_options(live.alerts);
    if app.store.sla != live.sla {
        // Deadlines move: a queue sorted or filtered by them is recomputed (once).
        app.store.set_sla(live.sla);
        app.findings
            .table
            .refresh(&app.store, &app.directory, app.now);
    }
    let before = app.wants_logs();
    let checked = app.logs.detector.names();
    // The names were checked when the file loaded.
    app.logs.detector = crate::logs::detect::Detector::named(&live.detect)
        .unwrap_or_else(|_| crate::logs::detect::Detector::new(Vec::new()));
    let mut effects = Vec::new();
    if app.logs.detector.names() != checked {
        effects.push(Effect::SetDetections(app.logs.detector.names()));
    }
    if before != app.wants_logs() {
        effects.push(Effect::SetFeed(
            crate::sources::Feed::Logs,
            app.wants_logs(),
        ));
    }
    let mut text = format!("reloaded {path}");
    let mut level = NoticeLevel::Info;
    if choosing {
        text.push_str(" · the action being chosen was cancelled (its playbooks were read again)");
        level = NoticeLevel::Warning;
    }
    if !restart.is_empty() {
        text.push_str(&format!(
            " · changed, applied at the next start: {}",
            restart.join(", ")
        ));
        level = NoticeLevel::Warning;
    }
    if let Some(first) = live.warnings.first() {
        text.push_str(&format!(" · {first}"));
        if live.warnings.len() > 1 {
            text.push_str(&format!(" (+{} more)", live.warnings.len() - 1));
        }
        level = NoticeLevel::Warning;
    }
    app.notify(text, level);
    effects
}

fn apply_view(app: &mut App, view_name: &str) -> Vec<Effect> {
    let Some(view) = app.look.views.get(view_name).cloned() else {
        app.notify(format!("no view named '{view_name}'"), NoticeLevel::Error);
        return Vec::new();
    };
    if let Some(sort) = view.sort {
        app.findings.table.sort = sort;
        app.findings.table.reverse = false;
    }
    match app
        .findings
        .table
        .set_filter(&view.filter, &app.store, &app.directory, app.now)
    {
        Ok(()) => {
            app.notify(
                format!("view {view_name}: {}", view.filter),
                NoticeLevel::Info,
            );
            switch_tab(app, Tab::Findings)
        }
        Err(e) => {
            app.notify(
                format!("view {view_name} has a bad filter: {e}"),
                NoticeLevel::Error,
            );
            Vec::new()
        }
    }
}

fn theme(app: &mut App, args: &[&str], _: &str) -> Vec<Effect> {
    let Some(theme_name) = args.first() else {
        let names: Vec<_> = app.look.themes.names().collect();
        let text = format!(
            "theme {}; available: {}",
            app.look.theme.name,
            names.join(", ")
        );
        app.notify(text, NoticeLevel::Info);
        return Vec::new();
    };
    match app.look.themes.get(theme_name) {
        Some(theme) => {
            app.look.theme = theme.clone().adapt(app.look.color_depth);
            app.notify(format!("theme {theme_name}"), NoticeLevel::Info);
        }
        None => app.notify(format!("no theme named '{theme_name}'"), NoticeLevel::Error),
    }
    Vec::new()
}

fn filter(app: &mut App, args: &[&str], _: &str) -> Vec<Effect> {
    let text = args.join(" ");
    match app
        .findings
        .table
        .set_filter(&text, &app.store, &app.directory, app.now)
    {
        Ok(()) => {
            remember(&mut app.findings.filter_history, &text);
            switch_tab(app, Tab::Findings)
        }
        Err(e) => {
            app.notify(format!("filter: {e}"), NoticeLevel::Error);
            Vec::new()
        }
    }
}
