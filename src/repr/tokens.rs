//! API tokens as the API answers them: never their secret, except once in the create answer.

use super::{Audited, time};
use crate::store::tokens::ApiToken;
use serde::Serialize;
use utoipa::ToSchema;

/// One of the caller's API tokens (the audit log keeps this shape too: no secret in it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenJson {
    pub id: String,
    pub name: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When the token stops working; `null`: never.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// The last use, to within a minute; `null`: never used.
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
}

impl From<&ApiToken> for TokenJson {
    fn from(t: &ApiToken) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name.clone(),
            created_at: time(t.created_at),
            expires_at: t.expires_at.map(time),
            last_used_at: t.last_used_at.map(time),
        }
    }
}

impl Audited for TokenJson {
    fn audit_id(&self) -> &str {
        &self.id
    }
}

/// The answer that creates a token: the token itself, shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewTokenJson {
    pub id: String,
    pub name: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    /// Send it as `Authorization: Bearer <token>`. Keep it now: it is not shown again.
    pub token: String,
}

impl NewTokenJson {
    pub fn new(stored: &ApiToken, token: &str) -> Self {
        let TokenJson {
            id,
            name,
            created_at,
            expires_at,
            last_used_at,
        } = TokenJson::from(stored);
        Self {
            id,
            name,
            created_at,
            expires_at,
            last_used_at,
            token: token.to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenJson>,
    /// Always `null`: a user's tokens come in one page.
    pub next_cursor: Option<String>,
}
