//! Timestamp parsing, within the domain's range (years 0001–9999):
//!
//! 1. `--date-format FMT` (a chrono strftime pattern, e.g. `%m/%d/%Y` for
//!    US or `%d.%m.%Y %H:%M` for European exports), tried first when given;
//!    with `%z` / `%:z` the offset is applied, without one the time is UTC,
//!    and a pattern without a time of day means midnight UTC.
//! 2. RFC 3339 (`2024-05-01T13:00:00Z`, `+02:00`).
//! 3. Offsets without a colon, as Salesforce exports them
//!    (`2024-01-31T10:00:00.000+0000`).
//! 4. `YYYY-MM-DD[( |T)HH:MM:SS[.f]]` (UTC).
//!
//! Day-first and month-first dates (`01/02/2024`) are ambiguous, so they
//! are read only with `--date-format`.

use chrono::format::StrftimeItems;
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use leadscore_core::time::Timestamp;

/// Built-in forms with an offset (tried after RFC 3339).
const WITH_OFFSET: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"];
/// Built-in forms in UTC.
const UTC: [&str; 2] = ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"];
/// The built-in date-only form (midnight UTC).
const DATE: &str = "%Y-%m-%d";

/// The accepted timestamp forms: the built-in ones and an optional
/// `--date-format`.
#[derive(Debug, Clone, Default)]
pub struct TimeFormat {
    /// The `--date-format` pattern.
    custom: Option<String>,
}

impl TimeFormat {
    /// The forms with `custom` tried first; a pattern chrono cannot read is
    /// refused with the reason.
    pub fn new(custom: Option<&str>) -> Result<TimeFormat, String> {
        if let Some(f) = custom {
            StrftimeItems::new(f)
                .parse()
                .map_err(|e| format!("--date-format {f:?} is not a strftime pattern: {e}"))?;
        }
        Ok(TimeFormat {
            custom: custom.map(str::to_owned),
        })
    }

    /// Parses a timestamp; `None` if the text is in none of the accepted
    /// forms or outside the domain's range.
    pub fn parse(&self, raw: &str) -> Option<Timestamp> {
        let s = raw.trim();
        let micros = self
            .custom
            .as_deref()
            .and_then(|f| with_pattern(s, f))
            .or_else(|| {
                DateTime::parse_from_rfc3339(s)
                    .ok()
                    .map(|t| t.timestamp_micros())
            })
            .or_else(|| WITH_OFFSET.iter().find_map(|f| with_pattern(s, f)))
            .or_else(|| UTC.iter().find_map(|f| with_pattern(s, f)))
            .or_else(|| with_pattern(s, DATE))?;
        Timestamp::from_micros(micros).ok()
    }

    /// The forms, in words, for error messages.
    pub fn described(&self) -> String {
        let builtin = "RFC 3339 (2024-05-01T13:00:00Z), 2024-01-31T10:00:00.000+0000 or YYYY-MM-DD[ HH:MM:SS]";
        match &self.custom {
            Some(f) => format!("--date-format {f:?}, {builtin}"),
            None => format!("{builtin}; pass --date-format (e.g. %m/%d/%Y) for other forms"),
        }
    }
}

/// `s` read with strftime pattern `f`: with an offset, else as UTC, else
/// as a date at midnight UTC.
fn with_pattern(s: &str, f: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_str(s, f) {
        return Some(t.timestamp_micros());
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
        return Some(t.and_utc().timestamp_micros());
    }
    let day = NaiveDate::parse_from_str(s, f).ok()?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadscore_core::time::Span;

    fn parse(s: &str) -> Option<Timestamp> {
        TimeFormat::default().parse(s)
    }

    #[test]
    fn accepts_the_documented_formats() {
        let day = parse("2024-05-01").unwrap();
        assert_eq!(parse("2024-05-01 00:00:00"), Some(day));
        assert_eq!(parse("2024-05-01T00:00:00Z"), Some(day));
        assert_eq!(parse("2024-05-01T02:00:00+02:00"), Some(day));
        assert_eq!(
            parse("2024-05-01 00:00:00.000001"),
            Some(day.saturating_add(Span::micros(1)))
        );
        assert_eq!(parse("01/05/2024"), None);
        assert_eq!(day.to_rfc3339(), "2024-05-01T00:00:00Z");
    }

    #[test]
    fn salesforce_offsets_without_a_colon_are_read() {
        let t = parse("2024-01-31T10:00:00.000+0000").unwrap();
        assert_eq!(t.to_rfc3339(), "2024-01-31T10:00:00Z");
        assert_eq!(
            parse("2024-01-31T12:00:00.000+0200"),
            Some(t),
            "the offset is applied"
        );
    }

    #[test]
    fn a_date_format_reads_us_and_european_dates_and_bad_patterns_are_refused() {
        let us = TimeFormat::new(Some("%m/%d/%Y")).unwrap();
        assert_eq!(us.parse("01/31/2024"), parse("2024-01-31"));
        assert_eq!(
            us.parse("2024-01-31"),
            parse("2024-01-31"),
            "built-ins still apply"
        );
        let eu = TimeFormat::new(Some("%d.%m.%Y %H:%M")).unwrap();
        assert_eq!(eu.parse("31.01.2024 10:30"), parse("2024-01-31T10:30:00Z"));
        assert_eq!(eu.parse("31/01/2024"), None);
        let e = TimeFormat::new(Some("%Q")).unwrap_err();
        assert!(e.contains("--date-format \"%Q\""), "{e}");
    }

    #[test]
    fn refuses_times_outside_the_domain_range() {
        assert_eq!(parse("0000-12-31T23:59:59Z"), None);
        assert_eq!(parse("+10000-01-01T00:00:00Z"), None);
        assert!(parse("0001-01-01T00:00:00Z").is_some());
    }
}
