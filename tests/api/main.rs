//! The JSON API, driven in-process through the router, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod app;
mod docs;
mod errors;
mod flows;
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
    flows::add_a_contact_add_methods_of_each_type_edit_and_delete,
    flows::users_are_listed_beside_contacts,
    flows::a_technician_renames_themself_and_nobody_renames_others,
    flows::a_second_account_sees_nothing,
    flows::technicians_see_their_companies_and_manage_their_own_methods,
    flows::the_last_admin_cannot_be_removed,
    flows::the_contacts_list_filters_searches_and_pages,
    flows::every_change_is_in_the_audit_log,
    flows::alerts_are_stored_with_their_notifications_before_the_answer,
    flows::send_test_verification_codes_and_flood_limits,
    flows::ids_with_control_characters_are_field_errors,
    flows::ids_with_nul_in_paths_are_not_found,
    flows::nul_in_bodies_and_queries_is_refused_not_a_server_error,
    flows::metrics_are_prometheus_text_for_admins,
    errors::errors_are_problem_documents_with_the_right_status,
    errors::bad_values_name_their_field_and_store_nothing,
    errors::internal_errors_show_nothing_of_their_cause,
    matrix::every_route_answers_each_role_as_the_permission_table_says,
    docs::the_openapi_document_and_reference_page_cover_every_operation,
}
