//! The JSON API, driven in-process through the router, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod app;
mod chat_methods;
mod contacts_io;
mod docs;
mod errors;
mod flows_access;
mod flows_alerts;
mod flows_directory;
mod flows_hooks;
mod flows_hooks_api;
mod flows_ingest;
mod flows_input;
mod flows_integrations;
mod flows_limits;
mod flows_me;
mod flows_methods;
mod flows_tokens;
mod hooks_support;
mod matrix;
mod policies;
mod schedules;
mod ssrf;

macro_rules! on_both_databases {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let app = crate::app::TestApp::new(crate::common::TestDb::sqlite().await).await;
                    crate::$module::$case(&app).await;
                    app.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let app = crate::app::TestApp::new(crate::common::TestDb::postgres().await).await;
                    crate::$module::$case(&app).await;
                    app.finish().await;
                }
            )*
        }
    };
}

on_both_databases! {
    flows_methods::add_a_contact_add_methods_of_each_type_edit_and_delete,
    flows_methods::send_test_verification_codes_and_flood_limits,
    flows_limits::one_message_per_method_per_minute,
    flows_limits::a_verification_code_counts_against_a_test_and_back,
    flows_limits::five_messages_per_address_per_hour_across_methods,
    flows_limits::flood_digests_count_towards_the_address_limit,
    flows_limits::ten_parallel_tests_queue_exactly_one_message,
    flows_limits::letter_case_makes_no_other_address,
    flows_directory::users_are_listed_beside_contacts,
    flows_directory::a_technician_renames_themself_and_nobody_renames_others,
    flows_me::a_new_password_or_email_needs_the_current_password,
    flows_me::current_password_guesses_are_limited_like_sign_ins,
    flows_directory::the_last_admin_cannot_be_removed,
    flows_directory::the_contacts_list_filters_searches_and_pages,
    flows_access::a_second_account_sees_nothing,
    flows_access::technicians_see_their_companies_and_manage_their_own_methods,
    flows_access::every_change_is_in_the_audit_log,
    flows_alerts::alerts_are_stored_with_their_notifications_before_the_answer,
    flows_alerts::metrics_are_prometheus_text_for_admins,
    flows_ingest::a_technician_cannot_post_alerts_for_companies_outside_their_access,
    flows_ingest::control_characters_in_alerts_are_field_errors,
    flows_ingest::batches_posted_at_once_are_each_stored_or_refused_alone,
    flows_tokens::a_token_is_shown_once_records_its_use_and_dies_when_revoked,
    flows_tokens::expiry_must_be_in_the_future_and_an_expired_token_is_refused,
    flows_tokens::nobody_reaches_another_users_tokens,
    flows_input::ids_with_control_characters_are_field_errors,
    flows_input::ids_with_nul_in_paths_are_not_found,
    flows_input::nul_in_bodies_and_queries_is_refused_not_a_server_error,
    errors::errors_are_problem_documents_with_the_right_status,
    errors::bad_values_name_their_field_and_store_nothing,
    errors::internal_errors_show_nothing_of_their_cause,
    ssrf::webhooks_to_addresses_that_are_not_global_are_refused,
    chat_methods::chat_methods_are_checked_and_default_to_warning,
    schedules::a_weekly_rotation_with_an_override_and_its_feed,
    policies::a_policy_of_three_steps_is_given_to_a_company,
    flows_integrations::integrations_of_each_kind_show_their_url_once,
    flows_integrations::bad_integrations_are_field_errors_and_store_nothing,
    flows_integrations::integrations_change_rotate_and_delete,
    flows_integrations::integrations_are_the_admins_of_their_own_account,
    matrix::every_route_answers_each_role_as_the_permission_table_says,
    docs::the_openapi_document_and_reference_page_cover_every_operation,
    flows_hooks::hooks_take_each_kinds_senders_payload,
    flows_hooks::hooks_pick_the_company_by_label_or_refuse_the_request,
    flows_hooks::hooks_refuse_bad_bodies_unknown_tokens_and_big_bodies,
    flows_hooks::hooks_record_pings_and_resolve_the_missed_heartbeat,
    flows_hooks_api::hooks_take_alerts_at_the_url_of_an_api_made_integration,
    flows_hooks_api::a_heartbeats_company_is_kept_until_the_heartbeat_moves,
    contacts_io::a_spreadsheet_file_imports_and_a_second_time_changes_nothing,
    contacts_io::bad_rows_are_named_by_line_and_column_and_nothing_is_written,
    contacts_io::only_admins_import_and_export,
    contacts_io::export_then_import_into_a_fresh_account_exports_the_same_file,
    contacts_io::vcards_parse_with_a_vcard_library,
}
