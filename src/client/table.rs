//! The one table renderer of the client: every column as wide as its
//! widest cell (header included), measured in terminal columns
//! (`unicode-width`), so a long owner name or a wide character never
//! shifts the columns after it.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthStr;

/// Where a cell sits in its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// A table being filled: headers, then rows of cells.
#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
    indent: &'static str,
}

/// Spaces between two columns.
const GAP: &str = "  ";

impl Table {
    /// A table with these columns (header, alignment).
    pub fn new(columns: &[(&'static str, Align)]) -> Table {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
            indent: "",
        }
    }

    /// Every line starts with `indent` (a table under a heading).
    pub fn indented(mut self, indent: &'static str) -> Table {
        self.indent = indent;
        self
    }

    /// Adds a row: one cell per column (missing cells are empty, extra
    /// ones dropped). Control characters in a cell (a tab or newline in an
    /// owner name, a terminal escape) are shown as `�`: they would break
    /// the row or the terminal.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut row: Vec<String> = cells
            .into_iter()
            .take(self.columns.len())
            .map(|c| printable(c.into()))
            .collect();
        row.resize(self.columns.len(), String::new());
        self.rows.push(row);
    }

    /// The widths of the columns: the widest cell of each.
    fn widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.columns.iter().map(|(h, _)| h.width()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.width());
            }
        }
        widths
    }

    fn line(&self, out: &mut String, widths: &[usize], cells: &[&str]) {
        let mut line = String::from(self.indent);
        for (i, ((cell, width), (_, align))) in
            cells.iter().zip(widths).zip(&self.columns).enumerate()
        {
            if i > 0 {
                line.push_str(GAP);
            }
            let pad = " ".repeat(width.saturating_sub(cell.width()));
            match align {
                Align::Left => {
                    line.push_str(cell);
                    line.push_str(&pad);
                }
                Align::Right => {
                    line.push_str(&pad);
                    line.push_str(cell);
                }
            }
        }
        // A left-aligned last column is not padded out.
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let widths = self.widths();
        let mut out = String::new();
        let headers: Vec<&str> = self.columns.iter().map(|(h, _)| *h).collect();
        self.line(&mut out, &widths, &headers);
        for row in &self.rows {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            self.line(&mut out, &widths, &cells);
        }
        f.write_str(&out)
    }
}

/// `text` with every control character shown as `�`.
pub fn printable(text: String) -> String {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
            .collect()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_the_widest_cell_in_terminal_columns() {
        let mut t = Table::new(&[
            ("lead", Align::Left),
            ("score", Align::Right),
            ("owner", Align::Left),
            ("why", Align::Left),
        ]);
        t.row(["a", "9.5", "Zoë Ångström-Łukasiewicz", "x"]);
        t.row(["bb", "100.0", "李小龍", "y\tz"]);
        assert_eq!(
            t.to_string(),
            "lead  score  owner                     why\n\
             a       9.5  Zoë Ångström-Łukasiewicz  x\n\
             bb    100.0  李小龍                    y\u{FFFD}z\n"
        );
    }

    #[test]
    fn short_rows_are_padded_and_lines_indented() {
        let mut t = Table::new(&[("a", Align::Left), ("b", Align::Right)]).indented("  ");
        t.row(["xyz"]);
        assert_eq!(t.to_string(), "  a    b\n  xyz\n");
    }
}
