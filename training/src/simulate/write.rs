//! Writing the simulated tables in bounded memory: rows stream to a
//! buffered CSV file and/or to a Parquet file in blocks of
//! [`BLOCK_ROWS`] rows (one row group each), so 10M leads / 200M events
//! never sit in memory.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use polars::prelude::*;

use crate::error::OutputError;

/// Rows per Parquet row group (and per block held in memory).
pub const BLOCK_ROWS: usize = 512 * 1024;

/// The file formats `simulate` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `NAME.csv`.
    Csv,
    /// `NAME.parquet` (every column text, zstd).
    Parquet,
}

/// One table being written in every asked format.
pub struct TableOut {
    /// The CSV file, if asked.
    csv: Option<CsvOut>,
    /// The Parquet file, if asked.
    parquet: Option<ParquetOut>,
}

impl TableOut {
    /// Creates `dir/STEM.csv` and/or `dir/STEM.parquet` with `columns`.
    pub fn create(
        dir: &Path,
        stem: &str,
        columns: &[&str],
        formats: &[Format],
    ) -> Result<TableOut, OutputError> {
        let mut out = TableOut {
            csv: None,
            parquet: None,
        };
        if formats.contains(&Format::Csv) {
            let mut csv = CsvOut::create(dir.join(format!("{stem}.csv")))?;
            csv.row(columns)?;
            out.csv = Some(csv);
        }
        if formats.contains(&Format::Parquet) {
            out.parquet = Some(ParquetOut::create(
                dir.join(format!("{stem}.parquet")),
                columns,
            )?);
        }
        Ok(out)
    }

    /// Appends a row (cells in column order, none containing the delimiter).
    pub fn row(&mut self, cells: &[&str]) -> Result<(), OutputError> {
        if let Some(csv) = &mut self.csv {
            csv.row(cells)?;
        }
        if let Some(parquet) = &mut self.parquet {
            parquet.row(cells)?;
        }
        Ok(())
    }

    /// Flushes everything to disk.
    pub fn finish(self) -> Result<(), OutputError> {
        if let Some(csv) = self.csv {
            csv.finish()?;
        }
        if let Some(parquet) = self.parquet {
            parquet.finish()?;
        }
        Ok(())
    }
}

/// The error of writing `path`.
fn write_error(path: &Path, source: std::io::Error) -> OutputError {
    OutputError::Write {
        path: path.to_owned(),
        source,
    }
}

/// A buffered CSV file being written, with its path for errors.
struct CsvOut {
    /// Where it goes.
    path: PathBuf,
    /// The open file.
    out: BufWriter<File>,
}

impl CsvOut {
    /// Creates (or truncates) the file at `path`.
    fn create(path: PathBuf) -> Result<CsvOut, OutputError> {
        let f = File::create(&path).map_err(|e| write_error(&path, e))?;
        let out = BufWriter::with_capacity(1 << 20, f);
        Ok(CsvOut { path, out })
    }

    /// Writes one line.
    fn row(&mut self, cells: &[&str]) -> Result<(), OutputError> {
        let mut written = Ok(());
        for (i, cell) in cells.iter().enumerate() {
            let sep: &[u8] = if i == 0 { b"" } else { b"," };
            written = written
                .and_then(|()| self.out.write_all(sep))
                .and_then(|()| self.out.write_all(cell.as_bytes()));
        }
        written
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(|e| write_error(&self.path, e))
    }

    /// Flushes the buffer to the file.
    fn finish(mut self) -> Result<(), OutputError> {
        self.out.flush().map_err(|e| write_error(&self.path, e))
    }
}

/// A Parquet file being written block by block.
struct ParquetOut {
    /// Where it goes.
    path: PathBuf,
    /// Column names.
    names: Vec<PlSmallStr>,
    /// The rows of the current block, column by column.
    block: Vec<Vec<String>>,
    /// The writer.
    writer: polars::io::parquet::write::BatchedWriter<File>,
}

impl ParquetOut {
    /// Creates (or truncates) the file at `path` with text `columns`.
    fn create(path: PathBuf, columns: &[&str]) -> Result<ParquetOut, OutputError> {
        let f = File::create(&path).map_err(|e| write_error(&path, e))?;
        let names: Vec<PlSmallStr> = columns.iter().map(|c| PlSmallStr::from(*c)).collect();
        let schema = Schema::from_iter(
            names
                .iter()
                .map(|n| Field::new(n.clone(), DataType::String)),
        );
        let writer = ParquetWriter::new(f)
            .with_row_group_size(Some(BLOCK_ROWS))
            .batched(&schema)
            .map_err(|e| polars_error(&path, e))?;
        Ok(ParquetOut {
            path,
            block: vec![Vec::with_capacity(BLOCK_ROWS); names.len()],
            names,
            writer,
        })
    }

    /// Appends a row, writing the block when it is full.
    fn row(&mut self, cells: &[&str]) -> Result<(), OutputError> {
        for (column, cell) in self.block.iter_mut().zip(cells) {
            column.push((*cell).to_owned());
        }
        if self.block[0].len() >= BLOCK_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the current block as a row group.
    fn flush(&mut self) -> Result<(), OutputError> {
        if self.block.first().is_none_or(Vec::is_empty) {
            return Ok(());
        }
        let columns: Vec<Column> = self
            .names
            .iter()
            .zip(&mut self.block)
            .map(|(name, values)| Column::new(name.clone(), std::mem::take(values)))
            .collect();
        let df = DataFrame::new(columns).map_err(|e| polars_error(&self.path, e))?;
        self.writer
            .write_batch(&df)
            .map_err(|e| polars_error(&self.path, e))
    }

    /// Writes the last block and the footer.
    fn finish(mut self) -> Result<(), OutputError> {
        self.flush()?;
        self.writer
            .finish()
            .map(|_| ())
            .map_err(|e| polars_error(&self.path, e))
    }
}

/// A polars error writing `path`, as an I/O error naming the file.
fn polars_error(path: &Path, e: PolarsError) -> OutputError {
    write_error(path, std::io::Error::other(e.to_string()))
}
