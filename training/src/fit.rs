//! One L2-penalized logistic regression fit with linfa-logistic.
//!
//! linfa minimizes `Σ logloss + α/2 ‖w‖²` (intercept unpenalized), so
//! scikit-learn's `C` is `α = 1/C`. linfa labels the *more frequent* class
//! positive; coefficients are turned around here so they always predict
//! "won".

use linfa::DatasetBase;
use linfa::traits::Fit;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2, ArrayView2, ShapeBuilder, s};

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

/// Fits without a warm start on at least this many rows start from a fit on
/// every [`WARM_UP_STRIDE`]-th row first.
pub const WARM_UP_MIN_ROWS: usize = 50_000;

/// Every this many rows make the warm-up's sample.
pub const WARM_UP_STRIDE: usize = 10;

/// Fits `y ~ z` with inverse regularization `c`, optionally warm-started.
///
/// Without a warm start, a large fit first solves the same problem on a
/// strided sample (its penalty scaled to the sample's size, so both aim at
/// the same coefficients) and starts from that. The stopping rule of the
/// full fit is unchanged, so the answer is the same optimum within the
/// tolerance; what changes is where L-BFGS starts. From zero, its first
/// steps on a sum over every row are far too long and the line search pays
/// for them in passes over the whole design.
///
/// `z` is fastest in column-major order ([`crate::design::standardize`]).
pub fn fit(
    z: &Array2<f64>,
    y: &[bool],
    c: f64,
    solver: Solver,
    warm: Option<&Coefs>,
) -> Result<Coefs, FitError> {
    match warm {
        Some(warm) => solve(z.view(), y, c, solver, Some(warm)),
        None => {
            let start = warm_up(z, y, c, solver)?;
            solve(z.view(), y, c, solver, start.as_ref())
        }
    }
}

/// The fit on every [`WARM_UP_STRIDE`]-th row, when `y` is large enough
/// and the sample holds both classes.
fn warm_up(z: &Array2<f64>, y: &[bool], c: f64, solver: Solver) -> Result<Option<Coefs>, FitError> {
    if y.len() < WARM_UP_MIN_ROWS {
        return Ok(None);
    }
    let sample_y: Vec<bool> = y.iter().step_by(WARM_UP_STRIDE).copied().collect();
    if sample_y.iter().all(|&v| v) || !sample_y.iter().any(|&v| v) {
        return Ok(None);
    }
    let mut sample = Array2::zeros((sample_y.len(), z.ncols()).f());
    sample.assign(&z.slice(s![..;WARM_UP_STRIDE, ..]));
    // α = 1/C weighs the penalty against a sum over rows: the same balance
    // on a tenth of the rows needs a tenth of the penalty.
    let sample_c = c * y.len() as f64 / sample_y.len() as f64;
    solve(sample.view(), &sample_y, sample_c, solver, None).map(Some)
}

/// One linfa-logistic fit from `warm` (or zero).
fn solve(
    z: ArrayView2<'_, f64>,
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
    let dataset = DatasetBase::new(z, targets);
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

    /// A large fit starts from its warm-up and still ends at the optimum
    /// the cold fit reaches (and the class that predicts "won" is kept
    /// although the sample is drawn from a minority-won history).
    #[test]
    fn the_warm_up_start_reaches_the_cold_fits_optimum() {
        let n = WARM_UP_MIN_ROWS + 1_000;
        let mut z = Array2::zeros((n, 3).f());
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            // A deterministic, well-spread design with a known signal.
            let a = ((i * 7_919) % 1_000) as f64 / 500.0 - 1.0;
            let b = ((i * 104_729) % 997) as f64 / 498.5 - 1.0;
            let noise = ((i * 15_485_863) % 1_009) as f64 / 1_009.0;
            z[[i, 0]] = a;
            z[[i, 1]] = b;
            z[[i, 2]] = a * b;
            let p = 1.0 / (1.0 + (-(1.5 * a - 0.8 * b - 1.0)).exp());
            y.push(noise < p);
        }
        let solver = Solver {
            max_iterations: 1000,
            gradient_tolerance: 1e-9,
        };
        let started = warm_up(&z, &y, 1.0, solver).unwrap();
        assert!(started.is_some(), "a fit this large warms up");
        let warm = fit(&z, &y, 1.0, solver, None).unwrap();
        let cold = solve(z.view(), &y, 1.0, solver, None).unwrap();
        for (a, b) in warm.w.iter().zip(&cold.w) {
            assert!((a - b).abs() < 1e-5, "{warm:?} vs {cold:?}");
        }
        assert!((warm.b - cold.b).abs() < 1e-5, "{warm:?} vs {cold:?}");
        assert!(warm.w[0] > 1.0 && warm.w[1] < -0.5, "{warm:?}");
    }

    /// scikit-learn's coef_[0], coef_[1] and intercept_ for the toy set.
    const SKLEARN_TOY: (f64, f64, f64) = (0.462_160_65, -0.095_754_06, 0.342_785_09);
}
