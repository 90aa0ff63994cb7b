//! Scoring leads exactly as the service does: the model's own compiled
//! features, then [`LinearModel::explain`].

use leadscore_core::model::LinearModel;

use crate::design::par_rows;
use crate::input::History;

/// Probability of each of `rows`, as the service would compute it.
pub fn predict(history: &History, model: &LinearModel, rows: &[usize]) -> Vec<f64> {
    par_rows(rows, |r| {
        history.with_input_for(r, model.features(), |input| {
            model.explain(&model.features().compute(input)).probability
        })
    })
}
