//! What importing a file's rows changes: contacts are matched by name (any case) among the
//! account's plain contacts, users by `email_login`, methods by type and address (any case)
//! among the matched contact's. A row that matches and says nothing new changes nothing, so
//! importing the same file twice changes nothing the second time.

use super::{DirectoryEntry, ImportRow, RowError, RowKind};
use crate::domain::{
    CompanyAccess, CompanyId, ContactId, Invalid, Locale, MethodId, MethodType, NewContact,
    NewMethod, TimeZone,
};
use std::collections::HashMap;

/// A contact the file adds, with the methods its rows give (each with its line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub line: usize,
    pub contact: NewContact,
    pub methods: Vec<(usize, NewMethod)>,
}

/// A contact whose name, companies, language or zone the file changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactChange {
    pub line: usize,
    pub id: ContactId,
    pub contact: NewContact,
}

/// A method the file adds to a contact or user the account has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodAdd {
    pub line: usize,
    pub contact: ContactId,
    pub method: NewMethod,
}

/// A method whose label or routing preferences the file changes (its quiet hours kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodChange {
    pub line: usize,
    pub contact: ContactId,
    pub id: MethodId,
    pub method: NewMethod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    AddContact,
    UpdateContact,
    AddMethod,
    UpdateMethod,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AddContact => "add_contact",
            Self::UpdateContact => "update_contact",
            Self::AddMethod => "add_method",
            Self::UpdateMethod => "update_method",
        }
    }
}

/// One change, as a preview lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub line: usize,
    pub kind: ChangeKind,
    /// The contact's name as the file has it.
    pub contact: String,
    /// The method's type and address, for method changes.
    pub method: Option<(MethodType, String)>,
}

/// Everything importing a file changes, and how many of its rows change nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub new_contacts: Vec<NewEntry>,
    pub contact_changes: Vec<ContactChange>,
    pub method_adds: Vec<MethodAdd>,
    pub method_changes: Vec<MethodChange>,
    /// Rows that add or change nothing.
    pub unchanged_rows: usize,
    /// Every change, by line.
    pub changes: Vec<Change>,
}

impl Plan {
    pub fn methods_added(&self) -> usize {
        self.method_adds.len()
            + self
                .new_contacts
                .iter()
                .map(|c| c.methods.len())
                .sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// The rows of one contact or user.
struct Group {
    line: usize,
    contact: NewContact,
    /// The first row's cells, which later rows may leave empty or repeat.
    cells: (
        Option<CompanyAccess>,
        Option<Option<Locale>>,
        Option<Option<TimeZone>>,
    ),
    target: Option<usize>,
    methods: Vec<(usize, NewMethod)>,
    seen: HashMap<(MethodType, String), usize>,
}

fn method_key(m: &NewMethod) -> (MethodType, String) {
    (m.address.method_type(), m.address.as_str().to_lowercase())
}

/// Decides what importing `rows` into a directory of `existing` contacts and users (and these
/// companies: id and name) changes; or every row that cannot be imported as it is: `refused`
/// (what [`read`](super::read) refused) and those the directory refuses, by line.
pub fn plan(
    rows: Vec<ImportRow>,
    refused: Vec<RowError>,
    existing: &[DirectoryEntry],
    companies: &[(CompanyId, String)],
) -> Result<Plan, Vec<RowError>> {
    let read_fine = refused.is_empty();
    let mut errors = refused;
    let known: std::collections::HashSet<&CompanyId> = companies.iter().map(|(id, _)| id).collect();
    let mut contacts: HashMap<String, Vec<usize>> = HashMap::new();
    let mut users: HashMap<String, usize> = HashMap::new();
    for (at, entry) in existing.iter().enumerate() {
        if let Some(login) = &entry.login {
            users.insert(login.to_lowercase(), at);
        } else {
            let key = entry.name.to_lowercase();
            contacts.entry(key).or_default().push(at);
        }
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<(bool, String), usize> = HashMap::new();
    let total_rows = rows.len();
    for row in rows {
        let line = row.line;
        let fail = |errors: &mut Vec<RowError>, column: &str, e: Invalid| {
            errors.push(RowError::new(line, column, e));
        };
        // The file names them; a company deleted since it was read is unknown now.
        let access = row.companies.clone();
        if access
            .as_ref()
            .is_some_and(|a| a.chosen().any(|id| !known.contains(id)))
        {
            fail(&mut errors, "companies", Invalid::UnknownCompany);
            continue;
        }
        let key = match &row.kind {
            RowKind::Contact => (false, row.name.sort_key()),
            RowKind::User(login) => (true, login.key()),
        };
        let cells = (access, row.locale.map(Some), row.timezone.map(Some));
        let at = match by_key.get(&key) {
            Some(at) => {
                let group = &groups[*at];
                if !key.0 {
                    let first = group.line;
                    let differs = |e: &mut Vec<RowError>, column: &str, same: bool| {
                        if !same {
                            fail(e, column, Invalid::DiffersFromLine { line: first });
                        }
                    };
                    let c = &group.cells;
                    differs(
                        &mut errors,
                        "companies",
                        cells.0.is_none() || cells.0 == c.0,
                    );
                    differs(&mut errors, "locale", cells.1.is_none() || cells.1 == c.1);
                    differs(&mut errors, "timezone", cells.2.is_none() || cells.2 == c.2);
                }
                *at
            }
            None => {
                let target = match &row.kind {
                    RowKind::Contact => match contacts.get(&key.1).map(Vec::as_slice) {
                        None | Some([]) => None,
                        Some([one]) => Some(*one),
                        Some(_) => {
                            fail(&mut errors, "name", Invalid::NameShared);
                            continue;
                        }
                    },
                    RowKind::User(_) => match users.get(&key.1) {
                        Some(at) => Some(*at),
                        None => {
                            fail(&mut errors, "email_login", Invalid::UnknownUser);
                            continue;
                        }
                    },
                };
                let contact = NewContact {
                    name: row.name.clone(),
                    companies: cells.0.clone().unwrap_or(CompanyAccess::All),
                    locale: row.locale,
                    timezone: row.timezone,
                };
                let cells = (
                    Some(contact.companies.clone()),
                    Some(contact.locale),
                    Some(contact.timezone),
                );
                groups.push(Group {
                    line,
                    contact,
                    cells,
                    target,
                    methods: Vec::new(),
                    seen: HashMap::new(),
                });
                by_key.insert(key, groups.len() - 1);
                groups.len() - 1
            }
        };
        if let Some(method) = row.method {
            let group = &mut groups[at];
            match group.seen.get(&method_key(&method)) {
                Some(first) => fail(
                    &mut errors,
                    "address",
                    Invalid::RepeatsLine { line: *first },
                ),
                None => {
                    group.seen.insert(method_key(&method), line);
                    group.methods.push((line, method));
                }
            }
        }
    }
    if !errors.is_empty() || !read_fine {
        errors.sort_by_key(|e| e.line);
        return Err(errors);
    }
    let mut plan = Plan::default();
    let mut changed_lines = std::collections::HashSet::new();
    for group in groups {
        let mut change = |plan: &mut Plan, line: usize, kind, method: Option<&NewMethod>| {
            changed_lines.insert(line);
            plan.changes.push(Change {
                line,
                kind,
                contact: group.contact.name.to_string(),
                method: method.map(|m| (m.address.method_type(), m.address.as_str().to_owned())),
            });
        };
        let Some(at) = group.target else {
            change(&mut plan, group.line, ChangeKind::AddContact, None);
            for (line, m) in &group.methods {
                change(&mut plan, *line, ChangeKind::AddMethod, Some(m));
            }
            plan.new_contacts.push(NewEntry {
                line: group.line,
                contact: group.contact.clone(),
                methods: group.methods.clone(),
            });
            continue;
        };
        let entry = &existing[at];
        if entry.login.is_none() && !same_contact(entry, &group.contact) {
            change(&mut plan, group.line, ChangeKind::UpdateContact, None);
            plan.contact_changes.push(ContactChange {
                line: group.line,
                id: entry.id.clone(),
                contact: group.contact.clone(),
            });
        }
        for (line, method) in &group.methods {
            let (kind, key) = method_key(method);
            let current = entry
                .methods
                .iter()
                .find(|m| m.kind == kind && m.address.to_lowercase() == key);
            match current {
                None => {
                    change(&mut plan, *line, ChangeKind::AddMethod, Some(method));
                    plan.method_adds.push(MethodAdd {
                        line: *line,
                        contact: entry.id.clone(),
                        method: method.clone(),
                    });
                }
                Some(current) => {
                    let mut method = method.clone();
                    method.prefs.quiet_hours = current.quiet_hours;
                    let same = current.label.as_deref()
                        == method.label.as_ref().map(|l| l.as_str())
                        && current.min_severity == method.prefs.min_severity
                        && current.reports == method.prefs.reports
                        && current.delay_minutes == method.prefs.delay.get();
                    if !same {
                        change(&mut plan, *line, ChangeKind::UpdateMethod, Some(&method));
                        plan.method_changes.push(MethodChange {
                            line: *line,
                            contact: entry.id.clone(),
                            id: current.id.clone(),
                            method,
                        });
                    }
                }
            }
        }
    }
    plan.changes.sort_by_key(|c| (c.line, c.kind));
    plan.unchanged_rows = total_rows - changed_lines.len();
    Ok(plan)
}

fn same_contact(entry: &DirectoryEntry, new: &NewContact) -> bool {
    entry.name == new.name.as_str()
        && entry.companies == new.companies
        && entry.locale == new.locale
        && entry.timezone == new.timezone
}
