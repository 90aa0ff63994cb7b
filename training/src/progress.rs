//! Progress of long steps, on stderr (stdout stays for results): each step
//! is announced, then reported done with its summary (rows, events …), its
//! time and the process's peak memory so far; [`summary`] lists every
//! finished step at the end of a run.

use std::sync::Mutex;
use std::time::Instant;

use crate::input::memory;

/// A running step.
pub struct Step {
    /// What is being done.
    what: String,
    /// When it started.
    started: Instant,
}

/// A finished step, for [`summary`].
#[derive(Debug, Clone)]
struct Done {
    /// What was done.
    what: String,
    /// Its one-line summary.
    summary: String,
    /// Seconds it took.
    seconds: f64,
    /// Peak RSS of the process when it ended, bytes.
    peak: Option<u64>,
}

/// The steps finished so far in this process.
static FINISHED: Mutex<Vec<Done>> = Mutex::new(Vec::new());

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
    /// Reports the step finished, with a one-line summary, its duration
    /// and the peak memory so far.
    pub fn done(self, summary: impl std::fmt::Display) {
        let done = Done {
            what: self.what,
            summary: summary.to_string(),
            seconds: self.started.elapsed().as_secs_f64(),
            peak: peak_rss(),
        };
        eprintln!(
            "✓ {}: {} ({:.1} s, peak {})",
            done.what,
            done.summary,
            done.seconds,
            gb(done.peak)
        );
        FINISHED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(done);
    }
}

/// Every step finished so far, in the order they finished: time and peak
/// memory each, as a text table.
pub fn summary() -> String {
    let finished = FINISHED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let mut out = String::from("summary (time, peak memory when the step ended, what it did):\n");
    for d in finished {
        out.push_str(&format!(
            "  {:>8.1} s  {:>9}  {}: {}\n",
            d.seconds,
            gb(d.peak),
            d.what,
            d.summary
        ));
    }
    out
}

/// Peak resident memory of this process (`VmHWM` in /proc/self/status),
/// bytes; `None` where there is no such file.
pub fn peak_rss() -> Option<u64> {
    memory::proc_bytes("/proc/self/status", "VmHWM:")
}

/// Bytes as `1.23 GB`, `?` when unknown.
fn gb(bytes: Option<u64>) -> String {
    bytes.map_or("?".into(), |b| memory::gb(b as f64))
}
