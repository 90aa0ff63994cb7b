//! One L2-penalized logistic regression fit with linfa-logistic.
//!
//! linfa minimizes `Σ logloss + α/2 ‖w‖²` (intercept unpenalized), so
//! scikit-learn's `C` is `α = 1/C`. linfa labels the *more frequent* class
//! positive; coefficients are turned around here so they always predict
//! "won".

use linfa::DatasetBase;
use linfa::traits::Fit;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2, ArrayView2};

use crate::error::FitError;

/// Optimizer settings.
#[derive(Debug, Clone, Copy)]
pub struct Solver {
    /// L-BFGS iteration cap.
    pub max_iterations: u64,
    /// Gradient-norm tolerance per training row (linfa's objective is a sum,
    /// so the absolute tolerance is this times the number of rows).
    pub gradient_tolerance: f64,
}

/// Fitted coefficients on standardized features, predicting "won".
#[derive(Debug, Clone, PartialEq)]
pub struct Coefs {
    /// One weight per feature.
    pub w: Array1<f64>,
    /// Intercept.
    pub b: f64,
}

impl Coefs {
    /// Logits of the rows of `z`.
    pub fn logits(&self, z: ArrayView2<'_, f64>) -> Array1<f64> {
        z.dot(&self.w) + self.b
    }
}

/// Fits `y ~ z` with inverse regularization `c`, optionally warm-started.
pub fn fit(
    z: &Array2<f64>,
    y: &[bool],
    c: f64,
    solver: Solver,
    warm: Option<&Coefs>,
) -> Result<Coefs, FitError> {
    let targets = Array1::from_iter(y.iter().copied());
    // linfa's +1 class: the more frequent one; on a tie, the first seen.
    let won = y.iter().filter(|v| **v).count();
    let lost = y.len() - won;
    let won_is_linfa_positive = won > lost || (won == lost && y.first() == Some(&true));
    let sign = if won_is_linfa_positive { 1.0 } else { -1.0 };
    let mut params = LogisticRegression::default()
        .alpha(1.0 / c)
        .max_iterations(solver.max_iterations)
        .gradient_tolerance(solver.gradient_tolerance * y.len().max(1) as f64);
    if let Some(warm) = warm {
        let mut init: Vec<f64> = warm.w.iter().map(|v| sign * v).collect();
        init.push(sign * warm.b);
        params = params.initial_params(Array1::from(init));
    }
    let dataset = DatasetBase::new(z.view(), targets);
    let fitted = params
        .fit(&dataset)
        .map_err(|e| FitError::Linfa(e.to_string()))?;
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    Ok(Coefs {
        w: fitted.params().mapv(|v| sign * v),
        b: sign * fitted.intercept(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// scikit-learn `LogisticRegression(C=0.5, tol=1e-12).fit(X, y)` on this
    /// toy set (6 won, 4 lost) gives `SKLEARN_TOY`.
    #[test]
    fn matches_scikit_learn_on_a_toy_set_and_predicts_the_won_class() {
        let x = ndarray::array![
            [1.0, 0.0],
            [2.0, 1.0],
            [0.5, 2.0],
            [-1.0, 0.5],
            [-2.0, -1.0],
            [0.0, -2.0],
            [1.5, -0.5],
            [-0.5, 1.5],
            [2.5, 0.0],
            [-1.5, -0.5]
        ];
        let y = [
            true, true, false, true, false, false, true, false, true, true,
        ];
        let solver = Solver {
            max_iterations: 1000,
            gradient_tolerance: 1e-10,
        };
        let coefs = fit(&x, &y, 0.5, solver, None).unwrap();
        let expected = SKLEARN_TOY;
        assert!((coefs.w[0] - expected.0).abs() < 1e-3, "{coefs:?}");
        assert!((coefs.w[1] - expected.1).abs() < 1e-3, "{coefs:?}");
        assert!((coefs.b - expected.2).abs() < 1e-3, "{coefs:?}");
        // Same answer with the classes the other way round in frequency.
        let flipped: Vec<bool> = y.iter().map(|v| !v).collect();
        let other = fit(&x, &flipped, 0.5, solver, Some(&coefs)).unwrap();
        assert!(
            (other.w[0] + expected.0).abs() < 1e-3 && (other.b + expected.2).abs() < 1e-3,
            "{other:?}"
        );
    }

    /// scikit-learn's coef_[0], coef_[1] and intercept_ for the toy set.
    const SKLEARN_TOY: (f64, f64, f64) = (0.462_160_65, -0.095_754_06, 0.342_785_09);
}
