//! The filter-pattern engine on CloudTrail records (the demo's mix, compact JSON as CloudWatch
//! Logs delivers them): a plain term, the CIS IAM-policy-changes pattern, and all fifteen CIS
//! detections at once, as a tail evaluates them on every record.
//!
//! `cargo bench --bench pattern`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use picket::logs::detect::{Detector, select};
use picket::logs::pattern::Pattern;
use picket::sources::demo::generate_trail;

fn records() -> Vec<String> {
    let start = picket::render::DEFAULT_NOW
        .parse()
        .expect("valid timestamp");
    generate_trail(5, 20_000, start)
        .into_iter()
        .map(|e| e.message.as_delivered())
        .collect()
}

fn patterns(c: &mut Criterion) {
    let texts = records();
    let mut group = c.benchmark_group("filter patterns on CloudTrail records");
    group.throughput(Throughput::Elements(texts.len() as u64));
    let iam = select("iam-policy-changes").expect("built in")[0].pattern;
    for (name, text) in [
        ("term ConsoleLogin", "ConsoleLogin"),
        ("CIS iam-policy-changes", iam),
        (
            "JSON without a prefilter",
            "{ $.userIdentity.type = Root || $.readOnly IS FALSE }",
        ),
    ] {
        let pattern = Pattern::parse(text).expect("pattern");
        let hits = texts.iter().filter(|t| pattern.matches(t)).count();
        println!("{name}: {hits} of {} records match", texts.len());
        group.bench_function(name, |b| {
            b.iter(|| {
                for text in &texts {
                    black_box(pattern.matches(text));
                }
            })
        });
    }
    let all = Detector::new(select("all").expect("all"));
    group.bench_function("all 15 CIS detections", |b| {
        b.iter(|| {
            for text in &texts {
                black_box(all.check(text));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, patterns);
criterion_main!(benches);
