//! The contacts file of SPEC §3 ("Contacts CSV"): [`read`] turns a CSV into parsed rows (or
//! every refused cell, by line and column), [`plan`] decides what importing those rows changes
//! in the account's directory, and [`to_csv`] / [`to_vcard`] write the directory out again.
//! Pure: `store::contacts_io` reads the directory and writes a plan, `app::contacts_io` runs
//! it on one transaction.
//!
//! Rules beyond the SPEC's (README "Contacts import and export" says them to users):
//! - `min_severity` is also `none` (no alerts); `companies` is also `none` (an access set whose
//!   last company was deleted), so that every stored contact survives a round trip;
//! - a contact's later rows may leave its columns (`companies`, `locale`, `timezone`) empty or
//!   repeat the first row's values; another value is refused;
//! - a user row adds or changes that user's methods only: its name, companies, language and
//!   zone are not read (a user's record is changed on the Users page or by the user);
//! - methods and contacts not in the file are left as they are; quiet hours, which the file
//!   has no column for, are kept.

mod plan;
mod read;
mod write;

pub use plan::{Change, ChangeKind, ContactChange, MethodAdd, MethodChange, NewEntry, Plan, plan};
pub use read::read;
pub use write::{to_csv, to_vcard};

use super::{
    CompanyAccess, ContactId, EmailAddress, FieldError, Invalid, Locale, MethodId, MethodType,
    Name, NewMethod, QuietHours, Severity, TimeZone,
};

/// The columns, in the order Reach writes them.
pub const COLUMNS: [&str; 12] = [
    "name",
    "kind",
    "email_login",
    "companies",
    "locale",
    "timezone",
    "method_type",
    "address",
    "label",
    "min_severity",
    "reports",
    "delay_minutes",
];

/// A refused cell: its line (the header is line 1), its column, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub column: String,
    pub error: Invalid,
}

impl RowError {
    pub fn new(line: usize, column: &str, error: Invalid) -> Self {
        Self {
            line,
            column: column.to_owned(),
            error,
        }
    }

    /// `line 4, address`: how the API names the field.
    pub fn field(&self) -> String {
        format!("line {}, {}", self.line, self.column)
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field(), self.error)
    }
}

impl From<RowError> for FieldError {
    fn from(e: RowError) -> Self {
        FieldError::new(e.field(), e.error)
    }
}

/// Whose row it is: a plain contact's (matched by name) or a user's (by `email_login`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKind {
    Contact,
    User(EmailAddress),
}

/// One row of a file, every cell parsed. `None` is an empty cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub line: usize,
    pub name: Name,
    pub kind: RowKind,
    /// `all`, `none` or company names (any case) of the account, joined by `|`; never read
    /// on a user's row.
    pub companies: Option<CompanyAccess>,
    pub locale: Option<Locale>,
    pub timezone: Option<TimeZone>,
    /// `None` when every method column is empty.
    pub method: Option<NewMethod>,
}

/// A contact or user of the account as the file shows it (what the store read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub id: ContactId,
    pub name: String,
    /// A user's primary email, their login; `None` for a plain contact.
    pub login: Option<String>,
    pub companies: CompanyAccess,
    pub locale: Option<Locale>,
    pub timezone: Option<TimeZone>,
    /// The primary email first, then in the order they were added.
    pub methods: Vec<EntryMethod>,
}

/// One method of a [`DirectoryEntry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryMethod {
    pub id: MethodId,
    pub kind: MethodType,
    pub address: String,
    pub label: Option<String>,
    pub min_severity: Option<Severity>,
    pub reports: bool,
    pub delay_minutes: u16,
    pub quiet_hours: Option<QuietHours>,
}

#[cfg(test)]
mod tests;
