//! Opaque identifiers. New ids are UUIDv7 strings: unique across nodes and roughly ordered by
//! creation time.

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().simple().to_string())
            }

            /// An id as received from a client or read from storage. Ids are opaque: an unknown
            /// one simply finds nothing.
            pub fn from_string(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

id_type! {
    /// A tenant.
    AccountId;
    /// A company (customer or site) of an account.
    CompanyId;
    /// A contact; a user's id is also their contact id.
    ContactId;
    /// A contact method.
    MethodId;
    /// An API token.
    TokenId;
    /// An alert.
    AlertId;
    /// A notification (one row of the outbox).
    NotificationId;
    /// A report definition.
    ReportId;
    /// One run of a report.
    RunId;
    /// A company's maintenance window.
    WindowId;
    /// An integration (a monitoring system's way in, `/hooks/{token}`).
    IntegrationId;
    /// An on-call schedule.
    ScheduleId;
    /// An override of an on-call schedule.
    OverrideId;
    /// An escalation policy.
    PolicyId;
}
