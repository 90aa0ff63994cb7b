//! Reading a CSV or Parquet file (chosen by extension) into a polars
//! `DataFrame` whose columns are all strings, so every value is parsed by
//! this crate with an error that names file, row and column.
//!
//! CSV text is read in its [`CsvFormat`]: the delimiter given or sniffed
//! ([`super::delimiter`]) and the encoding ([`super::charset`]). UTF-8 files
//! are checked while they are hashed and then parsed from the path (polars
//! skips a byte-order mark); single-byte encodings are transcoded in
//! memory first.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use sha2::{Digest, Sha256};

use super::charset::{Encoding, UTF8_BOM, Utf8Check};
use super::delimiter;
use super::nearest;
use crate::error::InputError;

/// Bytes of the file start kept for sniffing the delimiter.
const HEAD_BYTES: usize = 64 * 1024;

/// How CSV files are read (Parquet files ignore it).
#[derive(Debug, Clone, Copy, Default)]
pub struct CsvFormat {
    /// `--delimiter`; sniffed from the header line when `None`.
    pub delimiter: Option<u8>,
    /// `--encoding`.
    pub encoding: Encoding,
}

/// A loaded input table.
pub struct Table {
    /// Where it came from.
    pub path: PathBuf,
    /// The data, every column as `String`.
    pub df: DataFrame,
    /// Hex SHA-256 of the file bytes.
    pub sha256: String,
}

/// What [`scan`] does with the bytes besides hashing them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bytes {
    /// Checks that they are UTF-8.
    CheckUtf8,
    /// Keeps them all (to transcode).
    Keep,
    /// Nothing (Parquet).
    HashOnly,
}

/// A file read once: its hash, its first bytes and, when it must be
/// transcoded, all of it.
struct Scan {
    /// Hex SHA-256.
    sha256: String,
    /// The first [`HEAD_BYTES`] bytes.
    head: Vec<u8>,
    /// Every byte (single-byte encodings only).
    whole: Option<Vec<u8>>,
}

impl Table {
    /// Reads `path` as CSV (`.csv`) or Parquet (`.parquet`, `.pq`).
    pub fn read(path: &Path, format: CsvFormat) -> Result<Table, InputError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let malformed = |e: PolarsError| InputError::Malformed {
            path: path.to_owned(),
            reason: e.to_string(),
        };
        let (df, sha256) = match ext.as_deref() {
            Some("csv") => {
                let mode = match format.encoding {
                    Encoding::Utf8 => Bytes::CheckUtf8,
                    Encoding::Windows1252 | Encoding::Latin1 => Bytes::Keep,
                };
                let scan = scan(path, mode)?;
                (
                    read_csv(path, format, &scan).map_err(malformed)?,
                    scan.sha256,
                )
            }
            Some("parquet" | "pq") => {
                let sha256 = scan(path, Bytes::HashOnly)?.sha256;
                (read_parquet(path)?, sha256)
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
        let missing = || {
            let names = self.column_names();
            InputError::MissingColumn {
                path: self.path.clone(),
                column: name.to_owned(),
                hint: nearest::hint(name, &names),
                available: names.join(", "),
            }
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

/// A CSV file's table, every column a string.
fn read_csv(path: &Path, format: CsvFormat, scan: &Scan) -> PolarsResult<DataFrame> {
    let head = scan.head.strip_prefix(UTF8_BOM).unwrap_or(&scan.head);
    let separator = format.delimiter.unwrap_or_else(|| delimiter::sniff(head));
    let options = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .map_parse_options(|p| p.with_separator(separator));
    let text = scan.whole.as_deref().and_then(|bytes| {
        let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
        format.encoding.transcode(bytes)
    });
    match text {
        Some(text) => options
            .into_reader_with_file_handle(Cursor::new(text.into_bytes()))
            .finish(),
        None => options
            .try_into_reader_with_file_path(Some(path.to_owned()))?
            .finish(),
    }
}

/// A Parquet file's table, every column cast to a string.
fn read_parquet(path: &Path) -> Result<DataFrame, InputError> {
    let malformed = |e: PolarsError| InputError::Malformed {
        path: path.to_owned(),
        reason: e.to_string(),
    };
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
    DataFrame::new(columns).map_err(malformed)
}

/// Streams a file once: hashes it, keeps its head and does what `bytes`
/// says. An empty file and invalid UTF-8 are refused.
fn scan(path: &Path, bytes: Bytes) -> Result<Scan, InputError> {
    let read_err = |source| InputError::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(read_err)?;
    let mut hasher = Sha256::new();
    let mut check = Utf8Check::default();
    let mut head = Vec::new();
    let mut whole = (bytes == Bytes::Keep).then(Vec::new);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(read_err)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        hasher.update(chunk);
        let room = HEAD_BYTES.saturating_sub(head.len()).min(n);
        head.extend_from_slice(&chunk[..room]);
        match (&mut whole, bytes) {
            (Some(all), _) => all.extend_from_slice(chunk),
            (None, Bytes::CheckUtf8) => check.feed(chunk),
            (None, _) => {}
        }
    }
    if head.is_empty() {
        return Err(InputError::Empty {
            path: path.to_owned(),
        });
    }
    if let Some(at) = check.finish() {
        return Err(InputError::InvalidUtf8 {
            path: path.to_owned(),
            line: at.line,
            byte_column: at.byte_column,
        });
    }
    Ok(Scan {
        sha256: leadscore_core::hex::encode(&hasher.finalize()),
        head,
        whole,
    })
}
