//! Timestamp parsing: RFC 3339 and `YYYY-MM-DD[ HH:MM:SS[.f]]` (UTC).

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use leadscore::features::Micros;

/// Parses a timestamp into microseconds since the epoch; `None` if the text
/// is in none of the accepted formats.
pub fn parse(raw: &str) -> Option<Micros> {
    let s = raw.trim();
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

/// RFC 3339 text of a timestamp (for summaries and simulated files).
pub fn format(at: Micros) -> String {
    DateTime::from_timestamp_micros(at)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_formats() {
        let day = parse("2024-05-01").unwrap();
        assert_eq!(parse("2024-05-01 00:00:00"), Some(day));
        assert_eq!(parse("2024-05-01T00:00:00Z"), Some(day));
        assert_eq!(parse("2024-05-01T02:00:00+02:00"), Some(day));
        assert_eq!(parse("2024-05-01 00:00:00.000001"), Some(day + 1));
        assert_eq!(parse("01/05/2024"), None);
        assert_eq!(format(day), "2024-05-01T00:00:00Z");
    }
}
