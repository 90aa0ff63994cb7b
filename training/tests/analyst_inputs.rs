//! Inputs as analysts have them: other delimiters, Windows encodings, CRM
//! label spellings, Salesforce and local date forms, and typos in column
//! names answered with the nearest names.

mod common;

use leadscore_core::dataset::Outcome;
use leadscore_train::input::History;

/// Loads a wide file written from `bytes` with `extra` flags.
fn load_wide(bytes: &[u8], label: &str, extra: &[&str]) -> Result<History, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    std::fs::write(&path, bytes).unwrap();
    let path = path.display().to_string();
    let mut args = common::wide_flags(&path, label, "unused");
    args.extend_from_slice(extra);
    common::fit_args(&args)
        .input
        .load()
        .map_err(|e| e.to_string())
}

/// Loads an event-shape history from two CSV texts with `extra` flags.
fn load_events(leads: &str, activities: &str, extra: &[&str]) -> Result<History, String> {
    let dir = tempfile::tempdir().unwrap();
    let l = common::write(dir.path(), "leads.csv", leads);
    let a = common::write(dir.path(), "activities.csv", activities);
    let mut args = vec!["--leads", &l, "--activities", &a, "--out", "unused"];
    args.extend_from_slice(extra);
    common::fit_args(&args)
        .input
        .load()
        .map_err(|e| e.to_string())
}

/// (id, won, visits, city) of every lead.
fn rows(h: &History) -> Vec<(String, bool, f64, String)> {
    h.leads
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (
                l.id.clone(),
                l.won,
                l.counts.first().map_or(0.0, |c| c.1),
                h.attributes
                    .column("city")
                    .and_then(|c| c.get(i))
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

fn expected_rows() -> Vec<(String, bool, f64, String)> {
    vec![
        ("a".into(), true, 3.0, "Köln".into()),
        ("b".into(), false, 1.5, "Paris".into()),
    ]
}

#[test]
fn semicolon_tab_and_pipe_files_are_sniffed_or_named_with_delimiter() {
    for sep in [";", "\t", "|"] {
        let text = "id,converted,visits,city\na,1,3,Köln\nb,0,1.5,Paris\n".replace(',', sep);
        let h = load_wide(text.as_bytes(), "converted", &[]).unwrap();
        assert_eq!(rows(&h), expected_rows(), "sniffed {sep:?}");
    }
    // A header with as many commas as semicolons needs the flag.
    let text = "id;converted;visits;city;notes, a, b, c, d\na;1;3;Köln;x\nb;0;1.5;Paris;y\n";
    assert!(load_wide(text.as_bytes(), "converted", &[]).is_err());
    let h = load_wide(text.as_bytes(), "converted", &["--delimiter", ";"]).unwrap();
    assert_eq!(rows(&h), expected_rows());
    let h = load_wide(
        "id\tconverted\tvisits\tcity\na\t1\t3\tKöln\nb\t0\t1.5\tParis\n".as_bytes(),
        "converted",
        &["--delimiter", "tab"],
    )
    .unwrap();
    assert_eq!(rows(&h), expected_rows());
}

#[test]
fn windows_1252_and_latin_1_are_transcoded_and_utf8_errors_name_the_line() {
    let cp1252 = b"id,converted,visits,city\na,1,3,K\xF6ln\nb,0,1.5,Paris\n";
    let e = load_wide(cp1252, "converted", &[]).unwrap_err();
    assert!(
        e.contains("wide.csv, line 2, byte column 8")
            && e.contains("invalid UTF-8")
            && e.contains("--encoding windows-1252"),
        "{e}"
    );
    for encoding in ["windows-1252", "latin-1"] {
        let h = load_wide(cp1252, "converted", &["--encoding", encoding]).unwrap();
        assert_eq!(rows(&h), expected_rows(), "{encoding}");
    }
    // 0x92 is a right quote in Windows-1252 (a control character in Latin-1).
    let quoted = b"id,converted,visits,city\na,1,3,O\x92Hare\nb,0,1.5,Paris\n";
    let h = load_wide(quoted, "converted", &["--encoding", "windows-1252"]).unwrap();
    assert_eq!(rows(&h)[0].3, "O\u{2019}Hare");
    // A byte-order mark is skipped: the first column keeps its name.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice("id,converted,visits,city\na,1,3,Köln\nb,0,1.5,Paris\n".as_bytes());
    assert_eq!(
        rows(&load_wide(&bom, "converted", &[]).unwrap()),
        expected_rows()
    );
    bom.truncate(3);
    bom.extend_from_slice(cp1252);
    let h = load_wide(&bom, "converted", &["--encoding", "windows-1252"]).unwrap();
    assert_eq!(rows(&h), expected_rows());
}

#[test]
fn crm_label_spellings_are_accepted_and_mapped_with_flags() {
    for (won, lost) in [
        ("Yes", "No"),
        ("1.0", "0.0"),
        ("TRUE", "false"),
        ("Closed Won", "Closed Lost"),
        ("won", "LOST"),
    ] {
        let text = format!("id,converted,visits,city\na,{won},3,Köln\nb,{lost},1.5,Paris\n");
        let h = load_wide(text.as_bytes(), "converted", &[]).unwrap();
        assert_eq!(rows(&h), expected_rows(), "{won}/{lost}");
    }
    let text = "id,stage,visits,city\na,Signed,3,Köln\nb,Churned,1.5,Paris\n";
    let e = load_wide(text.as_bytes(), "stage", &[]).unwrap_err();
    assert!(
        e.contains("label \"Signed\"") && e.contains("--positive-label"),
        "{e}"
    );
    let flags = [
        "--positive-label",
        "signed",
        "--negative-label",
        "Churned",
        "--negative-label",
        "Disqualified",
    ];
    let h = load_wide(text.as_bytes(), "stage", &flags).unwrap();
    assert_eq!(rows(&h), expected_rows());
    let e = load_wide(
        text.as_bytes(),
        "stage",
        &["--positive-label", "x", "--negative-label", "X"],
    )
    .unwrap_err();
    assert!(e.contains("--positive-label \"x\""), "{e}");

    // The event shape's outcome column takes the same spellings; open stays open.
    let leads = "lead_id,created_at,outcome,outcome_at\n\
                 a,2024-01-01,Signed,2024-02-01\nb,2024-01-01,Closed Lost,2024-02-02\n\
                 c,2024-01-01,open,\n";
    let acts = "lead_id,activity_type,occurred_at\na,demo,2024-01-05\n";
    let h = load_events(leads, acts, &["--positive-label", "Signed"]).unwrap();
    assert_eq!(
        h.leads
            .iter()
            .map(|l| (l.id.as_str(), l.won))
            .collect::<Vec<_>>(),
        [("a", true), ("b", false)]
    );
    assert_eq!(h.open_leads, 1);
    let e = load_events(leads, acts, &[]).unwrap_err();
    assert!(
        e.contains("\"Signed\"") && e.contains(Outcome::EXPECTED),
        "{e}"
    );
}

#[test]
fn salesforce_times_and_date_formats_are_read() {
    let leads = "lead_id,created_at,outcome,outcome_at\n\
                 a,2024-01-01T09:00:00.000+0000,won,2024-01-31T10:00:00.000+0000\n";
    let acts = "lead_id,activity_type,occurred_at\na,demo,2024-01-31T11:59:00.000+0200\n";
    let h = load_events(leads, acts, &[]).unwrap();
    assert_eq!(
        h.leads[0].outcome_at.unwrap().to_rfc3339(),
        "2024-01-31T10:00:00Z"
    );
    assert_eq!(h.events.at[0].to_rfc3339(), "2024-01-31T09:59:00Z");

    let us = "lead_id,created_at,outcome,outcome_at\na,01/02/2024,won,01/31/2024 10:00\n";
    let acts = "lead_id,activity_type,occurred_at\na,demo,01/30/2024 08:15\n";
    let e = load_events(us, acts, &[]).unwrap_err();
    assert!(
        e.contains("cannot parse timestamp \"01/02/2024\"") && e.contains("--date-format"),
        "{e}"
    );
    let h = load_events(us, acts, &["--date-format", "%m/%d/%Y %H:%M"]).unwrap_err();
    assert!(
        h.contains("\"01/02/2024\""),
        "a date without a time needs its own form: {h}"
    );
    let h = load_events(
        &us.replace("01/02/2024,", "01/02/2024 00:00,"),
        acts,
        &["--date-format", "%m/%d/%Y %H:%M"],
    )
    .unwrap();
    assert_eq!(
        h.leads[0].outcome_at.unwrap().to_rfc3339(),
        "2024-01-31T10:00:00Z"
    );
    assert_eq!(h.events.at[0].to_rfc3339(), "2024-01-30T08:15:00Z");

    let eu = "lead_id,created_at,outcome,outcome_at\na,02.01.2024,won,31.01.2024\n";
    let acts = "lead_id,activity_type,occurred_at\na,demo,30.01.2024\n";
    let h = load_events(eu, acts, &["--date-format", "%d.%m.%Y"]).unwrap();
    assert_eq!(
        h.leads[0].outcome_at.unwrap().to_rfc3339(),
        "2024-01-31T00:00:00Z"
    );
    let e = load_events(eu, acts, &["--date-format", "%Q"]).unwrap_err();
    assert!(e.contains("--date-format \"%Q\""), "{e}");
}

#[test]
fn a_wrong_column_name_gets_the_nearest_names() {
    let text = b"id,Converted,Total Visits,city\na,1,3,K\nb,0,1,P\n";
    let e = load_wide(text, "Convertd", &[]).unwrap_err();
    assert!(
        e.contains("no column \"Convertd\"; did you mean \"Converted\"?"),
        "{e}"
    );
    let e = load_wide(text, "converted", &["--exclude-columns", "TotalVisits"]).unwrap_err();
    assert!(e.contains("did you mean \"Total Visits\"?"), "{e}");
    let e = load_events(
        "lead_id,created_at,outcome,outcome_at\na,2024-01-01,won,2024-02-01\n",
        "lead_id,Activity Typ,occurred_at\na,x,2024-01-01\n",
        &[],
    )
    .unwrap_err();
    assert!(
        e.contains("no column \"activity_type\"; did you mean \"Activity Typ\"?"),
        "{e}"
    );
}
