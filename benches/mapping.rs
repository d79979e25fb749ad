//! Mapping AWS JSON into the model: a record's text in, a finding out (parse, map, sanitize,
//! keep the text as the raw record), as the sources do for each record of a response.
//!
//! `cargo bench --bench mapping`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use picket::model::finding_from_text;
use picket::model::raw::RecordKind;
use picket::sources::demo::generate_findings;

/// Records of one kind as the API delivers them (compact JSON), from the demo's generator.
fn records(kind: RecordKind) -> Vec<String> {
    let now = picket::render::DEFAULT_NOW
        .parse()
        .expect("valid timestamp");
    generate_findings(11, 4_000, now)
        .into_iter()
        .filter(|f| f.raw.kind() == kind)
        .map(|f| f.raw.as_delivered())
        .collect()
}

fn mapping(c: &mut Criterion) {
    let mut group = c.benchmark_group("map JSON to findings");
    for (name, kind) in [
        ("GuardDuty", RecordKind::GuardDuty),
        ("ASFF", RecordKind::Asff),
    ] {
        let texts = records(kind);
        assert!(!texts.is_empty(), "the demo generates {name} records");
        let bytes: usize = texts.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                for text in &texts {
                    black_box(finding_from_text(kind, text).expect("maps"));
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
