//! The first-run setup form (SPEC §3): the account's name and the first admin's name, primary
//! email and password, every bad field reported at once.

use super::{EmailAddress, Errors, FieldError, Name, Password};

/// The setup form as posted.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SetupInput {
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// A valid first account and admin.
#[derive(Debug)]
pub struct NewSetup {
    pub account: Name,
    pub name: Name,
    pub email: EmailAddress,
    pub password: Password,
}

impl SetupInput {
    pub fn parse(&self) -> Result<NewSetup, Vec<FieldError>> {
        let mut errors = Errors::default();
        let account = errors.check("account", Name::parse(&self.account));
        let name = errors.check("name", Name::parse(&self.name));
        let email = errors.check("email", EmailAddress::parse(&self.email));
        let password = errors.check("password", Password::parse(&self.password));
        errors.finish(|| {
            Some(NewSetup {
                account: account?,
                name: name?,
                email: email?,
                password: password?,
            })
        })
    }
}

/// What a refused setup gives back, without the password.
pub fn without_password(input: &SetupInput) -> SetupInput {
    SetupInput {
        password: String::new(),
        ..input.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_named() {
        let good = SetupInput {
            account: " Helpdesk ".into(),
            name: "Hana Admin".into(),
            email: "hana@helpdesk.example".into(),
            password: "a good long password".into(),
        };
        let made = good.parse().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(made.account.as_str(), "Helpdesk");
        let fields = |input: SetupInput| -> Vec<String> {
            input
                .parse()
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(
            fields(SetupInput::default()),
            ["account", "name", "email", "password"]
        );
        assert_eq!(
            fields(SetupInput {
                email: "not an email".into(),
                password: "short".into(),
                ..good.clone()
            }),
            ["email", "password"]
        );
        assert_eq!(without_password(&good).password, "");
    }
}
