//! The design matrix: the shared feature code applied to every row, then
//! standardized. There is no second feature implementation here: each row is
//! [`CompiledFeatures::compute`] of the lead as the service would see it at
//! the lead's `as_of`.

use std::collections::BTreeMap;

use leadscore_core::features::{
    ActivityFeature, CategoricalFeature, CompiledFeatures, FeatureSource, FeatureSpec,
};
use leadscore_core::model::Standardization;
use ndarray::{Array2, ArrayView1, Axis, ShapeBuilder};

use crate::input::{History, Shape};

/// Standard deviations below this are treated as constant columns (scale 1).
const MIN_SCALE: f64 = 1e-12;

/// The candidate features of a history (chosen once, before any fit).
#[derive(Debug, Clone)]
pub struct Candidates {
    /// Activity features.
    pub activities: Vec<ActivityFeature>,
    /// Categorical indicators.
    pub categorical: Vec<CategoricalFeature>,
    /// Repeats of one type closer than this count once (event shape).
    pub dedupe_window_seconds: u32,
}

impl Candidates {
    /// The feature spec with the shared half-life `half_life_days` and the
    /// per-type ones `by_type` (the wide shape has no decay).
    pub fn spec(
        &self,
        shape: Shape,
        half_life_days: Option<f64>,
        by_type: &BTreeMap<String, f64>,
    ) -> FeatureSpec {
        let (source, half_life_days, by_type, dedupe_window_seconds) = match shape {
            Shape::Events => (
                FeatureSource::Events,
                half_life_days,
                by_type.clone(),
                self.dedupe_window_seconds,
            ),
            Shape::Wide => (FeatureSource::Counts, None, BTreeMap::new(), 0),
        };
        FeatureSpec {
            source,
            half_life_days,
            half_life_days_by_type: by_type,
            dedupe_window_seconds,
            activities: self.activities.clone(),
            categorical: self.categorical.clone(),
        }
    }
}

/// Rows each core takes of `n` (at least 1024, so small jobs stay on one).
fn rows_per_worker(n: usize) -> usize {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    n.div_ceil(threads).max(1024)
}

/// Maps `f` over `rows` on all cores, keeping the order.
pub fn par_rows<T: Send>(rows: &[usize], f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let chunk = rows_per_worker(rows.len());
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| s.spawn(|| part.iter().map(|&r| f(r)).collect::<Vec<T>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("feature worker panicked"))
            .collect()
    })
}

/// Raw feature matrix of `rows` (one row per lead, spec order), each
/// worker writing its block of rows in place (no per-lead vectors kept).
pub fn features(history: &History, compiled: &CompiledFeatures, rows: &[usize]) -> Array2<f64> {
    let mut x = Array2::zeros((rows.len(), compiled.len()));
    let chunk = rows_per_worker(rows.len());
    std::thread::scope(|s| {
        for (mut block, part) in x
            .axis_chunks_iter_mut(Axis(0), chunk)
            .zip(rows.chunks(chunk))
        {
            s.spawn(move || {
                for (mut out, &r) in block.rows_mut().into_iter().zip(part) {
                    let values =
                        history.with_input_for(r, compiled, |input| compiled.compute(input).values);
                    out.assign(&ArrayView1::from(&values));
                }
            });
        }
    });
    x
}

/// Column means and (population) standard deviations of `x`.
pub fn standardization(x: &Array2<f64>) -> Standardization {
    let n = x.nrows().max(1) as f64;
    let mean: Vec<f64> = x.columns().into_iter().map(|c| c.sum() / n).collect();
    let scale = x
        .columns()
        .into_iter()
        .zip(&mean)
        .map(|(c, m)| {
            let sd = (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt();
            if sd > MIN_SCALE { sd } else { 1.0 }
        })
        .collect();
    Standardization { mean, scale }
}

/// `(x - mean) / scale`, column by column, in column-major order.
///
/// Column-major because the solver's gradient is `zᵀ · residual`: with
/// columns contiguous, each of its dot products streams one column, where
/// row-major order would stride across every row once per feature
/// (docs/benchmarks.md has the fit times of both).
pub fn standardize(x: &Array2<f64>, s: &Standardization) -> Array2<f64> {
    let mut z = Array2::zeros(x.raw_dim().f());
    for ((mut out, column), (m, sd)) in z
        .columns_mut()
        .into_iter()
        .zip(x.columns())
        .zip(s.mean.iter().zip(&s.scale))
    {
        out.zip_mut_with(&column, |o, v| *o = (v - m) / sd);
    }
    z
}
