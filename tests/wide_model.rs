//! A model trained on the wide shape is served the same way: counts from
//! `activity_counts`, categorical indicators from profile attributes.

mod common;

use std::sync::Arc;

use leadscore::features::{ActivityFeature, CategoricalFeature, FeatureSource, FunnelStage};
use leadscore::lead::{Lead, Profile, ValidLead, normalize_attributes};
use leadscore::model::LinearModel;
use leadscore::rules::Rules;
use leadscore::scoring::Scorer;

#[test]
fn counts_and_attributes_feed_a_wide_model() {
    let mut file = common::fixture_model("20260601T000000Z-wide0001");
    file.features.source = FeatureSource::Counts;
    file.features.half_life_days = None;
    file.features.activities = ["totalvisits", "page_views_per_visit"]
        .iter()
        .map(|t| ActivityFeature {
            activity_type: (*t).into(),
            funnel_stage: FunnelStage::Unclassified,
            unit: None,
        })
        .collect();
    file.features.categorical = vec![
        CategoricalFeature {
            attribute: "last_activity".into(),
            value: "sms sent".into(),
        },
        CategoricalFeature {
            attribute: "last_activity".into(),
            value: "email opened".into(),
        },
    ];
    file.standardization.mean = vec![0.0; 4];
    file.standardization.scale = vec![1.0; 4];
    file.coefficients = vec![0.5, 0.25, 1.5, 0.4];
    file.intercept = -1.0;
    // Explained from the intercept, so only what the lead has is listed.
    file.baseline = None;
    file.validate().unwrap();
    let scorer = Scorer::new(
        Arc::new(LinearModel::new(file)),
        Arc::new(Rules::load(&common::shipped_rules()).unwrap()),
    );

    let lead = Lead {
        id: "w1".into(),
        profile: Profile {
            attributes: normalize_attributes(
                "attributes",
                [("Last Activity".to_owned(), " SMS Sent ".to_owned())],
            )
            .unwrap(),
            ..Default::default()
        },
        activity_counts: vec![
            ("totalvisits".into(), 5.0),
            ("page_views_per_visit".into(), 2.5),
            ("tags".into(), 1.0),
        ],
        ..Default::default()
    };
    let now = common::NOW;
    let s = scorer
        .score(&ValidLead::parse(lead, now).unwrap(), now)
        .unwrap();
    let expected = -1.0 + 0.5 * 6f64.ln() + 0.25 * 3.5f64.ln() + 1.5;
    assert!((s.explanation.logit - expected).abs() < 1e-12);
    let features: Vec<&str> = s.contributions.iter().map(|c| c.feature.as_str()).collect();
    assert_eq!(
        features,
        [
            "attribute:last_activity=sms sent",
            "activity:totalvisits",
            "activity:page_views_per_visit"
        ]
    );
    assert_eq!(s.contributions[0].label, "Last activity = sms sent");
    assert_eq!(s.unscored, vec![("tags".to_owned(), 1.0)]);
}
