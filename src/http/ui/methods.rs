//! Contact methods on Configure > Contacts (and My Account): Add Contact Method, Edit and
//! Delete with a confirmation page. Admins manage anyone's; others only their own.

use super::contacts::LIST;
use super::{Form, FormErrors, PageResult, Web, confirm, done, refused, render};
use crate::app;
use crate::domain::{ContactId, FieldError, MethodId, MethodInput, MethodType, QuietHours};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::{Contact, Method};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use std::sync::Arc;

/// The method form's values.
#[derive(Debug, Default, Deserialize)]
pub struct MethodFormData {
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub min_severity: String,
    #[serde(default)]
    pub reports: Option<String>,
    #[serde(default)]
    pub delay_minutes: String,
    #[serde(default)]
    pub quiet_from: String,
    #[serde(default)]
    pub quiet_to: String,
}

impl MethodFormData {
    fn input(&self) -> Result<MethodInput, Vec<FieldError>> {
        let delay = self.delay_minutes.trim();
        let delay_minutes = if delay.is_empty() {
            None
        } else {
            Some(delay.parse::<i64>().map_err(|_| {
                vec![FieldError::new(
                    "delay_minutes",
                    crate::domain::Invalid::Range { min: 0, max: 1440 },
                )]
            })?)
        };
        let quiet = (self.quiet_from.trim(), self.quiet_to.trim());
        Ok(MethodInput {
            kind: Some(self.kind.clone()),
            address: Some(self.address.clone()),
            label: Some(self.label.clone()),
            min_severity: Some(
                Some(self.min_severity.clone()).filter(|s| !s.is_empty() && s != "none"),
            ),
            // Reports go to email only; the box is ignored for other types.
            reports: Some(self.reports.is_some() && self.kind == "email"),
            delay_minutes,
            quiet_hours: (!quiet.0.is_empty() || !quiet.1.is_empty())
                .then(|| (quiet.0.to_owned(), quiet.1.to_owned())),
        })
    }

    fn of(m: &Method) -> Self {
        Self {
            kind: m.kind.as_str().to_owned(),
            address: m.address.clone(),
            label: m.label.clone().unwrap_or_default(),
            min_severity: m.min_severity.map_or("none", |s| s.as_str()).to_owned(),
            reports: m.reports.then(|| "on".to_owned()),
            delay_minutes: m.delay_minutes.to_string(),
            quiet_from: m
                .quiet_hours
                .map(|q| QuietHours::format(q.from))
                .unwrap_or_default(),
            quiet_to: m
                .quiet_hours
                .map(|q| QuietHours::format(q.to))
                .unwrap_or_default(),
        }
    }

    fn new_default() -> Self {
        Self {
            kind: "email".into(),
            min_severity: "default".into(),
            reports: Some("on".into()),
            delay_minutes: "0".into(),
            ..Self::default()
        }
    }

    pub fn is(&self, field: &str, value: &str) -> bool {
        match field {
            "type" => self.kind == value,
            "min_severity" => self.min_severity == value,
            _ => false,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/method_form.html")]
struct MethodPage<'a> {
    web: &'a Web,
    contact_name: String,
    action: String,
    editing: bool,
    primary: bool,
    form: MethodFormData,
    errors: FormErrors,
}

impl MethodPage<'_> {
    /// The types the form offers, in order.
    fn kinds(&self) -> Vec<&'static str> {
        MethodType::ALL.iter().map(|(_, name)| *name).collect()
    }
}

/// The contact whose methods the caller manages: 404 unseen, 403 not theirs to manage.
pub(super) async fn managed(state: &AppState, web: &Web, id: &str) -> Result<Contact, Response> {
    app::methods::contact(state, &web.caller, &ContactId::from_string(id))
        .await
        .map_err(|e| web.fail(e))
}

/// A method the caller manages, with its contact.
pub(super) async fn managed_method(
    state: &AppState,
    web: &Web,
    id: &str,
    method_id: &str,
) -> Result<(Contact, Method), Response> {
    let (contact, method) = (ContactId::from_string(id), MethodId::from_string(method_id));
    app::methods::managed(state, &web.caller, &contact, &method)
        .await
        .map_err(|e| web.fail(e))
}

/// A new webhook's signing secret, shown this once.
#[derive(Template)]
#[template(path = "pages/webhook_secret.html")]
struct SecretPage<'a> {
    web: &'a Web,
    address: &'a str,
    secret: &'a str,
    back: &'static str,
}

fn secret_page(
    web: &Web,
    contact: &Contact,
    method: &crate::store::Method,
    secret: &str,
) -> axum::response::Response {
    render(&SecretPage {
        web,
        address: &method.address,
        secret,
        back: back_to(web, &contact.id),
    })
}

/// Where to go back to: My Account for one's own methods from there, else the list.
pub(super) fn back_to(web: &Web, contact: &ContactId) -> &'static str {
    if web.caller.is(contact) && !web.is_admin() {
        "/configure/account"
    } else {
        LIST
    }
}

pub async fn form(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
) -> PageResult {
    let contact = managed(&state, &web, &id).await?;
    Ok(render(&MethodPage {
        web: &web,
        contact_name: contact.name,
        action: format!("{LIST}/{id}/methods/new"),
        editing: false,
        primary: false,
        form: MethodFormData::new_default(),
        errors: FormErrors::default(),
    }))
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
    Form(mut form): Form<MethodFormData>,
) -> PageResult {
    let contact = managed(&state, &web, &id).await?;
    if form.min_severity == "default" {
        form.min_severity.clear();
    }
    let ctx = app::methods::parse_context(&state, &web.caller)
        .await
        .map_err(|e| web.fail(e))?;
    let parsed = form.input().and_then(|input| {
        let mut input = input;
        if form.min_severity.is_empty() {
            input.min_severity = None;
        }
        input.parse(&ctx)
    });
    let result = match parsed {
        Ok(new) => app::methods::add(&state, &web.caller, &contact.id, &new).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(method) => Ok(match &method.secret {
            Some(secret) => secret_page(&web, &contact, &method, secret.expose()),
            None => done(back_to(&web, &contact.id), "method-added"),
        }),
        Err(AppError::Validation(fields) | AppError::Conflict(fields)) => {
            let errors = FormErrors::new(&web.tr, &fields);
            Ok(refused(render(&MethodPage {
                web: &web,
                contact_name: contact.name,
                action: format!("{LIST}/{id}/methods/new"),
                editing: false,
                primary: false,
                form,
                errors,
            })))
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn edit_form(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path((id, method_id)): Path<(String, String)>,
) -> PageResult {
    let (contact, method) = managed_method(&state, &web, &id, &method_id).await?;
    Ok(render(&MethodPage {
        web: &web,
        contact_name: contact.name,
        action: format!("{LIST}/{id}/methods/{method_id}/edit"),
        editing: true,
        primary: method.primary,
        form: MethodFormData::of(&method),
        errors: FormErrors::default(),
    }))
}

pub async fn edit(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path((id, method_id)): Path<(String, String)>,
    Form(mut form): Form<MethodFormData>,
) -> PageResult {
    let (contact, current) = managed_method(&state, &web, &id, &method_id).await?;
    if current.primary {
        // The primary email changes with the user's email (My Account).
        form.kind = "email".into();
        form.address = current.address.clone();
    }
    let ctx = app::methods::parse_context(&state, &web.caller)
        .await
        .map_err(|e| web.fail(e))?;
    let result = match form.input().and_then(|input| input.parse(&ctx)) {
        Ok(new) => app::methods::update(&state, &web.caller, &contact.id, &current.id, &new).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(saved) => Ok(match &saved.method.secret {
            // It has just become a webhook: its new secret, once.
            Some(secret) if saved.new_secret => {
                secret_page(&web, &contact, &saved.method, secret.expose())
            }
            _ => done(back_to(&web, &contact.id), "method-saved"),
        }),
        Err(AppError::Validation(fields) | AppError::Conflict(fields)) => {
            let errors = FormErrors::new(&web.tr, &fields);
            Ok(refused(render(&MethodPage {
                web: &web,
                contact_name: contact.name,
                action: format!("{LIST}/{id}/methods/{method_id}/edit"),
                editing: true,
                primary: current.primary,
                form,
                errors,
            })))
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn delete_form(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path((id, method_id)): Path<(String, String)>,
) -> PageResult {
    let (contact, method) = managed_method(&state, &web, &id, &method_id).await?;
    let question = web.tr.ta(
        "confirm-delete-method",
        &[("address", &method.address), ("name", &contact.name)],
    );
    Ok(confirm(
        &web,
        question,
        format!("{LIST}/{id}/methods/{method_id}/delete"),
        back_to(&web, &contact.id),
    ))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path((id, method_id)): Path<(String, String)>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    let (contact, method) = (ContactId::from_string(id), MethodId::from_string(method_id));
    app::methods::delete(&state, &web.caller, &contact, &method)
        .await
        .map_err(|e| web.fail(e))?;
    Ok(done(back_to(&web, &contact), "method-deleted"))
}
