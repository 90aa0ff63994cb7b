//! Lower-case hexadecimal text of bytes, and back: the one codec behind
//! rules and model versions, page tokens, token hashes and training input
//! digests, so every place spells and accepts hex the same way.

/// Digits by value; lower case, as every hex this project writes.
const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Lower-case hex of `bytes`, two digits per byte.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 * bytes.len());
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// The bytes of `text`, two hex digits (either case) per byte; `None` when
/// the length is odd or anything else is in it (signs, spaces, non-ASCII).
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|pair| Some((digit(pair[0])? << 4) | digit(pair[1])?))
        .collect()
}

/// Value of one hex digit.
fn digit(c: u8) -> Option<u8> {
    char::from(c)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_writes_two_lower_case_digits_per_byte() {
        assert_eq!(encode(&[]), "");
        assert_eq!(encode(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }

    #[test]
    fn decode_reverses_encode_and_reads_either_case() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&bytes)), Some(bytes));
        assert_eq!(decode("A5fF"), Some(vec![0xa5, 0xff]));
    }

    #[test]
    fn decode_refuses_what_is_not_pairs_of_hex_digits() {
        for bad in ["0", "abc", "0g", "+f", " f", "é0", "0x00"] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }
}
