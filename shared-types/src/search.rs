//! What a search box means, everywhere it appears (the catalogue, the
//! users list) and in the APIs' `q` parameters: words, each found in some
//! field, in any case.

/// The words of a search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchWords(Vec<String>);

impl SearchWords {
    pub fn new(text: &str) -> Self {
        Self(text.split_whitespace().map(str::to_lowercase).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether each word is part of one of `fields` (ignoring case); no
    /// words match everything.
    pub fn match_fields(&self, fields: &[&str]) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let fields: Vec<String> = fields.iter().map(|f| f.to_lowercase()).collect();
        self.0
            .iter()
            .all(|word| fields.iter().any(|field| field.contains(word.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_word_in_some_field_in_any_case() {
        let fields = ["Lin Chen", "lin.chen@example.edu"];
        assert!(SearchWords::new("").match_fields(&fields));
        assert!(SearchWords::new("  CHEN ").match_fields(&fields));
        assert!(SearchWords::new("lin example.edu").match_fields(&fields));
        assert!(!SearchWords::new("lin okafor").match_fields(&fields));
    }
}
