//! The `ListPrioritizedLeads` page token: where the next page starts, and
//! for which filters.
//!
//! A token is the hex of `v2|filters|rank|score bits|lead_id`: the last
//! row of the page, which the next page starts after, and a digest of the
//! normalized filters that made the page. Resuming with other filters
//! would start the new list at a row of the old one, silently skipping or
//! repeating leads, so a token is only accepted with the filters it was
//! issued for (the page size may change). The digest is SHA-256, not a
//! seeded hash, so every replica sharing a store accepts every replica's
//! tokens.

use sha2::{Digest, Sha256};

use crate::handoff::LeadRecord;
use crate::hex;
use crate::lead::FieldError;
use crate::store::codes::{stage_code, stage_from_code};
use crate::store::query::{ListQuery, PageKey};

/// Digest of a query's filters, as written in its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filters(String);

impl Filters {
    /// The filters of `q`, normalized: stage and grade sets in a fixed
    /// order without repeats, `-0` as `0`; not the page size or position.
    pub fn of(q: &ListQuery) -> Filters {
        let mut stages: Vec<i16> = q.stages.iter().map(|s| stage_code(*s)).collect();
        stages.sort_unstable();
        stages.dedup();
        let mut grades: Vec<String> = q.grades.iter().map(ToString::to_string).collect();
        grades.sort_unstable();
        grades.dedup();
        // `0.0 + x` turns -0.0 into 0.0: the same filter, the same bits.
        let min_score = (0.0 + q.min_score).to_bits();
        // Debug-quoted strings cannot run into the next field.
        let normalized = format!(
            "{stages:?}|{min_score:016x}|{grades:?}|{:?}|{:?}|{}|{}",
            q.owner, q.country, q.overdue_only, q.include_closed
        );
        let digest = Sha256::digest(normalized.as_bytes());
        Filters(hex::encode(&digest[..8]))
    }
}

/// The token of the page after `last`, for `filters`.
pub fn encode(last: &LeadRecord, filters: &Filters) -> String {
    let raw = format!(
        "v2|{}|{}|{:016x}|{}",
        filters.0,
        stage_code(last.stage),
        last.score.to_bits(),
        last.id
    );
    hex::encode(raw.as_bytes())
}

/// The row a token resumes after; INVALID_ARGUMENT on `page_token` when
/// this service did not issue it or issued it for other filters.
pub fn decode(token: &str, filters: &Filters) -> Result<PageKey, FieldError> {
    let (issued_for, key) = parse(token)
        .ok_or_else(|| FieldError::new("page_token", "is not a token this service issued"))?;
    if issued_for != filters.0 {
        return Err(FieldError::new(
            "page_token",
            "was issued for other filters; send the filters of the first page, \
             or no page_token to start again",
        ));
    }
    Ok(key)
}

/// (filters digest, row) of a well-formed token.
fn parse(token: &str) -> Option<(String, PageKey)> {
    let raw = String::from_utf8(hex::decode(token)?).ok()?;
    let mut parts = raw.splitn(5, '|');
    if parts.next()? != "v2" {
        return None;
    }
    let filters = parts.next()?.to_owned();
    let stage = stage_from_code(parts.next()?.parse().ok()?)?;
    let score = f64::from_bits(u64::from_str_radix(parts.next()?, 16).ok()?);
    let lead_id = parts.next()?.to_owned();
    score.is_finite().then_some((
        filters,
        PageKey {
            stage,
            score,
            lead_id,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qualification::Stage;
    use crate::rules::Grade;

    fn query(f: impl FnOnce(&mut ListQuery)) -> ListQuery {
        let mut q = ListQuery {
            page_size: 50,
            ..ListQuery::default()
        };
        f(&mut q);
        q
    }

    #[test]
    fn the_same_filters_in_another_spelling_have_the_same_digest() {
        let a = query(|q| {
            q.stages = vec![Stage::Sql, Stage::Mql];
            q.grades = vec![Grade::B, Grade::A];
        });
        let b = query(|q| {
            q.stages = vec![Stage::Mql, Stage::Sql, Stage::Mql];
            q.grades = vec![Grade::A, Grade::B];
            q.min_score = -0.0;
            q.page_size = 7;
        });
        assert_eq!(Filters::of(&a), Filters::of(&b));
    }

    #[test]
    fn each_filter_changes_the_digest() {
        let base = Filters::of(&query(|_| {}));
        for other in [
            query(|q| q.stages = vec![Stage::Sql]),
            query(|q| q.min_score = 50.0),
            query(|q| q.grades = vec![Grade::A]),
            query(|q| q.owner = Some("ava".into())),
            query(|q| q.country = Some("US".into())),
            query(|q| q.overdue_only = true),
            query(|q| q.include_closed = true),
        ] {
            assert_ne!(Filters::of(&other), base, "{other:?}");
        }
    }
}
