//! `/api/docs`: a browsable reference rendered on the server from the OpenAPI document, so it
//! needs no JavaScript and nothing from outside the binary.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;
use std::sync::Arc;
use utoipa::openapi::OpenApi;

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    title: String,
    description: String,
    version: String,
    operations: Vec<Operation>,
    schemas: Vec<Schema>,
}

struct Operation {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    operation_id: String,
    tag: String,
    params: Vec<Param>,
    body: Option<String>,
    responses: Vec<Reply>,
}

struct Param {
    name: String,
    location: String,
    kind: String,
    required: bool,
    description: String,
}

struct Reply {
    status: String,
    schema: Option<String>,
    description: String,
}

struct Schema {
    name: String,
    description: String,
    fields: Vec<Field>,
}

struct Field {
    name: String,
    kind: String,
    required: bool,
    description: String,
}

pub async fn page(doc: Arc<OpenApi>) -> Response {
    match serde_json::to_value(doc.as_ref()).map(|v| build(&v)) {
        Ok(page) => match page.render() {
            Ok(html) => Html(html).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "rendering /api/docs failed");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        },
        Err(e) => {
            tracing::error!(error = %e, "serialising the OpenAPI document failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A schema's type in a few words: `string`, `integer | null`, `array of MethodJson`, ...
fn kind(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            return list.iter().map(kind).collect::<Vec<_>>().join(" | ");
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" | ");
    }
    let base = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "any".to_owned(),
    };
    match (base.as_str(), schema.get("items")) {
        (b, Some(items)) if b.starts_with("array") => {
            format!(
                "array of {}{}",
                kind(items),
                base.strip_prefix("array").unwrap_or("")
            )
        }
        _ => match schema.get("format").and_then(Value::as_str) {
            Some(format) => format!("{base} ({format})"),
            None => base,
        },
    }
}

fn build(doc: &Value) -> DocsPage {
    let info = &doc["info"];
    let mut operations = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let params = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| Param {
                        name: text(p, "name"),
                        location: text(p, "in"),
                        kind: kind(&p["schema"]),
                        required: p["required"].as_bool().unwrap_or(false),
                        description: text(p, "description"),
                    })
                    .collect();
                let body = op
                    .pointer("/requestBody/content/application~1json/schema")
                    .map(kind);
                let responses = op["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(status, r)| Reply {
                        status: status.clone(),
                        schema: r["content"]
                            .as_object()
                            .and_then(|c| c.values().next())
                            .map(|c| kind(&c["schema"])),
                        description: text(r, "description"),
                    })
                    .collect();
                let anchor = format!("{method}-{}", path.replace(['/', '{', '}'], "-"));
                operations.push(Operation {
                    anchor,
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary: text(op, "summary"),
                    operation_id: text(op, "operationId"),
                    tag: op["tags"][0].as_str().unwrap_or_default().to_owned(),
                    params,
                    body,
                    responses,
                });
            }
        }
    }
    let schemas = doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, s)| {
            let required: Vec<&str> = s["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            Schema {
                name: name.clone(),
                description: text(s, "description"),
                fields: s["properties"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(field, p)| Field {
                        name: field.clone(),
                        kind: kind(p),
                        required: required.contains(&field.as_str()),
                        description: text(p, "description"),
                    })
                    .collect(),
            }
        })
        .collect();
    DocsPage {
        title: text(info, "title"),
        description: text(info, "description"),
        version: text(doc, "openapi"),
        operations,
        schemas,
    }
}
