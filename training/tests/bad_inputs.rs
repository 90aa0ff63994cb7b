//! Every bad input gets a clear error naming what is wrong and what to do.

mod common;

use std::fmt::Write as _;

const ACTS: &str = "lead_id,activity_type,occurred_at\nl0,page_view,2024-01-02\n";

/// A leads table with `won` and `lost` closed leads.
fn leads(won: usize, lost: usize) -> String {
    let mut s = "lead_id,created_at,outcome,outcome_at\n".to_owned();
    for i in 0..won + lost {
        let outcome = if i < won { "won" } else { "lost" };
        let _ = writeln!(s, "l{i},2024-01-01,{outcome},2024-02-{:02}", 1 + i % 28);
    }
    s
}

fn fit_error(leads_csv: &str, acts_csv: &str, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let l = common::write(dir.path(), "leads.csv", leads_csv);
    let a = common::write(dir.path(), "activities.csv", acts_csv);
    let out = dir.path().join("m").display().to_string();
    let mut args = vec!["fit", "--leads", &l, "--activities", &a, "--out", &out];
    args.extend_from_slice(extra);
    common::error_of(&args)
}

#[test]
fn too_few_outcomes_says_how_many_and_what_is_needed() {
    let e = fit_error(&leads(39, 60), ACTS, &[]);
    assert!(
        e.contains("39 won and 60 lost")
            && e.contains("at least 40")
            && e.contains("--min-per-class"),
        "{e}"
    );
    let e = fit_error(&leads(3, 3), ACTS, &["--min-per-class", "5"]);
    assert!(
        e.contains("3 won and 3 lost") && e.contains("at least 5"),
        "{e}"
    );
}

#[test]
fn missing_column_is_named() {
    let e = fit_error("lead_id,created_at,outcome\nl0,2024-01-01,won\n", ACTS, &[]);
    assert!(
        e.contains("no column \"outcome_at\"") && e.contains("leads.csv"),
        "{e}"
    );
    let e = fit_error(
        &leads(1, 1),
        "lead_id,type,occurred_at\nl0,x,2024-01-01\n",
        &[],
    );
    assert!(e.contains("no column \"activity_type\""), "{e}");
}

#[test]
fn unparsable_timestamp_names_file_row_and_column() {
    let e = fit_error(
        &leads(1, 1),
        "lead_id,activity_type,occurred_at\nl0,page_view,2024-01-02\nl1,page_view,yesterday\n",
        &[],
    );
    assert!(
        e.contains("activities.csv, row 2, column \"occurred_at\"") && e.contains("\"yesterday\""),
        "{e}"
    );
    let e = fit_error(
        "lead_id,created_at,outcome,outcome_at\nl0,2024-01-01,won,03/02/2024\n",
        ACTS,
        &[],
    );
    assert!(e.contains("leads.csv, row 1, column \"outcome_at\""), "{e}");
}

#[test]
fn empty_files_are_refused() {
    let e = fit_error("", ACTS, &[]);
    assert!(e.contains("leads.csv is empty"), "{e}");
    let e = fit_error(&leads(1, 1), "lead_id,activity_type,occurred_at\n", &[]);
    assert!(e.contains("activities.csv is empty"), "{e}");
}

#[test]
fn labels_must_be_won_lost_or_0_1() {
    let e = fit_error(
        "lead_id,created_at,outcome,outcome_at\nl0,2024-01-01,maybe,2024-02-01\n",
        ACTS,
        &[],
    );
    assert!(
        e.contains("row 1, column \"outcome\"")
            && e.contains("\"maybe\"")
            && e.contains("won, lost or open"),
        "{e}"
    );

    let dir = tempfile::tempdir().unwrap();
    let wide = common::write(
        dir.path(),
        "wide.csv",
        "id,converted,visits\na,1,3\nb,2,0\n",
    );
    let e = common::fit_error(&common::wide_flags(&wide, "converted", "m"));
    assert!(
        e.contains("row 2, column \"converted\"")
            && e.contains("\"2\"")
            && e.contains("0/1 or won/lost"),
        "{e}"
    );
    let e = common::fit_error(&common::wide_flags(&wide, "Converted", "m"));
    assert!(e.contains("no column \"Converted\""), "{e}");
}

#[test]
fn unknown_extension_and_bad_settings_are_refused() {
    let e = fit_error(&leads(50, 50), ACTS, &["--half-lives", "none,-3"]);
    assert!(e.contains("--half-lives"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let x = common::write(dir.path(), "leads.xlsx", "x");
    let e = common::error_of(&["fit", "--leads", &x, "--activities", &x, "--out", "m"]);
    assert!(e.contains("use a .csv or .parquet file"), "{e}");
}

#[test]
fn repeated_lead_ids_are_refused_with_their_rows_in_both_shapes() {
    // Wide: "a" three times, "b" twice; otherwise a trainable file.
    let dir = tempfile::tempdir().unwrap();
    let mut csv = "id,converted,visits\n".to_owned();
    for i in 0..100 {
        let id = match i {
            0 | 4 | 9 => "a".to_owned(),
            2 | 7 => "b".to_owned(),
            _ => format!("l{i}"),
        };
        let _ = writeln!(csv, "{id},{},{}", i % 2, i % 5);
    }
    let wide = common::write(dir.path(), "wide.csv", &csv);
    let out = dir.path().join("m").display().to_string();
    let e = common::fit_error(&common::wide_flags(&wide, "converted", &out));
    assert!(
        e.contains("wide.csv")
            && e.contains("2 lead ids appear in more than one row (5 rows)")
            && e.contains("\"a\" in rows 1, 5 and 10")
            && e.contains("\"b\" in rows 3 and 8")
            && e.contains("keep one row per lead"),
        "{e}"
    );

    // Many repeats: the first few ids and rows are shown, the rest counted.
    let mut csv = "id,converted,visits\n".to_owned();
    for i in 0..60 {
        let _ = writeln!(csv, "d{},{},1", i % 10, i % 2);
    }
    let wide = common::write(dir.path(), "many.csv", &csv);
    let e = common::fit_error(&common::wide_flags(&wide, "converted", &out));
    assert!(
        e.contains("10 lead ids appear in more than one row (60 rows)")
            && e.contains("\"d0\" in rows 1, 11, 21, 31, 41 and 1 more")
            && e.contains("and 7 more ids"),
        "{e}"
    );

    // The event shape says the same.
    let e = fit_error(
        "lead_id,created_at,outcome,outcome_at\n\
         x,2024-01-01,won,2024-02-01\ny,2024-01-01,lost,2024-02-01\n\
         x,2024-01-01,lost,2024-02-02\n",
        ACTS,
        &[],
    );
    assert!(
        e.contains("leads.csv")
            && e.contains("1 lead id appears in more than one row (2 rows)")
            && e.contains("\"x\" in rows 1 and 3"),
        "{e}"
    );
}
