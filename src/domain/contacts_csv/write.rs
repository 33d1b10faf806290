//! Writing the directory out: the contacts CSV (the columns [`read`](super::read) takes, so a
//! written file imports into another account as it is) and vCard 4.0 (RFC 6350) for address
//! books, one card per contact.

use super::{COLUMNS, DirectoryEntry, EntryMethod};
use crate::domain::{CompanyAccess, CompanyId, MethodType, csv_cell};
use std::collections::HashMap;

/// The contacts CSV of `entries` (in their order): one row per method, a contact without
/// methods as one row with empty method columns, every value written explicitly (no empty
/// cell that an import would read as a default). `company_names` names the account's
/// companies. `tick` is told how many contacts were written, every so many.
pub fn to_csv(
    entries: &[DirectoryEntry],
    company_names: &HashMap<CompanyId, String>,
    tick: &mut dyn FnMut(u64),
) -> Result<String, String> {
    let mut rows: Vec<[String; COLUMNS.len()]> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let contact = [
            entry.name.clone(),
            if entry.login.is_some() {
                "user"
            } else {
                "contact"
            }
            .to_owned(),
            entry.login.clone().unwrap_or_default(),
            companies_cell(&entry.companies, company_names),
            entry
                .locale
                .map(|l| l.as_str().to_owned())
                .unwrap_or_default(),
            entry
                .timezone
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
        ];
        if entry.methods.is_empty() {
            rows.push(row(&contact, None));
        }
        for method in &entry.methods {
            rows.push(row(&contact, Some(method)));
        }
        if (i + 1) % 1000 == 0 {
            tick(1000);
        }
    }
    tick(entries.len() as u64 % 1000);
    csv_cell::write(&COLUMNS, rows)
}

fn row(contact: &[String; 6], method: Option<&EntryMethod>) -> [String; COLUMNS.len()] {
    let [name, kind, login, companies, locale, timezone] = contact.clone();
    let method_cells = match method {
        None => Default::default(),
        Some(m) => [
            m.kind.as_str().to_owned(),
            m.address.clone(),
            m.label.clone().unwrap_or_default(),
            m.min_severity.map_or("none", |s| s.as_str()).to_owned(),
            m.reports.to_string(),
            m.delay_minutes.to_string(),
        ],
    };
    let [method_type, address, label, severity, reports, delay] = method_cells;
    [
        name,
        kind,
        login,
        companies,
        locale,
        timezone,
        method_type,
        address,
        label,
        severity,
        reports,
        delay,
    ]
}

/// `all`, `none` (a chosen set whose companies were all deleted) or the names joined by `|`
/// in name order.
fn companies_cell(access: &CompanyAccess, names: &HashMap<CompanyId, String>) -> String {
    let CompanyAccess::Only(set) = access else {
        return "all".to_owned();
    };
    let mut named: Vec<&str> = set
        .iter()
        .filter_map(|id| names.get(id).map(String::as_str))
        .collect();
    if named.is_empty() {
        return "none".to_owned();
    }
    named.sort_by_key(|n| n.to_lowercase());
    named.join("|")
}

/// vCard 4.0 of `entries`: one card per contact with `FN`, an `EMAIL` per email method, a
/// `TEL` per number (`TYPE=text` for SMS, `TYPE=voice` for calls) and a `NOTE` per other
/// method (`webhook: https://...`, with its label when it has one). Lines end in CRLF and
/// are folded at 75 octets (vcard4 does both, and the escaping).
pub fn to_vcard(entries: &[DirectoryEntry], tick: &mut dyn FnMut(u64)) -> String {
    use vcard4::parameter::{Parameters, TelephoneType, TypeParameter};
    use vcard4::property::{TextOrUriProperty, TextProperty};
    let tel = |number: &str, kind: TelephoneType| {
        TextOrUriProperty::Text(TextProperty {
            group: None,
            value: number.to_owned(),
            parameters: Some(Parameters {
                types: Some(vec![TypeParameter::Telephone(kind)]),
                ..Parameters::default()
            }),
        })
    };
    let mut out = String::new();
    for (i, entry) in entries.iter().enumerate() {
        let mut card = vcard4::Vcard::new(entry.name.clone());
        for m in &entry.methods {
            match m.kind {
                MethodType::Email => card.email.push(m.address.clone().into()),
                MethodType::Sms => card.tel.push(tel(&m.address, TelephoneType::Text)),
                MethodType::Phone => card.tel.push(tel(&m.address, TelephoneType::Voice)),
                other => {
                    let kind = match &m.label {
                        Some(label) => format!("{} ({label})", other.as_str()),
                        None => other.as_str().to_owned(),
                    };
                    card.note.push(format!("{kind}: {}", m.address).into());
                }
            }
        }
        out.push_str(&card.to_string());
        if (i + 1) % 1000 == 0 {
            tick(1000);
        }
    }
    tick(entries.len() as u64 % 1000);
    out
}
