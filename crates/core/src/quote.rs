//! User input quoted in an error message, cut to a short prefix.
//!
//! Every error that names what the caller sent (an unknown lead id or
//! model version, a bad attribute key, a mask path, a header) quotes it
//! with [`quote`], never with `{:?}` of the whole value: an error travels
//! back in the `grpc-message` header, and echoing a 4 MiB id there made
//! the answer too large for the client to read (it saw RESOURCE_EXHAUSTED
//! instead of the real error), besides copying the input into every log
//! line that records the error.

use std::fmt;

/// Most bytes of one input an error message quotes. Any valid lead id
/// (128 bytes) or model version is quoted whole; past this, the message
/// shows the prefix and the input's full length.
pub const MAX_QUOTED_BYTES: usize = 128;

/// `value` as it appears in an error: Rust-escaped and in quotes, like
/// `{:?}`, but at most [`MAX_QUOTED_BYTES`] of it.
pub fn quote(value: &str) -> Quoted<'_> {
    Quoted(value)
}

/// See [`quote`].
#[derive(Debug, Clone, Copy)]
pub struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        if s.len() <= MAX_QUOTED_BYTES {
            return write!(f, "{s:?}");
        }
        let mut end = MAX_QUOTED_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        write!(f, "{:?}… ({} bytes)", &s[..end], s.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_value_is_quoted_like_debug() {
        assert_eq!(quote("Lead \"A\"").to_string(), r#""Lead \"A\"""#);
        assert_eq!(
            quote(&"x".repeat(128)).to_string(),
            format!("{:?}", "x".repeat(128))
        );
    }

    #[test]
    fn a_long_value_is_cut_at_a_char_boundary_with_its_length() {
        let long = format!("{}é{}", "a".repeat(127), "b".repeat(1 << 20));
        let shown = quote(&long).to_string();
        assert_eq!(
            shown,
            format!("{:?}… ({} bytes)", "a".repeat(127), long.len())
        );
    }
}
