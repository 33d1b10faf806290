//! Who is calling and what they may do. SPEC §1 "Who may do what" is implemented here once:
//! handlers take a [`Caller`] (any signed-in user) or an [`Admin`] and ask the caller for the
//! scope or capability they need; no handler checks a role itself.

mod caller;
mod credentials;
mod hashing;

pub use caller::{Admin, Caller, bearer_token};
pub use credentials::{generate_password, generate_secret_key, generate_token, hash_token};
pub use hashing::{hash_password, hold_all_hashers, verify_password};
