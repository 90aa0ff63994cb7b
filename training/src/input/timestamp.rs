//! Timestamp parsing: RFC 3339 and `YYYY-MM-DD[ HH:MM:SS[.f]]` (UTC),
//! within the domain's range (years 0001–9999).

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use leadscore_core::time::Timestamp;

/// Parses a timestamp; `None` if the text is in none of the accepted
/// formats or outside the domain's range.
pub fn parse(raw: &str) -> Option<Timestamp> {
    Timestamp::from_micros(parse_micros(raw.trim())?).ok()
}

fn parse_micros(s: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_micros());
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Some(t.and_utc().timestamp_micros());
        }
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadscore_core::time::Span;

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
    fn refuses_times_outside_the_domain_range() {
        assert_eq!(parse("0000-12-31T23:59:59Z"), None);
        assert_eq!(parse("+10000-01-01T00:00:00Z"), None);
        assert!(parse("0001-01-01T00:00:00Z").is_some());
    }
}
