//! Whether the data has the model's features: on data that lacks most of
//! them, `evaluate`'s metrics measure little more than the intercept, so it
//! says so (a model trained on another export's column names, a renamed
//! activity type).

use leadscore_core::model::LinearModel;

use crate::design;
use crate::input::History;

/// Below this share of the model's features seen in at least one lead,
/// `evaluate` warns: most of the model would then never be exercised.
pub const FEW_FEATURES: f64 = 0.5;
/// Missing features named in the warning (the rest are counted).
const MISSING_NAMED: usize = 5;

/// Which of a model's features the data exercises.
#[derive(Debug, Clone, PartialEq)]
pub struct Presence {
    /// Features non-zero in at least one lead.
    pub present: usize,
    /// The model's features.
    pub total: usize,
    /// Names of the features no lead has, in feature order.
    pub missing: Vec<String>,
}

impl Presence {
    /// The features of `model` over every lead of `history` (the shared
    /// feature code, as scoring computes them).
    pub fn of(history: &History, model: &LinearModel) -> Presence {
        let rows: Vec<usize> = (0..history.leads.len()).collect();
        let x = design::features(history, model.features(), &rows);
        let missing: Vec<String> = x
            .columns()
            .into_iter()
            .enumerate()
            .filter(|(_, c)| c.iter().all(|v| *v == 0.0))
            .map(|(i, _)| model.feature_name(i).to_owned())
            .collect();
        Presence {
            present: x.ncols() - missing.len(),
            total: x.ncols(),
            missing,
        }
    }

    /// The warning to print, if the data has few or none of the features.
    pub fn warning(&self) -> Option<String> {
        if self.total == 0 || self.present as f64 >= FEW_FEATURES * self.total as f64 {
            return None;
        }
        let mut named = self.missing[..self.missing.len().min(MISSING_NAMED)].join(", ");
        if self.missing.len() > MISSING_NAMED {
            named.push_str(&format!(" and {} more", self.missing.len() - MISSING_NAMED));
        }
        let how_many = match self.present {
            0 => "none".to_owned(),
            n => format!("only {n} of {}", self.total),
        };
        Some(format!(
            "the data has {how_many} of the model's features (no lead has {named}); \
             these metrics say little about the model: check the column names and activity types"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_or_no_features_are_named() {
        let p = |present, missing: &[&str]| Presence {
            present,
            total: present + missing.len(),
            missing: missing.iter().map(|m| (*m).to_owned()).collect(),
        };
        assert_eq!(p(2, &["activity:a"]).warning(), None);
        let none = p(0, &["activity:a", "activity:b"]).warning().unwrap();
        assert!(
            none.starts_with(
                "the data has none of the model's features (no lead has activity:a, activity:b)"
            ),
            "{none}"
        );
        let few = p(1, &["a", "b", "c", "d", "e", "f", "g"])
            .warning()
            .unwrap();
        assert!(
            few.contains("only 1 of 8") && few.contains("a, b, c, d, e and 2 more"),
            "{few}"
        );
    }
}
