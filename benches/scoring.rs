//! In-process scoring cost: `Scorer::score` for one lead with 6 and with
//! 200 activities on a 30-activity-type model with the shipped rules, the same
//! lead through the whole handler path (proto → domain → score → proto), and
//! a batch of 1,000 such leads (reported per lead).
//!
//! Run: `cargo bench --bench scoring` (or `benches/run.sh` for everything).

mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use leadscore::grpc::convert;
use leadscore::lead::ValidLead;

/// The `leadscore` binary's allocator, so the figures are the service's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The time the fixtures are scored as of.
fn as_of() -> leadscore::time::Timestamp {
    support::NOW
}

fn domain(lead: leadscore::pb::v1::Lead) -> ValidLead {
    let lead = convert::lead(lead).expect("fixture lead converts");
    ValidLead::parse(lead, as_of()).expect("fixture lead is valid")
}

/// `Scorer::score` and the whole handler path for one lead with
/// `activities` activities.
fn one_lead(c: &mut Criterion, activities: usize) {
    let scorer = support::scorer();
    let pb_lead = support::hot_lead("bench-lead", activities);
    let lead = domain(pb_lead.clone());
    let mut g = c.benchmark_group(format!("score_lead_{activities}_activities"));
    g.throughput(Throughput::Elements(1));
    g.bench_function("Scorer::score", |b| {
        b.iter(|| scorer.score(black_box(&lead), as_of()).expect("scores"))
    });
    g.bench_function("handler_path", |b| {
        b.iter_batched(
            || pb_lead.clone(),
            |l| {
                let score = scorer.score(&domain(l), as_of()).expect("scores");
                convert::lead_score(score)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// The hot lead of the gRPC benchmark (6 activities) and the heavy one.
fn single_leads(c: &mut Criterion) {
    one_lead(c, support::HOT_ACTIVITIES);
    one_lead(c, support::HEAVY_ACTIVITIES);
}

fn batch(c: &mut Criterion) {
    let scorer = support::scorer();
    let leads: Vec<ValidLead> = (0..support::BATCH)
        .map(|i| {
            domain(support::hot_lead(
                &format!("bench-{i}"),
                support::HEAVY_ACTIVITIES,
            ))
        })
        .collect();
    let mut g = c.benchmark_group("score_batch_1000_leads_200_activities");
    g.throughput(Throughput::Elements(support::BATCH as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("Scorer::score", |b| {
        b.iter(|| {
            leads
                .iter()
                .map(|l| scorer.score(l, as_of()).expect("scores"))
                .collect::<Vec<_>>()
        })
    });
    g.finish();
}

criterion_group!(benches, single_leads, batch);
criterion_main!(benches);
