//! Which cell values mean won and lost: the wide shape's label column and
//! the event shape's `outcome` column. Compared trimmed and case-folded.
//!
//! Accepted by default, because they are unambiguous: any number equal to
//! 1 or 0 (`1`, `1.0`, `0.00`), [`DEFAULT_POSITIVE`] and
//! [`DEFAULT_NEGATIVE`]. `--positive-label` / `--negative-label`
//! (repeatable) add the spellings of a CRM (`Closed Won`, `Converted`, …).
//! The event shape also reads `open` (not a training row).

use leadscore_core::dataset::Outcome;

/// Values read as won without a flag (besides numbers equal to 1).
pub const DEFAULT_POSITIVE: [&str; 5] = ["won", "true", "yes", "y", "closed won"];
/// Values read as lost without a flag (besides numbers equal to 0).
pub const DEFAULT_NEGATIVE: [&str; 5] = ["lost", "false", "no", "n", "closed lost"];

/// The won / lost spellings of a run.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// `--positive-label` values, case-folded.
    positive: Vec<String>,
    /// `--negative-label` values, case-folded.
    negative: Vec<String>,
}

impl Labels {
    /// The defaults plus the flags' values; a value that would mean both
    /// won and lost, or `open`, is refused with the flag named.
    pub fn new(positive: &[String], negative: &[String]) -> Result<Labels, String> {
        let folded = |v: &[String]| -> Vec<String> { v.iter().map(|s| fold(s)).collect() };
        let labels = Labels {
            positive: folded(positive),
            negative: folded(negative),
        };
        for p in &labels.positive {
            if labels.negative.contains(p) || is_default(p, false) {
                return Err(format!("--positive-label {p:?} is also a lost label"));
            }
        }
        for n in &labels.negative {
            if is_default(n, true) {
                return Err(format!("--negative-label {n:?} is also a won label"));
            }
        }
        if let Some(open) = labels
            .positive
            .iter()
            .chain(&labels.negative)
            .find(|v| Outcome::parse(v) == Some(Outcome::Open))
        {
            return Err(format!(
                "{open:?} means an open lead and cannot be a won or lost label"
            ));
        }
        Ok(labels)
    }

    /// Won (`true`) or lost (`false`), or `None` when `cell` is neither.
    pub fn won(&self, cell: &str) -> Option<bool> {
        let v = fold(cell);
        if self.positive.contains(&v) || is_default(&v, true) {
            Some(true)
        } else if self.negative.contains(&v) || is_default(&v, false) {
            Some(false)
        } else {
            None
        }
    }

    /// The event shape's outcome of `cell`: won, lost or open.
    pub fn outcome(&self, cell: &str) -> Option<Outcome> {
        match self.won(cell) {
            Some(true) => Some(Outcome::Won),
            Some(false) => Some(Outcome::Lost),
            None => Outcome::parse(cell).filter(|o| *o == Outcome::Open),
        }
    }

    /// The accepted values after `head` (`"0/1 or won/lost"`), for errors.
    pub fn expected(&self, head: &str) -> String {
        let mut s = format!(
            "{head} (accepted: numbers equal to 1/0, {}/{}",
            DEFAULT_POSITIVE.join("/"),
            DEFAULT_NEGATIVE.join("/")
        );
        if !self.positive.is_empty() || !self.negative.is_empty() {
            s.push_str(&format!(
                ", won {:?}, lost {:?}",
                self.positive, self.negative
            ));
        }
        s.push_str("; add others with --positive-label / --negative-label)");
        s
    }
}

/// Trimmed and case-folded.
fn fold(cell: &str) -> String {
    cell.trim().to_lowercase()
}

/// Whether folded `v` is a default won (`positive`) or lost label.
fn is_default(v: &str, positive: bool) -> bool {
    let (words, number) = if positive {
        (DEFAULT_POSITIVE, 1.0)
    } else {
        (DEFAULT_NEGATIVE, 0.0)
    };
    words.contains(&v) || v.parse::<f64>().is_ok_and(|x| x == number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(p: &[&str], n: &[&str]) -> Result<Labels, String> {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        Labels::new(&owned(p), &owned(n))
    }

    #[test]
    fn unambiguous_spellings_are_accepted_by_default() {
        let l = Labels::default();
        for won in ["1", "1.0", " Yes ", "TRUE", "won", "Closed Won", "y"] {
            assert_eq!(l.won(won), Some(true), "{won}");
        }
        for lost in ["0", "0.00", "No", "false", "LOST", "closed lost", "n"] {
            assert_eq!(l.won(lost), Some(false), "{lost}");
        }
        for neither in ["2", "", "maybe", "open", "converted"] {
            assert_eq!(l.won(neither), None, "{neither}");
        }
        assert_eq!(l.outcome("Open"), Some(Outcome::Open));
        assert_eq!(l.outcome("yes"), Some(Outcome::Won));
    }

    #[test]
    fn flags_add_spellings_and_contradictions_are_refused() {
        let l = labels(&["Converted", "Signed"], &["Not Converted"]).unwrap();
        assert_eq!(l.won("converted"), Some(true));
        assert_eq!(l.won("SIGNED"), Some(true));
        assert_eq!(l.won("not converted"), Some(false));
        assert_eq!(l.outcome("Not converted"), Some(Outcome::Lost));
        assert!(l.expected("0/1").contains("\"signed\""));
        let e = labels(&["x"], &["X"]).unwrap_err();
        assert!(e.contains("--positive-label \"x\""), "{e}");
        assert!(labels(&["no"], &[]).is_err());
        assert!(labels(&[], &["1"]).is_err());
        assert!(labels(&["open"], &[]).unwrap_err().contains("open lead"));
    }
}
