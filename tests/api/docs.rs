use crate::app::TestApp;
use axum::http::StatusCode;
use serde_json::Value;
use std::collections::HashSet;

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
    let mut operation_ids = HashSet::new();
    let tags: HashSet<&str> = doc.body["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for (path, item) in doc.body["paths"].as_object().expect("paths") {
        for method in ["get", "post", "patch", "delete"] {
            if let Some(op) = item.get(method) {
                operations += 1;
                assert_usable_by_generators(op, path, method, &mut operation_ids, &tags);
                let heading = format!(
                    "<span class=\"method\">{}</span> <span class=\"path\">{path}</span>",
                    method.to_uppercase()
                );
                assert!(
                    html.contains(&heading),
                    "{method} {path} missing from /api/docs"
                );
                let id = format!(
                    "operationId <code>{}</code>",
                    op["operationId"].as_str().unwrap_or_default()
                );
                assert!(html.contains(&id), "{method} {path}: no {id} on /api/docs");
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
    assert_eq!(
        operation_ids.len(),
        operations,
        "one operationId per operation"
    );
    assert!(html.contains("id=\"schema-ContactJson\""));
}

/// What client generators need (scripts/openapi-client-check generates one): a unique camelCase
/// `operationId` to name the function, one tag the document declares to group it, a
/// description on every response, and path parameters that are the path's own.
fn assert_usable_by_generators(
    op: &Value,
    path: &str,
    method: &str,
    ids: &mut HashSet<String>,
    tags: &HashSet<&str>,
) {
    let at = format!("{method} {path}");
    let id = op["operationId"].as_str().unwrap_or_default();
    assert!(
        id.starts_with(|c: char| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_alphanumeric()),
        "{at}: operationId {id:?} is not camelCase"
    );
    assert!(
        ids.insert(id.to_owned()),
        "{at}: operationId {id} is not unique"
    );
    match op["tags"].as_array().map(Vec::as_slice) {
        Some([tag]) => assert!(
            tag.as_str().is_some_and(|t| tags.contains(t)),
            "{at}: tag {tag} is not declared in the document's tags"
        ),
        other => panic!("{at}: wants one tag, has {other:?}"),
    }
    for (status, response) in op["responses"].as_object().expect("responses") {
        assert!(
            response["description"]
                .as_str()
                .is_some_and(|d| !d.trim().is_empty()),
            "{at}: the {status} response has no description"
        );
    }
    let in_path: Vec<&str> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "path")
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(
        in_path.len() == path.matches('{').count()
            && in_path.iter().all(|n| path.contains(&format!("{{{n}}}"))),
        "{at}: path parameters {in_path:?} are not the path's"
    );
}
