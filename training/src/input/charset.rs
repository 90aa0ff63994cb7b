//! The text encoding of a CSV file (`--encoding`): UTF-8 (a byte-order mark
//! is skipped), Windows-1252 or Latin-1 (ISO-8859-1), transcoded to UTF-8
//! before parsing. Under UTF-8 the bytes are checked first, so an invalid
//! sequence is reported with its line and byte column instead of the CSV
//! reader's bare "invalid utf-8 sequence".

use std::io::Read;

use clap::ValueEnum;

/// The UTF-8 byte-order mark some spreadsheet exports start with.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Windows-1252's characters for the bytes 0x80–0x9F (Latin-1 has C1
/// control characters there); the five bytes the code page leaves
/// undefined map to the control character of the same value, as Windows
/// itself decodes them.
const CP1252_80_9F: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

/// The encodings `--encoding` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    #[default]
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// Windows-1252 (what Excel on Windows writes as "CSV").
    #[value(name = "windows-1252", alias = "cp1252")]
    Windows1252,
    /// ISO-8859-1.
    #[value(name = "latin-1", alias = "latin1", alias = "iso-8859-1")]
    Latin1,
}

/// Where the first invalid UTF-8 sequence of a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidUtf8 {
    /// 1-based line (the header is line 1).
    pub line: usize,
    /// 1-based byte offset within that line.
    pub byte_column: usize,
}

/// Checks that streamed chunks of a file are UTF-8, remembering the line
/// of the first invalid byte (chunks may split a character).
#[derive(Debug, Default)]
pub struct Utf8Check {
    /// Complete lines seen so far.
    lines: usize,
    /// Bytes of the current line seen so far.
    column: usize,
    /// The start of a character split across chunks.
    carry: Vec<u8>,
    /// The first problem found.
    invalid: Option<InvalidUtf8>,
}

impl Utf8Check {
    /// Checks the next chunk of the file.
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.invalid.is_some() {
            return;
        }
        let mut bytes = std::mem::take(&mut self.carry);
        bytes.extend_from_slice(chunk);
        let valid = match std::str::from_utf8(&bytes) {
            Ok(_) => bytes.len(),
            Err(e) => e.valid_up_to(),
        };
        self.advance(&bytes[..valid]);
        match std::str::from_utf8(&bytes[valid..]) {
            Ok(_) => {}
            // An incomplete character at the end may continue in the next chunk.
            Err(e) if e.error_len().is_none() => self.carry = bytes[valid..].to_vec(),
            Err(_) => self.fail(),
        }
    }

    /// The first invalid sequence, once the whole file was fed.
    pub fn finish(mut self) -> Option<InvalidUtf8> {
        if !self.carry.is_empty() {
            self.fail();
        }
        self.invalid
    }

    /// Moves the position past valid bytes.
    fn advance(&mut self, valid: &[u8]) {
        match valid.iter().rposition(|&b| b == b'\n') {
            Some(last) => {
                self.lines += valid.iter().filter(|&&b| b == b'\n').count();
                self.column = valid.len() - last - 1;
            }
            None => self.column += valid.len(),
        }
    }

    /// Records an invalid sequence at the current position.
    fn fail(&mut self) {
        self.invalid = Some(InvalidUtf8 {
            line: self.lines + 1,
            byte_column: self.column + 1,
        });
    }
}

impl Encoding {
    /// The character of byte `b` in a single-byte encoding (Latin-1 for
    /// UTF-8, which is never decoded byte by byte).
    fn decode(self, b: u8) -> char {
        match (self, b) {
            (Encoding::Windows1252, 0x80..=0x9F) => CP1252_80_9F[usize::from(b - 0x80)],
            // Latin-1 is the first 256 Unicode code points.
            _ => char::from(b),
        }
    }
}

/// A reader of single-byte-encoded text giving UTF-8, as it streams (each
/// byte is one character, so no character spans two reads).
pub struct Transcode<R> {
    /// The encoded text.
    inner: R,
    /// The encoding.
    encoding: Encoding,
    /// Encoded bytes read but not yet given out.
    pending: Vec<u8>,
    /// How much of `pending` was given out.
    at: usize,
}

impl<R: Read> Transcode<R> {
    /// Decodes `inner` from `encoding`.
    pub fn new(inner: R, encoding: Encoding) -> Transcode<R> {
        Transcode {
            inner,
            encoding,
            pending: Vec::new(),
            at: 0,
        }
    }
}

impl<R: Read> Read for Transcode<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.pending.len() {
            let mut raw = [0u8; 64 * 1024];
            let n = self.inner.read(&mut raw)?;
            self.pending.clear();
            self.at = 0;
            let mut utf8 = [0u8; 4];
            for &b in &raw[..n] {
                let c = self.encoding.decode(b).encode_utf8(&mut utf8);
                self.pending.extend_from_slice(c.as_bytes());
            }
        }
        let n = out.len().min(self.pending.len() - self.at);
        out[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(chunks: &[&[u8]]) -> Option<InvalidUtf8> {
        let mut c = Utf8Check::default();
        chunks.iter().for_each(|chunk| c.feed(chunk));
        c.finish()
    }

    #[test]
    fn invalid_utf8_is_located_by_line_and_byte_column_across_chunks() {
        assert_eq!(check(&[b"a,b\n", "caf\u{e9}".as_bytes()]), None);
        // "é" split between two chunks is still valid.
        let e = "x,\u{e9}\n".as_bytes();
        assert_eq!(check(&[&e[..3], &e[3..]]), None);
        let bad = check(&[b"id,name\n1,ok\n2,caf", b"\xE9 bar\n"]);
        assert_eq!(
            bad,
            Some(InvalidUtf8 {
                line: 3,
                byte_column: 6
            })
        );
        // A character cut off by the end of the file.
        assert_eq!(
            check(&[b"ab\n\xC3"]),
            Some(InvalidUtf8 {
                line: 2,
                byte_column: 1
            })
        );
    }

    /// `bytes` decoded from `encoding` through [`Transcode`], read in
    /// small pieces.
    fn transcode(encoding: Encoding, bytes: &[u8]) -> String {
        let mut reader = Transcode::new(bytes, encoding);
        let mut out = Vec::new();
        let mut piece = [0u8; 3];
        loop {
            let n = reader.read(&mut piece).unwrap();
            if n == 0 {
                return String::from_utf8(out).unwrap();
            }
            out.extend_from_slice(&piece[..n]);
        }
    }

    #[test]
    fn single_byte_encodings_decode_every_byte() {
        let bytes = b"caf\xE9 \x80 \x92 \x9D";
        assert_eq!(
            transcode(Encoding::Windows1252, bytes),
            "caf\u{e9} \u{20ac} \u{2019} \u{9d}"
        );
        assert_eq!(
            transcode(Encoding::Latin1, bytes),
            "caf\u{e9} \u{80} \u{92} \u{9d}"
        );
    }
}
