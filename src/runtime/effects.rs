//! The one interpreter of [`Effect`]s. `update` says what must happen outside the app; this
//! module does it, the same way for the terminal runtime and for the headless harness
//! (`picket render`, the tests): only the [`Host`] differs — a real terminal, polling tasks and
//! tokio for the first; an off-screen buffer, sources polled by hand and futures that answer at
//! once for the second — and the [`Backends`] (AWS, the demo organization, exported files).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use jiff::Timestamp;

use crate::actions::executor::Executor;
use crate::app::{Effect, Msg};
use crate::sources::Feed;

/// What effects reach beyond the app: actions, pivot searches, Logs Insights, log groups.
pub struct Backends {
    pub executor: Arc<Executor>,
    pub search: Arc<dyn crate::logs::pivot::LogSearch>,
    pub insights: Arc<dyn crate::logs::insights::InsightsRunner>,
    pub groups: GroupChoice,
    /// The config file: `:reload` reads it, `:view save` writes to it.
    pub config: crate::config::ConfigFile,
}

/// Lists log groups for the picker, and remembers the choice (for a profile, in a file).
pub struct GroupChoice {
    pub lister: Arc<dyn crate::sources::groups::GroupLister>,
    pub remember_in: Option<std::path::PathBuf>,
    pub profile: Option<String>,
}

/// Sends a message back to the app, from wherever a task answers.
#[derive(Clone)]
pub struct Reply(Arc<dyn Fn(Msg) + Send + Sync>);

impl Reply {
    pub fn new(send: impl Fn(Msg) + Send + Sync + 'static) -> Reply {
        Reply(Arc::new(send))
    }

    pub fn send(&self, msg: Msg) {
        (self.0)(msg)
    }
}

pub type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Where effects land.
pub trait Host {
    /// Puts text on the clipboard (OSC 52 to the terminal).
    fn copy(&mut self, text: &str) -> std::io::Result<()>;
    /// Polls every active source now.
    fn refresh(&mut self);
    fn set_feed(&mut self, feed: Feed, active: bool);
    /// Points the log sources at `groups`; their batches carry `generation` from then on.
    fn set_groups(&mut self, groups: Vec<String>, generation: u64);
    /// Rings the bell and raises a desktop notification where the terminal shows them.
    fn notify(&mut self, text: &str) -> std::io::Result<()>;
    /// Shows the count of unseen alerts in the window title.
    fn title(&mut self, unseen: usize) -> std::io::Result<()>;
    /// Hands source `source` findings to read again by id, at its next poll.
    fn recheck(&mut self, source: String, ids: Vec<String>);
    /// Runs a task whose answers come back through the reply it holds.
    fn spawn(&mut self, task: Task);
    /// How the answers of spawned tasks reach the app.
    fn reply(&self) -> Reply;
    /// Log events are checked against these detections where they are read. A host without
    /// polling tasks leaves them to the app, which checks what arrives unchecked.
    fn set_detections(&mut self, _names: &[&'static str]) {}
}

pub struct Effects {
    backends: Backends,
    /// Running queries, by id: a send stops one.
    queries: HashMap<u64, tokio::sync::watch::Sender<bool>>,
    /// The profile the app asked to start again on (`:profile NAME`).
    switch_to: Option<String>,
}

impl Effects {
    pub fn new(backends: Backends) -> Effects {
        Effects {
            backends,
            queries: HashMap::new(),
            switch_to: None,
        }
    }

    /// The profile the app asked to start again on, once its run has ended.
    pub fn switch_to(&mut self) -> Option<String> {
        self.switch_to.take()
    }

    /// Carries out one effect; answers whether the app asked to quit.
    pub fn carry_out(&mut self, effect: Effect, host: &mut dyn Host) -> std::io::Result<bool> {
        match effect {
            Effect::Quit => return Ok(true),
            Effect::Answer { id, text } => crate::ask::answer(id, text),
            Effect::SetDetections(names) => host.set_detections(&names),
            // The run ends; whoever started it starts again on the profile.
            Effect::SwitchProfile(profile) => {
                self.switch_to = Some(profile);
                return Ok(true);
            }
            Effect::Copy(text) => host.copy(&text)?,
            Effect::Refresh => {
                // A code declined before is asked for again.
                crate::ask::ask_again();
                host.refresh();
            }
            Effect::SetFeed(feed, active) => host.set_feed(feed, active),
            Effect::Recheck { source, ids } => host.recheck(source, ids),
            Effect::Notify(text) => host.notify(&text)?,
            Effect::Title(unseen) => host.title(unseen)?,
            Effect::SetGroups { groups, generation } => {
                let choice = &self.backends.groups;
                if let Some(path) = &choice.remember_in
                    && let Err(e) =
                        crate::sources::groups::remember(path, choice.profile.as_deref(), &groups)
                {
                    host.reply().send(Msg::Groups {
                        prefix: String::new(),
                        result: Err(format!("the choice could not be remembered: {e}")),
                    });
                }
                host.set_groups(groups, generation);
            }
            Effect::Insights(request) => {
                let (stop, cancel) = tokio::sync::watch::channel(false);
                self.queries.retain(|_, s| !s.is_closed());
                self.queries.insert(request.id, stop);
                let insights = Arc::clone(&self.backends.insights);
                let reply = host.reply();
                host.spawn(Box::pin(async move {
                    let progress: crate::logs::insights::Progress =
                        Box::new(move |update| reply.send(Msg::Insights(update)));
                    insights.run(*request, cancel, progress).await;
                }));
            }
            Effect::StopInsights(id) => {
                if let Some(stop) = self.queries.get(&id) {
                    let _ = stop.send(true);
                }
            }
            Effect::ListGroups(prefix) => {
                let lister = Arc::clone(&self.backends.groups.lister);
                let reply = host.reply();
                host.spawn(Box::pin(async move {
                    let result = lister.list(&prefix).await;
                    reply.send(Msg::Groups { prefix, result });
                }));
            }
            Effect::Pivot(request) => {
                let search = Arc::clone(&self.backends.search);
                let reply = host.reply();
                host.spawn(Box::pin(async move {
                    let result = search.search(&request).await;
                    reply.send(Msg::PivotDone {
                        finding: request.finding.clone(),
                        result,
                    });
                }));
            }
            // The config is a small local file: read and written here, answered at once.
            Effect::SaveView {
                name,
                view,
                replace,
                stamp,
            } => {
                let result = self
                    .backends
                    .config
                    .save_view(&name, &view, replace, &stamp);
                host.reply().send(Msg::ViewSaved { name, view, result });
            }
            Effect::Reload => {
                let result = self.backends.config.reload().map(Box::new);
                host.reply().send(Msg::Reloaded(result));
            }
            Effect::Execute(approved) => {
                let executor = Arc::clone(&self.backends.executor);
                let reply = host.reply();
                host.spawn(Box::pin(async move {
                    let crate::app::act::Approved {
                        plan,
                        acknowledged,
                        entries,
                    } = *approved;
                    let now = Timestamp::now();
                    let id = format!("{}-{:08x}", now.as_millisecond(), fastrand::u32(..));
                    let outcome = executor.execute(&plan, acknowledged, &id, now).await;
                    reply.send(Msg::ActionDone {
                        action: plan.action,
                        entries,
                        operator: plan.operator,
                        outcome,
                    });
                }));
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::app::SavedView;
    use crate::config::ConfigFile;

    /// A host that only collects the answers.
    #[derive(Default)]
    struct Answers(Arc<Mutex<Vec<Msg>>>);

    impl Host for Answers {
        fn copy(&mut self, _: &str) -> std::io::Result<()> {
            Ok(())
        }
        fn refresh(&mut self) {}
        fn set_feed(&mut self, _: Feed, _: bool) {}
        fn set_groups(&mut self, _: Vec<String>, _: u64) {}
        fn notify(&mut self, _: &str) -> std::io::Result<()> {
            Ok(())
        }
        fn title(&mut self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn recheck(&mut self, _: String, _: Vec<String>) {}
        fn spawn(&mut self, _: Task) {}
        fn reply(&self) -> Reply {
            let answers = Arc::clone(&self.0);
            Reply::new(move |msg| {
                if let Ok(mut all) = answers.lock() {
                    all.push(msg);
                }
            })
        }
    }

    fn effects(config: ConfigFile) -> Effects {
        Effects::new(Backends {
            executor: Arc::new(Executor::new(
                crate::actions::executor::MemoryTrail::default(),
                false,
                crate::journal::Operator::local(None),
                Box::new(crate::sources::demo::DemoBackend::default()),
            )),
            search: Arc::new(crate::logs::pivot::NoSearch),
            insights: Arc::new(crate::logs::insights::NoInsights("none")),
            groups: GroupChoice {
                lister: Arc::new(crate::sources::groups::NoGroups),
                remember_in: None,
                profile: None,
            },
            config,
        })
    }

    #[test]
    fn a_view_is_written_into_the_config_and_a_reload_reads_it_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("picket").join("config.toml");
        let config = ConfigFile {
            path: Some(path.clone()),
            ..ConfigFile::default()
        };
        let mut effects = effects(config);
        let mut host = Answers::default();
        let view = SavedView {
            filter: "sev>=high".into(),
            sort: None,
        };
        let save = Effect::SaveView {
            name: "crit".into(),
            view: view.clone(),
            replace: false,
            stamp: "2026-01-15 12:00:00 UTC".into(),
        };
        assert!(!effects.carry_out(save, &mut host).expect("carried out"));
        let text = std::fs::read_to_string(&path).expect("created");
        assert_eq!(
            text,
            "# saved by picket on 2026-01-15 12:00:00 UTC\n[views.crit]\nfilter = \"sev>=high\"\n"
        );
        effects
            .carry_out(Effect::Reload, &mut host)
            .expect("carried out");
        std::fs::write(&path, "[views.crit\n").expect("broken");
        effects
            .carry_out(Effect::Reload, &mut host)
            .expect("carried out");
        let answers = std::mem::take(&mut *host.0.lock().expect("answers"));
        let [
            Msg::ViewSaved {
                name,
                view: written,
                result: Ok(shown),
            },
            Msg::Reloaded(Ok(reloaded)),
            Msg::Reloaded(Err(broken)),
        ] = answers.as_slice()
        else {
            panic!("answers: {}", answers.len())
        };
        assert_eq!((name.as_str(), written), ("crit", &view));
        assert_eq!(shown, &path.display().to_string());
        assert_eq!(reloaded.live.views.get("crit"), Some(&view));
        assert!(
            broken.starts_with(&format!("{}:1:", path.display())),
            "{broken}"
        );
    }
}
