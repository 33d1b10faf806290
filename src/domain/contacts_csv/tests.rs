//! Table tests: reading spreadsheet files, refusing bad cells by line and column, planning an
//! import against a directory, and writing the directory back out.

use super::*;
use crate::domain::{CompanyId, ParseContext, Region, Severity};
use std::collections::HashMap;

fn ctx() -> ParseContext {
    ParseContext {
        default_region: Region::parse("ES").unwrap_or_else(|e| panic!("{e}")),
        allow_loopback: false,
    }
}

fn rows(text: &str) -> Result<Vec<ImportRow>, Vec<RowError>> {
    match read(text.as_bytes(), &ctx(), &companies(), &mut |_| {}) {
        (rows, errors) if errors.is_empty() => Ok(rows),
        (_, errors) => Err(errors),
    }
}

fn errors(text: &str) -> Vec<String> {
    rows(text)
        .err()
        .unwrap_or_default()
        .iter()
        .map(ToString::to_string)
        .collect()
}

const HEADER: &str = "name,kind,email_login,companies,locale,timezone,method_type,address,label,min_severity,reports,delay_minutes";

fn companies() -> Vec<(CompanyId, String)> {
    vec![
        (CompanyId::from_string("c1"), "Northwind".into()),
        (CompanyId::from_string("c2"), "Contoso, S.L.".into()),
    ]
}

#[test]
fn a_spreadsheet_file_is_read() {
    // What LibreOffice and Excel write in a Spanish locale: a BOM, `;`, CRLF, quotes around
    // cells with separators or quotes, accents, a guarded formula-looking cell.
    let file = "\u{feff}name;kind;email_login;companies;locale;timezone;method_type;address;label;min_severity;reports;delay_minutes\r\n\
        José Núñez;contact;;\"Northwind|Contoso, S.L.\";es;Europe/Madrid;email;jose@bücher.example;\"Móvil; trabajo\";critical;FALSE;5\r\n\
        José Núñez;;;;;;sms;612 34 56 78;;;;\r\n\
        \"Ana \"\"la jefa\"\" López\";contact;;all;;;telegram;'-1001234567890;;none;;\r\n\
        ;;;;;;;;;;;\r\n\
        Bea;;;;;;;;;;;\r\n";
    let read = rows(file).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(read.len(), 4, "the empty row is skipped");
    let jose = &read[0];
    assert_eq!((jose.line, jose.name.as_str()), (2, "José Núñez"));
    assert_eq!(
        jose.companies,
        CompanyAccess::only(companies().into_iter().map(|(id, _)| id)).ok()
    );
    let email = jose.method.clone().unwrap_or_else(|| panic!("a method"));
    assert_eq!(email.address.as_str(), "jose@xn--bcher-kva.example");
    assert_eq!(
        email.label.map(|l| l.to_string()),
        Some("Móvil; trabajo".into())
    );
    assert_eq!(
        (
            email.prefs.min_severity,
            email.prefs.reports,
            email.prefs.delay.get()
        ),
        (Some(Severity::Critical), false, 5)
    );
    let sms = read[1].method.clone().unwrap_or_else(|| panic!("a method"));
    assert_eq!(sms.address.as_str(), "+34612345678");
    assert_eq!(
        sms.prefs.min_severity,
        Some(Severity::Critical),
        "the default"
    );
    assert_eq!(read[2].name.as_str(), "Ana \"la jefa\" López");
    let chat = read[2].method.clone().unwrap_or_else(|| panic!("a method"));
    assert_eq!(
        chat.address.as_str(),
        "-1001234567890",
        "the guard is taken off"
    );
    assert_eq!(chat.prefs.min_severity, None, "none: no alerts");
    assert_eq!((read[3].line, read[3].method.is_none()), (6, true));
}

#[test]
fn bad_cells_are_named_by_line_and_column() {
    let table: [(&str, &[&str]); 8] = [
        (
            "name,method_type,address\nAna,email,ana@\nBea,sms,12\n,email,x@example.com\n",
            &[
                "line 2, address: Enter a valid email address",
                "line 3, address: Enter a valid phone number: no such number exists in ES (start with + and the country code for a number elsewhere)",
                "line 4, name: This field is required",
            ],
        ),
        (
            "name,kind,email_login\nAna,user,\nBea,,bea@example.com\nCris,admin,\n",
            &[
                "line 2, email_login: This field is required",
                "line 3, email_login: Only user rows have an email_login",
                "line 4, kind: Must be one of: contact, user",
            ],
        ),
        (
            "name,locale,timezone,companies\nAna,fr,Mars/Base,|\n",
            &[
                "line 2, companies: Choose at least one company, or all companies",
                "line 2, locale: Must be one of: en, es",
                "line 2, timezone: Enter a time zone name such as Europe/Madrid",
            ],
        ),
        (
            "name,method_type,address,reports,delay_minutes,min_severity\n\
             Ana,sms,+34612345678,true,1441,urgent\nBea,,,yes,,\n",
            &[
                "line 2, min_severity: Must be one of: info, warning, critical",
                "line 2, reports: Only email methods can receive reports",
                "line 2, delay_minutes: Must be a whole number from 0 to 1440",
                "line 3, reports: Must be one of: true, false",
            ],
        ),
        (
            "name,label\nAna,Work\n",
            &[
                "line 2, method_type: This field is required",
                "line 2, address: This field is required",
            ],
        ),
        (
            "nombre,name,name\nAna,Ana,Ana\n",
            &[
                "line 1, nombre: Unknown column",
                "line 1, name: This column is in the header twice",
            ],
        ),
        (
            "kind\ncontact\n",
            &["line 1, name: The header needs this column"],
        ),
        (
            "name,kind\nAna,contact,extra\n",
            &["line 2, row: Has more cells than the header's 2"],
        ),
    ];
    for (file, expected) in table {
        assert_eq!(errors(file), expected, "{file}");
    }
    let latin1 = b"name\nJos\xe9\n";
    let (_, refused) = read(latin1, &ctx(), &companies(), &mut |_| {});
    assert_eq!(
        refused.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["line 2, name: Not UTF-8 text: save the file as CSV UTF-8"]
    );
}

fn entry(id: &str, name: &str, login: Option<&str>, methods: Vec<EntryMethod>) -> DirectoryEntry {
    DirectoryEntry {
        id: ContactId::from_string(id),
        name: name.into(),
        login: login.map(str::to_owned),
        companies: CompanyAccess::All,
        locale: None,
        timezone: None,
        methods,
    }
}

fn method(id: &str, kind: MethodType, address: &str) -> EntryMethod {
    let prefs = kind.default_prefs();
    EntryMethod {
        id: MethodId::from_string(id),
        kind,
        address: address.into(),
        label: None,
        min_severity: prefs.min_severity,
        reports: prefs.reports,
        delay_minutes: 0,
        quiet_hours: crate::domain::QuietHours::parse("22:00", "07:00").ok(),
    }
}

fn planned(file: &str, existing: &[DirectoryEntry]) -> Result<Plan, Vec<String>> {
    let (read, refused) = read(file.as_bytes(), &ctx(), &companies(), &mut |_| {});
    plan(read, refused, existing, &companies())
        .map_err(|e| e.iter().map(ToString::to_string).collect())
}

fn kinds(plan: &Plan) -> Vec<(usize, &'static str)> {
    plan.changes
        .iter()
        .map(|c| (c.line, c.kind.as_str()))
        .collect()
}

#[test]
fn a_plan_adds_updates_and_leaves_alone() {
    let existing = vec![
        entry(
            "k1",
            "Kim",
            None,
            vec![method("m1", MethodType::Email, "Kim@Example.com")],
        ),
        entry(
            "u1",
            "Ana Admin",
            Some("ana@acme.example"),
            vec![method("m2", MethodType::Email, "ana@acme.example")],
        ),
    ];
    let file = format!(
        "{HEADER}\n\
         New Person,contact,,Northwind,,,email,new@example.com,,,,\n\
         New Person,contact,,,,,sms,+34612345678,,,,\n\
         kim,contact,,all,,,email,kim@example.com,,warning,true,0\n\
         Kim,contact,,,,,webhook,https://hooks.example.com/k,,,,\n\
         Whoever,user,ana@acme.example,,,,,,,,,\n\
         Ignored,user,ANA@acme.example,Nowhere,,,email,ana@acme.example,Work,,,\n"
    );
    let plan = planned(&file, &existing).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        kinds(&plan),
        [
            (2, "add_contact"),
            (2, "add_method"),
            (3, "add_method"),
            (4, "update_contact"),
            (5, "add_method"),
            (7, "update_method"),
        ]
    );
    assert_eq!(
        plan.unchanged_rows, 1,
        "line 6 names the user and no method"
    );
    assert_eq!(plan.new_contacts.len(), 1);
    let new = &plan.new_contacts[0];
    assert_eq!(
        new.contact.companies,
        CompanyAccess::only([CompanyId::from_string("c1")]).unwrap_or_else(|e| panic!("{e}"))
    );
    assert_eq!(new.methods.len(), 2);
    assert_eq!(
        plan.contact_changes[0].contact.name.as_str(),
        "kim",
        "renamed"
    );
    assert_eq!(plan.method_adds[0].contact.as_str(), "k1");
    let changed = &plan.method_changes[0];
    assert_eq!(
        (
            changed.id.as_str(),
            changed.method.label.as_ref().map(|l| l.as_str())
        ),
        ("m2", Some("Work"))
    );
    assert!(
        changed.method.prefs.quiet_hours.is_some(),
        "quiet hours kept"
    );
    assert_eq!(plan.methods_added(), 3);
}

#[test]
fn the_same_rows_again_change_nothing() {
    let existing = vec![entry(
        "k1",
        "Kim",
        None,
        vec![method("m1", MethodType::Email, "kim@example.com")],
    )];
    let file = format!("{HEADER}\nKim,contact,,all,,,email,KIM@example.com,,warning,true,0\n");
    let plan = planned(&file, &existing).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(plan.is_empty(), "{:?}", plan.changes);
    assert_eq!(plan.unchanged_rows, 1);
}

#[test]
fn rows_the_directory_refuses_are_named() {
    let existing = vec![
        entry("a1", "Twin", None, vec![]),
        entry("a2", "twin", None, vec![]),
    ];
    let file = format!(
        "{HEADER}\n\
         Twin,,,,,,,,,,,\n\
         Nobody,user,nobody@example.com,,,,,,,,,\n\
         Ana,,,Atlantis,,,,,,,,\n\
         Bea,,,Northwind,es,,email,bea@example.com,,,,\n\
         Bea,,,\"Contoso, S.L.\",,,email,BEA@example.com,,,,\n\
         Bea,,,northwind,en,UTC,,,,,,\n\
         Cell,,,,,,email,bad@,,,,\n"
    );
    assert_eq!(
        planned(&file, &existing).err().unwrap_or_default(),
        [
            "line 2, name: Several contacts have this name: rename them first, or import them as users",
            "line 3, email_login: No user of this account has this email",
            "line 4, companies: Unknown company",
            "line 6, companies: Differs from line 5, this contact's first row: leave it empty or repeat it",
            "line 6, address: Repeats line 5: a contact has each method once",
            "line 7, locale: Differs from line 5, this contact's first row: leave it empty or repeat it",
            "line 7, timezone: Differs from line 5, this contact's first row: leave it empty or repeat it",
            "line 8, address: Enter a valid email address",
        ],
        "a bad cell and the rows the directory refuses, named at once"
    );
}

fn names() -> HashMap<CompanyId, String> {
    companies().into_iter().collect()
}

#[test]
fn a_written_file_reads_back_as_the_same_directory() {
    let mut kim = entry(
        "k1",
        "=Kim, \"the boss\"",
        None,
        vec![
            method("m1", MethodType::Email, "kim@example.com"),
            method("m2", MethodType::Telegram, "-1001234567890"),
            method("m3", MethodType::Sms, "+34612345678"),
        ],
    );
    kim.companies =
        CompanyAccess::only([CompanyId::from_string("c2"), CompanyId::from_string("c1")])
            .unwrap_or_else(|e| panic!("{e}"));
    kim.locale = Some(crate::domain::Locale::Es);
    kim.methods[1].min_severity = None;
    kim.methods[1].label = Some("Ops, night".into());
    let mut lone = entry("l1", "Lone", None, vec![]);
    lone.companies = CompanyAccess::Only(Default::default());
    let directory = vec![kim, lone];
    let csv = to_csv(&directory, &names(), &mut |_| {}).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        csv,
        format!(
            "{HEADER}\n\
             \"'=Kim, \"\"the boss\"\"\",contact,,\"Contoso, S.L.|Northwind\",es,,email,kim@example.com,,warning,true,0\n\
             \"'=Kim, \"\"the boss\"\"\",contact,,\"Contoso, S.L.|Northwind\",es,,telegram,'-1001234567890,\"Ops, night\",none,false,0\n\
             \"'=Kim, \"\"the boss\"\"\",contact,,\"Contoso, S.L.|Northwind\",es,,sms,+34612345678,,critical,false,0\n\
             Lone,contact,,none,,,,,,,,\n"
        )
    );
    // Into an empty directory: the same contacts and methods, every value as written.
    let plan = planned(&csv, &[]).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(plan.new_contacts.len(), 2);
    let kim = &plan.new_contacts[0];
    assert_eq!(kim.contact.name.as_str(), "=Kim, \"the boss\"");
    assert_eq!(kim.contact.companies, directory[0].companies);
    let addresses: Vec<&str> = kim
        .methods
        .iter()
        .map(|(_, m)| m.address.as_str())
        .collect();
    assert_eq!(
        addresses,
        ["kim@example.com", "-1001234567890", "+34612345678"]
    );
    assert_eq!(kim.methods[1].1.prefs.min_severity, None);
    assert_eq!(
        plan.new_contacts[1].contact.companies,
        directory[1].companies
    );
}

#[test]
fn vcards_have_a_card_per_contact() {
    let kim = entry(
        "k1",
        "Kim, Jr.",
        None,
        vec![
            method("m1", MethodType::Email, "kim@example.com"),
            method("m2", MethodType::Sms, "+34612345678"),
            method("m3", MethodType::Phone, "+34911234567"),
            method("m4", MethodType::Webhook, "https://hooks.example.com/k"),
        ],
    );
    let cards = to_vcard(&[kim, entry("l1", "Lone", None, vec![])], &mut |_| {});
    assert_eq!(cards.matches("BEGIN:VCARD\r\nVERSION:4.0\r\n").count(), 2);
    for line in [
        "FN:Kim\\, Jr.\r\n",
        "EMAIL:kim@example.com\r\n",
        "TEL;TYPE=text:+34612345678\r\n",
        "TEL;TYPE=voice:+34911234567\r\n",
        "NOTE:webhook: https://hooks.example.com/k\r\n",
        "FN:Lone\r\n",
    ] {
        assert!(cards.contains(line), "{line:?} in {cards}");
    }
    assert!(cards.lines().all(|l| l.len() <= 75));
}
