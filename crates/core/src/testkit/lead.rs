//! The buyer every suite qualifies and the "hot lead" built on it.

use super::{WIDE_TYPES, ago};
use crate::lead::{Activity, Bant, BantStatus, Lead, Profile};
use crate::time::Span;

/// Activities of [`hot_lead`]'s textbook SQL: (type, days before NOW).
const HOT: [(&str, i64); 6] = [
    ("demo_request", 2),
    ("pricing_page_view", 3),
    ("pricing_page_view", 5),
    ("webinar_attended", 10),
    ("webinar_attended", 20),
    ("blog_read", 1),
];

/// Activities of the textbook hot lead.
pub const HOT_ACTIVITIES: usize = HOT.len();

/// Types no fixture model knows, mixed into long hot leads.
const UNKNOWN: [&str; 2] = ["chat_started", "Podcast Listen"];

/// A VP of Marketing at a 500-person, $20M software company in `country`.
pub fn buyer_profile(country: &str) -> Profile {
    Profile {
        job_title: "VP Marketing".into(),
        department: "Marketing".into(),
        industry: "Software".into(),
        country: country.into(),
        company_size: Some(500.0),
        annual_revenue: Some(20e6),
        email_domain: "acme.com".into(),
        ..Profile::default()
    }
}

/// BANT budget, authority and need met; timeline unknown.
pub fn buyer_bant() -> Bant {
    Bant {
        budget: BantStatus::Yes,
        authority: BantStatus::Yes,
        need: BantStatus::Yes,
        timeline: BantStatus::Unknown,
    }
}

/// The US buyer with recent BOFU intent, `activities` activities before
/// NOW: the textbook SQL's [`HOT_ACTIVITIES`] first, then types cycled
/// over [`WIDE_TYPES`] and two unknown ones, spread over 90 days.
pub fn hot_lead(id: &str, activities: usize) -> Lead {
    // A fixed spread: the i-th activity `i × step` into a 90-day cycle.
    let spread = |i: usize, step: Span| {
        let cycle = Span::days(90).as_micros();
        Span::micros(step.as_micros().saturating_mul(i as i64) % cycle)
    };
    let activities = (0..activities)
        .map(|i| {
            let (kind, before) = match HOT.get(i) {
                Some(&(kind, days)) => (kind, Span::days(days)),
                None if i % 16 == 0 => (UNKNOWN[i / 16 % 2], spread(i, Span::seconds(7_919))),
                None => (
                    WIDE_TYPES[i % WIDE_TYPES.len()],
                    spread(i, Span::seconds(37_447)),
                ),
            };
            Activity {
                activity_type: kind.to_owned(),
                occurred_at: ago(before),
                event_id: None,
            }
        })
        .collect();
    Lead {
        id: id.to_owned(),
        profile: buyer_profile("US"),
        bant: buyer_bant(),
        activities,
        activity_counts: Vec::new(),
    }
}
