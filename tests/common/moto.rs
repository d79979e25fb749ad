//! moto for the end-to-end tests: a server on a free loopback port, boto3 to set it up, and
//! picket run against it with test credentials and nothing from the machine's AWS settings.
//!
//! The setup installs moto with pip when it is missing; PICKET_SKIP_MOTO=1 skips these tests
//! instead, saying so.

use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const ENV: [(&str, &str); 4] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_CONFIG_FILE", "/nonexistent/aws/config"),
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/aws/credentials",
    ),
];

pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    /// Starts moto on a free loopback port, or returns None when the tests are to be skipped.
    pub fn start() -> Option<Moto> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        Self::start_on(port)
    }

    pub fn start_on(port: u16) -> Option<Moto> {
        let Some(program) = moto_program() else {
            eprintln!("SKIPPED: moto is not installed and PICKET_SKIP_MOTO is set");
            return None;
        };
        let port_text = port.to_string();
        let child = Command::new(&program[0])
            .args(&program[1..])
            .args(["-H", "127.0.0.1", "-p", &port_text])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start moto ({}): {e}", program.join(" ")));
        let moto = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        // Ready when it answers HTTP, not merely when the port accepts connections.
        while !answers_http(port) {
            assert!(
                Instant::now() < deadline,
                "moto did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Runs boto3 code against this server (moto brings boto3).
    pub fn python(&self, code: &str) {
        let script = format!(
            "import boto3, datetime, json\nurl = '{}'\nnow = datetime.datetime.now(datetime.timezone.utc)\n{code}",
            self.url()
        );
        let out = Command::new("python3")
            .arg("-c")
            .arg(script)
            .envs(ENV)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "boto3 setup failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether an HTTP server on `port` answers a request.
fn answers_http(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reply = [0u8; 12];
    stream
        .write_all(b"GET /moto-api/ HTTP/1.0\r\n\r\n")
        .and_then(|()| stream.read_exact(&mut reply))
        .is_ok_and(|()| reply.starts_with(b"HTTP/"))
}

/// How to run moto: `moto_server`, or the module under python3. When neither is there the
/// test setup installs it with pip, once per test binary; PICKET_SKIP_MOTO=1 skips instead
/// (None). A failed install fails the tests with the command to run by hand.
fn moto_program() -> Option<Vec<String>> {
    static FOUND: std::sync::OnceLock<Option<Vec<String>>> = std::sync::OnceLock::new();
    FOUND
        .get_or_init(|| {
            let installed = || {
                let runs = |program: &str, args: &[&str]| {
                    Command::new(program)
                        .args(args)
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status()
                        .is_ok_and(|s| s.success())
                };
                if runs("moto_server", &["--help"]) {
                    Some(vec!["moto_server".to_string()])
                } else if runs("python3", &["-c", "import moto.server, flask"]) {
                    Some(["python3", "-m", "moto.server"].map(String::from).to_vec())
                } else {
                    None
                }
            };
            if let Some(found) = installed() {
                return Some(found);
            }
            if std::env::var_os("PICKET_SKIP_MOTO").is_some() {
                return None;
            }
            eprintln!("moto is not installed: installing it with pip for the AWS end-to-end tests");
            let pip = Command::new("python3")
                .args(["-m", "pip", "install", "--quiet", "moto[server]"])
                .status();
            assert!(
                pip.is_ok_and(|s| s.success()),
                "moto is required for these tests and could not be installed: run pip install 'moto[server]' (or set PICKET_SKIP_MOTO=1 to skip them)"
            );
            Some(installed().expect("moto runs after installing it"))
        })
        .clone()
}

pub fn picket(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_picket"));
    cmd.args(args)
        .envs(ENV)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("PICKET_CONFIG");
    cmd.output().expect("picket runs")
}

/// Sets the test credentials in this process's environment, for in-process AWS calls. Runs
/// once per test binary, before any of its AWS calls reads the environment.
pub fn with_test_credentials() {
    static SET: std::sync::Once = std::sync::Once::new();
    SET.call_once(|| {
        for (k, v) in ENV {
            // SAFETY: the Once runs before any in-process AWS call of the binary's tests reads
            // the environment, and the values never change after.
            unsafe { std::env::set_var(k, v) };
        }
    });
}

/// The settings of a run against `moto`: one region, no retries, Security Hub CSPM, the
/// active workflow states.
pub fn settings(moto: &Moto) -> picket::aws::plan::Settings {
    picket::aws::plan::Settings {
        target: picket::aws::Target {
            profile: None,
            regions: vec!["us-east-1".into()],
            endpoint_url: Some(moto.url()),
            no_retries: true,
        },
        guardduty_archived: false,
        securityhub_api: picket::aws::securityhub::Api::Cspm,
        workflow: vec![
            picket::model::Workflow::New,
            picket::model::Workflow::Notified,
        ],
        rescan: Duration::from_secs(600),
        findings_every: Duration::from_secs(60),
        logs_every: Duration::from_secs(5),
        log_groups: vec![],
        discover_prefix: "aws-cloudtrail-logs".into(),
        logs_window: None,
        live_tail: false,
        max_in_flight: 32,
        org: picket::aws::org::OrgSettings::default(),
        reading: picket::limits::Reading::LIVE,
        scale: Default::default(),
    }
}
