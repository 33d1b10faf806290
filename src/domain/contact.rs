use super::{
    CompanyAccess, CompanyId, EmailAddress, Errors, FieldError, Invalid, Locale, Name, Region,
    Role, TimeZone,
};

/// Which companies, as typed: all of them, or a list of company ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompaniesInput {
    All,
    Chosen(Vec<String>),
}

impl CompaniesInput {
    pub fn parse(&self) -> Result<CompanyAccess, Invalid> {
        match self {
            Self::All => Ok(CompanyAccess::All),
            // Ids are opaque, but none has control characters (PostgreSQL refuses NUL).
            Self::Chosen(ids) if ids.iter().any(|id| id.chars().any(char::is_control)) => {
                Err(Invalid::UnknownCompany)
            }
            Self::Chosen(ids) => CompanyAccess::only(
                ids.iter()
                    .map(|id| id.trim())
                    .filter(|id| !id.is_empty())
                    .map(CompanyId::from_string),
            ),
        }
    }
}

/// A contact as typed. Blank locale and time zone mean "unset".
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub name: Option<String>,
    pub companies: Option<CompaniesInput>,
    pub locale: Option<String>,
    pub timezone: Option<String>,
}

/// A valid contact, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    pub name: Name,
    pub companies: CompanyAccess,
    pub locale: Option<Locale>,
    pub timezone: Option<TimeZone>,
}

impl ContactInput {
    /// Parses every field, reporting each bad one under its JSON field name.
    pub fn parse(&self) -> Result<NewContact, Vec<FieldError>> {
        let mut errors = Errors::default();
        let name = errors.check(
            "name",
            self.name
                .as_deref()
                .map_or(Err(Invalid::Required), Name::parse),
        );
        let companies = errors.check(
            "companies",
            self.companies
                .as_ref()
                .map_or(Err(Invalid::Required), CompaniesInput::parse),
        );
        let optional = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let locale = match optional(&self.locale) {
            None => Some(None),
            Some(l) => errors.check("locale", Locale::parse(&l)).map(Some),
        };
        let timezone = match optional(&self.timezone) {
            None => Some(None),
            Some(t) => errors.check("timezone", TimeZone::parse(&t)).map(Some),
        };
        errors.finish(|| {
            Some(NewContact {
                name: name?,
                companies: companies?,
                locale: locale?,
                timezone: timezone?,
            })
        })
    }
}

/// A valid new account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub name: Name,
    /// Where phone numbers without `+` are read.
    pub default_region: Region,
    pub locale: Locale,
    pub timezone: TimeZone,
}

/// A valid new user: a contact who can log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub contact: NewContact,
    /// Their login, unique in the deployment, and their primary email method.
    pub email: EmailAddress,
    pub role: Role,
    /// An argon2id PHC string; `None` until a password is set.
    pub password_hash: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_needs_a_name_and_companies() {
        let fields = |input: ContactInput| -> Vec<(String, Invalid)> {
            input
                .parse()
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| (e.field, e.error))
                .collect()
        };
        assert_eq!(
            fields(ContactInput::default()),
            [
                ("name".into(), Invalid::Required),
                ("companies".into(), Invalid::Required)
            ]
        );
        let bad = ContactInput {
            name: Some("Ana\u{7}".into()),
            companies: Some(CompaniesInput::Chosen(vec![" ".into()])),
            locale: Some("fr".into()),
            timezone: Some("Nowhere/City".into()),
        };
        let names: Vec<String> = fields(bad).into_iter().map(|(f, _)| f).collect();
        assert_eq!(names, ["name", "companies", "locale", "timezone"]);
    }

    #[test]
    fn blank_locale_and_zone_are_unset() {
        let input = ContactInput {
            name: Some("  Ana López ".into()),
            companies: Some(CompaniesInput::Chosen(vec!["c1".into(), "c1".into()])),
            locale: Some(String::new()),
            timezone: Some(" ".into()),
        };
        let contact = input.parse();
        assert_eq!(
            contact,
            Ok(NewContact {
                name: Name::parse("Ana López").unwrap_or_else(|e| panic!("{e}")),
                companies: CompanyAccess::only([CompanyId::from_string("c1")])
                    .unwrap_or_else(|e| panic!("{e}")),
                locale: None,
                timezone: None,
            })
        );
    }
}
