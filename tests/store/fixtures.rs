//! Builders for valid input.

use crate::tx;
use reach::domain::{
    CompanyAccess, CompanyId, EmailAddress, Locale, MethodInput, Name, NewMethod, ParseContext,
    Region, Role, TimeZone,
};
use reach::domain::{NewAccount, NewContact, NewUser};
use reach::store::{Account, Company, Contact, SqlStore};

pub fn name(s: &str) -> Name {
    Name::parse(s).expect("valid name")
}

pub async fn account(store: &SqlStore, account_name: &str) -> Account {
    tx!(
        store,
        reach::store::accounts::create,
        &NewAccount {
            name: name(account_name),
            default_region: Region::parse("ES").expect("region"),
            locale: Locale::Es,
            timezone: TimeZone::parse("Europe/Madrid").expect("zone"),
        }
    )
    .await
    .expect("create account")
}

pub async fn company(store: &SqlStore, account: &Account, company_name: &str) -> Company {
    tx!(
        store,
        reach::store::companies::create,
        &account.id,
        &name(company_name)
    )
    .await
    .expect("create company")
}

pub fn new_contact(contact_name: &str, companies: CompanyAccess) -> NewContact {
    NewContact {
        name: name(contact_name),
        companies,
        locale: None,
        timezone: None,
    }
}

pub fn only(companies: &[&Company]) -> CompanyAccess {
    CompanyAccess::only(companies.iter().map(|c| c.id.clone())).expect("non-empty")
}

pub fn only_ids(ids: &[&CompanyId]) -> CompanyAccess {
    CompanyAccess::only(ids.iter().map(|&c| c.clone())).expect("non-empty")
}

pub async fn contact(
    store: &SqlStore,
    account: &Account,
    contact_name: &str,
    companies: CompanyAccess,
) -> Contact {
    tx!(
        store,
        reach::store::contacts::create,
        &account.id,
        &new_contact(contact_name, companies)
    )
    .await
    .expect("create contact")
}

pub fn method(kind: &str, address: &str) -> NewMethod {
    MethodInput {
        kind: Some(kind.into()),
        address: Some(address.into()),
        ..MethodInput::default()
    }
    .parse(&ParseContext {
        default_region: Region::parse("ES").expect("region"),
        allow_loopback: false,
    })
    .expect("valid method")
}

pub fn new_user(user_name: &str, email: &str, role: Role, companies: CompanyAccess) -> NewUser {
    NewUser {
        contact: new_contact(user_name, companies),
        email: EmailAddress::parse(email).expect("email"),
        role,
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into()),
    }
}

/// The names of contacts, in order.
pub fn names(contacts: &[Contact]) -> Vec<&str> {
    contacts.iter().map(|c| c.name.as_str()).collect()
}
