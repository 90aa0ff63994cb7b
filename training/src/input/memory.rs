//! The peak-memory estimate of a training run and `--max-memory`: before
//! any row is parsed, the peak is estimated from the row counts of the
//! files (CSV: their lines, counted while hashing; Parquet: the footer),
//! and a run that would not fit is refused with the estimate and what to
//! do, instead of being killed by the kernel halfway.
//!
//! The peak is the larger of two phases: reading (the rows in file order
//! while they are grouped by lead) and training (the arena plus the design
//! matrices of the fits). Their figures are measured, not derived: peak RSS
//! (`VmHWM`) at the end of the reading step and at the end of release
//! `fit` runs with default settings on simulated histories with two
//! different numbers of events per lead (see docs/benchmarks.md, "Training
//! scale"), solved for a part per lead and a part per activity row.
//!
//! Measured 2026-12-03 (release build, default settings, `simulate --leads
//! 1000000 --seed 7`, 2 cores): with all 21,075,681 activity rows the peak
//! was 0.89 GB, reached while reading; with the first 10,000,000 rows only
//! (`head -n 10000001 activities.csv`, same leads file) 0.64 GB at the end
//! of reading and 0.66 GB at the end of the run. Reading: (0.89 - 0.64) GB
//! / 11.08M rows ≈ 23 bytes a row, and the rest of 0.89 GB over 1M lead
//! rows ≈ 400 bytes a lead; training: 0.66 GB minus the 14-byte arena of
//! 10M rows over 1M lead rows ≈ 500 bytes a lead. Before any row is read
//! the process holds about 0.01–0.02 GB.

use crate::error::InputError;

/// Bytes per event of the [`super::EventArena`] once built: a `u16`
/// type, an `i64` time and a `u32` per-lead event id (14), with room for
/// rounding of the vectors' capacity.
pub const ARENA_BYTES_PER_EVENT: f64 = 16.0;
/// Fixed part of the peak (binary, allocator, thread stacks), bytes.
pub const BASE_BYTES: f64 = 20e6;
/// Peak while reading, bytes per lead row: the lead record and id, its
/// profile codes, the id index and the grouping's per-lead offsets.
pub const READ_BYTES_PER_LEAD: f64 = 400.0;
/// Peak while reading, bytes per activity row: the rows in file order
/// (22) and the grouping, which doubles one column at a time.
pub const READ_BYTES_PER_EVENT: f64 = 23.0;
/// Peak while training, bytes per lead row: the lead, and the design
/// matrices of the evaluation fit and the final refit.
pub const TRAIN_BYTES_PER_LEAD: f64 = 500.0;
/// Peak while training, bytes per activity row: the arena
/// ([`ARENA_BYTES_PER_EVENT`]).
pub const TRAIN_BYTES_PER_EVENT: f64 = 14.0;
/// Peak bytes per cell of a wide file (codes while the columns are
/// classified, then counts), from the layout: 4 bytes a code plus 16 per
/// stored count, doubled for growth.
pub const BYTES_PER_WIDE_CELL: f64 = 40.0;
/// Share of the machine's memory `--max-memory` defaults to: the rest is
/// left to the system and the page cache the files are read through.
pub const DEFAULT_SHARE: f64 = 0.8;
/// Most activity rows a history may have (arena positions are `u32`).
pub const MAX_EVENTS: usize = u32::MAX as usize;

/// What a run is estimated to need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Lead rows that will be kept (after `--sample-leads`).
    pub leads: usize,
    /// Activity rows (cells for the wide shape) that will be kept.
    pub events: usize,
    /// Estimated peak, bytes.
    pub bytes: f64,
    /// Peak bytes per lead including its share of the events, for the
    /// sample-size advice.
    pub per_lead: f64,
}

/// The estimate of an event-shape run on `lead_rows` leads and
/// `activity_rows` activity rows, `sample` leads of them if given: the
/// larger of the reading peak and the training peak.
pub fn events_estimate(lead_rows: usize, activity_rows: usize, sample: Option<usize>) -> Estimate {
    let events_per_lead = activity_rows as f64 / lead_rows.max(1) as f64;
    let leads = sample.map_or(lead_rows, |n| n.min(lead_rows));
    let events = (events_per_lead * leads as f64).round() as usize;
    let read = READ_BYTES_PER_LEAD + READ_BYTES_PER_EVENT * events_per_lead;
    let train = TRAIN_BYTES_PER_LEAD + TRAIN_BYTES_PER_EVENT * events_per_lead;
    let per_lead = read.max(train);
    Estimate {
        leads,
        events,
        bytes: BASE_BYTES + per_lead * leads as f64,
        per_lead,
    }
}

/// The estimate of a wide-shape run on `rows` rows of `columns` columns.
pub fn wide_estimate(rows: usize, columns: usize, sample: Option<usize>) -> Estimate {
    let per_lead = TRAIN_BYTES_PER_LEAD + BYTES_PER_WIDE_CELL * columns as f64;
    let leads = sample.map_or(rows, |n| n.min(rows));
    Estimate {
        leads,
        events: rows * columns,
        // Every row is read before the sample is drawn.
        bytes: BASE_BYTES + per_lead * rows as f64,
        per_lead,
    }
}

/// Refuses a run whose estimate is above `limit` (or with more activity
/// rows than the arena can index), saying what to do.
pub fn check(estimate: Estimate, limit: Option<u64>) -> Result<(), InputError> {
    let over_limit = limit.is_some_and(|l| estimate.bytes > l as f64);
    if !over_limit && estimate.events <= MAX_EVENTS {
        return Ok(());
    }
    let limit = limit.map_or(estimate.bytes, |l| l as f64);
    let fits = ((limit - BASE_BYTES) / estimate.per_lead).floor().max(0.0) as usize;
    Err(InputError::TooBig {
        leads: estimate.leads,
        events: estimate.events,
        estimate: gb(estimate.bytes),
        limit: gb(limit),
        sample: fits.min(MAX_EVENTS / 2),
    })
}

/// Bytes as gigabytes with two decimals.
pub fn gb(bytes: f64) -> String {
    format!("{:.2} GB", bytes / 1e9)
}

/// The default limit: [`DEFAULT_SHARE`] of `MemTotal` in /proc/meminfo
/// (`None` where there is no such file: no limit).
pub fn default_limit() -> Option<u64> {
    let total = proc_bytes("/proc/meminfo", "MemTotal:")?;
    Some((total as f64 * DEFAULT_SHARE) as u64)
}

/// A `… kB` field of a /proc file (`MemTotal:` of /proc/meminfo, `VmHWM:`
/// of /proc/self/status), in bytes; `None` where the file or field is
/// missing.
pub fn proc_bytes(path: &str, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let kib: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// `--max-memory`: a number with a unit, `8GB`, `512MB`, `1.5TB`, `8GiB`
/// (decimal units are powers of 1000, `…iB` of 1024; no unit: bytes).
pub fn parse_size(raw: &str) -> Result<u64, String> {
    let s = raw.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "tb" | "t" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024f64.powi(2),
        "gib" => 1024f64.powi(3),
        "tib" => 1024f64.powi(4),
        _ => {
            return Err(format!(
                "{raw:?}: unknown unit (use e.g. 8GB, 512MB or 8GiB)"
            ));
        }
    };
    match number.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok((n * scale) as u64),
        _ => Err(format!(
            "{raw:?} is not a positive size (use e.g. 8GB or 512MB)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_decimal_and_binary_units() {
        assert_eq!(parse_size("8GB"), Ok(8_000_000_000));
        assert_eq!(parse_size("1.5g"), Ok(1_500_000_000));
        assert_eq!(parse_size("2GiB"), Ok(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("-1GB").is_err() && parse_size("8 parsecs").is_err());
        assert!(default_limit().is_some_and(|l| l > 0));
    }

    #[test]
    fn the_estimate_scales_with_the_sample() {
        let all = events_estimate(1_000_000, 20_000_000, None);
        let half = events_estimate(1_000_000, 20_000_000, Some(500_000));
        assert_eq!((half.leads, half.events), (500_000, 10_000_000));
        assert!((all.bytes - BASE_BYTES - 2.0 * (half.bytes - BASE_BYTES)).abs() < 1.0);
        assert!(check(all, Some(u64::MAX)).is_ok() && check(all, None).is_ok());
        let limit = Some(all.bytes as u64 / 3);
        let Err(InputError::TooBig { sample, .. }) = check(all, limit) else {
            panic!("a third of the estimate is refused");
        };
        let fits = events_estimate(1_000_000, 20_000_000, Some(sample));
        assert!(check(fits, limit).is_ok() && sample > 250_000, "{sample}");
        let too_many = events_estimate(1_000_000, 20_000_000, Some(sample + 1000));
        assert!(check(too_many, limit).is_err());
    }
}
