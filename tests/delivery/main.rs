//! Delivery end to end inside one process: alerts stored, the dispatcher (on an injected
//! clock) sending through the real email channel to a real SMTP server and through the real
//! webhook channel to a local receiver. Every case runs on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "../store/fixtures.rs"]
mod fixtures;

mod acknowledge;
mod chat;
mod chat_failures;
mod chat_services;
mod chat_shapes;
mod codes;
mod email;
mod escalation;
mod flood;
mod handoff;
mod harness;
mod heartbeats;
mod phone_steps;
mod phones;
mod provider;
mod push_shapes;
mod report_mail;
mod report_oncall;
mod report_pages;
mod reports;
mod retries;
mod shutdown;
mod steps;
mod suppression;
mod webhooks;

macro_rules! both_backends {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let db = crate::common::TestDb::sqlite().await;
                    crate::$module::$case(&db.store).await;
                    db.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let db = crate::common::TestDb::postgres().await;
                    crate::$module::$case(&db.store).await;
                    db.finish().await;
                }
            )*
        }
    };
}

both_backends! {
    email::email_arrives_over_smtp_with_both_parts_in_the_recipients_language,
    email::smtp_4xx_is_retried_and_5xx_is_permanent,
    email::without_smtp_emails_are_written_as_eml_files,
    webhooks::webhooks_are_signed_per_standard_webhooks,
    webhooks::the_ssrf_guard_refuses_at_connect_time_and_sends_nothing,
    webhooks::an_endless_answer_is_read_only_in_part,
    webhooks::a_secret_kept_before_sealing_still_signs,
    retries::failures_back_off_then_die_after_the_budget,
    retries::a_lost_claim_is_taken_over_after_its_lease,
    retries::a_late_outcome_of_a_taken_over_claim_changes_nothing,
    retries::a_claim_that_could_outlast_its_lease_goes_back_unsent,
    acknowledge::acknowledging_stops_the_escalation,
    acknowledge::the_acknowledge_link_acknowledges_as_the_recipient,
    acknowledge::the_acknowledge_link_stops_working_without_access,
    suppression::notices_of_deleted_contacts_and_resolved_alerts_are_suppressed,
    suppression::quiet_hours_hold_until_they_end_unless_resolved,
    phones::sms_and_calls_follow_the_providers_api,
    phones::provider_errors_are_retried_or_refused_with_the_reason,
    phones::without_a_provider_sms_and_calls_fail_with_a_clear_reason,
    codes::codes_expire_lock_after_five_wrong_tries_and_work_once,
    codes::unverified_phones_get_only_tests_and_codes,
    codes::send_test_works_on_every_channel,
    flood::twelve_quick_criticals_give_ten_messages_and_one_digest,
    reports::a_report_goes_to_each_recipient_scoped_with_its_csv,
    report_mail::a_report_has_one_click_unsubscribe_and_a_csv_safe_for_spreadsheets,
    reports::the_scheduler_runs_each_due_report_once_even_when_racing,
    report_oncall::a_coverage_report_names_on_call_gaps,
    report_pages::an_alert_summary_counts_pages_per_person,
    report_pages::without_pages_the_alert_summary_has_no_pages_section,
    heartbeats::a_missed_heartbeat_opens_one_alert_and_the_next_ping_resolves_it,
    escalation::acknowledging_after_step_one_stops_steps_two_and_three,
    escalation::a_policy_repeats_and_pages_whoever_an_override_puts_on_call,
    shutdown::a_stopped_node_finishes_its_sends_and_leaves_nothing_sending,
    shutdown::a_send_that_never_answers_is_recorded_when_its_time_is_up,
    handoff::intake_writes_due_notifications_claimed_and_hands_them_over,
    handoff::older_queued_work_goes_first_and_a_stopping_dispatcher_gives_claims_back,
    handoff::a_running_dispatcher_sends_what_it_is_handed_once,
    handoff::a_recorded_notification_frees_its_place_before_its_batch_ends,
    chat::every_service_gets_alerts_in_its_documented_shape,
    chat::codes_and_tests_are_posted_to_chats,
    chat_failures::a_429_waits_its_retry_after_and_other_refusals_are_final,
    chat_failures::a_matrix_retry_reuses_its_transaction_and_posts_once,
    chat_failures::unconfigured_bots_and_loopback_urls_fail_clearly,
}
