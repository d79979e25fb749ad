//! Mapping AWS JSON into the model: text in, findings out (parse, map, sanitize, keep the raw).
//!
//! `cargo bench --bench mapping`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use picket::model::{asff, guardduty};
use picket::sources::demo::generate_findings;

/// Records of one kind as the API delivers them, taken from the demo's generated findings.
fn records(product_is_guardduty: bool) -> Vec<String> {
    let now = picket::render::DEFAULT_NOW
        .parse()
        .expect("valid timestamp");
    generate_findings(11, 4_000, now)
        .into_iter()
        .filter(|f| (f.product.as_str() == "GuardDuty") == product_is_guardduty)
        .map(|f| f.raw.as_delivered())
        .collect()
}

fn mapping(c: &mut Criterion) {
    let mut group = c.benchmark_group("map JSON to findings");
    for (name, guard) in [("GuardDuty", true), ("ASFF", false)] {
        let texts = records(guard);
        let bytes: usize = texts.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                for text in &texts {
                    let value: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
                    let finding = if guard {
                        guardduty::map_finding(&value)
                    } else {
                        asff::map_finding(&value)
                    };
                    black_box(finding.expect("maps"));
                }
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = mapping
}
criterion_main!(benches);
