//! Time in the domain: a [`Timestamp`] is a point within the years
//! 0001–9999 (the range `google.protobuf.Timestamp` documents) at
//! microsecond precision, and a [`Span`] is the signed distance between two
//! of them.
//!
//! A `Timestamp` can only be built inside that range, so the difference of
//! any two is a `Span` that fits in an `i64` with room to spare (about
//! 3.2e17 µs against 9.2e18): ages, windows and decay never wrap, and no
//! crafted time can turn a score into NaN or infinity. Arithmetic that could
//! leave the range is checked or saturating, never wrapping.
//!
//! Text is RFC 3339 in UTC, through `chrono`, the one date crate of the
//! project (export writes it, training reads it).

use std::fmt;

use chrono::{DateTime, SecondsFormat};

/// Microseconds in a second.
const MICROS_PER_SECOND: i64 = 1_000_000;

/// A point in time: microseconds since 1970-01-01T00:00:00Z, always within
/// [`Timestamp::MIN`]..=[`Timestamp::MAX`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// A signed length of time in microseconds (stored as that number).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Span(i64);

/// Why a time was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Outside the years 0001–9999.
    #[error(
        "{0} is outside the supported range 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z"
    )]
    OutOfRange(String),
    /// Nanoseconds outside 0..=999,999,999.
    #[error("nanos {0} must be in [0, 999999999]")]
    BadNanos(i32),
    /// Text that is not RFC 3339.
    #[error("{0:?} is not an RFC 3339 time such as 2026-06-01T00:00:00Z")]
    BadText(String),
}

impl Timestamp {
    /// 0001-01-01T00:00:00Z.
    pub const MIN: Timestamp = Timestamp(-62_135_596_800 * MICROS_PER_SECOND);
    /// 9999-12-31T23:59:59.999999Z.
    pub const MAX: Timestamp = Timestamp(253_402_300_800 * MICROS_PER_SECOND - 1);
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp(0);

    /// The time `micros` microseconds after the Unix epoch, if in range.
    pub fn from_micros(micros: i64) -> Result<Timestamp, TimeError> {
        if (Self::MIN.0..=Self::MAX.0).contains(&micros) {
            Ok(Timestamp(micros))
        } else {
            Err(TimeError::OutOfRange(format!(
                "{micros} µs since the epoch"
            )))
        }
    }

    /// The time of a `google.protobuf.Timestamp`'s fields (sub-microsecond
    /// nanos are truncated).
    pub fn from_unix(seconds: i64, nanos: i32) -> Result<Timestamp, TimeError> {
        if !(0..1_000_000_000).contains(&nanos) {
            return Err(TimeError::BadNanos(nanos));
        }
        // The range check on seconds comes first, so the multiply cannot overflow.
        let (min, max) = (Self::MIN.unix_seconds(), Self::MAX.unix_seconds());
        if !(min..=max).contains(&seconds) {
            return Err(TimeError::OutOfRange(format!("seconds {seconds}")));
        }
        Ok(Timestamp(
            seconds * MICROS_PER_SECOND + i64::from(nanos / 1000),
        ))
    }

    /// The current time of the system clock (clamped into range).
    pub fn now() -> Timestamp {
        let micros = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_micros()).map_or(i64::MIN, |m| -m),
        };
        Timestamp(micros.clamp(Self::MIN.0, Self::MAX.0))
    }

    /// Microseconds since the Unix epoch.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch (rounded down).
    pub const fn unix_seconds(self) -> i64 {
        self.0.div_euclid(MICROS_PER_SECOND)
    }

    /// Nanoseconds past [`Timestamp::unix_seconds`] (a multiple of 1,000).
    pub const fn subsec_nanos(self) -> i32 {
        (self.0.rem_euclid(MICROS_PER_SECOND) * 1000) as i32
    }

    /// How long after `earlier` this is (negative when before it). Always
    /// representable: both ends are in range.
    pub const fn since(self, earlier: Timestamp) -> Span {
        Span(self.0 - earlier.0)
    }

    /// This time moved by `span`, if still in range.
    pub fn checked_add(self, span: Span) -> Option<Timestamp> {
        self.0
            .checked_add(span.0)
            .and_then(|m| Timestamp::from_micros(m).ok())
    }

    /// This time moved by `span`, stopping at the ends of the range
    /// (`const`, so fixed times can be constants).
    pub const fn saturating_add(self, span: Span) -> Timestamp {
        Timestamp::clamped(self.0.saturating_add(span.0))
    }

    /// This time moved back by `span`, stopping at the ends of the range.
    pub const fn saturating_sub(self, span: Span) -> Timestamp {
        Timestamp::clamped(self.0.saturating_sub(span.0))
    }

    /// `micros` clamped into the range (`Ord::clamp` is not `const`).
    const fn clamped(micros: i64) -> Timestamp {
        if micros < Self::MIN.0 {
            Self::MIN
        } else if micros > Self::MAX.0 {
            Self::MAX
        } else {
            Timestamp(micros)
        }
    }

    /// Parses RFC 3339 text (any offset; stored in UTC).
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, TimeError> {
        let t = DateTime::parse_from_rfc3339(text.trim())
            .map_err(|_| TimeError::BadText(text.to_owned()))?;
        Timestamp::from_micros(t.timestamp_micros())
    }

    /// RFC 3339 UTC text: whole seconds, or microseconds when not whole
    /// (`2026-06-01T00:00:00Z`, `2026-06-01T00:00:00.000001Z`).
    pub fn to_rfc3339(self) -> String {
        let digits = if self.0 % MICROS_PER_SECOND == 0 {
            SecondsFormat::Secs
        } else {
            SecondsFormat::Micros
        };
        match DateTime::from_timestamp_micros(self.0) {
            Some(t) => t.to_rfc3339_opts(digits, true),
            // Unreachable: every Timestamp is within chrono's range.
            None => format!("{} µs since the epoch", self.0),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Stored as microseconds since the epoch (compact in JSON and binary
/// forms of derived state); reading refuses a number outside the range,
/// so a corrupt stored value cannot make a `Timestamp` the type forbids.
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let micros = <i64 as serde::Deserialize>::deserialize(d)?;
        Timestamp::from_micros(micros).map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.to_rfc3339())
    }
}

impl Span {
    /// No time.
    pub const ZERO: Span = Span(0);

    /// `n` microseconds.
    pub const fn micros(n: i64) -> Span {
        Span(n)
    }

    /// `n` seconds (saturating: a span longer than the whole range is
    /// as good as infinite).
    pub const fn seconds(n: i64) -> Span {
        Span(n.saturating_mul(MICROS_PER_SECOND))
    }

    /// `n` hours.
    pub const fn hours(n: i64) -> Span {
        Span::seconds(n.saturating_mul(3_600))
    }

    /// `n` days.
    pub const fn days(n: i64) -> Span {
        Span::seconds(n.saturating_mul(86_400))
    }

    /// `days` days, fractional (rounded to the microsecond, saturating).
    pub fn from_days_f64(days: f64) -> Span {
        // `as` saturates on overflow and maps NaN to 0.
        Span((days * Span::days(1).0 as f64).round() as i64)
    }

    /// Length in microseconds.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// Length in days, fractional.
    pub fn as_days_f64(self) -> f64 {
        self.0 as f64 / Span::days(1).0 as f64
    }

    /// Whole hours (rounded toward zero).
    pub const fn whole_hours(self) -> i64 {
        self.0 / Span::hours(1).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_is_the_protobuf_timestamp_range() {
        assert_eq!(Timestamp::MIN.to_rfc3339(), "0001-01-01T00:00:00Z");
        assert_eq!(Timestamp::MAX.to_rfc3339(), "9999-12-31T23:59:59.999999Z");
        assert!(Timestamp::from_unix(-62_135_596_800, 0).is_ok());
        assert!(Timestamp::from_unix(-62_135_596_801, 999_999_999).is_err());
        assert!(Timestamp::from_unix(253_402_300_799, 999_999_999).is_ok());
        assert!(Timestamp::from_unix(253_402_300_800, 0).is_err());
        assert!(Timestamp::from_unix(-9_223_372_036_854, 0).is_err());
        assert!(Timestamp::from_unix(i64::MIN, 0).is_err());
        assert_eq!(Timestamp::from_unix(0, -1), Err(TimeError::BadNanos(-1)));
        assert_eq!(
            Timestamp::from_unix(0, 1_000_000_000),
            Err(TimeError::BadNanos(1_000_000_000))
        );
        assert!(Timestamp::from_micros(Timestamp::MAX.as_micros() + 1).is_err());
    }

    #[test]
    fn spans_between_the_ends_do_not_wrap() {
        let all = Timestamp::MAX.since(Timestamp::MIN);
        assert!(all.as_micros() > 0);
        assert!(Timestamp::MIN.since(Timestamp::MAX).as_micros() < 0);
        assert_eq!(Timestamp::MAX.checked_add(Span::micros(1)), None);
        assert_eq!(
            Timestamp::MAX.saturating_add(Span::days(i64::MAX)),
            Timestamp::MAX
        );
        assert_eq!(Timestamp::MIN.saturating_sub(Span::days(1)), Timestamp::MIN);
        assert_eq!(Span::days(i64::MAX), Span::micros(i64::MAX));
    }

    #[test]
    fn text_round_trips_and_parts_split_at_the_second() {
        let t = Timestamp::parse_rfc3339("2026-06-01T02:00:00.000001+02:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-06-01T00:00:00.000001Z");
        assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Ok(t));
        let before = Timestamp::from_micros(-1).unwrap();
        assert_eq!(
            (before.unix_seconds(), before.subsec_nanos()),
            (-1, 999_999_000)
        );
        assert_eq!(
            Timestamp::from_unix(before.unix_seconds(), before.subsec_nanos()),
            Ok(before)
        );
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
    }
}
