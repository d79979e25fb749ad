//! `picket handoff`: the shift as the disk store kept it and the journal recorded it, for the
//! next responder ([`crate::app::handoff`]).

use std::io::Write;

use jiff::Timestamp;

use crate::app::handoff;
use crate::app::incidents::GroupBy;
use crate::cli::args::{HandoffArgs, HandoffFormat};
use crate::cli::launch::Launch;
use crate::model::Directory;
use crate::query::Query;
use crate::store::disk::Disk;
use crate::store::{CompiledFilter, EntryIx, FindingStore, SortKey, sort_rows};

/// Exit status for a usage error (a bad age, filter or grouping).
pub const USAGE: u8 = 2;
/// Exit status when there is nothing to read (no store) or it cannot be read.
pub const UNREADABLE: u8 = 3;

pub fn run(
    launch: &Launch,
    args: &HandoffArgs,
    demo: bool,
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<(), (u8, String)> {
    let age =
        crate::model::age::parse(&args.since).map_err(|e| (USAGE, format!("--since: {e}")))?;
    let since = crate::model::age::before(now, age);
    let query = Query::parse(&args.filter).map_err(|e| (USAGE, format!("--filter: {e}")))?;
    let by = GroupBy::parse(&args.group).ok_or_else(|| {
        (
            USAGE,
            format!(
                "--group: '{}' is not sequence, resource, principal, type or account",
                args.group
            ),
        )
    })?;
    let path = launch.store_path(demo).ok_or((
        USAGE,
        "a handoff reads the disk store, and this run has none (--no-store)".to_string(),
    ))?;
    if !path.exists() {
        return Err((
            UNREADABLE,
            format!(
                "no store at {} yet: picket keeps one while it runs (run picket{} first)",
                path.display(),
                if demo { " --demo" } else { "" }
            ),
        ));
    }
    let disk = Disk::open(&path).map_err(|e| (UNREADABLE, e))?;
    let mut store = FindingStore::default();
    disk.load(&mut store).map_err(|e| (UNREADABLE, e))?;
    store.attach(std::sync::Arc::new(disk));
    let mut directory = Directory::default();
    if demo {
        for account in crate::sources::demo::DemoOrg::new(launch.seed).accounts() {
            directory.insert(account.clone());
        }
    }
    let filter = CompiledFilter::compile(&query, &store, &directory, now);
    let since_s = since.as_second();
    let mut rows: Vec<EntryIx> = (0..store.len() as EntryIx)
        .filter(|&ix| {
            filter.matches(&store, ix) && store.summary(ix).is_some_and(|s| s.last_seen >= since_s)
        })
        .collect();
    sort_rows(&mut rows, &store, &directory, SortKey::Severity, false);
    let records = journal_records(args, demo)?;
    let bundle = handoff::build(
        &store,
        &directory,
        &rows,
        by,
        Some(&records),
        (Some(since), now),
        &args.filter,
    );
    let text = match args.format {
        HandoffFormat::Md => handoff::markdown(&bundle),
        HandoffFormat::Json => serde_json::to_string_pretty(&bundle)
            .map(|json| crate::model::text::json_inert(&json).into_owned() + "\n")
            .map_err(|e| (UNREADABLE, e.to_string()))?,
    };
    let text = if launch.options.present {
        masked(&text, &store, &directory, &rows, &bundle)
    } else {
        text
    };
    out.write_all(text.as_bytes())
        .map_err(|e| (UNREADABLE, format!("cannot write: {e}")))
}

/// The handoff in presenter mode: the names its findings, principals and operators hold are
/// learned, then the text masked (JSON value by value).
fn masked(
    text: &str,
    store: &FindingStore,
    directory: &Directory,
    rows: &[EntryIx],
    bundle: &handoff::Handoff,
) -> String {
    let mask = crate::mask::Mask::new();
    mask.learn_directory(directory);
    mask.learn_principals(&store.principals);
    for &ix in rows {
        mask.learn_entry(store, ix);
        if let Some(finding) = store.finding(ix) {
            mask.learn_finding(&finding);
        }
    }
    for group in &bundle.groups {
        for principal in group
            .principals
            .iter()
            .chain(group.activity.iter().map(|a| &a.principal))
        {
            mask.learn_principal(principal);
        }
    }
    for action in bundle.actions.iter().flatten() {
        mask.learn_principal(&action.operator);
    }
    let masked = mask.outgoing(text.trim_end());
    if text.ends_with('\n') {
        masked + "\n"
    } else {
        masked
    }
}

/// The journal's records; none when there is no journal yet.
fn journal_records(
    args: &HandoffArgs,
    demo: bool,
) -> Result<Vec<crate::journal::Record>, (u8, String)> {
    let Some(real) = args.journal.clone().or_else(crate::journal::default_path) else {
        return Ok(Vec::new());
    };
    let journal = crate::journal::locate(real, args.key.clone(), demo);
    if !journal.path().exists() {
        return Ok(Vec::new());
    }
    journal
        .contents()
        .map(|c| c.records)
        .map_err(|e| (UNREADABLE, e))
}
