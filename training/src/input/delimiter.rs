//! The field delimiter of a CSV file: `--delimiter C`, or sniffed from the
//! header line among [`CANDIDATES`] — the one occurring most often outside
//! quotes wins, a comma when none occurs (a one-column file).

/// Delimiters the sniffer chooses among, in order of preference on a tie.
pub const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The delimiter of a file whose text starts with `head` (at least its
/// first line).
pub fn sniff(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut counts = [0usize; CANDIDATES.len()];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
            counts[i] += 1;
        }
    }
    let mut best = 0;
    for (i, &n) in counts.iter().enumerate() {
        if n > counts[best] {
            best = i;
        }
    }
    CANDIDATES[best]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_frequent_candidate_of_the_header_wins() {
        assert_eq!(sniff(b"a,b,c\n1;2;3;4;5\n"), b',');
        assert_eq!(sniff(b"a;b;\"c,d,e\"\n"), b';');
        assert_eq!(sniff(b"a\tb\tc"), b'\t');
        assert_eq!(sniff(b"a|b,c|d\r\n"), b'|');
        assert_eq!(sniff(b"single\n"), b',');
        assert_eq!(sniff(b""), b',');
    }
}
