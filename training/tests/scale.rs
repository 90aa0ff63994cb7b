//! Large histories (issue 19): the event arena stays within its bytes per
//! event, reading in chunks gives exactly the design matrix of reading in
//! one piece (both shapes, CSV and Parquet), `--max-memory` refuses early
//! with what to do, and `--sample-leads` is recorded.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use leadscore_core::features::CompiledFeatures;
use leadscore_train::design::{self, Candidates};
use leadscore_train::encoding;
use leadscore_train::input::History;
use leadscore_train::input::memory::ARENA_BYTES_PER_EVENT;
use ndarray::Array2;
use polars::prelude::*;

/// Simulates `leads` leads into `dir/sim` as CSV and Parquet.
fn simulate(dir: &Path, leads: usize) -> std::path::PathBuf {
    let sim = dir.join("sim");
    let sim_s = sim.display().to_string();
    let n = leads.to_string();
    leadscore_train::cli::run(common::cli(&[
        "simulate",
        "--leads",
        &n,
        "--seed",
        "5",
        "--out",
        &sim_s,
        "--formats",
        "csv,parquet",
    ]))
    .unwrap();
    sim
}

/// Loads a history with `flags` and `--chunk-rows rows`.
fn load(flags: &[&str], rows: usize) -> History {
    let rows = rows.to_string();
    let mut args = flags.to_vec();
    args.extend_from_slice(&["--out", "unused", "--chunk-rows", &rows]);
    common::fit_args(&args).input.load().unwrap()
}

/// The raw design matrix of every lead of `h` (30-day half-life, all
/// candidate features).
fn design_of(h: &History) -> Array2<f64> {
    let (activities, categorical, _) = encoding::candidates(h, 5);
    let candidates = Candidates {
        activities,
        categorical,
        dedupe_window_seconds: 60,
    };
    let compiled = CompiledFeatures::new(candidates.spec(h.shape, Some(30.0), &Default::default()));
    let rows: Vec<usize> = (0..h.leads.len()).collect();
    design::features(h, &compiled, &rows)
}

/// The event-shape flags of the simulated files with extension `ext`.
fn event_flags(sim: &Path, ext: &str) -> [String; 4] {
    [
        "--leads".into(),
        sim.join(format!("leads.{ext}")).display().to_string(),
        "--activities".into(),
        sim.join(format!("activities.{ext}")).display().to_string(),
    ]
}

#[test]
fn chunked_event_reading_gives_the_same_design_in_csv_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulate(dir.path(), 300);
    let mut designs = Vec::new();
    for ext in ["csv", "parquet"] {
        let flags = event_flags(&sim, ext);
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let whole = load(&flags, 1 << 30);
        let chunked = load(&flags, 7);
        assert!(whole.events.at.len() > 3000, "a history with events");
        assert_eq!(whole.events.at, chunked.events.at, "{ext}: same events");
        assert_eq!(whole.events.ids, chunked.events.ids, "{ext}: same ids");
        let (a, b) = (design_of(&whole), design_of(&chunked));
        assert!(a.sum() > 0.0);
        assert_eq!(a, b, "{ext}: chunked reading changed the design");
        assert_eq!(whole.sources[1].rows, chunked.sources[1].rows);
        designs.push(a);
    }
    assert_eq!(
        designs[0], designs[1],
        "CSV and Parquet give the same design"
    );
}

#[test]
fn the_arena_stays_within_its_bytes_per_event() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulate(dir.path(), 300);
    let flags = event_flags(&sim, "csv");
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let h = load(&flags, 1000);
    let events = h.events.at.len();
    let per_event = h.events.bytes() as f64 / events as f64;
    assert!(
        per_event <= ARENA_BYTES_PER_EVENT,
        "{per_event:.1} bytes per event, documented bound {ARENA_BYTES_PER_EVENT}"
    );
}

/// A wide export with counts, categories and missing spellings.
fn wide_export() -> String {
    let mut s = "id,converted,visits,minutes,source,city\n".to_owned();
    for i in 0..250u64 {
        let visits = (i * 7919) % 13;
        let source = ["Ads", "ads", "Referral", "Select", ""][(i % 5) as usize];
        let won = visits > 6 || i % 9 == 0;
        let minutes = if i % 13 == 0 {
            "NA".to_owned()
        } else {
            format!("{}.5", i % 40)
        };
        let city = ["Köln", "Paris", "Lyon"][(i % 3) as usize];
        let _ = writeln!(
            s,
            "w{i},{},{visits},{minutes},{source},{city}",
            u8::from(won)
        );
    }
    s
}

/// `text` (a CSV) written as a Parquet file of text columns at `path`.
fn write_parquet(text: &str, path: &Path) {
    let mut lines = text.lines();
    let names: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let columns: Vec<Column> = names
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let values: Vec<&str> = rows.iter().map(|r| r[c]).collect();
            Column::new((*name).into(), values)
        })
        .collect();
    let mut df = DataFrame::new(columns).unwrap();
    let file = std::fs::File::create(path).unwrap();
    ParquetWriter::new(file)
        .with_row_group_size(Some(40))
        .finish(&mut df)
        .unwrap();
}

#[test]
fn chunked_wide_reading_gives_the_same_design_in_csv_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let text = wide_export();
    let csv = common::write(dir.path(), "wide.csv", &text);
    let parquet = dir.path().join("wide.parquet");
    write_parquet(&text, &parquet);
    let parquet = parquet.display().to_string();
    let mut designs = Vec::new();
    for path in [&csv, &parquet] {
        let flags = [
            "--wide",
            path,
            "--id-column",
            "id",
            "--label-column",
            "converted",
        ];
        let whole = load(&flags, 1 << 30);
        let chunked = load(&flags, 3);
        assert_eq!(whole.categorical_columns, ["source", "city"]);
        let (a, b) = (design_of(&whole), design_of(&chunked));
        assert!(a.ncols() >= 5, "counts and levels: {}", a.ncols());
        assert_eq!(a, b, "{path}: chunked reading changed the design");
        designs.push(a);
    }
    assert_eq!(
        designs[0], designs[1],
        "CSV and Parquet give the same design"
    );
}

#[test]
fn max_memory_refuses_early_with_the_estimate_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulate(dir.path(), 200);
    let flags = event_flags(&sim, "csv");
    let out = dir.path().join("m").display().to_string();
    let mut args: Vec<&str> = vec!["fit"];
    args.extend(flags.iter().map(String::as_str));
    args.extend_from_slice(&["--out", &out, "--max-memory", "10MB"]);
    let e = common::error_of(&args);
    assert!(
        e.contains("200 leads")
            && e.contains("needs about")
            && e.contains("more than the limit of 0.01 GB (--max-memory")
            && e.contains("--sample-leads")
            && e.contains("a machine with more memory"),
        "{e}"
    );
    assert!(
        !Path::new(&out).exists(),
        "refused before anything was written"
    );
}

#[test]
fn a_sample_is_stratified_and_recorded_in_the_model_file_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulate(dir.path(), 1500);
    let flags = event_flags(&sim, "parquet");
    let out = dir.path().join("m");
    let out_s = out.display().to_string();
    let mut args: Vec<&str> = vec!["fit"];
    args.extend(flags.iter().map(String::as_str));
    args.extend_from_slice(&[
        "--out",
        &out_s,
        "--sample-leads",
        "600",
        "--sample-seed",
        "3",
        "--half-lives",
        "30",
        "--c-grid",
        "1",
    ]);
    leadscore_train::cli::run(common::cli(&args)).unwrap();
    let model = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    let sample = &file["training"]["sample"];
    assert_eq!(sample["leads"], 600);
    assert_eq!(sample["seed"], 3);
    assert_eq!(file["training"]["rows"], 600);
    let share = |won: &serde_json::Value, of: &serde_json::Value| {
        won.as_f64().unwrap() / of.as_f64().unwrap()
    };
    let kept = share(&sample["won"], &sample["leads"]);
    let all = share(&sample["of_won"], &sample["of"]);
    assert!((kept - all).abs() < 0.002, "won share {kept} vs {all}");
    let report = std::fs::read_to_string(model.with_extension("md")).unwrap();
    assert!(report.contains("--sample-leads 600") && report.contains("--sample-seed 3"));
}
