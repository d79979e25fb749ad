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
