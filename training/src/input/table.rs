//! Reading a CSV or Parquet file (chosen by extension) in chunks of rows,
//! every cell as text, so every value is parsed by this crate with an
//! error that names file, row and column — and the file is never held
//! whole in memory, only one chunk at a time (plus the one being parsed).
//!
//! [`Table::open`] streams the file once to hash it, count its lines (for
//! the memory estimate) and, under UTF-8, check its encoding; it reads the
//! header. [`Table::for_each_chunk`] then reads the rows in chunks on a
//! reader thread while the caller converts the previous chunk, so parsing
//! and conversion use two cores.
//!
//! CSV text is read with the `csv` crate in its [`CsvFormat`]: the
//! delimiter given or sniffed ([`super::delimiter`]) and the encoding
//! ([`super::charset`], single-byte encodings transcoded as they stream).
//! Parquet files are read one slice of rows at a time (polars reads only
//! the row groups a slice touches); every column is cast to text.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use polars::prelude::*;
use sha2::{Digest, Sha256};

use super::charset::{Encoding, Transcode, UTF8_BOM, Utf8Check};
use super::delimiter;
use super::nearest;
use crate::error::InputError;

/// Bytes of the file start kept for sniffing the delimiter.
const HEAD_BYTES: usize = 64 * 1024;
/// Rows per chunk unless told otherwise: large enough that per-chunk costs
/// vanish, small enough (a few tens of MB of text) to stay out of the
/// memory budget.
pub const DEFAULT_CHUNK_ROWS: usize = 256 * 1024;

/// How CSV files are read (Parquet files ignore it).
#[derive(Debug, Clone, Copy, Default)]
pub struct CsvFormat {
    /// `--delimiter`; sniffed from the header line when `None`.
    pub delimiter: Option<u8>,
    /// `--encoding`.
    pub encoding: Encoding,
}

/// The file kinds.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// CSV with this field delimiter.
    Csv(u8),
    /// Parquet.
    Parquet,
}

/// An input table opened for chunked reading.
pub struct Table {
    /// Where it came from.
    pub path: PathBuf,
    /// Hex SHA-256 of the file bytes.
    pub sha256: String,
    /// Column names, trimmed (exports often carry stray spaces or `\r`).
    names: Vec<String>,
    /// Data rows: exact for Parquet, the line count for CSV (an upper
    /// bound: quoted line breaks count too) until the rows were read.
    rows: usize,
    /// CSV or Parquet.
    kind: Kind,
    /// Encoding of CSV text.
    encoding: Encoding,
    /// Rows per chunk.
    chunk_rows: usize,
}

/// Rows `first_row ..` of a table, every cell as text.
pub struct Chunk {
    /// 1-based data row of the first row here.
    pub first_row: usize,
    /// The cells.
    cells: Cells,
}

/// The cells of a chunk, as each reader gives them.
enum Cells {
    /// CSV: all cell texts back to back, with the end of each
    /// (`width` cells a row).
    Csv {
        /// The texts.
        text: String,
        /// End offset of each cell in `text`.
        ends: Vec<u32>,
        /// Cells per row.
        width: usize,
    },
    /// Parquet: each column cast to text.
    Parquet(Vec<StringChunked>),
}

impl Table {
    /// Opens `path` as CSV (`.csv`) or Parquet (`.parquet`, `.pq`); an empty
    /// file or one without data rows is refused.
    pub fn open(path: &Path, format: CsvFormat, chunk_rows: usize) -> Result<Table, InputError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let (kind, scan) = match ext.as_deref() {
            Some("csv") => {
                let scan = scan(path, format.encoding == Encoding::Utf8)?;
                let head = scan.head.strip_prefix(UTF8_BOM).unwrap_or(&scan.head);
                let separator = format.delimiter.unwrap_or_else(|| delimiter::sniff(head));
                (Kind::Csv(separator), scan)
            }
            Some("parquet" | "pq") => (Kind::Parquet, scan(path, false)?),
            _ => {
                return Err(InputError::UnknownFormat {
                    path: path.to_owned(),
                });
            }
        };
        let mut table = Table {
            path: path.to_owned(),
            sha256: scan.sha256,
            names: Vec::new(),
            rows: scan.lines.saturating_sub(1),
            kind,
            encoding: format.encoding,
            chunk_rows: chunk_rows.max(1),
        };
        table.read_header()?;
        if table.rows == 0 {
            return Err(InputError::Empty {
                path: path.to_owned(),
            });
        }
        Ok(table)
    }

    /// Column names, trimmed.
    pub fn column_names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// The index of column `name` (matched after trimming); a missing one
    /// names the nearest columns.
    pub fn column(&self, name: &str) -> Result<usize, InputError> {
        self.names
            .iter()
            .position(|c| c == name.trim())
            .ok_or_else(|| InputError::MissingColumn {
                path: self.path.clone(),
                column: name.to_owned(),
                hint: nearest::hint(name, &self.names),
                available: self.names.join(", "),
            })
    }

    /// Whether column `name` exists.
    pub fn has_column(&self, name: &str) -> bool {
        self.names.iter().any(|c| c == name.trim())
    }

    /// Number of data rows (for CSV an upper bound until the rows were
    /// read by [`Self::for_each_chunk`], then exact).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Reads every row in chunks, in file order, handing each to `f`; the
    /// reading runs on its own thread one chunk ahead. An error of either
    /// side stops both.
    pub fn for_each_chunk(
        &mut self,
        mut f: impl FnMut(&Chunk) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        let (send, receive) = mpsc::sync_channel::<Result<Chunk, InputError>>(1);
        let this = &*self;
        let rows = std::thread::scope(|s| {
            let reader = s.spawn(move || this.produce(&send));
            let mut rows = 0;
            for chunk in receive {
                let chunk = chunk?;
                rows += chunk.len();
                f(&chunk)?;
            }
            reader.join().expect("table reader panicked")?;
            Ok::<usize, InputError>(rows)
        })?;
        self.rows = rows;
        if rows == 0 {
            return Err(InputError::Empty {
                path: self.path.clone(),
            });
        }
        Ok(())
    }

    /// The reader thread: sends the chunks until the file ends, an error
    /// (sent too) or the receiver stops listening.
    fn produce(
        &self,
        send: &mpsc::SyncSender<Result<Chunk, InputError>>,
    ) -> Result<(), InputError> {
        match self.kind {
            Kind::Csv(separator) => {
                let mut reader = self.csv_reader(separator)?;
                let width = self.names.len();
                let mut first_row = 1;
                loop {
                    let chunk = csv_chunk(&mut reader, width, first_row, self);
                    let done =
                        matches!(&chunk, Ok(c) if c.len() < self.chunk_rows) || chunk.is_err();
                    first_row += chunk.as_ref().map_or(0, Chunk::len);
                    if send.send(chunk).is_err() || done {
                        return Ok(());
                    }
                }
            }
            Kind::Parquet => {
                let mut offset = 0;
                while offset < self.rows {
                    let chunk = self.parquet_chunk(offset);
                    let failed = chunk.is_err();
                    offset += self.chunk_rows;
                    if send.send(chunk).is_err() || failed {
                        return Ok(());
                    }
                }
                Ok(())
            }
        }
    }

    /// A malformed-table error of this file.
    fn malformed(&self, reason: impl std::fmt::Display) -> InputError {
        InputError::Malformed {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    /// Reads the column names (and, for Parquet, the row count).
    fn read_header(&mut self) -> Result<(), InputError> {
        let names: Vec<String> = match self.kind {
            Kind::Csv(separator) => {
                let mut reader = self.csv_reader(separator)?;
                let header = reader.headers().map_err(|e| self.malformed(e))?;
                header.iter().map(|c| c.trim().to_owned()).collect()
            }
            Kind::Parquet => {
                let mut reader = ParquetReader::new(self.open_file()?);
                self.rows = reader.num_rows().map_err(|e| self.malformed(e))?;
                let schema = reader.schema().map_err(|e| self.malformed(e))?;
                schema.iter_names().map(|c| c.trim().to_owned()).collect()
            }
        };
        self.names = names;
        Ok(())
    }

    /// The file, opened.
    fn open_file(&self) -> Result<File, InputError> {
        File::open(&self.path).map_err(|source| InputError::Read {
            path: self.path.clone(),
            source,
        })
    }

    /// A CSV reader past the byte-order mark, transcoding single-byte
    /// encodings as it goes.
    fn csv_reader(&self, separator: u8) -> Result<csv::Reader<Box<dyn Read + Send>>, InputError> {
        let mut file = BufReader::with_capacity(1 << 20, self.open_file()?);
        let head = file.fill_buf().map_err(|source| InputError::Read {
            path: self.path.clone(),
            source,
        })?;
        if head.starts_with(UTF8_BOM) {
            file.consume(UTF8_BOM.len());
        }
        let text: Box<dyn Read + Send> = match self.encoding {
            Encoding::Utf8 => Box::new(file),
            single_byte => Box::new(Transcode::new(file, single_byte)),
        };
        Ok(csv::ReaderBuilder::new()
            .delimiter(separator)
            .has_headers(true)
            .flexible(true)
            .buffer_capacity(1 << 20)
            .from_reader(text))
    }

    /// Rows `offset ..` (at most a chunk) of a Parquet file.
    fn parquet_chunk(&self, offset: usize) -> Result<Chunk, InputError> {
        let df = ParquetReader::new(self.open_file()?)
            .with_slice(Some((offset, self.chunk_rows)))
            .finish()
            .map_err(|e| self.malformed(e))?;
        let columns = df
            .get_columns()
            .iter()
            .map(|c| {
                let text = c.cast(&DataType::String)?;
                Ok(text.str()?.rechunk().into_owned())
            })
            .collect::<PolarsResult<Vec<StringChunked>>>()
            .map_err(|e| self.malformed(e))?;
        Ok(Chunk {
            first_row: offset + 1,
            cells: Cells::Parquet(columns),
        })
    }
}

/// The next chunk of a CSV file: up to `table.chunk_rows` rows; a row with
/// more cells than the header is refused, missing trailing cells are empty.
fn csv_chunk(
    reader: &mut csv::Reader<Box<dyn Read + Send>>,
    width: usize,
    first_row: usize,
    table: &Table,
) -> Result<Chunk, InputError> {
    let mut record = csv::ByteRecord::new();
    let mut text = Vec::new();
    let mut ends = Vec::with_capacity(table.chunk_rows.min(table.rows.max(1)) * width);
    let mut rows = 0;
    while rows < table.chunk_rows
        && reader
            .read_byte_record(&mut record)
            .map_err(|e| table.malformed(e))?
    {
        if record.len() > width {
            return Err(table.malformed(format!(
                "row {} has {} fields but the header has {width}",
                first_row + rows,
                record.len()
            )));
        }
        for i in 0..width {
            text.extend_from_slice(record.get(i).unwrap_or_default());
            ends.push(u32::try_from(text.len()).map_err(|_| table.malformed("a chunk over 4 GB"))?);
        }
        rows += 1;
    }
    // UTF-8 files were checked by `scan` (which names the line), transcoded ones are UTF-8.
    let text = String::from_utf8(text).map_err(|e| table.malformed(e))?;
    Ok(Chunk {
        first_row,
        cells: Cells::Csv { text, ends, width },
    })
}

impl Chunk {
    /// Rows in this chunk.
    pub fn len(&self) -> usize {
        match &self.cells {
            Cells::Csv { ends, width, .. } => ends.len() / (*width).max(1),
            Cells::Parquet(columns) => columns.first().map_or(0, |c| c.len()),
        }
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text of row `row` (0-based within the chunk), column `column`;
    /// `None` when missing or empty.
    pub fn get(&self, row: usize, column: usize) -> Option<&str> {
        let cell = match &self.cells {
            Cells::Csv { text, ends, width } => {
                let i = row * width + column;
                let start = if i == 0 { 0 } else { ends[i - 1] as usize };
                Some(&text[start..ends[i] as usize])
            }
            Cells::Parquet(columns) => columns[column].get(row),
        };
        cell.filter(|c| !c.is_empty())
    }

    /// 1-based data row of row `row` of this chunk.
    pub fn row_number(&self, row: usize) -> usize {
        self.first_row + row
    }
}

/// A file read once: its hash, its first bytes and its line count.
struct Scan {
    /// Hex SHA-256.
    sha256: String,
    /// The first [`HEAD_BYTES`] bytes.
    head: Vec<u8>,
    /// Lines (a last line without a line break counts).
    lines: usize,
}

/// Streams a file once: hashes it, keeps its head, counts its lines and,
/// when `check_utf8`, checks that it is UTF-8. An empty file and invalid
/// UTF-8 are refused.
fn scan(path: &Path, check_utf8: bool) -> Result<Scan, InputError> {
    let read_err = |source| InputError::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(read_err)?;
    let mut hasher = Sha256::new();
    let mut check = Utf8Check::default();
    let mut head = Vec::new();
    let mut lines = 0;
    let mut last = b'\n';
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
        lines += chunk.iter().filter(|&&b| b == b'\n').count();
        last = chunk[n - 1];
        if check_utf8 {
            check.feed(chunk);
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
        lines: lines + usize::from(last != b'\n'),
    })
}
