//! What a contacts import answers: how many contacts and methods it added and changed (or, in
//! a dry run, would), and every change by line.

use crate::domain::contacts_csv::Plan;
use serde::Serialize;
use utoipa::ToSchema;

/// What an import changed, or (`dry_run`) would change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportJson {
    /// `true`: nothing was written.
    pub dry_run: bool,
    pub contacts_added: usize,
    pub contacts_updated: usize,
    pub methods_added: usize,
    pub methods_updated: usize,
    /// Rows that add or change nothing (importing a file again: every row).
    pub unchanged: usize,
    /// Every change, by line.
    pub changes: Vec<ImportChangeJson>,
}

/// One change of an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportChangeJson {
    /// The line of the file (the header is line 1).
    pub line: usize,
    /// `add_contact`, `update_contact`, `add_method` or `update_method`.
    pub action: &'static str,
    /// The contact's name as the file has it.
    pub contact: String,
    /// The method's type, for method changes; else `null`.
    #[serde(rename = "type")]
    pub kind: Option<&'static str>,
    /// The method's address, normalised, for method changes; else `null`.
    pub address: Option<String>,
}

impl ImportJson {
    pub fn new(plan: &Plan, dry_run: bool) -> Self {
        Self {
            dry_run,
            contacts_added: plan.new_contacts.len(),
            contacts_updated: plan.contact_changes.len(),
            methods_added: plan.methods_added(),
            methods_updated: plan.method_changes.len(),
            unchanged: plan.unchanged_rows,
            changes: plan
                .changes
                .iter()
                .map(|c| ImportChangeJson {
                    line: c.line,
                    action: c.kind.as_str(),
                    contact: c.contact.clone(),
                    kind: c.method.as_ref().map(|(kind, _)| kind.as_str()),
                    address: c.method.as_ref().map(|(_, address)| address.clone()),
                })
                .collect(),
        }
    }
}
