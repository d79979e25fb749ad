//! The event feed end to end against moto: a Security Hub event put on the EventBridge bus goes
//! through a rule to picket's SQS queue, picket reads it, the finding is in the queue and in the
//! disk store, and only then is the message deleted. A workflow change made elsewhere updates
//! the row; a duplicate delivery and a late, older copy change nothing.
//!
//! Needs `moto_server` (`.ci/run` installs it). Without it these tests fail and say so, unless
//! PICKET_SKIP_MOTO=1.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::Region;
use common::moto::{Moto, with_test_credentials};
use jiff::Timestamp;

use picket::app::{App, Msg, Options, update};
use picket::aws::Track;
use picket::aws::feed::FeedSource;
use picket::aws::plan::{Services, Settings, plan, sqs_client};
use picket::model::Workflow;
use picket::model::health::{HealthState, Service};
use picket::runtime::Reply;
use picket::runtime::persist::Persist;
use picket::sources::{Feed, Source};
use picket::store::RawRecords;
use picket::store::disk::Disk;

const QUEUE: &str = "picket-feed";
const FINDING: &str =
    "arn:aws:securityhub:us-east-1:123456789012:subscription/cis/1.2.0/3.3/finding/0001";

/// Creates the queue and the rule that sends Security Hub finding events to it, as `picket
/// feed setup` would; answers the queue URL.
fn queue_with_rule(moto: &Moto) -> String {
    moto.python(&format!(
        r#"
sqs = boto3.client('sqs', endpoint_url=url)
events = boto3.client('events', endpoint_url=url)
q = sqs.create_queue(QueueName='{QUEUE}')['QueueUrl']
arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=['QueueArn'])['Attributes']['QueueArn']
events.put_rule(Name='picket-securityhub', EventPattern=json.dumps({{'source': ['aws.securityhub'], 'detail-type': ['Security Hub Findings - Imported']}}))
events.put_targets(Rule='picket-securityhub', Targets=[{{'Id': 'picket', 'Arn': arn}}])
"#
    ));
    format!("{}/123456789012/{QUEUE}", moto.url())
}

/// A Security Hub finding event, as Security Hub emits it after an import or an analyst's
/// update, put on the default bus.
fn put_event(moto: &Moto, workflow: &str, processed_at: &str) {
    moto.python(&format!(
        r#"
finding = {{'SchemaVersion': '2018-10-08', 'Id': '{FINDING}',
    'ProductArn': 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
    'GeneratorId': 'arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/3.3',
    'AwsAccountId': '123456789012', 'Types': ['Software and Configuration Checks'],
    'CreatedAt': '2026-01-15T09:00:00Z', 'UpdatedAt': '2026-01-15T09:00:00Z',
    'ProcessedAt': '{processed_at}', 'Severity': {{'Label': 'HIGH', 'Normalized': 70}},
    'Title': '3.3 Ensure a log metric filter and alarm exist for usage of root account',
    'Resources': [{{'Type': 'AwsAccount', 'Id': 'AWS::::Account:123456789012'}}],
    'Workflow': {{'Status': '{workflow}'}}, 'RecordState': 'ACTIVE'}}
out = boto3.client('events', endpoint_url=url).put_events(Entries=[{{
    'Source': 'aws.securityhub', 'DetailType': 'Security Hub Findings - Imported',
    'Detail': json.dumps({{'findings': [finding]}})}}])
assert out['FailedEntryCount'] == 0, out
"#
    ));
}

/// Messages on the queue, visible or being read.
fn messages_on(moto: &Moto) -> usize {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import boto3\nsqs = boto3.client('sqs', endpoint_url='{}')\nq = sqs.get_queue_url(QueueName='{QUEUE}')['QueueUrl']\na = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=['All'])['Attributes']\nprint(int(a['ApproximateNumberOfMessages']) + int(a['ApproximateNumberOfMessagesNotVisible']))",
            moto.url()
        ))
        .envs(common::moto::ENV)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .expect("python3");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)))
}

fn settings(moto: &Moto) -> Settings {
    let mut settings = common::moto::settings(moto);
    settings.scale.feed = vec![format!("{}/123456789012/{QUEUE}", moto.url())];
    settings
}

/// The feed of the queue at `url`, as picket builds it, with a one-second long poll; and the
/// plan it was built from.
async fn feed_source(
    moto: &Moto,
    url: &str,
) -> (FeedSource, std::sync::Arc<picket::aws::plan::Plan>) {
    with_test_credentials();
    let no_services = Services {
        guardduty: false,
        securityhub: false,
        logs: false,
    };
    let (plan, _) = plan(&settings(moto), no_services).await.expect("plan");
    let track = Track::new(
        "123456789012",
        "us-east-1",
        Service::Feed,
        None,
        Duration::ZERO,
    )
    .with_budget(Arc::clone(&plan.budget));
    let client = sqs_client(&plan.base, &Region::new("us-east-1"));
    (FeedSource::new(client, url, track).waiting_at_most(1), plan)
}

/// The app with a disk store, fed through the runtime's own persistence step.
struct Screen {
    app: App,
    persist: Persist,
    answers: Arc<Mutex<Vec<Msg>>>,
    disk: Arc<Disk>,
}

impl Screen {
    fn new(dir: &std::path::Path) -> Screen {
        let disk = Arc::new(Disk::open(&dir.join("store.sqlite")).expect("store opens"));
        let mut app = App::new(Options::default(), Timestamp::now());
        app.store.attach(Arc::clone(&disk) as Arc<dyn RawRecords>);
        let answers: Arc<Mutex<Vec<Msg>>> = Arc::default();
        let sink = Arc::clone(&answers);
        let reply = Reply::new(move |msg| sink.lock().expect("answers").push(msg));
        Screen {
            app,
            persist: Persist::start(Some(Arc::clone(&disk)), reply),
            answers,
            disk,
        }
    }

    /// One message through the runtime's steps: persistence, update, persistence.
    fn take(&mut self, mut msg: Msg) {
        self.persist.before(&mut msg);
        update(&mut self.app, msg);
        self.persist.after(&mut self.app);
    }

    /// Hands the writer's answers to the app, once it has written what it was given.
    async fn settle(&mut self) {
        for _ in 0..200 {
            let answers: Vec<Msg> = std::mem::take(&mut *self.answers.lock().expect("answers"));
            if !answers.is_empty() {
                for msg in answers {
                    update(&mut self.app, msg);
                }
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the store's writer never answered");
    }
}

#[test]
fn a_security_hub_event_on_the_bus_reaches_the_queue_the_store_and_the_screen() {
    let Some(moto) = Moto::start() else { return };
    let url = queue_with_rule(&moto);
    put_event(&moto, "NEW", "2026-01-15T09:00:00Z");
    assert_eq!(
        messages_on(&moto),
        1,
        "the rule delivered the event to the queue"
    );

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (mut feed, plan) = feed_source(&moto, &url).await;
        // The sources picket would start include the feed, named after its queue.
        let built = picket::aws::setup::feed_sources(&plan);
        assert_eq!(built.len(), 1);
        assert_eq!(built[0].name(), "feed picket-feed us-east-1");

        let dir = tempfile::tempdir().expect("temp dir");
        let mut screen = Screen::new(dir.path());

        let batch = feed.poll(Timestamp::now()).await;
        assert_eq!(
            batch.health[0].health.state,
            HealthState::Ok,
            "{:?}",
            batch.health
        );
        assert_eq!(batch.findings.len(), 1);
        screen.take(Msg::Batch(Feed::Findings, batch));
        screen.settle().await;
        let ix = screen
            .app
            .store
            .find(
                "asff\u{1f}arn:aws:securityhub:us-east-1::product/aws/securityhub",
                FINDING,
            )
            .expect("the finding is in the queue");
        assert_eq!(
            screen.app.store.summary(ix).map(|s| s.workflow),
            Some(Workflow::New)
        );
        assert_eq!(
            screen.disk.info().expect("info").findings,
            1,
            "and in the store"
        );
        // Its raw record left memory for the store, and opens from there.
        assert!(matches!(
            screen.app.store.get(ix).map(|e| &e.raw),
            Some(picket::store::Held::OnDisk(_))
        ));
        assert!(screen.app.store.finding(ix).is_some());

        // An analyst moves it to NOTIFIED elsewhere: Security Hub emits the event again.
        put_event(&moto, "NOTIFIED", "2026-01-15T10:00:00Z");
        let batch = feed.poll(Timestamp::now()).await;
        // The first message was deleted once stored, before this one was received.
        assert_eq!(messages_on(&moto), 1, "only the new message is left");
        screen.take(Msg::Batch(Feed::Findings, batch));
        screen.settle().await;
        assert_eq!(
            screen.app.store.summary(ix).map(|s| s.workflow),
            Some(Workflow::Notified),
            "the workflow change updated the row"
        );

        // The same event delivered twice, and an older one arriving late: nothing changes.
        put_event(&moto, "NOTIFIED", "2026-01-15T10:00:00Z");
        put_event(&moto, "NEW", "2026-01-15T09:30:00Z");
        let version = screen.app.store.version();
        let mut received = 0;
        while received < 2 {
            let batch = feed.poll(Timestamp::now()).await;
            received += batch.findings.len();
            screen.take(Msg::Batch(Feed::Findings, batch));
        }
        assert_eq!(screen.app.store.version(), version, "nothing changed");
        assert_eq!(
            screen.app.store.summary(ix).map(|s| s.workflow),
            Some(Workflow::Notified)
        );
        // Everything read was stored, so everything is deleted at the next poll.
        let batch = feed.poll(Timestamp::now()).await;
        assert!(batch.findings.is_empty());
        assert_eq!(messages_on(&moto), 0, "every message deleted once stored");
    });
}

#[test]
fn messages_the_store_did_not_take_stay_on_the_queue() {
    let Some(moto) = Moto::start() else { return };
    let url = queue_with_rule(&moto);
    put_event(&moto, "NEW", "2026-01-15T09:00:00Z");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (mut feed, _) = feed_source(&moto, &url).await;
        let mut batch = feed.poll(Timestamp::now()).await;
        assert_eq!(batch.findings.len(), 1);
        // The store failed: the signal is dropped unfired.
        drop(batch.taken.take());
        let _ = feed.poll(Timestamp::now()).await;
        assert_eq!(messages_on(&moto), 1, "the message stays for redelivery");
    });
}

#[test]
fn a_message_that_is_not_a_finding_event_is_counted_and_deleted() {
    let Some(moto) = Moto::start() else { return };
    let url = queue_with_rule(&moto);
    moto.python(&format!(
        "sqs = boto3.client('sqs', endpoint_url=url)\nq = sqs.get_queue_url(QueueName='{QUEUE}')['QueueUrl']\nsqs.send_message(QueueUrl=q, MessageBody='not json at all')"
    ));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (mut feed, _) = feed_source(&moto, &url).await;
        let mut batch = feed.poll(Timestamp::now()).await;
        assert!(batch.findings.is_empty());
        assert!(
            batch.left_out[0].contains("not a finding event"),
            "{:?}",
            batch.left_out
        );
        let message = batch.health[0].health.message.as_deref().unwrap_or("");
        assert!(
            message.contains("1 message(s) were not finding events"),
            "{message}"
        );
        if let Some(taken) = batch.taken.take() {
            let _ = taken.send(());
        }
        let _ = feed.poll(Timestamp::now()).await;
        assert_eq!(messages_on(&moto), 0);
    });
}

/// picket run against moto with a journal of its own.
fn picket_cli(moto: &Moto, journal: &std::path::Path, args: &[&str]) -> std::process::Output {
    let url = moto.url();
    std::process::Command::new(env!("CARGO_BIN_EXE_picket"))
        .args(args)
        .args(["--endpoint-url", &url, "--region", "us-east-1"])
        .envs(common::moto::ENV)
        .env("PICKET_JOURNAL", journal.join("journal.jsonl"))
        .env("PICKET_JOURNAL_KEY", journal.join("journal.key"))
        .env("XDG_STATE_HOME", journal)
        .env_remove("AWS_PROFILE")
        .env_remove("PICKET_CONFIG")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("picket runs")
}

#[test]
fn feed_setup_creates_what_delivers_events_journals_it_and_doctor_checks_it() {
    let Some(moto) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");

    // Without a terminal and without --yes: asks, cannot, changes nothing.
    let refused = picket_cli(&moto, dir.path(), &["feed", "setup"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("pass --yes"));
    let read_only = picket_cli(
        &moto,
        dir.path(),
        &["feed", "setup", "--yes", "--read-only"],
    );
    assert_eq!(read_only.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&read_only.stderr).contains("read-only"));

    let out = picket_cli(&moto, dir.path(), &["feed", "setup", "--yes"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let queue_url = format!("{}/123456789012/picket-findings", moto.url());
    assert!(
        stdout.contains(&format!("queue_url = [\"{queue_url}\"]")),
        "{stdout}"
    );
    // What it journaled: the intent before, the outcome after.
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).expect("journal");
    let kinds: Vec<String> = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("record")["kind"].to_string())
        .collect();
    assert_eq!(kinds, ["\"intent\"", "\"outcome\""]);
    assert!(journal.contains("feed setup"));

    // The rules it made deliver Security Hub and GuardDuty events to the queue.
    moto.python(
        r#"
events = boto3.client('events', endpoint_url=url)
for source, kind in [('aws.securityhub', 'Security Hub Findings - Imported'), ('aws.guardduty', 'GuardDuty Finding'), ('aws.ec2', 'EC2 Instance State-change Notification')]:
    events.put_events(Entries=[{'Source': source, 'DetailType': kind, 'Detail': json.dumps({'findings': []})}])
"#,
    );
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import boto3\nsqs = boto3.client('sqs', endpoint_url='{}')\nq = sqs.get_queue_url(QueueName='picket-findings')['QueueUrl']\nprint(sqs.get_queue_attributes(QueueUrl=q, AttributeNames=['ApproximateNumberOfMessages'])['Attributes']['ApproximateNumberOfMessages'])",
            moto.url()
        ))
        .envs(common::moto::ENV)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .expect("python3");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "2",
        "the two finding events, not the EC2 one"
    );

    // Doctor checks the feed the config names.
    std::fs::write(&config, format!("[feed]\nqueue_url = \"{queue_url}\"\n")).expect("config");
    let config_arg = config.to_string_lossy().to_string();
    let doctor = picket_cli(
        &moto,
        dir.path(),
        &["doctor", "--format", "json", "--config", &config_arg],
    );
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).expect("a JSON report");
    let feed = report["feed"].as_array().expect("feed checks");
    let verdicts: Vec<(&str, &str)> = feed
        .iter()
        .map(|c| {
            (
                c["service"].as_str().unwrap_or(""),
                c["verdict"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("feed queue", "ok"),
            ("feed rules", "ok"),
            ("feed receive", "ok"),
            ("feed delete", "ok")
        ],
        "{feed:?}"
    );
    assert!(
        feed[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("2 messages waiting")
    );

    // A queue that is not there: said, and doctor fails.
    std::fs::write(
        &config,
        format!(
            "[feed]\nqueue_url = \"{}/123456789012/no-such-queue\"\n",
            moto.url()
        ),
    )
    .expect("config");
    let doctor = picket_cli(
        &moto,
        dir.path(),
        &["doctor", "--format", "json", "--config", &config_arg],
    );
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).expect("a JSON report");
    assert_ne!(report["feed"][0]["verdict"], "ok", "{}", report["feed"]);
}

#[test]
fn the_template_is_the_setup_as_cloudformation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_picket"))
        .args([
            "feed",
            "template",
            "--queue",
            "soc-findings",
            "--region",
            "eu-west-1",
        ])
        .env("XDG_STATE_HOME", dir.path())
        .env_remove("PICKET_CONFIG")
        .output()
        .expect("picket runs");
    assert!(out.status.success());
    let template = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Type: AWS::SQS::Queue",
        "SqsManagedSseEnabled: true",
        "Default: soc-findings",
        "Type: AWS::SQS::QueuePolicy",
        "- 'GuardDuty Finding'",
        "- 'Findings Imported V2'",
        "Value: !Ref FindingsQueue",
    ] {
        assert!(
            template.contains(needle),
            "{needle} missing from:\n{template}"
        );
    }
}
