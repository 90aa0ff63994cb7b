//! Enums that are spelled as words in files, flags and answers: one
//! exhaustive `as_str` per enum is the only spelling, and parsing, serde
//! and error text are derived from it, so the spellings cannot drift apart.

use std::fmt;

/// An enum with a fixed word for each variant.
pub trait Spelled: Copy + Eq + 'static {
    /// What a value is, in errors ("scope", "funnel stage").
    const KIND: &'static str;
    /// Every variant, in the order error messages list them.
    const ALL: &'static [Self];

    /// The word of this variant (an exhaustive `match`).
    fn as_str(self) -> &'static str;

    /// The variant spelled `word` exactly.
    fn parse_word(word: &str) -> Result<Self, UnknownWord> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == word)
            .ok_or_else(|| UnknownWord {
                kind: Self::KIND,
                given: word.to_owned(),
                words: Self::ALL.iter().map(|v| v.as_str()).collect(),
            })
    }
}

/// A word that spells no variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWord {
    /// [`Spelled::KIND`].
    kind: &'static str,
    /// What was given.
    given: String,
    /// Every accepted word.
    words: Vec<&'static str>,
}

impl UnknownWord {
    /// The accepted words as a sentence: `a, b or c`.
    fn expected(&self) -> String {
        match self.words.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

impl fmt::Display for UnknownWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} {:?}; use {}",
            self.kind,
            self.given,
            self.expected()
        )
    }
}

impl std::error::Error for UnknownWord {}

/// Serializes `value` as its word (for a `Serialize` impl).
pub fn serialize<T: Spelled, S: serde::Serializer>(value: T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(value.as_str())
}

/// Deserializes a word (for a `Deserialize` impl). The error keeps serde's
/// "unknown variant" wording, which file errors have always shown.
pub fn deserialize<'de, T: Spelled, D: serde::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let word = <String as serde::Deserialize>::deserialize(d)?;
    T::parse_word(&word).map_err(|e| {
        serde::de::Error::custom(format_args!(
            "unknown variant {:?}, expected {}",
            e.given,
            e.expected()
        ))
    })
}

/// `Display`, `FromStr`, `Serialize` and `Deserialize` of a [`Spelled`] enum,
/// all through its `as_str` (the calling crate depends on `serde`).
#[macro_export]
macro_rules! spelled_traits {
    ($t:ty) => {
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::spelling::Spelled::as_str(*self))
            }
        }
        impl ::std::str::FromStr for $t {
            type Err = $crate::spelling::UnknownWord;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$t as $crate::spelling::Spelled>::parse_word(s)
            }
        }
        impl ::serde::Serialize for $t {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $crate::spelling::serialize(*self, s)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $t {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::spelling::deserialize(d)
            }
        }
    };
}
