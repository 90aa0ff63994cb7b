//! Progress of long steps, on stderr (stdout stays for results).

use std::time::Instant;

/// A running step.
pub struct Step {
    /// What is being done.
    what: String,
    /// When it started.
    started: Instant,
}

/// Announces a step on stderr.
pub fn start(what: impl Into<String>) -> Step {
    let what = what.into();
    eprintln!("… {what}");
    Step {
        what,
        started: Instant::now(),
    }
}

impl Step {
    /// Reports the step finished, with a one-line summary and its duration.
    pub fn done(self, summary: impl std::fmt::Display) {
        eprintln!(
            "✓ {}: {summary} ({:.1} s)",
            self.what,
            self.started.elapsed().as_secs_f64()
        );
    }
}
