//! On `simulate` output the fit recovers the truth, and the written model
//! loads in the service and scores exactly like the training code.

mod common;

use std::sync::OnceLock;

use leadscore_core::evaluation;
use leadscore_core::features::CompiledFeatures;
use leadscore_core::model::linear::logistic;
use leadscore_core::model::{ExplanationForm, LinearModel, ModelFile};
use leadscore_train::train::{self, Trained};
use leadscore_train::{design, score};

/// Grid of the tests (the default grid takes longer in debug builds).
const HALF_LIVES: &str = "none,14,30,60";

/// Simulated history, truth and trained model, shared by the tests.
struct Fixture {
    /// Keeps the files alive.
    dir: tempfile::TempDir,
    /// The training result.
    trained: Trained,
    /// The true model.
    truth: LinearModel,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let sim = dir.path().join("sim");
        let sim_s = sim.display().to_string();
        leadscore_train::cli::run(common::cli(&[
            "simulate", "--leads", "20000", "--seed", "11", "--out", &sim_s,
        ]))
        .unwrap();
        let leads = sim.join("leads.csv").display().to_string();
        let activities = sim.join("activities.csv").display().to_string();
        let out = dir.path().join("models").display().to_string();
        let args = common::fit_args(&[
            "--leads",
            &leads,
            "--activities",
            &activities,
            "--out",
            &out,
            "--half-lives",
            HALF_LIVES,
            "--c-grid",
            "0.01,1",
            // The truth has one half-life: these tests check it and the
            // weights it gives (a per-type half-life trades off against its
            // type's weight); the per-type search is per_type_half_lives.rs'.
            "--per-type-rounds",
            "0",
        ]);
        let trained = train::train(args.input.load().unwrap(), &args.settings).unwrap();
        let truth = LinearModel::new(ModelFile::load(&sim.join("truth.json")).unwrap());
        Fixture {
            dir,
            trained,
            truth,
        }
    })
}

#[test]
fn recovers_signs_and_order_of_the_true_weights() {
    let f = fixture();
    let fitted = LinearModel::new(f.trained.file.clone());
    let truth_of = |name: &str| {
        let i = (0..f.truth.weights().len())
            .find(|&i| f.truth.feature_name(i) == name)
            .expect("known type");
        f.truth.weights()[i]
    };
    let pairs: Vec<(String, f64, f64)> = (0..fitted.weights().len())
        .map(|i| {
            (
                fitted.feature_name(i).to_owned(),
                fitted.weights()[i],
                truth_of(fitted.feature_name(i)),
            )
        })
        .collect();
    assert_eq!(
        pairs.len(),
        f.truth.weights().len(),
        "every simulated type is a feature"
    );
    for (name, w, t) in &pairs {
        assert_eq!(w.signum(), t.signum(), "{name}: fitted {w}, true {t}");
    }
    // The true weights are at least 0.15 apart; the fitted ones keep their order.
    for a in &pairs {
        for b in &pairs {
            if a.2 > b.2 {
                assert!(
                    a.1 > b.1,
                    "order: {} ({} true {}) vs {} ({} true {})",
                    a.0,
                    a.1,
                    a.2,
                    b.0,
                    b.1,
                    b.2
                );
            }
        }
    }
}

#[test]
fn recovers_the_half_life_within_one_grid_step() {
    let chosen = fixture().trained.file.features.half_life_days;
    assert!(
        matches!(chosen, Some(d) if (14.0..=60.0).contains(&d)),
        "chose {chosen:?}, truth 30 on grid {HALF_LIVES}"
    );
}

#[test]
fn test_auc_is_within_0_01_of_the_true_model() {
    let f = fixture();
    let rows = &f.trained.test_rows;
    let y: Vec<bool> = rows
        .iter()
        .map(|&r| f.trained.history.leads[r].won)
        .collect();
    let true_auc = evaluation::auc(&score::predict(&f.trained.history, &f.truth, rows), &y);
    let auc = f.trained.evaluation.auc;
    assert!(
        (auc - true_auc).abs() <= 0.01,
        "fitted {auc}, true model {true_auc}"
    );
    assert!(f.trained.file.mql_threshold > 0.0 && f.trained.file.mql_threshold < 1.0);
}

#[test]
fn written_model_loads_in_the_service_and_scores_like_training() {
    let f = fixture();
    let out = f.dir.path().join("written");
    let mut trained = f.trained.clone();
    let written = leadscore_train::output::write(&out, &mut trained).unwrap();
    assert!(written.report.exists());
    let loaded = LinearModel::new(ModelFile::load(&written.model).unwrap());
    assert_eq!(loaded.version(), written.version);
    assert!(
        written.version.len() == 25 && written.version.as_bytes()[15] == b'Z',
        "{}",
        written.version
    );

    // Training path: shared features → standardize → coefficients.
    let file = &trained.file;
    let compiled = CompiledFeatures::new(file.features.clone());
    let rows: Vec<usize> = (0..trained.history.leads.len()).step_by(97).collect();
    let z = design::standardize(
        &design::features(&trained.history, &compiled, &rows),
        &file.standardization,
    );
    for (k, &r) in rows.iter().enumerate() {
        let logit: f64 = z
            .row(k)
            .iter()
            .zip(&file.coefficients)
            .map(|(a, b)| a * b)
            .sum::<f64>()
            + file.intercept;
        let served = trained
            .history
            .with_input(r, |input| loaded.explain(&loaded.features().compute(input)));
        assert!(
            (served.probability - logistic(logit)).abs() < 1e-9,
            "lead {r}: {} vs {}",
            served.probability,
            logistic(logit)
        );
        // The baseline (the training mean) standardizes to zero, so
        // training's baseline logit is the fitted intercept and its terms
        // `coef_i · z_i`: the service's explanation must be the same.
        assert_eq!(served.form, ExplanationForm::Baseline);
        assert!(
            (served.baseline_logit - file.intercept).abs() < 1e-9,
            "lead {r}: baseline {} vs training {}",
            served.baseline_logit,
            file.intercept
        );
        for t in &served.terms {
            let trained_term = z[[k, t.feature]] * file.coefficients[t.feature];
            assert!((t.logit - trained_term).abs() < 1e-9, "lead {r}: {t:?}");
        }
        let term_sum: f64 =
            served.baseline_logit + served.terms.iter().map(|t| t.logit).sum::<f64>();
        assert!((term_sum - served.logit).abs() < 1e-9);
    }
    assert_eq!(
        file.baseline.as_deref(),
        Some(&file.standardization.mean[..]),
        "the baseline is the mean of the final fit's raw design"
    );
    assert_eq!(loaded.points_at(file.mql_threshold), file.points.threshold);
    // A lead with nothing is 100 points below the threshold; points count
    // from the baseline lead.
    let nothing = (loaded.intercept() - loaded.baseline_logit()) * file.points.per_logit;
    assert!((file.points.threshold as f64 - nothing - 100.0).abs() <= 1.0);

    // Never overwritten: a second write gets a new name or is refused.
    let again = leadscore_train::output::write_new(&written.model, b"{}");
    assert!(again.is_err());
}
