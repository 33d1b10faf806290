use super::Invalid;

/// A person's, company's or account's name: trimmed, 1–200 Unicode characters, no control
/// characters or line breaks. Everything else (emoji, right-to-left scripts) is kept exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Invalid::Required);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(Invalid::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        // Cc controls plus the Unicode line and paragraph separators.
        if trimmed
            .chars()
            .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
        {
            return Err(Invalid::ControlCharacter);
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key lists sort and search by: the name lower-cased.
    pub fn sort_key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keeps_200_characters() {
        let name = "é".repeat(200);
        assert_eq!(
            Name::parse(&format!("  {name} ")).map(|n| n.0),
            Ok(name.clone())
        );
        assert_eq!(
            Name::parse(&format!("{name}x")),
            Err(Invalid::TooLong { max: 200 })
        );
    }

    #[test]
    fn emoji_and_right_to_left_names_are_kept_exactly() {
        for name in ["👩‍👩‍👧‍👦 Family", "محمد عبد الله", "שָׁלוֹם כהן", "Zoë 🚀 Ñandú"]
        {
            assert_eq!(Name::parse(name).map(|n| n.0), Ok(name.to_owned()));
        }
    }

    #[test]
    fn control_characters_and_blank_names_are_refused() {
        for name in [
            "Ana\nLópez",
            "Ana\u{0}",
            "Ana\u{7f}",
            "a\u{2028}b",
            "tab\there",
        ] {
            assert_eq!(
                Name::parse(name),
                Err(Invalid::ControlCharacter),
                "{name:?}"
            );
        }
        assert_eq!(Name::parse("   "), Err(Invalid::Required));
        assert_eq!(Name::parse(""), Err(Invalid::Required));
    }
}
