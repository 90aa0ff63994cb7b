//! Property-based fuzzing (run in CI by `cargo test`): the rules parser, the
//! model-file loader and request validation never panic on arbitrary or
//! mutated input, and what they accept is usable.

mod common;

use std::sync::Arc;

use common::*;
use leadscore::grpc::convert;
use leadscore::lead::ValidLead;
use leadscore::lifecycle::Lifecycle;
use leadscore::model::{LinearModel, ModelFile};
use leadscore::pb::v1 as pb;
use leadscore::rules::{Rules, RulesError};
use proptest::prelude::*;

/// Mutates `text`: cut at `cut`, then overwrite bytes at `edits`.
fn mutate(text: &str, cut: usize, edits: &[(usize, u8)]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    bytes.truncate(cut.min(bytes.len()));
    for &(at, b) in edits {
        if !bytes.is_empty() {
            let i = at % bytes.len();
            bytes[i] = b;
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn shipped_rules_text() -> String {
    std::fs::read_to_string(shipped_rules()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn rules_parser_never_panics_and_errors_point_inside_the_file(
        cut in 0usize..4000,
        edits in prop::collection::vec((0usize..4000, any::<u8>()), 0..6),
    ) {
        let text = mutate(&shipped_rules_text(), cut, &edits);
        match Rules::parse("rules.toml", &text) {
            Ok(rules) => prop_assert!(rules.version.starts_with("sha256:")),
            Err(RulesError::Invalid { line, .. }) => prop_assert!(line >= 1 && line <= text.lines().count() + 1),
            Err(RulesError::Read { .. }) => prop_assert!(false, "parse never reads files"),
        }
    }

    #[test]
    fn rules_parser_survives_arbitrary_text(text in ".{0,400}") {
        let _ = Rules::parse("rules.toml", &text);
    }

    #[test]
    fn model_loader_never_panics_and_accepted_models_score_finitely(
        cut in 0usize..3000,
        edits in prop::collection::vec((0usize..3000, any::<u8>()), 0..4),
        x in prop::collection::vec(0.0f64..50.0, 6),
    ) {
        let json = serde_json::to_string(&fixture_model("20260601T000000Z-fuzz0001")).unwrap();
        let text = mutate(&json, cut, &edits);
        let Ok(file) = serde_json::from_str::<ModelFile>(&text) else { return Ok(()) };
        if file.validate().is_ok() {
            let model = LinearModel::new(file);
            let n = model.features().len();
            let values: Vec<f64> = x.iter().copied().cycle().take(n).collect();
            let e = model.explain(&leadscore::features::FeatureVector { values, unscored: vec![] });
            prop_assert!(e.probability.is_finite() && (0.0..=1.0).contains(&e.probability));
        }
    }

    #[test]
    fn request_validation_never_panics(
        id in ".{0,140}",
        title in ".{0,300}",
        size in prop::option::of(prop_oneof![Just(f64::NAN), Just(f64::INFINITY), -1e12f64..1e12]),
        activities in prop::collection::vec(("[a-zA-Z _-]{0,20}", any::<i64>(), -2_000_000_000i32..2_000_000_000, ".{0,5}"), 0..40),
        counts in prop::collection::vec(("[a-z ]{0,10}", prop_oneof![Just(f64::NAN), -5.0f64..1e9]), 0..5),
        attributes in prop::collection::btree_map(".{0,70}", ".{0,300}", 0..4),
    ) {
        let lead = pb::Lead {
            lead_id: id,
            profile: Some(pb::Profile { job_title: title, company_size: size, attributes: attributes.into_iter().collect(), ..Default::default() }),
            bant: None,
            activities: activities
                .into_iter()
                .map(|(t, seconds, nanos, event_id)| pb::Activity {
                    r#type: t,
                    occurred_at: Some(prost_types::Timestamp { seconds: seconds % 100_000_000_000, nanos }),
                    event_id,
                    ..Default::default()
                })
                .collect(),
            activity_counts: counts.into_iter().collect(),
        };
        let scorer = scorer();
        let now = NOW;
        let parsed = convert::lead(lead).and_then(|l| ValidLead::parse(l, now));
        match parsed.and_then(|l| scorer.score(&l, now)) {
            Ok(s) => prop_assert!((0.0..=1.0).contains(&s.explanation.probability)),
            Err(e) => prop_assert!(!e.field.is_empty() && !e.reason.is_empty()),
        }
    }
}

fn scorer() -> Arc<leadscore::scoring::Scorer> {
    static DIR: std::sync::OnceLock<(tempfile::TempDir, Arc<Lifecycle>)> =
        std::sync::OnceLock::new();
    let (_, lifecycle) = DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        write_model(dir.path(), &fixture_model("20260601T000000Z-fuzz0001"));
        let lifecycle = Arc::new(Lifecycle::start(dir.path(), &shipped_rules()).unwrap());
        (dir, lifecycle)
    });
    lifecycle.scorer().load_full()
}
