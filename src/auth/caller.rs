use crate::domain::{AccountId, CompanyAccess, CompanyScope, ContactId, Role};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::Login;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use std::sync::Arc;

/// A signed-in, enabled user, resolved from a bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account: AccountId,
    pub user: ContactId,
    pub name: String,
    role: Role,
    access: CompanyAccess,
    /// When the API token this caller came with expires (`None`: a session, or a token
    /// without expiry).
    pub token_expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Caller {
    pub fn from_login(login: Login) -> Result<Self, AppError> {
        if login.disabled {
            return Err(AppError::Unauthorized);
        }
        Ok(Self {
            account: login.account_id,
            user: login.user_id,
            name: login.name,
            role: login.role,
            access: login.companies,
            token_expires_at: None,
        })
    }

    /// The companies whose contacts and objects this caller may see: every company for
    /// admins, their own access for technicians.
    pub fn scope(&self) -> CompanyScope {
        match self.role {
            Role::Admin => CompanyAccess::All,
            Role::Technician => self.access.clone(),
        }
    }

    /// Admins may do everything in their account; others get 403.
    pub fn admin(&self) -> Result<Admin, AppError> {
        match self.role {
            Role::Admin => Ok(Admin(self.clone())),
            Role::Technician => Err(AppError::Forbidden),
        }
    }

    /// Admins manage anyone's methods; everyone else only their own.
    pub fn may_manage_methods_of(&self, contact: &ContactId) -> Result<(), AppError> {
        if self.role == Role::Admin || &self.user == contact {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether [`Caller::admin`] would succeed: pages use it to show or hide controls.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn is(&self, contact: &ContactId) -> bool {
        &self.user == contact
    }
}

/// The capability of an admin: handlers that take it can only run for admins.
#[derive(Debug, Clone)]
pub struct Admin(pub Caller);

impl Admin {
    /// The operator at the command line (`reach import contacts`, `reach export contacts`):
    /// whoever may run `reach` against the database acts as an admin of the account they
    /// name. The audit log names them `command line` (actor id `command-line`).
    pub fn operator(account: AccountId) -> Self {
        Self(Caller {
            account,
            user: ContactId::from_string("command-line"),
            name: "command line".to_owned(),
            role: Role::Admin,
            access: CompanyAccess::All,
            token_expires_at: None,
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header, if there is one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers).ok_or(AppError::Unauthorized)?;
        crate::app::session::caller_by_token(state, token).await
    }
}

impl FromRequestParts<Arc<AppState>> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        Caller::from_request_parts(parts, state).await?.admin()
    }
}
