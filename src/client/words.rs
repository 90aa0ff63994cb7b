//! What the tables say for the API's enums, times and leads: the words a
//! sales rep uses ("became SQL", "follow-up overdue"), times in the
//! reader's zone, and the label that names a lead.

use crate::pb::v1 as pb;

/// A stage, as people say it.
pub fn stage(s: i32) -> &'static str {
    match pb::Stage::try_from(s) {
        Ok(pb::Stage::Sql) => "SQL",
        Ok(pb::Stage::Mql) => "MQL",
        Ok(pb::Stage::Nurturing) => "nurturing",
        Ok(pb::Stage::Unspecified) | Err(_) => "?",
    }
}

/// A fit grade letter.
pub fn grade(g: i32) -> &'static str {
    match pb::FitGrade::try_from(g) {
        Ok(pb::FitGrade::A) => "A",
        Ok(pb::FitGrade::B) => "B",
        Ok(pb::FitGrade::C) => "C",
        Ok(pb::FitGrade::D) => "D",
        Ok(pb::FitGrade::Unspecified) | Err(_) => "?",
    }
}

/// Where a lead stands with sales.
pub fn status(s: i32) -> &'static str {
    match pb::HandOffStatus::try_from(s) {
        Ok(pb::HandOffStatus::Open) => "open",
        Ok(pb::HandOffStatus::Accepted) => "accepted",
        Ok(pb::HandOffStatus::Won) => "won",
        Ok(pb::HandOffStatus::Lost) => "lost",
        Ok(pb::HandOffStatus::Unspecified) | Err(_) => "?",
    }
}

/// What happened to a lead, as a rep says it.
pub fn kind(k: i32) -> &'static str {
    use pb::StageChangeKind as K;
    match K::try_from(k) {
        Ok(K::ToNurturing) => "back to nurturing",
        Ok(K::ToMql) => "became MQL",
        Ok(K::ToSql) => "became SQL",
        Ok(K::Assigned) => "assigned",
        Ok(K::Accepted) => "accepted",
        Ok(K::Recycled) => "handed back",
        Ok(K::FollowUpOverdue) => "follow-up overdue",
        Ok(K::Won) => "won",
        Ok(K::Lost) => "lost",
        Ok(K::Unspecified) | Err(_) => "?",
    }
}

/// The label that names a lead in every table and line: who it is first,
/// when the profile says ("Jane Roe, Acme (lead-1)"), else the id alone.
pub fn lead_label(lead_id: &str, display_name: &str, company: &str) -> String {
    match (display_name.is_empty(), company.is_empty()) {
        (true, true) => lead_id.to_owned(),
        (false, true) => format!("{display_name} ({lead_id})"),
        (true, false) => format!("{company} ({lead_id})"),
        (false, false) => format!("{display_name}, {company} ({lead_id})"),
    }
}

/// `value`, or `-` when the answer left it empty.
pub fn or_dash(value: &str) -> &str {
    if value.is_empty() { "-" } else { value }
}

/// The zone times are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// The machine's local zone, with its offset.
    Local,
    /// UTC (`--utc`).
    Utc,
}

impl Zone {
    /// `t` to the second: `2026-06-01 09:30:00 UTC`, or local with its
    /// offset (`2026-06-01 11:30:00 +02:00`); `-` when unset.
    pub fn time(self, t: Option<&prost_types::Timestamp>) -> String {
        let Some(t) = t else {
            return "-".to_owned();
        };
        let Some(utc) = chrono::DateTime::from_timestamp(t.seconds, 0) else {
            return format!("{}s since the epoch", t.seconds);
        };
        match self {
            Zone::Utc => utc.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            Zone::Local => utc
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S %:z")
                .to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_words() {
        for k in 1..=9 {
            assert_ne!(kind(k), "?", "{k}");
        }
        assert_eq!(kind(7), "follow-up overdue");
        assert_eq!(kind(99), "?");
    }

    #[test]
    fn times_to_the_second_in_utc() {
        let t = prost_types::Timestamp {
            seconds: 1_780_306_200,
            nanos: 999_999_999,
        };
        assert_eq!(Zone::Utc.time(Some(&t)), "2026-06-01 09:30:00 UTC");
        assert_eq!(Zone::Utc.time(None), "-");
    }

    #[test]
    fn a_lead_is_named_by_who_it_is_before_its_id() {
        assert_eq!(lead_label("l-1", "", ""), "l-1");
        assert_eq!(lead_label("l-1", "Jane Roe", ""), "Jane Roe (l-1)");
        assert_eq!(lead_label("l-1", "", "Acme"), "Acme (l-1)");
        assert_eq!(
            lead_label("l-1", "Jane Roe", "Acme"),
            "Jane Roe, Acme (l-1)"
        );
    }
}
