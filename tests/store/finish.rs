//! One statement ends a whole group of claimed notifications, each its own way, and only
//! those still `sending` (a late worker changes nothing).

use crate::common::{add_method, ingest};
use crate::fixtures::{account, company, contact, method};
use crate::{read, tx};
use chrono::{Duration, Utc};
use reach::domain::{AlertInput, CompanyAccess, Severity};
use reach::store::outbox::{End, Finished};
use reach::store::{AttemptOutcome, NewAttempt, SqlStore};

/// One warning alert for a contact with `hooks` webhooks, its notifications claimed at `now`.
async fn claimed_webhooks(
    store: &SqlStore,
    hooks: usize,
    now: chrono::DateTime<Utc>,
) -> (reach::store::Account, Vec<reach::store::Notification>) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let bots = contact(store, &acme, "Bots", CompanyAccess::All).await;
    for i in 0..hooks {
        let mut hook = method("webhook", &format!("https://hooks.example.com/{i}"));
        hook.prefs.min_severity = Some(Severity::Info);
        add_method(store, &acme.id, &bots.id, &hook)
            .await
            .expect("webhook");
    }
    let alert = AlertInput {
        company_id: Some(nw.id.to_string()),
        key: Some("k".into()),
        severity: Some("warning".into()),
        title: Some("k".into()),
        ..AlertInput::default()
    }
    .parse("")
    .expect("valid");
    ingest(store, &acme.id, &[alert], now).await.expect("alert");
    let claimed = tx!(
        store,
        reach::store::outbox::claim,
        now,
        Duration::seconds(60),
        100
    )
    .await
    .expect("claim");
    (acme, claimed)
}

pub async fn a_group_of_outcomes_lands_in_one_statement(store: &SqlStore) {
    let now = Utc::now();
    let (acme, claimed) = claimed_webhooks(store, 5, now).await;
    assert_eq!(claimed.len(), 5);
    let ids: Vec<_> = claimed.iter().map(|n| n.id.clone()).collect();
    // The last one was finished by another worker first.
    assert!(
        tx!(store, reach::store::outbox::complete, &ids[4], now)
            .await
            .expect("taken over")
    );

    let sent_at = now + Duration::seconds(1);
    let retry_at = now + Duration::minutes(1);
    let ends = [
        End::Sent {
            at: sent_at,
            counted: false,
        },
        End::Failed {
            // PostgreSQL refuses NUL in text: it is dropped, not the whole group.
            error: "HTTP 503\0".into(),
            retry_at: Some(retry_at),
        },
        End::Failed {
            error: "HTTP 404".into(),
            retry_at: None,
        },
        End::Suppressed {
            reason: "acknowledged".into(),
        },
        End::Sent {
            at: sent_at,
            counted: false,
        },
    ];
    let rows: Vec<Finished> = ids
        .iter()
        .zip(ends)
        .map(|(id, end)| Finished {
            id: id.clone(),
            end,
            forget_payload: true,
        })
        .collect();
    // Each with its attempt; the late one's is not written.
    let tried = |id: &reach::domain::NotificationId, attempt, outcome, detail: &str| NewAttempt {
        notification_id: id.clone(),
        attempt,
        started_at: now,
        finished_at: sent_at,
        outcome,
        detail: Some(detail.into()),
    };
    let attempts = [
        tried(&ids[0], 1, AttemptOutcome::Sent, "HTTP 200"),
        tried(&ids[1], 1, AttemptOutcome::Retry, "HTTP 503"),
        tried(&ids[2], 1, AttemptOutcome::Failed, "HTTP 404"),
        tried(&ids[3], 1, AttemptOutcome::Suppressed, "acknowledged"),
        tried(&ids[4], 1, AttemptOutcome::Sent, "HTTP 200"),
    ];
    let refs: Vec<&NewAttempt> = attempts.iter().collect();
    let landed = tx!(store, reach::store::outbox::finish, &rows, &refs)
        .await
        .expect("finish");
    assert_eq!(landed.len(), 4);
    assert!(
        !landed.contains(&ids[4]),
        "the other worker's outcome stands"
    );

    let get = async |i: usize| {
        read!(store, reach::store::outbox::notification, &acme.id, &ids[i])
            .await
            .expect("notification")
    };
    let ms = |t: chrono::DateTime<Utc>| t.timestamp_millis();
    let sent = get(0).await;
    assert_eq!(sent.state.as_str(), "sent");
    assert_eq!(sent.sent_at.map(ms), Some(ms(sent_at)));
    assert_eq!(sent.reason, None);
    let retried = get(1).await;
    assert_eq!(retried.state.as_str(), "failed");
    assert_eq!(retried.reason.as_deref(), Some("HTTP 503"));
    assert_eq!(ms(retried.next_attempt_at), ms(retry_at));
    assert_eq!(retried.sent_at, None);
    let dead = get(2).await;
    assert_eq!(dead.state.as_str(), "dead");
    assert_eq!(dead.reason.as_deref(), Some("HTTP 404"));
    assert_eq!(
        ms(dead.next_attempt_at),
        ms(now),
        "a dead one keeps its last due time"
    );
    let suppressed = get(3).await;
    assert_eq!(suppressed.state.as_str(), "suppressed");
    assert_eq!(suppressed.reason.as_deref(), Some("acknowledged"));
    let other = get(4).await;
    assert_eq!(other.state.as_str(), "sent");
    assert_eq!(other.sent_at.map(ms), Some(ms(now)), "not overwritten");
    let log = async |i: usize| {
        read!(store, reach::store::outbox::attempts, &acme.id, &ids[i])
            .await
            .expect("attempts")
            .into_iter()
            .map(|a| {
                let times = (ms(a.started_at), ms(a.finished_at));
                (a.attempt, a.outcome, a.detail.unwrap_or_default(), times)
            })
            .collect::<Vec<_>>()
    };
    // The attempt that sent one (kept on its row) reads as the others (in the log).
    let times = (ms(now), ms(sent_at));
    let one = |outcome, detail: &str| vec![(1, outcome, detail.to_owned(), times)];
    assert_eq!(log(0).await, one(AttemptOutcome::Sent, "HTTP 200"));
    assert_eq!(log(1).await, one(AttemptOutcome::Retry, "HTTP 503"));
    assert_eq!(log(2).await, one(AttemptOutcome::Failed, "HTTP 404"));
    assert_eq!(
        log(3).await,
        one(AttemptOutcome::Suppressed, "acknowledged")
    );
    assert_eq!(log(4).await, vec![], "the late attempt is not written");
    // Nothing is claimable any more but the retry, when it comes due.
    let again = tx!(
        store,
        reach::store::outbox::claim,
        retry_at,
        Duration::seconds(60),
        100
    )
    .await
    .expect("claim");
    assert_eq!(
        again.iter().map(|n| n.id.clone()).collect::<Vec<_>>(),
        [ids[1].clone()]
    );
    // Sent at its second attempt: the log has both, in order.
    let second = NewAttempt {
        started_at: retry_at,
        finished_at: retry_at + Duration::seconds(1),
        ..tried(&ids[1], 2, AttemptOutcome::Sent, "HTTP 204")
    };
    let end = Finished {
        id: ids[1].clone(),
        end: End::Sent {
            at: second.finished_at,
            counted: false,
        },
        forget_payload: false,
    };
    tx!(store, reach::store::outbox::finish, &[end], &[&second])
        .await
        .expect("finish");
    let retried_then_sent = log(1).await;
    assert_eq!(retried_then_sent.len(), 2);
    assert_eq!(retried_then_sent[0].1, AttemptOutcome::Retry);
    assert_eq!(
        retried_then_sent[1],
        (
            2,
            AttemptOutcome::Sent,
            "HTTP 204".to_owned(),
            (ms(retry_at), ms(retry_at + Duration::seconds(1)))
        )
    );
}

/// A stopping node gives back the claims it could not finish: `queued` again, due as before,
/// the claim's attempt not counted; one another worker already finished stays as it is.
pub async fn a_stopping_node_gives_back_unfinished_claims(store: &SqlStore) {
    let now = Utc::now();
    let (_, claimed) = claimed_webhooks(store, 3, now).await;
    let ids: Vec<_> = claimed.iter().map(|n| n.id.clone()).collect();
    assert_eq!(ids.len(), 3);
    assert!(claimed.iter().all(|n| n.attempts == 1));
    assert!(
        tx!(store, reach::store::outbox::complete, &ids[2], now)
            .await
            .expect("sent")
    );
    let released = tx!(store, reach::store::outbox::release, &ids)
        .await
        .expect("release");
    assert_eq!(released, 2, "the finished one is not given back");
    let again = tx!(
        store,
        reach::store::outbox::claim,
        now,
        Duration::seconds(60),
        100
    )
    .await
    .expect("claim again");
    let mut taken: Vec<_> = again.iter().map(|n| (n.id.clone(), n.attempts)).collect();
    taken.sort();
    let mut expected = vec![(ids[0].clone(), 1), (ids[1].clone(), 1)];
    expected.sort();
    assert_eq!(taken, expected, "claimable at once, one attempt each");
    let none = tx!(store, reach::store::outbox::release, &[])
        .await
        .expect("nothing");
    assert_eq!(none, 0);
}

/// Ending a group without reading back which ends landed, with its attempts: the count of
/// changed rows says whether all did; one that was no longer `sending` makes it fall short,
/// and the transaction rolled back leaves nothing of it.
pub async fn counting_the_ends_tells_when_one_did_not_land(store: &SqlStore) {
    let now = Utc::now();
    let (acme, claimed) = claimed_webhooks(store, 3, now).await;
    let ids: Vec<_> = claimed.iter().map(|n| n.id.clone()).collect();
    assert!(
        tx!(store, reach::store::outbox::complete, &ids[2], now)
            .await
            .expect("taken over")
    );
    let sent = |id: &reach::domain::NotificationId| Finished {
        id: id.clone(),
        end: End::Sent {
            at: now + Duration::seconds(1),
            counted: false,
        },
        forget_payload: false,
    };
    let attempt = |id: &reach::domain::NotificationId| NewAttempt {
        notification_id: id.clone(),
        attempt: 1,
        started_at: now,
        finished_at: now + Duration::seconds(1),
        outcome: AttemptOutcome::Sent,
        detail: Some("HTTP 200".into()),
    };
    let attempts = [attempt(&ids[0]), attempt(&ids[1]), attempt(&ids[2])];
    let all = [sent(&ids[0]), sent(&ids[1])];
    let mut tx = store.write().await.expect("tx");
    let refs: Vec<&NewAttempt> = attempts[..2].iter().collect();
    assert!(
        reach::store::outbox::finish_recorded(&mut tx, &all, &refs)
            .await
            .expect("finish")
    );
    tx.commit().await.expect("commit");
    let mut tx = store.write().await.expect("tx");
    assert!(
        !reach::store::outbox::finish_recorded(&mut tx, &all, &[])
            .await
            .expect("finish"),
        "already ended"
    );
    drop(tx);
    let late = [sent(&ids[2])];
    let mut tx = store.write().await.expect("tx");
    assert!(
        !reach::store::outbox::finish_recorded(&mut tx, &late, &[&attempts[2]])
            .await
            .expect("finish"),
        "the other worker's outcome stands"
    );
    drop(tx);
    for (i, id) in ids.iter().enumerate() {
        let n = read!(store, reach::store::outbox::notification, &acme.id, id)
            .await
            .expect("notification");
        assert_eq!(n.state.as_str(), "sent");
        let logged = read!(store, reach::store::outbox::attempts, &acme.id, id)
            .await
            .expect("attempts");
        assert_eq!(logged.len(), usize::from(i < 2), "notification {i}");
    }
}

/// Flood control counts the messages the recorder marked counted (their kind had a limit when
/// they went), not the others: webhooks without a limit do not pay for the count's index.
pub async fn flood_control_counts_what_was_marked_counted(store: &SqlStore) {
    let now = Utc::now();
    let (acme, claimed) = claimed_webhooks(store, 2, now).await;
    let at = now + Duration::seconds(1);
    let rows: Vec<Finished> = claimed
        .iter()
        .enumerate()
        .map(|(i, n)| Finished {
            id: n.id.clone(),
            end: End::Sent {
                at,
                counted: i == 0,
            },
            forget_payload: false,
        })
        .collect();
    assert!(
        tx!(store, reach::store::outbox::finish_recorded, &rows, &[])
            .await
            .expect("finish")
    );
    for (i, n) in claimed.iter().enumerate() {
        let (count, oldest) = read!(
            store,
            reach::store::outbox::sent_to,
            &acme.id,
            "webhook",
            &n.address,
            now - Duration::minutes(10)
        )
        .await
        .expect("count");
        let ms = |t: chrono::DateTime<Utc>| t.timestamp_millis();
        if i == 0 {
            assert_eq!((count, oldest.map(ms)), (1, Some(ms(at))), "{}", n.address);
        } else {
            assert_eq!((count, oldest), (0, None), "{}", n.address);
        }
    }
}
