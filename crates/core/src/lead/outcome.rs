//! Outcomes on their way into the store: one `RecordOutcomes` batch.

use std::collections::HashMap;

use super::event::check_batch_len;
use super::{FieldError, check_lead_id, limits};
use crate::time::Timestamp;

/// A lead's outcome to record: its id checked by the lead id rule (the
/// time is checked against the lead's log where it is stored).
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutcome {
    /// The lead.
    pub lead_id: String,
    /// Won (else lost).
    pub won: bool,
    /// When.
    pub at: Timestamp,
}

/// One `RecordOutcomes` batch: at most [`limits::MAX_OUTCOMES`] entries,
/// each an outcome or why it was refused (named by its place,
/// `outcomes[2].occurred_at`); a lead named twice is refused the second
/// time (its first outcome closes it).
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeBatch(Vec<Result<NewOutcome, FieldError>>);

impl OutcomeBatch {
    /// Refuses more than [`limits::MAX_OUTCOMES`] entries before parsing
    /// any, then parses each with `parse`.
    pub fn parse<T>(
        raw: Vec<T>,
        mut parse: impl FnMut(T) -> Result<NewOutcome, FieldError>,
    ) -> Result<OutcomeBatch, FieldError> {
        check_batch_len("outcomes", "outcomes", raw.len(), limits::MAX_OUTCOMES)?;
        let mut first: HashMap<String, usize> = HashMap::new();
        let entries = raw
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let o = parse(r).and_then(|o| {
                    check_lead_id("lead_id", &o.lead_id)?;
                    match first.get(&o.lead_id) {
                        Some(j) => Err(FieldError::new(
                            "lead_id",
                            format!("names the lead of outcomes[{j}] again; one outcome per lead per call"),
                        )),
                        None => {
                            first.insert(o.lead_id.clone(), i);
                            Ok(o)
                        }
                    }
                });
                o.map_err(|e| e.within(&format!("outcomes[{i}]")))
            })
            .collect();
        Ok(OutcomeBatch(entries))
    }

    /// The entries, in request order.
    pub fn into_entries(self) -> Vec<Result<NewOutcome, FieldError>> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn won(id: &str) -> NewOutcome {
        NewOutcome {
            lead_id: id.into(),
            won: true,
            at: Timestamp::from_micros(0).unwrap(),
        }
    }

    #[test]
    fn a_repeated_lead_and_a_bad_id_are_refused_by_place_and_the_rest_kept() {
        let batch = OutcomeBatch::parse(vec![won("a"), won(" b"), won("a")], Ok).unwrap();
        let e = batch.into_entries();
        assert_eq!(e[0], Ok(won("a")));
        assert_eq!(e[1].as_ref().unwrap_err().field, "outcomes[1].lead_id");
        let repeat = e[2].as_ref().unwrap_err();
        assert!(
            repeat
                .to_string()
                .contains("outcomes[2].lead_id: names the lead of outcomes[0]")
        );
    }

    #[test]
    fn more_than_the_limit_is_refused_whole() {
        let many = vec![won("a"); limits::MAX_OUTCOMES + 1];
        assert_eq!(OutcomeBatch::parse(many, Ok).unwrap_err().field, "outcomes");
    }
}
