use super::{CompanyId, Invalid};
use std::collections::BTreeSet;

/// Which companies a contact or user has access to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanyAccess {
    /// Every company of the account, including ones added later.
    All,
    /// The chosen companies. Chosen input is never empty; stored access can become empty when
    /// its last company is deleted, and then reaches nothing.
    Only(BTreeSet<CompanyId>),
}

impl CompanyAccess {
    /// A chosen set, which must not be empty.
    pub fn only(companies: impl IntoIterator<Item = CompanyId>) -> Result<Self, Invalid> {
        let set: BTreeSet<_> = companies.into_iter().collect();
        if set.is_empty() {
            Err(Invalid::NoCompanies)
        } else {
            Ok(Self::Only(set))
        }
    }

    pub fn includes(&self, company: &CompanyId) -> bool {
        match self {
            Self::All => true,
            Self::Only(set) => set.contains(company),
        }
    }

    /// The companies named, if any (none for `All`).
    pub fn chosen(&self) -> impl Iterator<Item = &CompanyId> {
        let set = match self {
            Self::All => None,
            Self::Only(set) => Some(set),
        };
        set.into_iter().flatten()
    }
}

/// The companies a caller may see: admins see all of them, technicians those of their own
/// access. Store list methods take it so out-of-scope rows are never read.
pub type CompanyScope = CompanyAccess;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chosen_set_must_not_be_empty() {
        assert_eq!(CompanyAccess::only([]), Err(Invalid::NoCompanies));
        let a = CompanyId::from_string("a");
        let access = CompanyAccess::only([a.clone(), a.clone()]);
        assert_eq!(access, Ok(CompanyAccess::Only(BTreeSet::from([a.clone()]))));
        assert!(CompanyAccess::All.includes(&a));
    }
}
