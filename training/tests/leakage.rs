//! Leakage rule: features are computed as of one microsecond before the
//! outcome, so an activity at or after the outcome never changes them, and
//! open leads are not training rows.

mod common;

use leadscore_core::features::{
    ActivityFeature, CompiledFeatures, FeatureSource, FeatureSpec, FunnelStage,
};
use leadscore_train::design;
use leadscore_train::input::History;

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
