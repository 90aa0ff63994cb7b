//! One row per lead: repeated lead ids are collected in one pass over a
//! table and refused together, naming the first few ids with their rows
//! and counting the rest, so every repeat is fixed in one go.

use std::collections::HashMap;
use std::path::Path;

use crate::error::InputError;

/// Repeated ids named in the error; the others are counted.
pub const MAX_IDS_SHOWN: usize = 3;
/// Rows named per repeated id; the others are counted.
pub const MAX_ROWS_SHOWN: usize = 5;

/// The lead ids of a table's rows, as they are read.
#[derive(Debug, Default)]
pub struct UniqueIds {
    /// First (1-based data) row of each id.
    first: HashMap<String, usize>,
    /// Every later row of a repeated id, in file order.
    repeats: Vec<(String, usize)>,
}

impl UniqueIds {
    /// The lead id of data row `row` (its `column` cell), trimmed: required,
    /// and noted for [`Self::check`].
    pub fn read<'c>(
        &mut self,
        path: &Path,
        column: &str,
        row: usize,
        cell: Option<&'c str>,
    ) -> Result<&'c str, InputError> {
        let id = cell
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| InputError::MissingValue {
                path: path.to_owned(),
                row,
                column: column.to_owned(),
            })?;
        if self.first.contains_key(id) {
            self.repeats.push((id.to_owned(), row));
        } else {
            self.first.insert(id.to_owned(), row);
        }
        Ok(id)
    }

    /// An error naming the repeated ids of `path`, if there are any.
    pub fn check(self, path: &Path) -> Result<(), InputError> {
        if self.repeats.is_empty() {
            return Ok(());
        }
        let mut rows: HashMap<&str, Vec<usize>> = HashMap::new();
        for (id, row) in &self.repeats {
            rows.entry(id)
                .or_insert_with(|| vec![self.first[id]])
                .push(*row);
        }
        let mut ids: Vec<(&str, Vec<usize>)> = rows.into_iter().collect();
        ids.sort_unstable_by_key(|(_, rows)| rows[0]);
        let total: usize = ids.iter().map(|(_, rows)| rows.len()).sum();
        let mut shown: Vec<String> = ids
            .iter()
            .take(MAX_IDS_SHOWN)
            .map(|(id, rows)| format!("{id:?} in rows {}", row_list(rows)))
            .collect();
        if ids.len() > MAX_IDS_SHOWN {
            shown.push(format!("and {} more ids", ids.len() - MAX_IDS_SHOWN));
        }
        let head = if ids.len() == 1 {
            "1 lead id appears".to_owned()
        } else {
            format!("{} lead ids appear", ids.len())
        };
        Err(InputError::RepeatedIds {
            path: path.to_owned(),
            summary: format!(
                "{head} in more than one row ({total} rows): {}",
                shown.join("; ")
            ),
        })
    }
}

/// `1, 5 and 10`, or `1, 11, 21, 31, 41 and 3 more` past the limit.
fn row_list(rows: &[usize]) -> String {
    let shown: Vec<String> = rows
        .iter()
        .take(MAX_ROWS_SHOWN)
        .map(ToString::to_string)
        .collect();
    if rows.len() > MAX_ROWS_SHOWN {
        return format!(
            "{} and {} more",
            shown.join(", "),
            rows.len() - MAX_ROWS_SHOWN
        );
    }
    match shown.split_last() {
        Some((last, head)) if !head.is_empty() => format!("{} and {last}", head.join(", ")),
        _ => shown.join(""),
    }
}
