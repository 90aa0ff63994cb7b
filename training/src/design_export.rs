//! `--export-design DIR`: the standardized design matrix of the first
//! evaluation split, so external tools (the scikit-learn reference test,
//! the benchmark) can fit the very same problem.
//!
//! Files: `train.csv` and `test.csv` (one column per feature, standardized
//! with the training rows' statistics, then `label` 0/1) and `fit.json`
//! (C, feature names, our coefficients and intercept, our test AUC and the
//! time of one cold fit on `train.csv`).

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use leadscore_core::features::CompiledFeatures;
use ndarray::Array2;
use serde_json::json;

use crate::design;
use crate::error::{OutputError, TrainError};
use crate::fit;
use crate::fitted::Fitted;
use crate::input::History;
use crate::settings::Settings;
use leadscore_core::evaluation;

/// Writes the export of `fitted` (trained with `c`) and its test rows.
pub fn write(
    dir: &Path,
    history: &History,
    fitted: &Fitted,
    test_rows: &[usize],
    c: f64,
    test_p: &[f64],
    settings: &Settings,
) -> Result<(), TrainError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| OutputError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let compiled = CompiledFeatures::new(fitted.spec.clone());
    let names = compiled.names();
    let test = design::standardize(
        &design::features(history, &compiled, test_rows),
        &fitted.standardization,
    );
    let test_y: Vec<bool> = test_rows.iter().map(|&r| history.leads[r].won).collect();
    write_csv(
        &dir.join("train.csv"),
        &names,
        &fitted.design,
        &fitted.labels,
    )?;
    write_csv(&dir.join("test.csv"), &names, &test, &test_y)?;

    let started = Instant::now();
    let cold = fit::fit(&fitted.design, &fitted.labels, c, settings.solver(), None)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    debug_assert_eq!(cold, fitted.coefs);
    let summary = json!({
        "c": c,
        "feature_names": names,
        "coefficients": fitted.coefs.w.to_vec(),
        "intercept": fitted.coefs.b,
        "test_auc": evaluation::auc(test_p, &test_y),
        "fit_seconds": fit_seconds,
        "train_rows": fitted.labels.len(),
        "test_rows": test_y.len(),
    });
    let path = dir.join("fit.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&summary).expect("json")).map_err(io(&path))?;
    Ok(())
}

/// One CSV of standardized features plus the label.
fn write_csv(
    path: &Path,
    names: &[String],
    z: &Array2<f64>,
    y: &[bool],
) -> Result<(), OutputError> {
    let err = |source| OutputError::Write {
        path: path.to_owned(),
        source,
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(err)?);
    let header: Vec<String> = names
        .iter()
        .map(|n| format!("\"{}\"", n.replace('"', "\"\"")))
        .collect();
    writeln!(out, "{},label", header.join(",")).map_err(err)?;
    for (row, &label) in z.rows().into_iter().zip(y) {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:e}")).collect();
        writeln!(out, "{},{}", cells.join(","), u8::from(label)).map_err(err)?;
    }
    out.flush().map_err(err)
}
