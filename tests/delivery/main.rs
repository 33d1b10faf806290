//! Delivery end to end inside one process: alerts stored, the dispatcher (on an injected
//! clock) sending through the real email channel to a real SMTP server and through the real
//! webhook channel to a local receiver. Every case runs on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../store/fixtures.rs"]
mod fixtures;

mod cases;
mod harness;

macro_rules! both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let db = crate::common::TestDb::sqlite().await;
                    crate::cases::$case(&db.store).await;
                    db.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let db = crate::common::TestDb::postgres().await;
                    crate::cases::$case(&db.store).await;
                    db.finish().await;
                }
            )*
        }
    };
}

both_backends! {
    email_arrives_over_smtp_with_both_parts_in_the_recipients_language,
    smtp_4xx_is_retried_and_5xx_is_permanent,
    webhooks_are_signed_per_standard_webhooks,
    failures_back_off_then_die_after_the_budget,
    a_lost_claim_is_taken_over_after_its_lease,
    the_ssrf_guard_refuses_at_connect_time_and_sends_nothing,
    acknowledging_stops_the_escalation,
    the_acknowledge_link_acknowledges_as_the_recipient,
    notices_of_deleted_contacts_and_resolved_alerts_are_suppressed,
    without_smtp_emails_are_written_as_eml_files,
    quiet_hours_hold_until_they_end_unless_resolved,
}
