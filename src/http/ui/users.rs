//! Configure > Users: add a user, change role, companies and disabled. Admins only; there is
//! no field for another user's name or email.

use super::contacts::{ContactFormData, companies_label};
use super::{AdminWeb, Form, FormErrors, PageResult, Web, confirmation, done, refused, render};
use crate::app;
use crate::app::users::{FirstPassword, LINK_DAYS, UserToAdd};
use crate::domain::{
    CompaniesInput, ContactId, ContactInput, EmailAddress, Errors, Password, Role, UserChange,
};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::{Contact, ContactKind, ContactQuery};
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use std::sync::Arc;

const LIST: &str = "/configure/users";

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub companies: String,
    pub disabled: bool,
    /// When the user was added, in the viewer's time zone.
    pub added: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub access: String,
    #[serde(default)]
    pub companies: Vec<String>,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub disabled: Option<String>,
}

impl UserForm {
    pub fn access_form(&self) -> ContactFormData {
        ContactFormData {
            name: self.name.clone(),
            access: self.access.clone(),
            companies: self.companies.clone(),
        }
    }

    fn companies_input(&self) -> CompaniesInput {
        if self.access == "chosen" {
            CompaniesInput::Chosen(self.companies.clone())
        } else {
            CompaniesInput::All
        }
    }
}

#[derive(Template)]
#[template(path = "pages/users.html")]
struct UsersPage<'a> {
    web: &'a Web,
    status: Option<String>,
    link: Option<String>,
    users: Vec<UserRow>,
    form: UserForm,
    access: ContactFormData,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "pages/user_edit.html")]
struct UserEditPage<'a> {
    web: &'a Web,
    id: String,
    name: String,
    email: String,
    form: UserForm,
    access: ContactFormData,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn users_page(
    state: &AppState,
    web: &Web,
    status: Option<String>,
    link: Option<String>,
    form: UserForm,
    errors: FormErrors,
) -> PageResult {
    let query = ContactQuery {
        kind: Some(ContactKind::User),
        ..Default::default()
    };
    let users = app::contacts::all(state, &web.caller, &query)
        .await
        .map_err(|e| web.fail(e))?
        .iter()
        .map(|c| UserRow {
            id: c.id.to_string(),
            name: c.name.clone(),
            email: c.user.as_ref().map(|u| u.email.clone()).unwrap_or_default(),
            role: c
                .user
                .as_ref()
                .map(|u| web.t(&format!("role-{}", u.role.as_str())))
                .unwrap_or_default(),
            companies: companies_label(web, &c.companies),
            disabled: c.user.as_ref().is_some_and(|u| u.disabled),
            added: web.when(c.created_at),
        })
        .collect();
    let access = form.access_form();
    Ok(render(&UsersPage {
        web,
        status,
        link,
        users,
        form,
        access,
        errors,
    }))
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, _): AdminWeb,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let status = confirmation(&web, query.done.as_deref());
    let form = UserForm {
        role: "technician".into(),
        access: "all".into(),
        ..Default::default()
    };
    users_page(&state, &web, status, None, form, FormErrors::default()).await
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Form(form): Form<UserForm>,
) -> PageResult {
    let mut errors = Errors::default();
    let contact = ContactInput {
        name: Some(form.name.clone()),
        companies: Some(form.companies_input()),
        locale: None,
        timezone: None,
    }
    .parse()
    .map_err(|fields| {
        fields
            .into_iter()
            .for_each(|f| errors.push(&f.field, f.error))
    })
    .ok();
    let email = errors.check("email", EmailAddress::parse(&form.email));
    let role = errors.check("role", Role::parse(&form.role));
    // No password: a one-time link for the user to set one, shown once beside the message.
    let password = match form.password.as_str() {
        "" => Some(FirstPassword::Link),
        p => errors
            .check("password", Password::parse(p))
            .map(FirstPassword::Given),
    };
    let new = errors.finish(|| {
        Some(UserToAdd {
            contact: contact?,
            email: email?,
            role: role?,
            password: password?,
        })
    });
    let result = match new {
        Ok(new) => app::users::create(&state, &admin, new).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(app::users::AddedUser { link: None, .. }) => Ok(done(LIST, "user-added")),
        Ok(app::users::AddedUser {
            user,
            link: Some(link),
        }) => {
            let status = web.tr.ta(
                "done-user-added-link",
                &[("name", &user.name), ("days", &LINK_DAYS.to_string())],
            );
            let blank = UserForm {
                role: "technician".into(),
                access: "all".into(),
                ..Default::default()
            };
            users_page(
                &state,
                &web,
                Some(status),
                Some(link),
                blank,
                FormErrors::default(),
            )
            .await
        }
        Err(AppError::Validation(f) | AppError::Conflict(f)) => {
            let errors = FormErrors::new(&web.tr, &f);
            Ok(refused(
                users_page(&state, &web, None, None, form, errors).await?,
            ))
        }
        Err(other) => Err(web.fail(other)),
    }
}

async fn user(state: &AppState, web: &Web, id: &str) -> Result<Contact, axum::response::Response> {
    app::users::get(state, &web.caller, &ContactId::from_string(id))
        .await
        .map_err(|e| web.fail(e))
}

fn form_of(c: &Contact) -> UserForm {
    let access = ContactFormData::of_access(&c.companies);
    UserForm {
        role: c
            .user
            .as_ref()
            .map(|u| u.role.as_str().to_owned())
            .unwrap_or_default(),
        access: access.access,
        companies: access.companies,
        disabled: c
            .user
            .as_ref()
            .filter(|u| u.disabled)
            .map(|_| "on".to_owned()),
        ..Default::default()
    }
}

pub async fn edit_form(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, _): AdminWeb,
    Path(id): Path<String>,
) -> PageResult {
    let user = user(&state, &web, &id).await?;
    let form = form_of(&user);
    let access = form.access_form();
    Ok(render(&UserEditPage {
        web: &web,
        id,
        name: user.name.clone(),
        email: user
            .user
            .as_ref()
            .map(|u| u.email.clone())
            .unwrap_or_default(),
        form,
        access,
        errors: FormErrors::default(),
    }))
}

pub async fn edit(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(form): Form<UserForm>,
) -> PageResult {
    let current = user(&state, &web, &id).await?;
    let mut errors = Errors::default();
    let role = errors.check("role", Role::parse(&form.role));
    let companies = errors.check("companies", form.companies_input().parse());
    let result = match errors.finish(|| {
        Some(UserChange {
            role: role?,
            companies: companies?,
            disabled: form.disabled.is_some(),
        })
    }) {
        Ok(change) => app::users::update(&state, &admin, &current.id, &change).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(_) => Ok(done(LIST, "user-saved")),
        Err(AppError::Validation(f) | AppError::Conflict(f)) => {
            let errors = FormErrors::new(&web.tr, &f);
            let access = form.access_form();
            Ok(refused(render(&UserEditPage {
                web: &web,
                id,
                name: current.name.clone(),
                email: current
                    .user
                    .as_ref()
                    .map(|u| u.email.clone())
                    .unwrap_or_default(),
                form,
                access,
                errors,
            })))
        }
        Err(AppError::Refused(_)) => Err(web.fail(AppError::Refused("last admin"))),
        Err(other) => Err(web.fail(other)),
    }
}
