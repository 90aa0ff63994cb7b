//! The wide shape: counts and one-hot categories, read with the names of
//! the user's file, served from `activity_counts` and `profile.attributes`.

mod common;

use std::fmt::Write as _;

use leadscore_core::features::{FeatureSource, normalize_name};
use leadscore_core::model::{LinearModel, ModelFile};
use leadscore_train::score;
use leadscore_train::train;

/// A wide export: visits drive conversion, "Last Activity" has case
/// variants and `Select`, `Lead Number` must be excluded.
fn export() -> String {
    let mut s =
        "Prospect ID,Lead Number,Converted,Total Visits,Last Activity,Do Not Email\n".to_owned();
    for i in 0..600u64 {
        let visits = (i * 7919) % 13;
        let activity = [
            "Email Opened",
            "email opened",
            "SMS Sent",
            "Select",
            "",
            "Page Visited",
        ][(i % 6) as usize];
        let won = (visits as f64 / 13.0 + if i % 6 == 2 { 0.3 } else { 0.0 }) > 0.55 || i % 11 == 0;
        let visits = if i % 17 == 0 {
            "NA".to_owned()
        } else {
            visits.to_string()
        };
        let _ = writeln!(
            s,
            "p{i},{},{},{visits},{activity},{}",
            1000 + i,
            u8::from(won),
            if i % 5 == 0 { "Yes" } else { "No" }
        );
    }
    s
}

#[test]
fn wide_export_trains_with_its_own_column_names_and_serves_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let wide = common::write(dir.path(), "leads.csv", &export());
    let out = dir.path().join("models").display().to_string();
    let args = common::fit_args(&[
        "--wide",
        &wide,
        "--id-column",
        "Prospect ID",
        "--label-column",
        "Converted",
        "--exclude-columns",
        "Lead Number",
        "--out",
        &out,
    ]);
    let mut trained = train::train(args.input.load().unwrap(), &args.settings).unwrap();
    let spec = &trained.file.features;
    assert_eq!(spec.source, FeatureSource::Counts);
    assert_eq!(spec.half_life_days, None);
    assert_eq!(
        spec.activities
            .iter()
            .map(|a| a.activity_type.as_str())
            .collect::<Vec<_>>(),
        ["total_visits"]
    );
    let values: Vec<String> = spec
        .categorical
        .iter()
        .map(|c| format!("{}={}", c.attribute, c.value))
        .collect();
    assert_eq!(
        values,
        [
            "last_activity=email opened",
            "last_activity=page visited",
            "last_activity=sms sent",
            "do_not_email=no",
            "do_not_email=yes"
        ]
    );
    assert_eq!(normalize_name("Last Activity"), "last_activity");
    assert!(
        trained.evaluation.protocol.contains("5-fold"),
        "{}",
        trained.evaluation.protocol
    );
    assert!(trained.evaluation.auc > 0.8, "{}", trained.evaluation.auc);

    let written = leadscore_train::output::write(std::path::Path::new(&out), &mut trained).unwrap();
    let loaded = LinearModel::new(ModelFile::load(&written.model).unwrap());
    let rows: Vec<usize> = (0..trained.history.leads.len()).collect();
    let served = score::predict(&trained.history, &loaded, &rows);
    let in_memory = score::predict(
        &trained.history,
        &LinearModel::new(trained.file.clone()),
        &rows,
    );
    for (a, b) in served.iter().zip(&in_memory) {
        assert!((a - b).abs() < 1e-12);
    }
}
