//! Shared helpers for the integration tests.
#![allow(dead_code)]

pub mod faults;
pub mod moto;

use jiff::Timestamp;

use picket::app::Options;
use picket::app::keys::parse_sequence;
use picket::render::{Harness, export};

pub fn now() -> Timestamp {
    picket::render::DEFAULT_NOW
        .parse()
        .expect("valid timestamp")
}

/// The demo (seed 7) after `keys`, as text.
pub fn screen(size: (u16, u16), keys: &str) -> String {
    screen_with(Options::default(), 7, size, keys)
}

pub fn screen_with(options: Options, seed: u64, size: (u16, u16), keys: &str) -> String {
    let mut harness = Harness::new(options, seed, now(), size);
    harness.keys(&parse_sequence(keys));
    export::text(&harness.draw())
}

/// Takes out of `cmd`'s environment every variable through which this machine's AWS or picket
/// settings could reach the run: a test says all of them itself.
pub fn without_machine_settings(cmd: &mut std::process::Command) -> &mut std::process::Command {
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "PICKET_CONFIG",
        "PICKET_STORE",
        "PICKET_JOURNAL",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "https_proxy",
        "http_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// A runtime for a local endpoint (`faults::FaultServer`) that answers while the test waits on
/// a picket process.
pub fn endpoint_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime for the local endpoint")
}
