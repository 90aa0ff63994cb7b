//! Profile / categorical columns of the closed leads, each distinct value
//! stored once: per column a dictionary of the values as in the file and
//! one `u32` code per lead, so millions of leads do not carry a map of
//! strings each. Values the shared code reads as missing
//! ([`normalize_category`]: empty, `Select`, `NA` …) are not stored.

use std::collections::{BTreeMap, HashMap};

use leadscore_core::features::normalize_category;

/// The code of a lead without a value in a column.
pub const ABSENT: u32 = u32::MAX;

/// One column: normalized key, dictionary, codes.
#[derive(Debug, Clone, Default)]
pub struct AttributeColumn {
    /// Normalized column name (the attribute key).
    pub key: String,
    /// Distinct values, as in the file.
    values: Vec<String>,
    /// Per lead: index into `values`, or [`ABSENT`].
    codes: Vec<u32>,
    /// Value → code while reading ([`ABSENT`] for missing spellings);
    /// emptied by [`Attributes::finish`].
    index: HashMap<String, u32>,
}

/// The attribute columns of a history, in column order.
#[derive(Debug, Clone, Default)]
pub struct Attributes {
    /// The columns.
    pub columns: Vec<AttributeColumn>,
}

impl AttributeColumn {
    /// An empty column with normalized key `key`.
    pub fn new(key: String) -> AttributeColumn {
        AttributeColumn {
            key,
            ..AttributeColumn::default()
        }
    }

    /// Appends the value of the next lead.
    pub fn push(&mut self, raw: Option<&str>) {
        let code = match raw {
            None => ABSENT,
            Some(v) => match self.index.get(v) {
                Some(&code) => code,
                None => self.intern(v),
            },
        };
        self.codes.push(code);
    }

    /// The code of a value not seen before.
    fn intern(&mut self, v: &str) -> u32 {
        let code = if normalize_category(v).is_some() {
            self.values.push(v.to_owned());
            (self.values.len() - 1) as u32
        } else {
            ABSENT
        };
        self.index.insert(v.to_owned(), code);
        code
    }

    /// The value of lead `lead`, as in the file.
    pub fn get(&self, lead: usize) -> Option<&str> {
        self.values
            .get(self.code(lead) as usize)
            .map(String::as_str)
    }

    /// The distinct present values, as in the file.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// The code of lead `lead`: an index into [`Self::values`] or [`ABSENT`].
    pub fn code(&self, lead: usize) -> u32 {
        self.codes.get(lead).copied().unwrap_or(ABSENT)
    }

    /// The normalized levels of the column and, per lead, its level
    /// (index into the levels) or [`ABSENT`].
    pub fn levels(&self) -> (Vec<String>, Vec<u32>) {
        let mut names: Vec<String> = Vec::new();
        let mut by_name: HashMap<String, u32> = HashMap::new();
        let of_value: Vec<u32> = self
            .values
            .iter()
            .map(|v| {
                let level = normalize_category(v).expect("only present values are stored");
                let next = by_name.len() as u32;
                *by_name.entry(level.clone()).or_insert_with(|| {
                    names.push(level);
                    next
                })
            })
            .collect();
        let of_lead = self
            .codes
            .iter()
            .map(|&c| of_value.get(c as usize).copied().unwrap_or(ABSENT))
            .collect();
        (names, of_lead)
    }

    /// Keeps the leads whose `keep` is true.
    fn retain(&mut self, keep: &[bool]) {
        let mut i = 0;
        self.codes.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }
}

impl Attributes {
    /// Columns with the normalized keys `keys`, no leads yet.
    pub fn new(keys: impl IntoIterator<Item = String>) -> Attributes {
        Attributes {
            columns: keys.into_iter().map(AttributeColumn::new).collect(),
        }
    }

    /// Normalized keys, in column order.
    pub fn keys(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.key.clone()).collect()
    }

    /// The column with key `key`.
    pub fn column(&self, key: &str) -> Option<&AttributeColumn> {
        self.columns.iter().find(|c| c.key == key)
    }

    /// Drops the reading indexes (the dictionaries stay).
    pub fn finish(&mut self) {
        for c in &mut self.columns {
            c.index = HashMap::new();
            c.values.shrink_to_fit();
            c.codes.shrink_to_fit();
        }
    }

    /// Keeps the leads whose `keep` is true.
    pub fn retain(&mut self, keep: &[bool]) {
        self.columns.iter_mut().for_each(|c| c.retain(keep));
    }

    /// Lead `lead`'s present values of the columns `wanted` accepts, keyed
    /// by normalized column name: what the shared feature code reads.
    pub fn of_lead(&self, lead: usize, wanted: impl Fn(&str) -> bool) -> BTreeMap<String, String> {
        self.columns
            .iter()
            .filter(|c| wanted(&c.key))
            .filter_map(|c| Some((c.key.clone(), c.get(lead)?.to_owned())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_stored_once_and_missing_spellings_not_at_all() {
        let mut a = Attributes::new(["city".to_owned()]);
        for v in [
            Some("Köln"),
            Some("Select"),
            None,
            Some("Köln"),
            Some(" köln "),
        ] {
            a.columns[0].push(v);
        }
        a.finish();
        let city = a.column("city").unwrap();
        assert_eq!(
            city.values.len(),
            2,
            "Köln and \" köln \" are two spellings"
        );
        assert_eq!(
            (city.get(0), city.get(1), city.get(2)),
            (Some("Köln"), None, None)
        );
        let (levels, of_lead) = city.levels();
        assert_eq!(levels, ["köln"]);
        assert_eq!(of_lead, [0, ABSENT, ABSENT, 0, 0]);
        a.retain(&[false, false, false, true, true]);
        assert_eq!(a.of_lead(1, |_| true)["city"], " köln ");
        assert!(a.of_lead(1, |k| k != "city").is_empty());
    }
}
