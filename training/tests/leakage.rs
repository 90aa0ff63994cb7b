//! Leakage rule: features are computed as of one microsecond before the
//! outcome, so an activity at or after the outcome never changes them, and
//! open leads are not training rows; date-only activity times move the
//! cutoff to the outcome's day, and a feature or model that ranks the test
//! set almost perfectly is flagged.

mod common;

use leadscore_core::features::{
    ActivityFeature, CompiledFeatures, FeatureSource, FeatureSpec, FunnelStage,
};
use leadscore_train::design;
use leadscore_train::input::History;
use leadscore_train::input::cutoff::Cutoff;

const LEADS: &str = "lead_id,created_at,outcome,outcome_at,job_title\n\
    a,2024-01-01,won,2024-03-01T12:00:00Z,CEO\n\
    b,2024-01-01,lost,2024-03-02 08:00:00,Student\n\
    c,2024-01-01,open,,Analyst\n";

const BEFORE: &str = "lead_id,activity_type,occurred_at,event_id\n\
    a,Demo Request,2024-02-01T00:00:00Z,e1\n\
    a,page_view,2024-03-01T11:59:59Z,e2\n\
    b,page_view,2024-02-15,e3\n\
    c,demo_request,2024-02-01,e4\n";

fn load(activities: &str) -> History {
    let dir = tempfile::tempdir().unwrap();
    let leads = common::write(dir.path(), "leads.csv", LEADS);
    let acts = common::write(dir.path(), "activities.csv", activities);
    common::fit_args(&["--leads", &leads, "--activities", &acts, "--out", "unused"])
        .input
        .load()
        .unwrap()
}

fn features(history: &History, half_life_days: Option<f64>) -> Vec<f64> {
    let spec = FeatureSpec {
        source: FeatureSource::Events,
        half_life_days,
        half_life_days_by_type: Default::default(),
        dedupe_window_seconds: 60,
        activities: ["demo_request", "page_view", "free_trial"]
            .iter()
            .map(|t| ActivityFeature {
                activity_type: (*t).to_owned(),
                funnel_stage: FunnelStage::of(t),
                unit: None,
            })
            .collect(),
        categorical: vec![],
    };
    let rows: Vec<usize> = (0..history.leads.len()).collect();
    design::features(history, &CompiledFeatures::new(spec), &rows)
        .into_raw_vec_and_offset()
        .0
}

#[test]
fn activity_at_or_after_the_outcome_never_changes_the_features() {
    let clean = load(BEFORE);
    let leaky = load(&format!(
        "{BEFORE}a,free_trial,2024-03-01T12:00:00Z,e5\na,demo_request,2024-03-05,e6\nb,free_trial,2024-03-02T08:00:00Z,e7\n"
    ));
    for half_life in [None, Some(7.0), Some(30.0)] {
        assert_eq!(
            features(&clean, half_life),
            features(&leaky, half_life),
            "half-life {half_life:?}"
        );
    }
    // The activity one second before the outcome does count.
    let f = features(&clean, None);
    assert_eq!(f[..3], [2f64.ln(), 2f64.ln(), 0.0]);
}

#[test]
fn open_leads_are_not_training_rows_and_as_of_is_just_before_the_outcome() {
    let h = load(BEFORE);
    assert_eq!(
        h.leads.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(h.open_leads, 1);
    for lead in &h.leads {
        assert_eq!(
            lead.as_of,
            lead.outcome_at
                .unwrap()
                .saturating_sub(leadscore_core::time::Span::micros(1))
        );
    }
}

/// `simulate` output with every activity time cut to its date, as exports
/// with day resolution have it: a won lead's onboarding on the outcome day
/// then sits "before" an outcome later that day.
#[test]
fn date_only_activity_times_move_the_cutoff_to_the_outcome_day_and_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    leadscore_train::cli::run(common::cli(&[
        "simulate",
        "--leads",
        "4000",
        "--seed",
        "5",
        "--out",
        &sim.display().to_string(),
    ]))
    .unwrap();
    let acts = std::fs::read_to_string(sim.join("activities.csv")).unwrap();
    let dated: String = acts
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                return format!("{line}\n");
            }
            let f: Vec<&str> = line.split(',').collect();
            format!("{},{},{},{}\n", f[0], f[1], &f[2][..10], f[3])
        })
        .collect();
    let activities = common::write(dir.path(), "dated.csv", &dated);
    let leads = sim.join("leads.csv").display().to_string();
    let out = dir.path().join("models");
    let args = common::fit_args(&[
        "--leads",
        &leads,
        "--activities",
        &activities,
        "--out",
        &out.display().to_string(),
        "--half-lives",
        "none,30",
        "--c-grid",
        "0.1,1",
    ]);
    let mut trained =
        leadscore_train::train::train(args.input.load().unwrap(), &args.settings).unwrap();
    let auc = trained.evaluation.auc;
    assert!(
        auc < 0.95,
        "date-only times must not leak the outcome: AUC {auc}"
    );
    assert_eq!(trained.history.cutoff, Cutoff::BeforeOutcomeDay);
    assert!(
        trained.file.training["leakage_rule"]
            .as_str()
            .unwrap()
            .contains("start of the outcome day"),
        "{}",
        trained.file.training
    );
    assert_eq!(
        trained.file.training["leakage"]["cutoff"],
        "before_outcome_day"
    );
    let written = leadscore_train::output::write(&out, &mut trained).unwrap();
    let report = std::fs::read_to_string(written.report).unwrap();
    assert!(
        report.contains("**Warning**: day-resolution timestamps"),
        "{report}"
    );
}

/// A wide column filled in from the outcome ranks the leads alone: flagged
/// in the report and the model file, naming the column.
#[test]
fn a_feature_that_alone_ranks_the_test_set_is_flagged_as_probable_leakage() {
    let mut csv = "id,converted,visits,tags\n".to_owned();
    for i in 0..400u32 {
        let won = (i * 7) % 10 < 4;
        let tag = match (won, i % 50) {
            (_, 0) => "Ringing",
            (true, _) => "Will revert",
            (false, _) => "Ringing",
        };
        csv.push_str(&format!("l{i},{},{},{tag}\n", u8::from(won), (i * 13) % 7));
    }
    let dir = tempfile::tempdir().unwrap();
    let wide = common::write(dir.path(), "wide.csv", &csv);
    let out = dir.path().join("models");
    let shown = out.display().to_string();
    let mut flags = common::wide_flags(&wide, "converted", &shown);
    flags.extend_from_slice(&["--c-grid", "0.1,1"]);
    let args = common::fit_args(&flags);
    let mut trained =
        leadscore_train::train::train(args.input.load().unwrap(), &args.settings).unwrap();
    let flagged = &trained.file.training["leakage"]["flagged_features"];
    assert_eq!(flagged[0]["column"], "tags", "{flagged}");
    assert!(flagged[0]["auc"].as_f64().unwrap() > 0.95);
    let written = leadscore_train::output::write(&out, &mut trained).unwrap();
    let report = std::fs::read_to_string(written.report).unwrap();
    assert!(
        report.contains("probable leakage") && report.contains("(column \"tags\""),
        "{report}"
    );
}
