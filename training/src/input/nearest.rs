//! "Did you mean …": the known names closest to a wrong one by edit
//! distance (Levenshtein on trimmed, case-folded names).

/// Names suggested at most.
pub const MAX_SUGGESTIONS: usize = 3;

/// The names of `known` within a plausible typo of `wanted` (an edit
/// distance of at most 2, or a third of its length), closest first.
pub fn nearest<'a>(wanted: &str, known: &'a [String]) -> Vec<&'a str> {
    let fold = |s: &str| s.trim().to_lowercase();
    let wanted = fold(wanted);
    let limit = (wanted.chars().count() / 3).max(2);
    let mut close: Vec<(usize, usize, &str)> = known
        .iter()
        .enumerate()
        .map(|(i, k)| (strsim::levenshtein(&wanted, &fold(k)), i, k.as_str()))
        .filter(|(d, _, _)| *d <= limit)
        .collect();
    close.sort_unstable();
    close
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, _, k)| k)
        .collect()
}

/// `; did you mean "a" or "b"?`, or nothing when no name is close.
pub fn hint(wanted: &str, known: &[String]) -> String {
    let names: Vec<String> = nearest(wanted, known)
        .iter()
        .map(|n| format!("{n:?}"))
        .collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => format!("; did you mean {last}?"),
        Some((last, head)) => format!("; did you mean {} or {last}?", head.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_and_case_get_the_closest_names() {
        let known: Vec<String> = ["Prospect ID", "Converted", "Total Visits", "Country"]
            .map(String::from)
            .to_vec();
        assert_eq!(nearest("converted", &known), ["Converted"]);
        assert_eq!(nearest("Convertd", &known), ["Converted"]);
        assert_eq!(nearest("TotalVisits", &known), ["Total Visits"]);
        assert!(nearest("revenue", &known).is_empty());
        assert_eq!(
            hint("Prospect Id", &known),
            "; did you mean \"Prospect ID\"?"
        );
        assert_eq!(hint("zzz", &known), "");
    }
}
