//! One batch may hold a key's whole story: what it does is decided alert by alert, in order,
//! and written set-based at the end.

use crate::common::{add_method, ingest};
use crate::fixtures::{account, company, contact, method};
use crate::{read, tx};
use chrono::{Duration, Utc};
use reach::domain::{AlertStatus, CompanyAccess, NewAlert};
use reach::store::SqlStore;

/// The batch's one key, `status`.
fn alert(company: &str, status: &str) -> NewAlert {
    crate::alerts::alert(company, "disk-full:srv-1", "critical", status)
}

pub async fn one_batch_repeats_resolves_and_reopens_a_key_in_order(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let northwind = company(store, &acme, "Northwind").await;
    let ana = contact(store, &acme, "Ana", CompanyAccess::All).await;
    add_method(
        store,
        &acme.id,
        &ana.id,
        &method("email", "ana@example.com"),
    )
    .await
    .expect("email");
    let nw = northwind.id.as_str();
    let now = Utc::now();
    let first = ingest(store, &acme.id, &[alert(nw, "firing")], now)
        .await
        .expect("opened");
    let a = first[0].id.clone();
    // Its notice went out, so its resolution tells Ana.
    let claimed = tx!(
        store,
        reach::store::outbox::claim,
        now,
        Duration::seconds(60),
        100
    )
    .await
    .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert!(
        tx!(store, reach::store::outbox::complete, &claimed[0].id, now)
            .await
            .expect("sent")
    );

    let later = now + Duration::hours(4);
    let batch = [
        alert(nw, "firing"),   // a repeat after the interval: re-notifies
        alert(nw, "resolved"), // closes it, tells Ana
        alert(nw, "firing"),   // opens a new alert under the same key
        alert(nw, "resolved"), // closes that one before anything of it went out
        alert(nw, "resolved"), // nothing firing: kept for the record
    ];
    let stored = ingest(store, &acme.id, &batch, later)
        .await
        .expect("the batch");
    let ids: Vec<_> = stored.iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids[0], a);
    assert_eq!(ids[1], a);
    assert_ne!(ids[2], a);
    assert_eq!(ids[3], ids[2]);
    assert!(ids[4] != a && ids[4] != ids[2]);
    for shown in &stored {
        assert_eq!(
            shown.status,
            AlertStatus::Resolved,
            "each ends the batch resolved"
        );
        // The answer is what was stored.
        let read = read!(
            store,
            reach::store::alerts::get_alert,
            &acme.id,
            &CompanyAccess::All,
            &shown.id
        )
        .await
        .expect("stored");
        assert_eq!(&read, shown);
    }
    let events = async |id| {
        let mut rows = read!(
            store,
            reach::store::alerts::notifications_of_alert,
            &acme.id,
            id
        )
        .await
        .expect("notifications");
        rows.sort_by(|x, y| x.id.cmp(&y.id));
        rows.iter()
            .map(|n| format!("{}:{}", n.event.as_str(), n.state.as_str()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        events(&a).await,
        ["opened:sent", "renotified:queued", "resolved:queued"]
    );
    assert!(
        events(&ids[2]).await == ["opened:queued"],
        "resolved before its notice went out: nobody is told of the resolution"
    );
    assert!(events(&ids[4]).await.is_empty(), "a record tells nobody");
}
