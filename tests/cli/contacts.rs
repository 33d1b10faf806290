//! `reach import contacts` and `reach export contacts` as an operator runs them, on SQLite and
//! PostgreSQL: a spreadsheet's file with a bad row is refused line by line and nothing is
//! written; fixed, its dry run lists the changes; imported, it changes nothing a second time;
//! the export is the file back, and vCard parses; `--account` when there are several.

use crate::common::TestDb;
use crate::harness::{reach, run, text};
use std::path::Path;

/// A spreadsheet's "CSV UTF-8" in a Spanish locale: a BOM, `;`, CRLF, quoted cells, accents;
/// line 4's address is not an email address.
const BAD: &str = "\u{feff}name;kind;email_login;companies;locale;timezone;method_type;address;label;min_severity;reports;delay_minutes\r\n\
    José Núñez;contact;;all;es;Europe/Madrid;email;jose@bücher.example;\"Móvil; trabajo\";critical;FALSE;5\r\n\
    José Núñez;;;;;;sms;+34 612 34 56 78;;;;\r\n\
    \"Peña, Lucía\";contact;;all;;;email;lucia.example.com;;;;\r\n\
    Ana López;user;ana@example.com;;;;email;ana@example.com;;critical;;\r\n";

fn reach_in(dir: &Path, db: &TestDb, args: &[&str]) -> std::process::Output {
    let mut cmd = reach(dir, &[("REACH_DATABASE_URL", db.url.as_str())]);
    cmd.args(args);
    run(cmd, None)
}

fn admin(dir: &Path, db: &TestDb, account: &str, email: &str, name: &str) {
    let out = reach_in(
        dir,
        db,
        &[
            "admin",
            "create",
            "--account",
            account,
            "--email",
            email,
            "--name",
            name,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

pub async fn import_and_export_contacts(db: &TestDb) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path();
    admin(path, db, "Acme IT", "ana@example.com", "Ana López");
    let file = path.join("contactos.csv");
    std::fs::write(&file, BAD).expect("write");
    let file = file.to_str().expect("path");
    let before = text(&reach_in(path, db, &["export", "contacts"]).stdout);

    let refused = reach_in(path, db, &["import", "contacts", file]);
    assert!(!refused.status.success());
    assert_eq!(text(&refused.stdout), "");
    let errors = text(&refused.stderr);
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(
        lines,
        [
            "line 4, address: Enter a valid email address",
            &format!("error: {file} refused: 1 bad cell, nothing was imported"),
        ],
        "one line per error, then why it failed; no progress bar off a terminal"
    );
    assert_eq!(
        text(&reach_in(path, db, &["export", "contacts"]).stdout),
        before
    );

    let fixed = path.join("fixed.csv");
    std::fs::write(
        &fixed,
        BAD.replace("lucia.example.com", "lucia@example.com"),
    )
    .expect("write");
    let fixed = fixed.to_str().expect("path");
    let dry = reach_in(path, db, &["import", "contacts", fixed, "--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert_eq!(
        text(&dry.stdout),
        "Dry run: nothing was written. Importing the file would change:\n  \
         contacts: 2 to add, 0 to update\n  \
         methods: 3 to add, 1 to update\n  \
         rows that change nothing: 0\n\
         line 2: add contact \"José Núñez\"\n\
         line 2: add email jose@xn--bcher-kva.example to \"José Núñez\"\n\
         line 3: add sms +34612345678 to \"José Núñez\"\n\
         line 4: add contact \"Peña, Lucía\"\n\
         line 4: add email lucia@example.com to \"Peña, Lucía\"\n\
         line 5: update email ana@example.com of \"Ana López\"\n"
    );
    assert_eq!(
        text(&reach_in(path, db, &["export", "contacts"]).stdout),
        before
    );

    let done = reach_in(path, db, &["import", "contacts", fixed]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert_eq!(
        text(&done.stdout),
        "Imported: contacts 2 added, 0 updated; methods 3 added, 1 updated; 0 rows changed nothing.\n"
    );
    let again = reach_in(path, db, &["import", "contacts", fixed]);
    assert_eq!(
        text(&again.stdout),
        "Imported: contacts 0 added, 0 updated; methods 0 added, 0 updated; 4 rows changed nothing.\n"
    );

    let csv = reach_in(path, db, &["export", "contacts", "--format", "csv"]);
    assert!(csv.status.success(), "{}", text(&csv.stderr));
    assert_eq!(
        text(&csv.stdout),
        "name,kind,email_login,companies,locale,timezone,method_type,address,label,min_severity,reports,delay_minutes\n\
         Ana López,user,ana@example.com,all,,,email,ana@example.com,,critical,true,0\n\
         José Núñez,contact,,all,es,Europe/Madrid,email,jose@xn--bcher-kva.example,Móvil; trabajo,critical,false,5\n\
         José Núñez,contact,,all,es,Europe/Madrid,sms,+34612345678,,critical,false,0\n\
         \"Peña, Lucía\",contact,,all,,,email,lucia@example.com,,warning,true,0\n"
    );
    let vcard = reach_in(path, db, &["export", "contacts", "--format", "vcard"]);
    let cards = text(&vcard.stdout);
    let parsed: Vec<_> = ical::VcardParser::new(std::io::BufReader::new(cards.as_bytes()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}: {cards}"));
    assert_eq!(parsed.len(), 3);
    assert!(cards.contains("TEL;TYPE=text:+34612345678\r\n"), "{cards}");

    // A second account: the command must be told which.
    admin(path, db, "Other", "olga@example.com", "Olga");
    let which = reach_in(path, db, &["import", "contacts", fixed]);
    assert!(!which.status.success());
    assert!(
        text(&which.stderr)
            .contains("there are several accounts (Acme IT, Other): name one with --account"),
        "{}",
        text(&which.stderr)
    );
    let unknown = reach_in(path, db, &["export", "contacts", "--account", "Nobody"]);
    assert!(text(&unknown.stderr).contains("--account: no account is named Nobody"));
    let theirs = reach_in(path, db, &["export", "contacts", "--account", "other"]);
    assert!(theirs.status.success());
    assert!(text(&theirs.stdout).contains("Olga,user,olga@example.com"));
    assert!(!text(&theirs.stdout).contains("José"));
    let bad_format = reach_in(path, db, &["export", "contacts", "--format", "xls"]);
    assert_eq!(bad_format.status.code(), Some(2));
}
