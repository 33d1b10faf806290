//! Configure > Contacts, import and export: a spreadsheet's file is previewed (nothing
//! written), then applied with the preview's Apply; a bad file shows its cells by line and
//! column; technicians and forged forms change nothing; the export links download the files.

use crate::app::{Answer, TestApp};
use crate::{Browser, PASSWORD, html, with_passwords};
use axum::body::Body;
use axum::http::{Request, StatusCode};

const IMPORT: &str = "/configure/contacts/import";

const SPREADSHEET: &str = "\u{feff}name;kind;email_login;companies;locale;timezone;method_type;address;label;min_severity;reports;delay_minutes\r\n\
    José Núñez;contact;;Northwind|Contoso;es;Europe/Madrid;email;jose@bücher.example;\"Móvil; trabajo\";critical;FALSE;5\r\n\
    José Núñez;;;;;;sms;612 34 56 78;;;;\r\n\
    \"Iñaki <Ibáñez> & Cía\";contact;;all;;;email;inaki@example.com;;;;\r\n";

/// Posts a `multipart/form-data` form as a browser does: `(name, file name, value)`.
async fn upload(browser: &mut Browser<'_>, fields: &[(&str, Option<&str>, &str)]) -> Answer {
    let boundary = "----reach-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = String::new();
    for (name, file, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\""
        ));
        match file {
            Some(file) => body.push_str(&format!(
                "; filename=\"{file}\"\r\nContent-Type: text/csv\r\n\r\n"
            )),
            None => body.push_str("\r\n\r\n"),
        }
        body.push_str(value);
        body.push_str("\r\n");
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let request = Request::post(IMPORT)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("accept-language", "es-ES,es;q=0.9");
    browser.send(request, Body::from(body)).await
}

/// The value of the hidden input `name` of a page, as the browser would send it.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    let value = &page[at..at + page[at..].find('"').expect("closing quote")];
    [
        ("&#34;", "\""),
        ("&#39;", "'"),
        ("&#60;", "<"),
        ("&#62;", ">"),
        ("&quot;", "\""),
    ]
    .iter()
    .chain(&[
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&#x27;", "'"),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ])
    .fold(value.to_owned(), |v, (from, to)| v.replace(from, to))
}

pub async fn an_admin_previews_a_file_then_applies_it(app: &TestApp) {
    with_passwords(app).await;
    let mut browser = Browser::new(app);
    browser.sign_in("ana@acme.example", PASSWORD).await;
    let page = browser.get("/configure/contacts").await;
    for part in [
        "Importar y exportar",
        "enctype=\"multipart/form-data\"",
        "name=\"file\" type=\"file\"",
        "href=\"/configure/contacts/export?format=csv\"",
        "href=\"/configure/contacts/export?format=vcard\"",
    ] {
        assert!(html(&page).contains(part), "{part} on the Contacts page");
    }
    let before = app.snapshot().await;
    let csrf = browser.csrf();
    let preview = upload(
        &mut browser,
        &[
            ("csrf", None, &csrf),
            ("file", Some("contactos.csv"), SPREADSHEET),
        ],
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", html(&preview));
    for part in [
        "Contactos que se añaden: 2",
        "Métodos de contacto que se añaden: 3",
        "Filas que no cambian nada: 0",
        "Línea 2: añadir el contacto José Núñez",
        "Línea 2: añadir Correo electrónico jose@xn--bcher-kva.example a José Núñez",
        "Línea 3: añadir Mensaje de texto +34612345678 a José Núñez",
        "Línea 4: añadir el contacto Iñaki &#60;Ibáñez&#62; &#38; Cía",
        ">Aplicar</button>",
    ] {
        assert!(
            html(&preview).contains(part),
            "{part} in {}",
            html(&preview)
        );
    }
    assert_eq!(app.snapshot().await, before, "a preview writes nothing");

    let content = hidden(html(&preview), "content");
    assert_eq!(
        content, SPREADSHEET,
        "the preview carries the file as it was"
    );
    let csrf = browser.csrf();
    let applied = upload(
        &mut browser,
        &[
            ("csrf", None, &csrf),
            ("apply", None, "1"),
            ("content", None, &content),
        ],
    )
    .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", html(&applied));
    let to = applied.headers["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(to, "/configure/contacts?done=contacts-imported");
    let list = browser.get(&to).await;
    assert!(html(&list).contains("Se ha importado el archivo de contactos."));
    assert!(html(&list).contains("José Núñez") && html(&list).contains("+34612345678"));

    // The same file again: nothing to apply.
    let csrf = browser.csrf();
    let again = upload(
        &mut browser,
        &[
            ("csrf", None, &csrf),
            ("file", Some("contactos.csv"), SPREADSHEET),
        ],
    )
    .await;
    assert!(
        html(&again).contains("El archivo no cambia nada"),
        "{}",
        html(&again)
    );
    assert!(!html(&again).contains(">Aplicar</button>"));

    let csv = browser.get("/configure/contacts/export?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(html(&csv).contains("José Núñez,contact,,Contoso|Northwind,es,Europe/Madrid,email,"));
    let vcard = browser.get("/configure/contacts/export?format=vcard").await;
    assert_eq!(vcard.headers["content-type"], "text/vcard; charset=utf-8");
    assert!(html(&vcard).contains("FN:José Núñez\r\n"));
}

pub async fn a_bad_file_shows_its_cells_and_changes_nothing(app: &TestApp) {
    with_passwords(app).await;
    let before = app.snapshot().await;
    let mut browser = Browser::new(app);
    browser.sign_in("ana@acme.example", PASSWORD).await;
    let bad = "name,companies,method_type,address\nAna,all,email,ana@example.com\nBea,Atlántida,email,bea@\n";
    let csrf = browser.csrf();
    for fields in [
        vec![
            ("csrf", None, csrf.as_str()),
            ("file", Some("bad.csv"), bad),
        ],
        // Apply with a file that the preview would refuse: refused all the same.
        vec![
            ("csrf", None, csrf.as_str()),
            ("apply", None, "1"),
            ("content", None, bad),
        ],
    ] {
        let refused = upload(&mut browser, &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        for part in [
            "No se ha importado el archivo",
            "Línea 3, companies: Empresa desconocida",
            "Línea 3, address: Introduce una dirección de correo válida",
        ] {
            assert!(
                html(&refused).contains(part),
                "{part} in {}",
                html(&refused)
            );
        }
    }
    let none = upload(
        &mut browser,
        &[("csrf", None, &csrf), ("file", Some(""), "")],
    )
    .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&none).contains("Elige un archivo CSV"));
    let forged = upload(
        &mut browser,
        &[
            ("csrf", None, "forged"),
            ("apply", None, "1"),
            ("content", None, SPREADSHEET),
        ],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before);

    let mut tech = Browser::new(app);
    tech.sign_in("tess@acme.example", PASSWORD).await;
    let page = tech.get("/configure/contacts").await;
    assert!(
        !html(&page).contains(IMPORT),
        "no upload form for technicians"
    );
    let csrf = tech.csrf();
    let refused = upload(
        &mut tech,
        &[
            ("csrf", None, &csrf),
            ("apply", None, "1"),
            ("content", None, SPREADSHEET),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let export = tech.get("/configure/contacts/export?format=csv").await;
    assert_eq!(export.status, StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before);
}
