//! The store conformance suite: every case runs against SQLite and against PostgreSQL, each on
//! a fresh database, so the two backends cannot drift apart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod account;
mod alerts;
mod atomic;
mod batches;
mod companies;
mod contact_lists;
mod contacts;
mod finish;
mod fixtures;
mod isolation;
mod keys;
mod methods;
mod outbox;
mod purge;
mod reports;
mod search;
mod secrets;
mod sessions;
mod statistics;
mod upgrade;
mod users;

macro_rules! conformance {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let db = crate::common::TestDb::sqlite().await;
                    crate::$module::$case(&db.store).await;
                    db.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let db = crate::common::TestDb::postgres().await;
                    crate::$module::$case(&db.store).await;
                    db.finish().await;
                }
            )*
        }
    };
}

conformance! {
    companies::accounts_are_found_by_name_and_unique,
    companies::companies_are_created_renamed_and_unique_per_account,
    companies::company_lists_are_ordered_paginated_and_scoped,
    companies::deleting_a_company_removes_it_from_every_access_set,
    keys::deleting_a_company_deletes_its_alerts_notifications_and_attempts,
    keys::a_batch_being_stored_and_a_company_deletion_wait_for_each_other,
    contacts::contacts_keep_their_fields_exactly,
    contacts::unknown_companies_are_a_field_error_and_write_nothing,
    contacts::contacts_are_updated_and_deleted_with_their_methods,
    contact_lists::lists_are_ordered_and_paginated_by_cursor,
    contact_lists::lists_search_names_and_addresses_case_insensitively,
    search::searches_follow_renames_new_addresses_and_deletions,
    contact_lists::lists_filter_by_company_kind_and_scope,
    methods::methods_of_every_type_are_stored_with_their_preferences,
    methods::methods_are_updated_and_deleted,
    methods::a_users_primary_email_is_protected,
    users::users_are_contacts_with_a_login_and_a_primary_email,
    users::emails_are_unique_in_the_deployment,
    users::the_last_enabled_admin_is_kept,
    users::a_profile_change_moves_the_login_and_primary_email,
    sessions::tokens_resolve_to_their_user_and_die_with_them,
    sessions::the_secret_key_is_generated_once,
    secrets::webhook_secrets_are_kept_sealed_and_shown_once,
    secrets::plain_webhook_secrets_are_sealed_once,
    sessions::sessions_expire_and_failed_sign_ins_lock,
    account::account_settings_are_updated,
    account::the_audit_log_is_newest_first_filtered_and_paginated,
    account::deleting_an_account_deletes_its_alerts_and_notifications,
    isolation::another_account_sees_and_changes_nothing,
    alerts::an_alert_and_its_notifications_are_stored_together,
    alerts::repeats_wait_for_the_repeat_interval_and_resolution_closes,
    alerts::maintenance_suppresses_and_foreign_companies_refuse_the_batch,
    batches::one_batch_repeats_resolves_and_reopens_a_key_in_order,
    outbox::claims_lease_retry_and_dead_letter,
    finish::a_group_of_outcomes_lands_in_one_statement,
    finish::a_stopping_node_gives_back_unfinished_claims,
    finish::counting_the_ends_tells_when_one_did_not_land,
    finish::flood_control_counts_what_was_marked_counted,
    outbox::two_workers_never_claim_the_same_notification,
    outbox::concurrent_ingests_and_claims_all_succeed,
    reports::reports_are_stored_with_their_next_run_and_checked_ids,
    reports::racing_schedulers_start_each_run_once,
    atomic::a_change_and_its_audit_entry_land_together,
    atomic::a_write_job_runs_to_its_end_when_its_caller_stops_waiting,
    purge::what_outlived_its_use_is_purged,
    statistics::statistics_are_refreshed_once_the_tables_grew,
    statistics::postgres_connections_take_random_reads_as_cheap_unless_tuned,
    statistics::sqlite_connections_keep_wal_and_temporary_storage_in_memory,
    statistics::sqlite_copies_the_wal_back_off_the_writer,
    statistics::sqlite_starts_the_wal_over_while_writes_keep_coming,
}
