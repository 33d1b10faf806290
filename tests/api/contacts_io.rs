//! `POST /api/v1/contacts/import` and `GET /api/v1/contacts/export`: a spreadsheet's file
//! imports (and again changes nothing), bad rows are named by line and column with nothing
//! written, export → import into a fresh account → export is the same file, vCard parses, and
//! only admins may.

use crate::app::{Answer, TestApp, names};
use serde_json::{Value, json};

const IMPORT: &str = "/api/v1/contacts/import";

/// What a spreadsheet in a Spanish locale saves as "CSV UTF-8": a BOM, `;`, CRLF, quotes
/// around cells with separators, accents, a guarded cell; a user row for the technician.
pub const SPREADSHEET: &str = "\u{feff}name;kind;email_login;companies;locale;timezone;method_type;address;label;min_severity;reports;delay_minutes\r\n\
    José Núñez;contact;;Northwind|Contoso;es;Europe/Madrid;email;jose@bücher.example;\"Móvil; trabajo\";critical;FALSE;5\r\n\
    José Núñez;;;;;;sms;612 34 56 78;;;;\r\n\
    \"Iñaki Ibáñez, S.L.\";contact;;all;;;telegram;'-1001234567890;;none;;\r\n\
    Tess Tech;user;tess@acme.example;;;;phone;+34 911 23 45 67;Guardia;;;10\r\n";

async fn import(app: &TestApp, token: &str, query: &str, file: &str) -> Answer {
    let path = format!("{IMPORT}{query}");
    app.call_raw(
        "POST",
        &path,
        Some(token),
        "text/csv",
        file.as_bytes().to_vec(),
    )
    .await
}

fn counts(answer: &Answer) -> [u64; 5] {
    [
        "contacts_added",
        "contacts_updated",
        "methods_added",
        "methods_updated",
        "unchanged",
    ]
    .map(|k| answer.body[k].as_u64().unwrap_or(u64::MAX))
}

pub async fn a_spreadsheet_file_imports_and_a_second_time_changes_nothing(app: &TestApp) {
    let admin = &app.admin.token;
    let before = app.snapshot().await;
    let dry = import(app, admin, "?dry_run=true", SPREADSHEET).await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert_eq!(dry.body["dry_run"], true);
    assert_eq!(counts(&dry), [2, 0, 4, 0, 0]);
    assert_eq!(
        dry.body["changes"][1],
        json!({"line": 2, "action": "add_method", "contact": "José Núñez", "type": "email", "address": "jose@xn--bcher-kva.example"})
    );
    assert_eq!(app.snapshot().await, before, "a dry run writes nothing");

    let done = import(app, admin, "", SPREADSHEET).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(
        (done.body["dry_run"].clone(), counts(&done)),
        (json!(false), [2, 0, 4, 0, 0])
    );
    let list = app.get("/api/v1/contacts?q=N%C3%BA%C3%B1ez", admin).await;
    assert_eq!(names(&list.body), ["José Núñez"]);
    let jose = &list.body["items"][0];
    assert_eq!(jose["locale"], "es");
    let mut companies: Vec<String> = serde_json::from_value(jose["companies"].clone()).unwrap();
    companies.sort();
    let mut expected = vec![app.northwind.id.to_string(), app.contoso.id.to_string()];
    expected.sort();
    assert_eq!(companies, expected);
    assert_eq!(
        jose["methods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (
                m["address"].clone(),
                m["label"].clone(),
                m["min_severity"].clone(),
                m["delay_minutes"].clone()
            ))
            .collect::<Vec<_>>(),
        [
            (
                json!("jose@xn--bcher-kva.example"),
                json!("Móvil; trabajo"),
                json!("critical"),
                json!(5)
            ),
            (
                json!("+34612345678"),
                Value::Null,
                json!("critical"),
                json!(0)
            ),
        ]
    );
    let inaki = app.get("/api/v1/contacts?q=Ib%C3%A1%C3%B1ez", admin).await;
    let chat = &inaki.body["items"][0]["methods"][0];
    assert_eq!(
        (chat["address"].clone(), chat["min_severity"].clone()),
        (json!("-1001234567890"), Value::Null)
    );
    let tess = app
        .get(&format!("/api/v1/users/{}", app.tech.id), admin)
        .await;
    assert_eq!(tess.body["methods"][1]["address"], "+34911234567");
    assert_eq!(
        tess.body["companies"],
        json!([app.northwind.id.to_string()]),
        "a user's companies stay"
    );
    let audit = app.get("/api/v1/audit?limit=50", admin).await;
    let kinds: Vec<(String, String)> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["object_type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (action, object) in [("create", "contact"), ("create", "method")] {
        let n = kinds
            .iter()
            .filter(|k| (k.0.as_str(), k.1.as_str()) == (action, object))
            .count();
        assert_eq!(
            n,
            if object == "contact" { 2 } else { 4 },
            "{action} {object} audited: {kinds:?}"
        );
    }

    let after = app.snapshot().await;
    let again = import(app, admin, "", SPREADSHEET).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(counts(&again), [0, 0, 0, 0, 4]);
    assert_eq!(again.body["changes"], json!([]));
    assert_eq!(
        app.snapshot().await,
        after,
        "the same file again changes nothing"
    );
}

pub async fn bad_rows_are_named_by_line_and_column_and_nothing_is_written(app: &TestApp) {
    let admin = &app.admin.token;
    let file = "name,kind,email_login,companies,method_type,address,min_severity\n\
        Good One,contact,,all,email,good@example.com,\n\
        Bad Company,contact,,Atlantis,email,bad@example.com,\n\
        Bad Address,contact,,all,email,not-an-email,\n\
        Nobody,user,nobody@example.com,,,,\n\
        Bad Severity,contact,,all,sms,+34612345678,urgent\n";
    let before = app.snapshot().await;
    for query in ["", "?dry_run=true"] {
        let refused = import(app, admin, query, file).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert_eq!(refused.headers["content-type"], "application/problem+json");
        let fields: Vec<(&str, &str)> = refused.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["field"].as_str().unwrap(), e["message"].as_str().unwrap()))
            .collect();
        assert_eq!(
            fields,
            [
                ("line 3, companies", "Unknown company"),
                ("line 4, address", "Enter a valid email address"),
                (
                    "line 5, email_login",
                    "No user of this account has this email"
                ),
                (
                    "line 6, min_severity",
                    "Must be one of: info, warning, critical"
                ),
            ]
        );
    }
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused file writes nothing"
    );

    let json = app.post(IMPORT, admin, json!({"rows": []})).await;
    assert_eq!(json.status, 415);
    let huge = vec![b'x'; 32 * 1024 * 1024 + 1];
    let big = app
        .call_raw("POST", IMPORT, Some(admin), "text/csv", huge)
        .await;
    assert_eq!(big.status, 413);
    let format = app.get("/api/v1/contacts/export?format=xls", admin).await;
    assert_eq!(
        (
            format.status.as_u16(),
            format.body["errors"][0]["field"].clone()
        ),
        (422, json!("format"))
    );
}

pub async fn only_admins_import_and_export(app: &TestApp) {
    let before = app.snapshot().await;
    let tech = &app.tech.token;
    for query in ["", "?dry_run=true"] {
        assert_eq!(import(app, tech, query, SPREADSHEET).await.status, 403);
    }
    for format in ["csv", "vcard"] {
        let path = format!("/api/v1/contacts/export?format={format}");
        assert_eq!(app.get(&path, tech).await.status, 403);
        assert_eq!(app.call("GET", &path, None, None).await.status, 401);
    }
    assert_eq!(app.snapshot().await, before);
    // Another account's admin exports their own account only.
    let theirs = app
        .get("/api/v1/contacts/export", &app.outsider.token)
        .await;
    let text = theirs.body.as_str().unwrap();
    assert!(
        text.contains("olga@other.example") && !text.contains("acme.example"),
        "{text}"
    );
}

/// Contacts of every kind of method, access and preference, made through the API.
async fn fill(app: &TestApp) {
    let admin = &app.admin.token;
    let contact = |name: &str, companies: Value, locale: Value, tz: Value| json!({"name": name, "companies": companies, "locale": locale, "timezone": tz});
    let kim = app
        .post(
            "/api/v1/contacts",
            admin,
            contact(
                "=Kim \"the boss\", Jr.",
                json!([app.contoso.id.to_string()]),
                json!("en"),
                json!("America/New_York"),
            ),
        )
        .await
        .str("/id");
    for method in [
        json!({"type": "email", "address": "Kim@Example.com", "label": "Work, main", "reports": false}),
        json!({"type": "sms", "address": "+34 612 34 56 78", "min_severity": null, "delay_minutes": 15}),
        json!({"type": "phone", "address": "+1 415 555 2671"}),
        json!({"type": "slack", "address": "https://hooks.slack.com/services/T0/B0/x"}),
        json!({"type": "telegram", "address": "-1001234567890", "min_severity": "info"}),
    ] {
        let added = app
            .post(&format!("/api/v1/contacts/{kim}/methods"), admin, method)
            .await;
        assert_eq!(added.status, 201, "{}", added.body);
    }
    app.post(
        "/api/v1/contacts",
        admin,
        contact("Lone Wolf", json!("all"), Value::Null, Value::Null),
    )
    .await;
    let tess = &app.tech.id;
    app.post(
        &format!("/api/v1/contacts/{tess}/methods"),
        admin,
        json!({"type": "matrix", "address": "!ops:example.org", "label": "Ops"}),
    )
    .await;
    let ana = app
        .get(&format!("/api/v1/users/{}", app.admin.id), admin)
        .await;
    let primary = ana.str("/methods/0/id");
    let changed = app
        .patch(
            &format!("/api/v1/contacts/{}/methods/{primary}", app.admin.id),
            admin,
            json!({"min_severity": "critical", "reports": false}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
}

pub async fn export_then_import_into_a_fresh_account_exports_the_same_file(app: &TestApp) {
    fill(app).await;
    let admin = &app.admin.token;
    let first = app.get("/api/v1/contacts/export?format=csv", admin).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        first.headers["content-disposition"],
        "attachment; filename=\"contacts.csv\""
    );
    let file = first.body.as_str().unwrap().to_owned();
    assert!(file.starts_with("name,kind,email_login,companies,locale,timezone,method_type,address,label,min_severity,reports,delay_minutes\n"));
    assert!(
        file.contains("\"'=Kim \"\"the boss\"\", Jr.\""),
        "formula guarded: {file}"
    );
    assert!(
        file.contains(",sms,+34612345678,,none,false,15\n"),
        "E.164 as it is: {file}"
    );
    assert!(file.contains(",telegram,'-1001234567890,"), "{file}");
    assert!(file.contains("Lone Wolf,contact,,all,,,,,,,,\n"), "{file}");

    // Another deployment with the same companies and users (a fresh copy of the fixtures).
    let fresh = TestApp::new(crate::common::TestDb::like(&app.db).await).await;
    let imported = import(&fresh, &fresh.admin.token, "", &file).await;
    assert_eq!(imported.status, 200, "{}", imported.body);
    assert_eq!(counts(&imported)[..4], [2, 0, 6, 1]);
    let second = fresh
        .get("/api/v1/contacts/export?format=csv", &fresh.admin.token)
        .await;
    assert_eq!(second.body.as_str().unwrap(), file, "the same file");
    let again = import(&fresh, &fresh.admin.token, "", &file).await;
    assert_eq!(counts(&again)[..4], [0, 0, 0, 0]);
    fresh.finish().await;
}

pub async fn vcards_parse_with_a_vcard_library(app: &TestApp) {
    fill(app).await;
    let answer = app
        .get("/api/v1/contacts/export?format=vcard", &app.admin.token)
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers["content-type"], "text/vcard; charset=utf-8");
    let text = answer.body.as_str().unwrap();
    let cards: Vec<_> = ical::VcardParser::new(std::io::BufReader::new(text.as_bytes()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}: {text}"));
    let list = app
        .get("/api/v1/contacts?limit=500", &app.admin.token)
        .await;
    assert_eq!(
        cards.len(),
        list.body["items"].as_array().unwrap().len(),
        "one card per contact"
    );
    let kim = cards
        .iter()
        .find(|c| {
            c.properties
                .iter()
                .any(|p| p.name == "FN" && p.value.as_deref().is_some_and(|v| v.contains("Kim")))
        })
        .unwrap_or_else(|| panic!("Kim's card in {text}"));
    let props: Vec<(String, Option<String>, String)> = kim
        .properties
        .iter()
        .map(|p| {
            let params = p.params.clone().unwrap_or_default();
            let params = params
                .iter()
                .map(|(k, v)| format!("{k}={}", v.join(",")))
                .collect::<Vec<_>>()
                .join(";");
            (p.name.clone(), p.value.clone(), params)
        })
        .collect();
    for expected in [
        ("VERSION", "4.0", ""),
        ("EMAIL", "Kim@example.com", ""),
        ("TEL", "+34612345678", "TYPE=text"),
        ("TEL", "+14155552671", "TYPE=voice"),
        (
            "NOTE",
            "slack: https://hooks.slack.com/services/T0/B0/x",
            "",
        ),
        ("NOTE", "telegram: -1001234567890", ""),
    ] {
        let found = props.iter().any(|(n, v, p)| {
            n == expected.0
                && v.as_deref() == Some(expected.1)
                && p.eq_ignore_ascii_case(expected.2)
        });
        assert!(found, "{expected:?} in {props:?}");
    }
}
