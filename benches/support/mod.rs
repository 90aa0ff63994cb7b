//! Fixtures shared by the benchmarks: a 30-activity-type model built like
//! `tests/common/mod.rs` builds its fixture model, the shipped rules, and
//! "hot lead" builders with a chosen number of activities.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use leadscore::features::{ActivityFeature, FeatureSource, FeatureSpec, FunnelStage};
use leadscore::model::{LinearModel, MODEL_FORMAT, ModelFile, PointsScale, Standardization};
use leadscore::pb::v1 as pb;
use leadscore::rules::Rules;
use leadscore::scoring::Scorer;

/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// The fixed "now" of every request: 2026-06-01T00:00:00Z.
pub const NOW: i64 = 1_780_272_000;
/// Version (file name) of the benchmark model.
pub const MODEL_VERSION: &str = "20260601T000000Z-bench30";
/// Activities of the "heavy" lead.
pub const HEAVY_ACTIVITIES: usize = 200;
/// Activities of the "hot" lead (and of each lead of the batch).
pub const HOT_ACTIVITIES: usize = 6;
/// Leads in a batch.
pub const BATCH: usize = 1_000;

/// The 30 activity types of the benchmark model: the built-in catalog plus
/// one unclassified type.
pub static TYPES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    let catalog = leadscore::features::CATALOG
        .iter()
        .flat_map(|(_, types)| types.iter().copied());
    catalog.chain(["partner_referral"]).collect()
});

/// The shipped rules file.
pub fn shipped_rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/rules.toml")
}

/// A valid model file over [`TYPES`] with deterministic weights.
pub fn model_file() -> ModelFile {
    let n = TYPES.len();
    let weight = |i: usize| match FunnelStage::of(TYPES[i]) {
        FunnelStage::Bofu => 1.5 + 0.1 * i as f64,
        FunnelStage::Mofu => 0.6 + 0.02 * i as f64,
        FunnelStage::Tofu => 0.2 + 0.01 * i as f64,
        FunnelStage::Negative => -1.5,
        FunnelStage::Unclassified => 0.1,
    };
    let scale: Vec<f64> = (0..n).map(|i| 0.5 + (i % 5) as f64 * 0.25).collect();
    let mean: Vec<f64> = (0..n).map(|i| 0.05 * (i % 7) as f64).collect();
    let coefficients: Vec<f64> = (0..n).map(|i| weight(i) * scale[i]).collect();
    let shift: f64 = (0..n).map(|i| weight(i) * mean[i]).sum();
    let model = ModelFile {
        format: MODEL_FORMAT.to_owned(),
        version: MODEL_VERSION.to_owned(),
        created_at: "2026-06-01T00:00:00Z".to_owned(),
        features: FeatureSpec {
            source: FeatureSource::Events,
            half_life_days: Some(30.0),
            dedupe_window_seconds: 60,
            activities: TYPES
                .iter()
                .map(|t| ActivityFeature {
                    activity_type: (*t).to_owned(),
                    funnel_stage: FunnelStage::of(t),
                    unit: None,
                })
                .collect(),
            categorical: vec![],
        },
        standardization: Standardization { mean, scale },
        coefficients,
        intercept: -4.0 + shift,
        mql_threshold: 0.5,
        points: PointsScale {
            per_logit: 33.3,
            threshold: 100,
            per_activity: BTreeMap::new(),
        },
        hyperparameters: serde_json::Value::Null,
        metrics: serde_json::Value::Null,
        training: serde_json::Value::Null,
    };
    model.validate().expect("benchmark model is valid");
    model
}

/// Writes [`model_file`] into `dir` as the service expects it.
pub fn write_model(dir: &Path) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(&model_file()).map_err(std::io::Error::other)?;
    std::fs::write(dir.join(format!("{MODEL_VERSION}.json")), json)
}

/// A scorer with the benchmark model and the shipped rules.
pub fn scorer() -> Scorer {
    let rules = Rules::load(&shipped_rules()).expect("shipped rules load");
    Scorer::new(Arc::new(LinearModel::new(model_file())), Arc::new(rules))
}

fn at(seconds_ago: i64) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: NOW - seconds_ago,
        nanos: 0,
    })
}

fn yes() -> Option<pb::BantCriterion> {
    Some(pb::BantCriterion {
        status: pb::BantStatus::Yes.into(),
        value: String::new(),
    })
}

/// The tests' "hot lead" (VP at a target company, BANT met, recent BOFU
/// intent) with `activities` activities: the tests' six, then types cycled
/// over the model's 30 plus two it does not know, spread over 90 days.
pub fn hot_lead(id: &str, activities: usize) -> pb::Lead {
    const HOT: [(&str, i64); 6] = [
        ("demo_request", 2),
        ("pricing_page_view", 3),
        ("pricing_page_view", 5),
        ("webinar_attended", 10),
        ("webinar_attended", 20),
        ("blog_read", 1),
    ];
    const UNKNOWN: [&str; 2] = ["chat_started", "Podcast Listen"];
    let activities = (0..activities)
        .map(|i| {
            let (kind, ago) = match HOT.get(i) {
                Some(&(kind, days)) => (kind, days * DAY),
                None if i % 16 == 0 => (UNKNOWN[i / 16 % 2], (i as i64 * 7_919) % (90 * DAY)),
                None => (TYPES[i % TYPES.len()], (i as i64 * 37_447) % (90 * DAY)),
            };
            pb::Activity {
                r#type: kind.to_owned(),
                occurred_at: at(ago),
                ..Default::default()
            }
        })
        .collect();
    pb::Lead {
        lead_id: id.to_owned(),
        profile: Some(pb::Profile {
            job_title: "VP Marketing".into(),
            department: "Marketing".into(),
            industry: "Software".into(),
            country: "US".into(),
            company_size: Some(500.0),
            annual_revenue: Some(20e6),
            email_domain: "acme.com".into(),
            ..Default::default()
        }),
        bant: Some(pb::Bant {
            budget: yes(),
            authority: yes(),
            need: yes(),
            timeline: None,
        }),
        activities,
        activity_counts: Default::default(),
    }
}

/// `ScoreLead` request for `lead` at [`NOW`].
pub fn request(lead: pb::Lead) -> pb::ScoreLeadRequest {
    pb::ScoreLeadRequest {
        lead: Some(lead),
        as_of: at(0),
    }
}

/// `ScoreLeads` request of `n` hot leads with `activities` activities each.
pub fn batch_request(n: usize, activities: usize) -> pb::ScoreLeadsRequest {
    pb::ScoreLeadsRequest {
        leads: (0..n)
            .map(|i| hot_lead(&format!("bench-batch-{i:05}"), activities))
            .collect(),
        as_of: at(0),
    }
}
