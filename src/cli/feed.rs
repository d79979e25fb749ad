//! `picket feed setup|template`: the event feed's queue and rules, created after a
//! confirmation and journaled like any change picket makes in AWS, or printed as CloudFormation.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use jiff::Timestamp;

use crate::aws::feed_setup::{self, FeedPlan};
use crate::aws::plan::{self, Services};
use crate::cli::args::FeedAction;
use crate::cli::launch::Launch;
use crate::cli::report::{fail, print, say, tokio_runtime};
use crate::journal::{Entry, Operator, Target, TargetOutcome};

pub fn run(launch: &Launch, action: &FeedAction) -> ExitCode {
    match action {
        FeedAction::Template { queue } => {
            let region = launch
                .aws
                .target
                .regions
                .first()
                .cloned()
                .unwrap_or_else(|| "us-east-1".into());
            print(&FeedPlan::new(queue, &region).template())
        }
        FeedAction::Setup { queue, yes } => setup(launch, queue, *yes),
    }
}

fn setup(launch: &Launch, queue: &str, yes: bool) -> ExitCode {
    if launch.read_only {
        return fail(
            "read-only: picket makes no changes in AWS in this session (--read-only or read_only = true)",
        );
    }
    let runtime = match tokio_runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let no_services = Services {
        guardduty: false,
        securityhub: false,
        logs: false,
    };
    let planned = runtime.block_on(async {
        let (plan, identity) = plan::plan(&launch.aws, no_services).await?;
        let caller = identity.get().await.map_err(|f| {
            f.explain(
                launch.aws.target.profile.as_deref(),
                plan.base.region().map(|r| r.as_ref()),
            )
            .message
        })?;
        Ok::<_, String>((plan, caller))
    });
    let (plan, caller) = match planned {
        Ok(planned) => planned,
        Err(e) => return fail(&e),
    };
    let feeds: Vec<FeedPlan> = plan
        .regions
        .iter()
        .map(|r| FeedPlan::new(queue, r))
        .collect();
    eprintln!(
        "picket feed setup in account {} as {}:",
        caller.account,
        crate::model::SafeText::line(&caller.arn)
    );
    for feed in &feeds {
        for call in feed.calls() {
            eprintln!(
                "  {} · {}",
                feed.region,
                crate::model::SafeText::line(&call)
            );
        }
    }
    if !yes && !confirmed() {
        say("feed setup cancelled: nothing was changed");
        return ExitCode::FAILURE;
    }
    let journal = crate::cli::tui::journal(false);
    let now = Timestamp::now();
    let action_id = format!("{}-{:08x}", now.as_millisecond(), fastrand::u32(..));
    let intent = Entry::Intent {
        action_id: action_id.clone(),
        operator: Operator::local(Some(caller.arn.clone())),
        action: serde_json::json!({"name": "feed setup", "queue": queue, "regions": plan.regions}),
        targets: feeds
            .iter()
            .map(|f| Target {
                finding: f.queue.clone(),
                account: caller.account.clone(),
                region: f.region.clone(),
            })
            .collect(),
        reason: "the event feed: finding events delivered to picket's queue".into(),
    };
    if let Err(e) = journal.append(intent, now) {
        return fail(&format!(
            "nothing was created: the journal could not record the setup: {e}"
        ));
    }
    let mut results = Vec::new();
    let mut urls = Vec::new();
    let mut all_ok = true;
    for feed in &feeds {
        let outcome = runtime.block_on(feed_setup::setup(&plan, feed, &caller.account));
        let failed = outcome
            .done
            .iter()
            .find_map(|(what, r)| r.as_ref().err().map(|e| (what, e)));
        for (what, result) in &outcome.done {
            match result {
                Ok(()) => eprintln!(
                    "  {} · done · {}",
                    feed.region,
                    crate::model::SafeText::line(what)
                ),
                Err(e) => eprintln!(
                    "  {} · FAILED · {}",
                    feed.region,
                    crate::model::SafeText::line(&format!("{what}: {e}"))
                ),
            }
        }
        all_ok &= failed.is_none() && outcome.done.len() == feed.calls().len();
        results.push(TargetOutcome {
            finding: feed.queue.clone(),
            ok: failed.is_none(),
            error: failed.map(|(what, e)| format!("{what}: {e}")),
            request_id: None,
            detail: outcome.queue_url.clone(),
        });
        urls.extend(outcome.queue_url);
    }
    let recorded = journal.append(Entry::Outcome { action_id, results }, Timestamp::now());
    if let Err(e) = recorded {
        say(format!(
            "the setup ran but its outcome could not be journaled ({e}); `picket audit` will show it as outcome unknown"
        ));
    }
    if !urls.is_empty() {
        let listed: Vec<String> = urls.iter().map(|u| format!("\"{u}\"")).collect();
        print(&format!(
            "# add to picket's config:\n[feed]\nqueue_url = [{}]\n",
            listed.join(", ")
        ));
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        say("the setup is incomplete: fix what failed and run it again (every step is idempotent)");
        ExitCode::FAILURE
    }
}

/// Asks on the terminal; without one, only `--yes` goes ahead.
fn confirmed() -> bool {
    if !std::io::stdin().is_terminal() {
        say(
            "feed setup asks for confirmation on a terminal; pass --yes to go ahead without asking",
        );
        return false;
    }
    eprint!("Create these in AWS? Type 'setup' to confirm: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == "setup"
}
