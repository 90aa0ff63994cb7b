//! Per-type half-lives recover distinct true half-lives: on a simulated
//! history where one activity type fades in days and another over months,
//! the search gives the short type the shorter half-life, the written
//! model records them, and it loads in the service's core and scores
//! exactly like the training code (each type at its own half-life).

mod common;

use leadscore_core::features::CompiledFeatures;
use leadscore_core::model::linear::logistic;
use leadscore_core::model::{LinearModel, ModelFile};
use leadscore_core::time::Span;
use leadscore_train::design;
use leadscore_train::train::{self, Trained};

/// The type whose interest fades fast, and the one that lasts.
const SHORT: (&str, f64) = ("pricing_page_view", 3.0);
const LONG: (&str, f64) = ("demo_request", 60.0);

/// Simulates with the two true half-lives and trains on the result.
fn trained(dir: &std::path::Path) -> Trained {
    let sim = dir.join("sim");
    let sim_s = sim.display().to_string();
    let by_type = format!("{}={},{}={}", SHORT.0, SHORT.1, LONG.0, LONG.1);
    leadscore_train::cli::run(common::cli(&[
        "simulate",
        "--leads",
        "12000",
        "--seed",
        "5",
        "--out",
        &sim_s,
        "--half-life-by-type",
        &by_type,
    ]))
    .unwrap();
    let truth = ModelFile::load(&sim.join("truth.json")).unwrap();
    assert_eq!(truth.features.half_life_days_by_type.len(), 2);
    let leads = sim.join("leads.csv").display().to_string();
    let activities = sim.join("activities.csv").display().to_string();
    let out = dir.join("models").display().to_string();
    let args = common::fit_args(&[
        "--leads",
        &leads,
        "--activities",
        &activities,
        "--out",
        &out,
        "--half-lives",
        "3,10,30,90",
        "--c-grid",
        "1",
        "--per-type-rounds",
        "1",
    ]);
    train::train(args.input.load().unwrap(), &args.settings).unwrap()
}

#[test]
fn per_type_half_lives_recover_distinct_true_half_lives_and_the_model_serves_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut trained = trained(dir.path());
    let search = trained.hyperparameters.per_type_search.clone().unwrap();
    assert!(search.log_loss < search.shared_log_loss, "{search:?}");
    let written = leadscore_train::output::write(&dir.path().join("out"), &mut trained).unwrap();
    let file = ModelFile::load(&written.model).unwrap();
    assert_eq!(
        file.features.half_life_days_by_type,
        search.half_life_days_by_type
    );
    let loaded = LinearModel::new(file.clone());
    let decay = loaded.features().decay();
    let days = |t: &str| {
        decay
            .half_life_of(t)
            .map_or(f64::INFINITY, Span::as_days_f64)
    };
    let (short, long) = (days(SHORT.0), days(LONG.0));
    // Distinct, in the right order, each within one grid step of its truth.
    assert!(
        short < long && short <= 10.0 && long >= 30.0,
        "{} chose {short} days (true {}), {} {long} days (true {}); {search:?}",
        SHORT.0,
        SHORT.1,
        LONG.0,
        LONG.1
    );
    let report = std::fs::read_to_string(&written.report).unwrap();
    assert!(report.contains("per type: "), "{report}");

    // Training's design (each type at its own half-life) and the service's
    // score of the loaded file agree.
    let compiled = CompiledFeatures::new(file.features.clone());
    let rows: Vec<usize> = (0..trained.history.leads.len()).step_by(53).collect();
    let z = design::standardize(
        &design::features(&trained.history, &compiled, &rows),
        &file.standardization,
    );
    for (k, &r) in rows.iter().enumerate() {
        let logit = z.row(k).dot(&ndarray::arr1(&file.coefficients)) + file.intercept;
        let served = trained
            .history
            .with_input(r, |input| loaded.explain(&loaded.features().compute(input)));
        let expected = logistic(logit);
        assert!(
            (served.probability - expected).abs() < 1e-9,
            "lead {r}: {} vs {expected}",
            served.probability
        );
    }
}
