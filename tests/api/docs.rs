use crate::app::TestApp;
use axum::http::StatusCode;

pub async fn the_openapi_document_and_reference_page_cover_every_operation(app: &TestApp) {
    let doc = app.call("GET", "/api/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.body["openapi"], "3.1.0");
    assert!(doc.body["components"]["securitySchemes"]["bearer"].is_object());
    let page = app.call("GET", "/api/docs", None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    let html = page.body.as_str().expect("html");
    assert!(
        !html.contains("<script"),
        "served from the binary, no scripts"
    );
    let mut operations = 0;
    for (path, item) in doc.body["paths"].as_object().expect("paths") {
        for method in ["get", "post", "patch", "delete"] {
            if let Some(op) = item.get(method) {
                operations += 1;
                let heading = format!(
                    "<span class=\"method\">{}</span> <span class=\"path\">{path}</span>",
                    method.to_uppercase()
                );
                assert!(
                    html.contains(&heading),
                    "{method} {path} missing from /api/docs"
                );
                for status in ["401", "422"] {
                    assert!(
                        op["responses"].get(status).is_some(),
                        "{method} {path} documents no {status}"
                    );
                }
            }
        }
    }
    assert_eq!(operations, 68);
    assert!(html.contains("id=\"schema-ContactJson\""));
}
