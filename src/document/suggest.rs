//! "Did you mean": the known name closest to a misspelt one.

/// The name in `known` closest to `written`, when it is close enough to be a likely typo: at most
/// a quarter of the longer name's characters differ (and at least one), case ignored: `procceses`
/// is `processes`, but `upstream_rto` is a name of its own, not a misspelt `upstream`.
pub fn suggest<'a>(written: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = written.to_lowercase();
    known
        .into_iter()
        .filter(|k| *k != written)
        .map(|k| (strsim::damerau_levenshtein(&lower, &k.to_lowercase()), k))
        .filter(|(distance, k)| {
            let longest = k.chars().count().max(written.chars().count());
            *distance <= (longest / 4).max(1)
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn close_names_are_suggested_and_far_ones_are_not() {
        let known = ["processes", "providers", "people"];
        assert_eq!(suggest("procceses", known), Some("processes"));
        assert_eq!(suggest("PEOPLE", known), Some("people"));
        assert_eq!(suggest("budget", known), None);
        assert_eq!(suggest("upstream_rto", ["upstream"]), None);
        assert_eq!(suggest("processes", known), None);
    }
}
