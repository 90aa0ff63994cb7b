//! Reading a CSV or Parquet file (chosen by extension) into a polars
//! `DataFrame` whose columns are all strings, so every value is parsed by
//! this crate with an error that names file, row and column.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::InputError;

/// A loaded input table.
pub struct Table {
    /// Where it came from.
    pub path: PathBuf,
    /// The data, every column as `String`.
    pub df: DataFrame,
    /// Hex SHA-256 of the file bytes.
    pub sha256: String,
}

impl Table {
    /// Reads `path` as CSV (`.csv`) or Parquet (`.parquet`, `.pq`).
    pub fn read(path: &Path) -> Result<Table, InputError> {
        let sha256 = file_sha256(path)?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let malformed = |e: PolarsError| InputError::Malformed {
            path: path.to_owned(),
            reason: e.to_string(),
        };
        let df = match ext.as_deref() {
            Some("csv") => {
                if std::fs::metadata(path)
                    .map(|m| m.len() == 0)
                    .unwrap_or(false)
                {
                    return Err(InputError::Empty {
                        path: path.to_owned(),
                    });
                }
                CsvReadOptions::default()
                    .with_has_header(true)
                    .with_infer_schema_length(Some(0))
                    .try_into_reader_with_file_path(Some(path.to_owned()))
                    .and_then(|r| r.finish())
                    .map_err(malformed)?
            }
            Some("parquet" | "pq") => {
                let file = File::open(path).map_err(|source| InputError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                let df = ParquetReader::new(file).finish().map_err(malformed)?;
                let columns = df
                    .get_columns()
                    .iter()
                    .map(|c| c.cast(&DataType::String))
                    .collect::<PolarsResult<Vec<Column>>>()
                    .map_err(malformed)?;
                DataFrame::new(columns).map_err(malformed)?
            }
            _ => {
                return Err(InputError::UnknownFormat {
                    path: path.to_owned(),
                });
            }
        };
        if df.height() == 0 {
            return Err(InputError::Empty {
                path: path.to_owned(),
            });
        }
        Ok(Table {
            path: path.to_owned(),
            df,
            sha256,
        })
    }

    /// Column names, trimmed (exports often carry stray spaces or `\r`).
    pub fn column_names(&self) -> Vec<String> {
        self.df
            .get_column_names()
            .iter()
            .map(|c| c.trim().to_owned())
            .collect()
    }

    /// The string values of column `name` (matched after trimming).
    pub fn strings(&self, name: &str) -> Result<&StringChunked, InputError> {
        let found = self
            .df
            .get_columns()
            .iter()
            .find(|c| c.name().trim() == name.trim());
        let missing = || InputError::MissingColumn {
            path: self.path.clone(),
            column: name.to_owned(),
            available: self.column_names().join(", "),
        };
        found.ok_or_else(missing)?.str().map_err(|_| missing())
    }

    /// Whether column `name` exists.
    pub fn has_column(&self, name: &str) -> bool {
        self.df
            .get_columns()
            .iter()
            .any(|c| c.name().trim() == name.trim())
    }

    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.df.height()
    }
}

/// Hex SHA-256 of a file, streamed.
fn file_sha256(path: &Path) -> Result<String, InputError> {
    let read_err = |source| InputError::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(read_err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(read_err)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(leadscore_core::hex::encode(&hasher.finalize()))
}
