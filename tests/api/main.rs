//! The JSON API, driven in-process through the router, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod app;
mod docs;
mod errors;
mod flows_access;
mod flows_alerts;
mod flows_directory;
mod flows_input;
mod flows_methods;
mod matrix;

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
    flows_directory::users_are_listed_beside_contacts,
    flows_directory::a_technician_renames_themself_and_nobody_renames_others,
    flows_directory::the_last_admin_cannot_be_removed,
    flows_directory::the_contacts_list_filters_searches_and_pages,
    flows_access::a_second_account_sees_nothing,
    flows_access::technicians_see_their_companies_and_manage_their_own_methods,
    flows_access::every_change_is_in_the_audit_log,
    flows_alerts::alerts_are_stored_with_their_notifications_before_the_answer,
    flows_alerts::metrics_are_prometheus_text_for_admins,
    flows_input::ids_with_control_characters_are_field_errors,
    flows_input::ids_with_nul_in_paths_are_not_found,
    flows_input::nul_in_bodies_and_queries_is_refused_not_a_server_error,
    errors::errors_are_problem_documents_with_the_right_status,
    errors::bad_values_name_their_field_and_store_nothing,
    errors::internal_errors_show_nothing_of_their_cause,
    matrix::every_route_answers_each_role_as_the_permission_table_says,
    docs::the_openapi_document_and_reference_page_cover_every_operation,
}
