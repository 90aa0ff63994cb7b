//! The encoding does not invent signal: a level nearly everyone shares,
//! rare levels and constant columns are left out and recorded, and a
//! column with a different value on every row (an id) is refused unless
//! named.

mod common;

use std::fmt::Write as _;

use leadscore_core::model::LinearModel;
use leadscore_train::train::{self, Trained};

/// 2,000 leads: visits drive conversion; `forums` is `no` on all but two
/// (won) leads, as X Education's `X Education Forums` is; `city` has a
/// few rare levels; `country` and `score` are constant.
fn export() -> String {
    let mut s = "id,converted,visits,forums,city,country,score\n".to_owned();
    for i in 0..2000u64 {
        let visits = (i * 7919) % 11;
        let won = visits > 5 || i % 9 == 0;
        let forums = if i == 3 || i == 1500 { "yes" } else { "no" };
        let won = won || forums == "yes";
        let city = match i % 200 {
            0 => "Pune",
            1 => "Agra",
            _ if i % 2 == 0 => "Mumbai",
            _ => "Delhi",
        };
        let _ = writeln!(
            s,
            "l{i},{},{},{forums},{city},India,5",
            u8::from(won),
            if forums == "yes" { 0 } else { visits }
        );
    }
    s
}

fn train_on(csv: &str, extra: &[&str]) -> Result<Trained, String> {
    let dir = tempfile::tempdir().unwrap();
    let wide = common::write(dir.path(), "wide.csv", csv);
    let mut args = common::wide_flags(&wide, "converted", "unused");
    args.extend_from_slice(&["--c-grid", "1,10"]);
    args.extend_from_slice(extra);
    let args = common::fit_args(&args);
    let history = args.input.load().map_err(|e| e.to_string())?;
    train::train(history, &args.settings).map_err(|e| e.to_string())
}

#[test]
fn a_level_shared_by_almost_every_lead_gets_no_weight_and_is_recorded() {
    let trained = train_on(&export(), &[]).unwrap();
    let model = LinearModel::new(trained.file.clone());
    for i in 0..model.weights().len() {
        let name = model.feature_name(i);
        if name.contains("forums") || name.contains("country") {
            assert!(
                model.weights()[i].abs() < 0.05,
                "{name} gets weight {}",
                model.weights()[i]
            );
        }
    }
    let features: Vec<String> = trained
        .file
        .features
        .categorical
        .iter()
        .map(|c| format!("{}={}", c.attribute, c.value))
        .collect();
    assert_eq!(features, ["city=delhi", "city=mumbai"]);
    let names: Vec<&str> = trained
        .file
        .features
        .activities
        .iter()
        .map(|a| a.activity_type.as_str())
        .collect();
    assert_eq!(names, ["visits"]);

    let encoding = &trained.file.training["encoding"];
    assert_eq!(encoding["min_leads"], 20);
    assert_eq!(encoding["constant_columns"][0], "score", "{encoding}");
    let shared = &encoding["shared_levels"];
    assert_eq!(shared[0]["column"], "forums", "{encoding}");
    assert_eq!(shared[0]["value"], "no");
    assert_eq!(shared[0]["without"], 2);
    assert_eq!(shared[1]["column"], "country");
    assert_eq!(shared[1]["without"], 0);
    let rare = &encoding["rare_levels"];
    assert_eq!(rare[0]["column"], "forums");
    assert_eq!(rare[1]["column"], "city");
    assert_eq!(rare[1]["levels"], 2);
    assert_eq!(rare[1]["leads"], 20);
    assert_eq!(rare[1]["examples"], serde_json::json!(["agra", "pune"]));

    let dir = tempfile::tempdir().unwrap();
    let mut trained = trained;
    let written = leadscore_train::output::write(dir.path(), &mut trained).unwrap();
    let report = std::fs::read_to_string(written.report).unwrap();
    assert!(
        report.contains("`forums=no`: shared by 1998 leads, only 2 without it")
            && report.contains("Constant count columns: score")
            && report.contains("`city`: 2 rare levels on 20 leads"),
        "{report}"
    );
}

#[test]
fn a_column_unique_per_row_is_refused_unless_named() {
    let mut csv = "id,converted,visits,Lead Number,email\n".to_owned();
    for i in 0..200u64 {
        let _ = writeln!(
            csv,
            "l{i},{},{},{},u{i}@example.com",
            i % 2,
            i % 7,
            660_000 + i
        );
    }
    let e = train_on(&csv, &["--exclude-columns", "email"]).unwrap_err();
    assert!(
        e.contains("column \"Lead Number\" has a different value on each of its 200 filled rows")
            && e.contains("--exclude-columns")
            && e.contains("--activity-columns"),
        "{e}"
    );
    let e = train_on(&csv, &["--exclude-columns", "Lead Number"]).unwrap_err();
    assert!(
        e.contains("column \"email\"") && e.contains("--categorical-columns"),
        "{e}"
    );
    // Named, the columns are used: every email is rare, so it is left out.
    let trained = train_on(
        &csv,
        &[
            "--activity-columns",
            "visits,Lead Number",
            "--categorical-columns",
            "email",
        ],
    )
    .unwrap();
    let names: Vec<&str> = trained
        .file
        .features
        .activities
        .iter()
        .map(|a| a.activity_type.as_str())
        .collect();
    assert_eq!(names, ["visits", "lead_number"]);
    assert_eq!(
        trained.file.training["encoding"]["rare_levels"][0]["levels"],
        200
    );
}
