use crate::fixtures::{account, company, contact, only};
use crate::{read, tx};
use chrono::{Duration, Utc};
use reach::domain::report::{ReportInput, ScheduleInput};
use reach::domain::{CompaniesInput, CompanyAccess};
use reach::store::{SqlStore, StoreError};

fn input(companies: CompaniesInput, recipients: Vec<String>) -> ReportInput {
    ReportInput {
        name: Some("Weekly alerts".into()),
        kind: Some("alert_summary".into()),
        companies: Some(companies),
        schedule: Some(ScheduleInput {
            every: Some("week".into()),
            weekday: Some("mon".into()),
            at: Some("08:00".into()),
            timezone: Some("Europe/Madrid".into()),
            ..ScheduleInput::default()
        }),
        recipients: Some(recipients),
        enabled: Some(true),
    }
}

pub async fn reports_are_stored_with_their_next_run_and_checked_ids(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let other = account(store, "Other").await;
    let nw = company(store, &acme, "Northwind").await;
    let foreign = company(store, &other, "Foreign").await;
    let marta = contact(store, &acme, "Marta", only(&[&nw])).await;
    let now = Utc::now();
    let new = input(
        CompaniesInput::Chosen(vec![nw.id.to_string()]),
        vec![marta.id.to_string()],
    )
    .parse()
    .unwrap();
    let report = tx!(store, reach::store::reports::create, &acme.id, &new, now)
        .await
        .unwrap();
    assert_eq!(report.name, "Weekly alerts");
    assert_eq!(report.companies, only(&[&nw]));
    assert_eq!(report.recipients, vec![marta.id.clone()]);
    assert_eq!(report.schedule, new.schedule);
    let next = report.next_run_at.expect("enabled reports have a next run");
    assert!(next > now && next <= now + Duration::days(7));
    assert_eq!(
        read!(store, reach::store::reports::list, &acme.id)
            .await
            .unwrap(),
        vec![report.clone()]
    );
    assert!(
        read!(store, reach::store::reports::list, &other.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        read!(store, reach::store::reports::get, &other.id, &report.id).await,
        Err(StoreError::NotFound)
    ));

    // Another account's company or contact is a field error; nothing is written.
    let bad = input(
        CompaniesInput::Chosen(vec![foreign.id.to_string()]),
        vec!["nobody".into()],
    )
    .parse()
    .unwrap();
    match tx!(store, reach::store::reports::create, &acme.id, &bad, now).await {
        Err(StoreError::Invalid(fields)) => {
            let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(names, ["companies", "recipients"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        read!(store, reach::store::reports::list, &acme.id)
            .await
            .unwrap()
            .len(),
        1
    );

    // Disabled: no next run. Deleted: gone.
    let mut off = input(CompaniesInput::All, vec![marta.id.to_string()]);
    off.enabled = Some(false);
    let updated = tx!(
        store,
        reach::store::reports::update,
        &acme.id,
        &report.id,
        &off.parse().unwrap(),
        now
    )
    .await
    .unwrap();
    assert_eq!(
        (updated.next_run_at, updated.companies),
        (None, CompanyAccess::All)
    );
    tx!(store, reach::store::reports::delete, &acme.id, &report.id)
        .await
        .unwrap();
    assert!(matches!(
        read!(store, reach::store::reports::get, &acme.id, &report.id).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn racing_schedulers_start_each_run_once(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let marta = contact(store, &acme, "Marta", CompanyAccess::All).await;
    let now = Utc::now();
    let report = tx!(
        store,
        reach::store::reports::create,
        &acme.id,
        &input(CompaniesInput::All, vec![marta.id.to_string()])
            .parse()
            .unwrap(),
        now
    )
    .await
    .unwrap();
    let due_at = report.next_run_at.unwrap();
    assert!(
        read!(
            store,
            reach::store::reports::due,
            due_at - Duration::seconds(1),
            10
        )
        .await
        .unwrap()
        .is_empty()
    );
    let due = read!(store, reach::store::reports::due, due_at, 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    let next = report.schedule.next_after(due_at);
    // Eight schedulers race for the same due run.
    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (store, account, id) = (store.clone(), acme.id.clone(), report.id.clone());
        racers.spawn(async move {
            tx!(
                store,
                reach::store::reports::start_run,
                &account,
                &id,
                due_at,
                due_at - Duration::days(7),
                next,
                due_at
            )
            .await
            .expect("start")
        });
    }
    let mut started = 0;
    while let Some(run) = racers.join_next().await {
        started += usize::from(run.expect("racer").is_some());
    }
    assert_eq!(started, 1, "one run");
    let runs = read!(store, reach::store::reports::runs, &acme.id, &report.id)
        .await
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].state.as_str(), runs[0].scheduled_for),
        ("running", due_at)
    );
    assert_eq!(
        read!(store, reach::store::reports::get, &acme.id, &report.id)
            .await
            .unwrap()
            .next_run_at,
        next
    );
    assert!(
        read!(store, reach::store::reports::due, due_at, 10)
            .await
            .unwrap()
            .is_empty(),
        "moved to the next run"
    );
    tx!(
        store,
        reach::store::reports::finish_run,
        &runs[0].id,
        None,
        due_at
    )
    .await
    .unwrap();
    assert_eq!(
        read!(store, reach::store::reports::runs, &acme.id, &report.id)
            .await
            .unwrap()[0]
            .state,
        "done"
    );
}
