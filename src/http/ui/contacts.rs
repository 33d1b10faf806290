//! Configure > Contacts: the list of users and contacts, Add a Contact, Add Contact Method,
//! Edit and Delete (with a confirmation page) for contacts and methods.

use super::{
    AdminWeb, Form, FormErrors, PageResult, Web, confirm, confirmation, done, refused, render,
};
use crate::app;
use crate::domain::{
    CompaniesInput, CompanyId, ContactId, ContactInput, FieldError, MethodType, QuietHours,
};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::{Contact, ContactKind, ContactQuery, Cursor, Method, PageRequest};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use std::sync::Arc;

pub(super) const LIST: &str = "/configure/contacts";

/// A contact as the list shows it.
pub struct ContactView {
    pub id: String,
    pub name: String,
    pub is_user: bool,
    pub role: String,
    pub companies: String,
    pub can_edit: bool,
    pub can_manage_methods: bool,
    pub methods: Vec<MethodView>,
}

pub struct MethodView {
    pub id: String,
    pub kind: String,
    pub address: String,
    pub label: String,
    pub routing: String,
    pub primary: bool,
    pub verified: bool,
}

fn method_view(web: &Web, m: &Method) -> MethodView {
    let severity = match m.min_severity {
        Some(s) => web.tr.ta(
            "routing-from",
            &[("severity", &web.t(&format!("severity-{}", s.as_str())))],
        ),
        None => web.t("routing-no-alerts"),
    };
    let mut routing = vec![severity];
    // Telegram chats and Matrix rooms wait for their code whatever the account's setting.
    if !m.verified && m.min_severity.is_some() && m.kind.alerts_need_verification(false) {
        routing.push(web.t("routing-once-verified"));
    }
    if m.reports {
        routing.push(web.t("routing-reports"));
    }
    if m.delay_minutes > 0 {
        routing.push(web.tr.ta(
            "routing-delay",
            &[("minutes", &m.delay_minutes.to_string())],
        ));
    }
    if let Some(q) = m.quiet_hours {
        routing.push(web.tr.ta(
            "routing-quiet",
            &[
                ("from", &QuietHours::format(q.from)),
                ("to", &QuietHours::format(q.to)),
            ],
        ));
    }
    MethodView {
        id: m.id.to_string(),
        kind: web.t(&format!("type-{}", m.kind.as_str())),
        address: m.address.clone(),
        label: m.label.clone().unwrap_or_default(),
        routing: routing.join(" · "),
        primary: m.primary,
        verified: m.verified,
    }
}

pub fn companies_label(web: &Web, access: &crate::domain::CompanyAccess) -> String {
    match access {
        crate::domain::CompanyAccess::All => web.t("companies-all"),
        crate::domain::CompanyAccess::Only(set) if set.is_empty() => web.t("companies-none"),
        crate::domain::CompanyAccess::Only(set) => set
            .iter()
            .map(|id| web.company_name(id.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn contact_view(web: &Web, c: &Contact) -> ContactView {
    ContactView {
        id: c.id.to_string(),
        name: c.name.clone(),
        is_user: c.kind() == ContactKind::User,
        role: c
            .user
            .as_ref()
            .map(|u| web.t(&format!("role-{}", u.role.as_str())))
            .unwrap_or_default(),
        companies: companies_label(web, &c.companies),
        can_edit: web.is_admin(),
        can_manage_methods: web.caller.may_manage_methods_of(&c.id).is_ok(),
        methods: c.methods.iter().map(|m| method_view(web, m)).collect(),
    }
}

/// The Add a Contact / Edit form's values, kept when the form comes back with errors.
#[derive(Debug, Default, Deserialize)]
pub struct ContactFormData {
    #[serde(default)]
    pub name: String,
    /// `all` or `chosen`.
    #[serde(default)]
    pub access: String,
    #[serde(default)]
    pub companies: Vec<String>,
}

impl ContactFormData {
    fn input(&self) -> ContactInput {
        ContactInput {
            name: Some(self.name.clone()),
            companies: Some(if self.access == "chosen" {
                CompaniesInput::Chosen(self.companies.clone())
            } else {
                CompaniesInput::All
            }),
            locale: None,
            timezone: None,
        }
    }

    fn of(contact: &Contact) -> Self {
        Self {
            name: contact.name.clone(),
            ..Self::of_access(&contact.companies)
        }
    }

    pub fn of_access(access: &crate::domain::CompanyAccess) -> Self {
        Self {
            name: String::new(),
            access: match access {
                crate::domain::CompanyAccess::All => "all".into(),
                _ => "chosen".into(),
            },
            companies: access.chosen().map(ToString::to_string).collect(),
        }
    }

    pub fn is_chosen(&self) -> bool {
        self.access == "chosen"
    }

    pub fn has(&self, id: &str) -> bool {
        self.companies.iter().any(|c| c == id)
    }
}

#[derive(Template)]
#[template(path = "pages/contacts.html")]
struct ContactsPage<'a> {
    web: &'a Web,
    status: Option<String>,
    q: String,
    contacts: Vec<ContactView>,
    next: Option<String>,
    access: ContactFormData,
    errors: FormErrors,
    /// Admins are told when SMS and phone methods cannot be reached on this server.
    sms_off: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    cursor: Option<String>,
    done: Option<String>,
}

async fn contacts_page(
    state: &AppState,
    web: &Web,
    query: &ListQuery,
    form: ContactFormData,
    errors: FormErrors,
) -> PageResult {
    let cursor = query.cursor.as_deref().and_then(|c| Cursor::parse(c).ok());
    let list = ContactQuery {
        company: web.current_company.clone().map(CompanyId::from_string),
        text: query.q.clone(),
        kind: None,
        page: PageRequest::new(Some(100), cursor).unwrap_or_default(),
    };
    let page = app::contacts::list(state, &web.caller, &list)
        .await
        .map_err(|e| web.fail(e))?;
    let status = if errors.is_empty() {
        confirmation(web, query.done.as_deref())
    } else {
        None
    };
    let sms_off = web.is_admin()
        && !state.sms_configured
        && page.items.iter().any(|c| {
            c.methods
                .iter()
                .any(|m| matches!(m.kind, MethodType::Sms | MethodType::Phone))
        });
    Ok(render(&ContactsPage {
        sms_off,
        web,
        status,
        q: query.q.clone().unwrap_or_default(),
        contacts: page.items.iter().map(|c| contact_view(web, c)).collect(),
        next: page.next_cursor,
        access: form,
        errors,
    }))
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    web: Web,
    Query(query): Query<ListQuery>,
) -> PageResult {
    contacts_page(
        &state,
        &web,
        &query,
        ContactFormData {
            access: "all".into(),
            ..Default::default()
        },
        FormErrors::default(),
    )
    .await
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Form(form): Form<ContactFormData>,
) -> PageResult {
    let new = match form.input().parse() {
        Ok(new) => new,
        Err(fields) => return invalid_contact(&state, &web, form, fields).await,
    };
    match app::contacts::create(&state, &admin, &new).await {
        Ok(_) => Ok(done(LIST, "contact-added")),
        Err(AppError::Validation(fields) | AppError::Conflict(fields)) => {
            invalid_contact(&state, &web, form, fields).await
        }
        Err(other) => Err(web.fail(other)),
    }
}

async fn invalid_contact(
    state: &AppState,
    web: &Web,
    form: ContactFormData,
    fields: Vec<FieldError>,
) -> PageResult {
    let errors = FormErrors::new(&web.tr, &fields);
    Ok(refused(
        contacts_page(state, web, &ListQuery::default(), form, errors).await?,
    ))
}

/// A contact the caller can see.
pub(super) async fn visible(state: &AppState, web: &Web, id: &str) -> Result<Contact, Response> {
    app::contacts::get(state, &web.caller, &ContactId::from_string(id))
        .await
        .map_err(|e| web.fail(e))
}

#[derive(Template)]
#[template(path = "pages/contact_edit.html")]
struct ContactEditPage<'a> {
    web: &'a Web,
    id: String,
    is_user: bool,
    access: ContactFormData,
    errors: FormErrors,
}

pub async fn edit_form(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, _): AdminWeb,
    Path(id): Path<String>,
) -> PageResult {
    let contact = visible(&state, &web, &id).await?;
    Ok(render(&ContactEditPage {
        web: &web,
        id,
        is_user: contact.kind() == ContactKind::User,
        access: ContactFormData::of(&contact),
        errors: FormErrors::default(),
    }))
}

pub async fn edit(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(mut form): Form<ContactFormData>,
) -> PageResult {
    let current = visible(&state, &web, &id).await?;
    if current.kind() == ContactKind::User {
        // A user's name is theirs to change (My Account).
        form.name = current.name.clone();
    }
    let mut input = form.input();
    input.locale = current.locale.map(|l| l.as_str().to_owned());
    input.timezone = current.timezone.map(|t| t.as_str().to_owned());
    let result = match input.parse() {
        Ok(new) => app::contacts::update(&state, &admin, &current.id, &new).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(_) => Ok(done(LIST, "contact-saved")),
        Err(AppError::Validation(fields) | AppError::Conflict(fields)) => {
            let errors = FormErrors::new(&web.tr, &fields);
            Ok(render(&ContactEditPage {
                web: &web,
                id,
                is_user: current.kind() == ContactKind::User,
                access: form,
                errors,
            }))
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn delete_form(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, _): AdminWeb,
    Path(id): Path<String>,
) -> PageResult {
    let contact = visible(&state, &web, &id).await?;
    let question = web
        .tr
        .ta("confirm-delete-contact", &[("name", &contact.name)]);
    Ok(confirm(&web, question, format!("{LIST}/{id}/delete"), LIST))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    // The use case reads it (404) on its own transaction.
    app::contacts::delete(&state, &admin, &ContactId::from_string(id))
        .await
        .map_err(|e| web.fail(e))?;
    Ok(done(LIST, "contact-deleted"))
}

/// Own methods as My Account lists them.
pub fn own_methods(web: &Web, me: &Contact) -> Vec<MethodView> {
    me.methods.iter().map(|m| method_view(web, m)).collect()
}
