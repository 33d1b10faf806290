use super::Invalid;

/// What a user may do; see SPEC §1 "Who may do what".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Technician,
}

impl Role {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "admin" => Ok(Self::Admin),
            "technician" => Ok(Self::Technician),
            _ => Err(Invalid::OneOf {
                allowed: "admin, technician",
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Technician => "technician",
        }
    }
}

/// A new password as typed: at least 12 characters, no other composition rule. The upper
/// bound only keeps hashing cheap to refuse.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 1024;

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let chars = input.chars().count();
        if chars < Self::MIN_CHARS {
            Err(Invalid::TooShort {
                min: Self::MIN_CHARS,
            })
        } else if chars > Self::MAX_CHARS {
            Err(Invalid::TooLong {
                max: Self::MAX_CHARS,
            })
        } else {
            Ok(Self(input.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_twelve_characters_and_hide_in_debug() {
        assert_eq!(
            Password::parse("elevenchars").err(),
            Some(Invalid::TooShort { min: 12 })
        );
        let p = Password::parse("twelve chars");
        assert!(p.is_ok());
        assert!(!format!("{p:?}").contains("twelve"));
        assert_eq!(Role::parse("admin"), Ok(Role::Admin));
        assert!(Role::parse("root").is_err());
    }
}
