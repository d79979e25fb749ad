//! First contact with a real account: every setup failure picket names, produced the way AWS
//! and the SDK produce it — a real AWS config with no credentials, a missing profile, an SSO
//! profile with an empty token cache, a failing `credential_process`, and a local endpoint
//! (`common::faults`) answering in each service's own error shape — run through the real
//! binary. `picket doctor`, `picket findings` and (for the credentials) `picket logs` each
//! print the one line with its fix, never the SDK's debug text; `--verbose` adds AWS's words.
//!
//! The same table is the README's "Troubleshooting" section: the test fails, printing the
//! section to paste, when the README says otherwise.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::faults::{Fault, FaultServer, Op};
use picket::aws::Cause;

/// How a failure is brought about.
enum Setup {
    /// This AWS config file and no credentials anywhere else; the profile named, if any.
    Files {
        config: &'static str,
        profile: Option<&'static str>,
    },
    /// Static keys; the local endpoint answers `op` with `fault`, in `region`.
    Wire {
        op: Op,
        fault: Fault,
        region: &'static str,
    },
    /// Static keys; GuardDuty has no detector.
    NoDetector,
    /// Static keys; picket's config names a role in another account, whose assumption AWS
    /// denies.
    AssumeRoleDenied,
    /// Static keys; AWS's endpoint is this URL.
    Endpoint(&'static str),
    /// A profile whose role asks for an MFA code (`mfa_serial`); this is typed (None: nothing,
    /// stdin ends), and AWS refuses it.
    MfaRefused,
    /// What the connector says where no local endpoint can bring it about (a proxy, TLS
    /// interception, a timeout): the classifier is given its words.
    Words(&'static str),
}

struct Case {
    cause: Cause,
    setup: Setup,
    /// What picket says: the line, or its start, up to AWS's own words.
    says: &'static str,
}

const DENIED: &str = "User: arn:aws:iam::111122223333:user/analyst is not authorized to perform: guardduty:ListDetectors on resource: arn:aws:guardduty:us-east-1:111122223333:detector/*";
const DENIED_BY_SCP: &str = "User: arn:aws:iam::111122223333:user/analyst is not authorized to perform: guardduty:ListDetectors on resource: arn:aws:guardduty:us-east-1:111122223333:detector/* with an explicit deny in a service control policy";
const OUTSIDE_BOUNDARY: &str = "User: arn:aws:iam::111122223333:user/analyst is not authorized to perform: guardduty:ListDetectors on resource: arn:aws:guardduty:us-east-1:111122223333:detector/* because no permissions boundary allows the guardduty:ListDetectors action";

fn cases() -> Vec<Case> {
    use Setup::*;
    vec![
        Case {
            cause: Cause::NoCredentials,
            setup: Files {
                config: "",
                profile: None,
            },
            says: "no AWS credentials found (looked in: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and the default profile of ~/.aws/config and ~/.aws/credentials, SSO, credential_process, web identity, the container and instance metadata): `aws configure`, `aws configure sso`, or `picket --demo` to try picket without AWS",
        },
        Case {
            cause: Cause::MissingProfile,
            setup: Files {
                config: "[profile dev]\nregion = us-east-1\n",
                profile: Some("prod"),
            },
            says: "profile 'prod' does not exist in ~/.aws/config or ~/.aws/credentials (defined: dev)",
        },
        Case {
            cause: Cause::SsoLogin,
            setup: Files {
                config: "[profile sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n",
                profile: Some("sso"),
            },
            says: "the SSO session of profile 'sso' has expired or was never started: run `aws sso login --profile sso` (a running picket reads on with the new session)",
        },
        Case {
            cause: Cause::SsoSessionUndefined,
            setup: Files {
                config: "[profile corp]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n",
                profile: Some("corp"),
            },
            says: "profile 'corp' names an sso-session that ~/.aws/config does not define: `aws configure sso --profile corp`",
        },
        Case {
            cause: Cause::CredentialProcess,
            setup: Files {
                config: "[profile vault]\ncredential_process = sh -c \"printf 'vault is sealed\\033[2J' >&2; exit 3\"\n",
                profile: Some("vault"),
            },
            says: "profile 'vault''s credential_process failed: external process exited with code exit status: 3. Stderr: vault is sealed",
        },
        Case {
            cause: Cause::MfaCode,
            setup: MfaRefused,
            says: "AWS refused the MFA code for profile 'admin' (MultiFactorAuthentication failed): picket asks again in a minute (r asks now)",
        },
        Case {
            cause: Cause::SessionExpired,
            setup: Wire {
                op: Op::CallerIdentity,
                fault: Fault::ExpiredToken,
                region: "us-east-1",
            },
            says: "the session credentials have expired (ExpiredToken): `aws sso login`, or fresh AWS_SESSION_TOKEN/AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
        },
        Case {
            cause: Cause::ClockSkew,
            setup: Wire {
                op: Op::CallerIdentity,
                fault: Fault::Said(
                    403,
                    "SignatureDoesNotMatch",
                    "Signature expired: 20261201T000000Z is now earlier than 20261201T001600Z (20261201T003100Z - 15 min.)",
                ),
                region: "us-east-1",
            },
            says: "AWS refused the request's signature because this machine's clock is off by 31 min: set the time (`timedatectl set-ntp true`, or the host's NTP)",
        },
        Case {
            cause: Cause::UnknownKey,
            setup: Wire {
                op: Op::CallerIdentity,
                fault: Fault::Said(
                    403,
                    "InvalidClientTokenId",
                    "The security token included in the request is invalid.",
                ),
                region: "us-east-1",
            },
            says: "AWS does not know this access key (InvalidClientTokenId) (deleted, mistyped, or from another partition), or the region is an opt-in region not enabled for the account",
        },
        Case {
            cause: Cause::OptInRegion,
            setup: Wire {
                op: Op::CallerIdentity,
                fault: Fault::Said(
                    403,
                    "InvalidClientTokenId",
                    "The security token included in the request is invalid.",
                ),
                region: "af-south-1",
            },
            says: "af-south-1 is an opt-in region, and AWS does not accept this account's keys there (InvalidClientTokenId): enable it for the account (`aws account enable-region --region-name af-south-1`) or leave it out of --region",
        },
        Case {
            cause: Cause::WrongSecret,
            setup: Wire {
                op: Op::CallerIdentity,
                fault: Fault::Said(
                    403,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
                ),
                region: "us-east-1",
            },
            says: "AWS refused the request's signature (SignatureDoesNotMatch): the secret key in use (AWS_SECRET_ACCESS_KEY, or the default profile's) does not match its access key",
        },
        Case {
            cause: Cause::MissingPermission,
            setup: Wire {
                op: Op::ListDetectors,
                fault: Fault::Said(403, "AccessDeniedException", DENIED),
                region: "us-east-1",
            },
            says: "missing permission guardduty:ListDetectors: User: arn:aws:iam::111122223333:user/analyst is not authorized",
        },
        Case {
            cause: Cause::ServiceControlPolicy,
            setup: Wire {
                op: Op::ListDetectors,
                fault: Fault::Said(403, "AccessDeniedException", DENIED_BY_SCP),
                region: "us-east-1",
            },
            says: "guardduty:ListDetectors is denied by a service control policy of the organization (an SCP), not by the role: the organization's administrators must allow it",
        },
        Case {
            cause: Cause::PermissionsBoundary,
            setup: Wire {
                op: Op::ListDetectors,
                fault: Fault::Said(403, "AccessDeniedException", OUTSIDE_BOUNDARY),
                region: "us-east-1",
            },
            says: "guardduty:ListDetectors is outside the role's permissions boundary: the boundary must allow it as well as the role's policy",
        },
        Case {
            cause: Cause::AssumeRole,
            setup: AssumeRoleDenied,
            says: "cannot assume arn:aws:iam::444455556666:role/picket-read: its trust policy must name the caller, and the caller needs sts:AssumeRole on it",
        },
        Case {
            cause: Cause::GuardDutyOff,
            setup: NoDetector,
            says: "GuardDuty is not enabled in us-east-1: `aws guardduty create-detector --enable --region us-east-1`, or from the organization's GuardDuty administrator",
        },
        Case {
            cause: Cause::SecurityHubOff,
            setup: Wire {
                op: Op::GetSecurityHubFindings,
                fault: Fault::Said(
                    400,
                    "InvalidAccessException",
                    "Account 111122223333 is not subscribed to AWS Security Hub",
                ),
                region: "us-east-1",
            },
            says: "Security Hub is not enabled in us-east-1: `aws securityhub enable-security-hub --region us-east-1`, or from the organization's Security Hub administrator",
        },
        Case {
            cause: Cause::Dns,
            setup: Endpoint("http://no-such-host.invalid"),
            says: "sts:GetCallerIdentity: cannot reach AWS: the endpoint's name does not resolve (DNS): check the network and resolver, or --endpoint-url",
        },
        Case {
            cause: Cause::Refused,
            setup: Endpoint("http://127.0.0.1:9"),
            says: "sts:GetCallerIdentity: cannot reach AWS: nothing listens there (connection refused): a firewall, a needed proxy (HTTPS_PROXY), or a wrong --endpoint-url",
        },
        Case {
            cause: Cause::Proxy,
            setup: Words(
                "io error: client error (Connect): proxy responded 407 Proxy Authentication Required",
            ),
            says: "sts:GetCallerIdentity: cannot reach AWS: the proxy refused (HTTPS_PROXY, NO_PROXY): check its address and credentials",
        },
        Case {
            cause: Cause::TlsInterception,
            setup: Words(
                "io error: client error (Connect): invalid peer certificate: UnknownIssuer",
            ),
            says: "sts:GetCallerIdentity: cannot reach AWS: the endpoint's TLS certificate is not AWS's: a proxy intercepting TLS? trust its CA (SSL_CERT_FILE) or go around it",
        },
        Case {
            cause: Cause::Timeout,
            setup: Words("io error: client error (Connect): operation timed out"),
            says: "sts:GetCallerIdentity: cannot reach AWS: no answer in time: a firewall dropping the traffic, or a slow network",
        },
        Case {
            cause: Cause::Network,
            setup: Words("io error: connection reset by peer"),
            says: "sts:GetCallerIdentity: cannot reach AWS: the network",
        },
    ]
}

/// What every run of picket here shares: no other AWS settings from this machine.
fn base_command(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_picket"));
    cmd.env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"));
    common::without_machine_settings(&mut cmd);
    cmd
}

/// A prepared machine: the files, the environment and the flags of one setup.
struct Machine {
    home: tempfile::TempDir,
    args: Vec<String>,
    keys: bool,
    /// What is typed on stdin.
    typed: String,
}

impl Machine {
    fn new(aws_config: &str, picket_config: &str) -> Machine {
        let home = tempfile::tempdir().expect("a temp home");
        std::fs::write(home.path().join("aws-config"), aws_config).expect("AWS config");
        let config = home.path().join("picket.toml");
        std::fs::write(&config, picket_config).expect("picket config");
        Machine {
            args: vec![
                "--config".into(),
                config.display().to_string(),
                "--no-store".into(),
            ],
            home,
            keys: false,
            typed: String::new(),
        }
    }

    fn credentials_file(self, text: &str) -> Machine {
        std::fs::write(self.home.path().join("aws-credentials"), text).expect("credentials");
        self
    }

    fn typing(mut self, text: &str) -> Machine {
        self.typed = text.to_string();
        self
    }

    fn arg(mut self, flag: &str, value: &str) -> Machine {
        self.args.extend([flag.to_string(), value.to_string()]);
        self
    }

    fn with_keys(mut self) -> Machine {
        self.keys = true;
        self
    }

    fn run(&self, command: &[&str]) -> Output {
        let mut cmd = base_command(self.home.path());
        if self.keys {
            cmd.env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE").env(
                "AWS_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            );
        }
        cmd.args(&self.args)
            .args(command)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("picket runs");
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            // picket may finish without reading it all.
            let _ = stdin.write_all(self.typed.as_bytes());
        }
        child.wait_with_output().expect("picket ends")
    }
}

const SECURITY_HUB_CSPM: &str = "[securityhub]\napi = \"cspm\"\n";

/// Runs each command of picket that meets the failure and checks the line is there, whole,
/// without the SDK's debug text; and that `--verbose` adds AWS's words.
fn check_commands(case: &Case, machine: &Machine, commands: &[&str]) {
    for command in commands {
        let out = machine.run(&[command]);
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            said.contains(case.says),
            "{:?}: `picket {command}` does not say\n  {}\nit said:\n{said}",
            case.cause,
            case.says
        );
        for debug in ["DispatchFailure", "ConnectorError", "ServiceError {"] {
            assert!(!said.contains(debug), "{:?}: {said}", case.cause);
        }
        assert!(
            !said.contains('\u{1b}'),
            "{:?}: an escape reached the terminal: {said:?}",
            case.cause
        );
        // A service not enabled is an answer: `findings` prints what the others hold.
        let answer = matches!(case.cause, Cause::GuardDutyOff | Cause::SecurityHubOff);
        if *command == "doctor" || !answer {
            assert_ne!(out.status.code(), Some(0), "{:?}: {said}", case.cause);
        }
    }
    let verbose = machine.run(&["--verbose", commands[0]]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&verbose.stdout),
        String::from_utf8_lossy(&verbose.stderr)
    );
    assert!(
        said.contains("AWS said: "),
        "{:?}: --verbose adds nothing: {said}",
        case.cause
    );
}

/// Runs one case through the commands that meet it.
fn run_case(runtime: &tokio::runtime::Runtime, case: &Case) {
    const CREDENTIALS: &[&str] = &["doctor", "findings", "logs"];
    const SERVICE: &[&str] = &["doctor", "findings"];
    match &case.setup {
        Setup::Files { config, profile } => {
            let mut machine = Machine::new(config, "").arg("--region", "us-east-1");
            if let Some(profile) = profile {
                machine = machine.arg("--profile", profile);
            }
            check_commands(case, &machine, CREDENTIALS);
        }
        Setup::Wire { op, fault, region } => {
            let server = runtime.block_on(FaultServer::start());
            server.fail_after(*op, 0, *fault);
            let machine = Machine::new("", SECURITY_HUB_CSPM)
                .with_keys()
                .arg("--region", region)
                .arg("--endpoint-url", &server.url());
            let commands = if *op == Op::CallerIdentity {
                CREDENTIALS
            } else {
                SERVICE
            };
            check_commands(case, &machine, commands);
            assert!(server.faulted(*op) > 0, "{:?}: never asked", case.cause);
        }
        Setup::NoDetector => {
            let server = runtime.block_on(FaultServer::start());
            server.without_detector();
            let machine = Machine::new("", SECURITY_HUB_CSPM)
                .with_keys()
                .arg("--region", "us-east-1")
                .arg("--endpoint-url", &server.url());
            check_commands(case, &machine, SERVICE);
        }
        Setup::AssumeRoleDenied => {
            let server = runtime.block_on(FaultServer::start());
            server.fail_after(
                Op::AssumeRole,
                0,
                Fault::Said(
                    403,
                    "AccessDenied",
                    "User: arn:aws:iam::111122223333:user/analyst is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444455556666:role/picket-read",
                ),
            );
            let config = format!(
                "{SECURITY_HUB_CSPM}[org]\nmode = \"accounts\"\n[[org.accounts]]\nrole_arn = \"arn:aws:iam::444455556666:role/picket-read\"\n"
            );
            let machine = Machine::new("", &config)
                .with_keys()
                .arg("--region", "us-east-1")
                .arg("--endpoint-url", &server.url());
            check_commands(case, &machine, SERVICE);
            assert!(server.faulted(Op::AssumeRole) > 0, "AssumeRole never asked");
        }
        Setup::MfaRefused => {
            let server = runtime.block_on(FaultServer::start());
            server.fail_after(
                Op::AssumeRole,
                0,
                Fault::Said(
                    403,
                    "AccessDenied",
                    "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                ),
            );
            let machine = mfa_machine(&server).typing("000000\n");
            check_commands(case, &machine, CREDENTIALS);
        }
        Setup::Endpoint(url) => {
            let machine = Machine::new("", SECURITY_HUB_CSPM)
                .with_keys()
                .arg("--region", "us-east-1")
                .arg("--endpoint-url", url);
            check_commands(case, &machine, CREDENTIALS);
        }
        Setup::Words(words) => {
            let (cause, line) = picket::aws::diagnose::unreachable("sts:GetCallerIdentity", words);
            assert_eq!(cause, case.cause, "{line}");
            assert!(line.starts_with(case.says), "{line}");
        }
    }
}

/// A profile `admin` assuming a role with an MFA code, from the keys of profile `keys`, against
/// `server`.
fn mfa_machine(server: &FaultServer) -> Machine {
    Machine::new(
        "[profile admin]\nrole_arn = arn:aws:iam::444455556666:role/Admin\nsource_profile = keys\nmfa_serial = arn:aws:iam::111122223333:mfa/alice\n[profile keys]\n",
        SECURITY_HUB_CSPM,
    )
    .credentials_file(
        "[keys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    )
    .arg("--region", "us-east-1")
    .arg("--profile", "admin")
    .arg("--endpoint-url", &server.url())
}

#[test]
fn a_profile_with_mfa_serial_asks_for_the_code_and_assumes_its_role_with_it() {
    let runtime = common::endpoint_runtime();
    let server = runtime.block_on(FaultServer::start());
    let out = mfa_machine(&server).typing("123456\n").run(&["doctor"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stderr
            .contains("picket: MFA code for arn:aws:iam::111122223333:mfa/alice (profile admin): "),
        "{stderr}"
    );
    assert!(
        stdout.contains("credentials  ok"),
        "the role's credentials were not used: {stdout}{stderr}"
    );
    let asked: Vec<String> = server
        .bodies(Op::AssumeRole)
        .iter()
        .filter_map(|b| b.as_str().map(str::to_string))
        .collect();
    assert_eq!(asked.len(), 1, "asked once, for every service: {asked:?}");
    assert!(
        asked[0].contains("TokenCode=123456")
            && asked[0].contains("SerialNumber=arn%3Aaws%3Aiam%3A%3A111122223333%3Amfa%2Falice")
            && asked[0].contains("RoleArn=arn%3Aaws%3Aiam%3A%3A444455556666%3Arole%2FAdmin"),
        "{}",
        asked[0]
    );
    // Nothing typed: the line says so, and AWS is not asked.
    let server = runtime.block_on(FaultServer::start());
    let out = mfa_machine(&server).run(&["doctor"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(
            "profile 'admin''s role asks for an MFA code (mfa_serial) and none was given"
        ),
        "{said}"
    );
    assert_eq!(server.calls(Op::AssumeRole), 0);
}

#[test]
fn every_setup_failure_reads_as_one_line_with_its_fix_in_doctor_findings_and_logs() {
    let runtime = common::endpoint_runtime();
    let cases = cases();
    let covered: Vec<Cause> = cases.iter().map(|c| c.cause).collect();
    assert_eq!(
        covered,
        Cause::ALL,
        "one case per cause, in the table's order"
    );
    for case in &cases {
        run_case(&runtime, case);
    }
}

/// The README's troubleshooting table, from the cases above.
fn troubleshooting() -> String {
    let mut table = String::from("| What went wrong | What picket says |\n|---|---|\n");
    for case in cases() {
        table.push_str(&format!(
            "| {} | {} |\n",
            case.cause.title(),
            case.says.replace('|', "\\|")
        ));
    }
    table
}

#[test]
fn the_readme_troubleshooting_table_is_this_table() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = "<!-- troubleshooting: generated from tests/first_contact.rs -->\n";
    let end = "<!-- end of troubleshooting -->";
    let section = readme
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(section, _)| section);
    let expected = troubleshooting();
    assert_eq!(
        section,
        Some(expected.as_str()),
        "README.md's troubleshooting section is out of date; replace it with:\n{start}{expected}{end}"
    );
}
