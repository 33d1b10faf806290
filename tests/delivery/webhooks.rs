//! Webhooks to a local receiver: Standard Webhooks signatures and the SSRF guard.

use crate::common::ingest;
use crate::fixtures::{account, company, contact, only};
use crate::harness::{Receiver, dispatcher, t0, verify_standard_webhook};
use crate::steps::{add, alert, clock, log};
use reach::domain::CompanyAccess;
use reach::store::SqlStore;

pub async fn webhooks_are_signed_per_standard_webhooks(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ops = contact(store, &acme, "Ops bot", only(&[&nw])).await;
    let receiver = Receiver::start().await;
    let hook = add(
        store,
        &acme,
        &ops,
        "webhook",
        &receiver.url("hook"),
        "info",
        0,
    )
    .await;
    let secret = hook.secret.clone().expect("a webhook has a secret");
    assert!(secret.expose().starts_with("whsec_"));
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher(store, clock(), None, dir.path(), true);
    let stored = ingest(
        store,
        &acme.id,
        &[alert(&nw, "srv-12", "warning", "firing")],
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let body = verify_standard_webhook(secret.expose(), &got[0]).unwrap();
    let notification = &log(store, &acme.id).await[0];
    assert_eq!(got[0].headers["webhook-id"], notification.id.as_str());
    assert_eq!(
        got[0].headers["webhook-timestamp"],
        t0().timestamp().to_string().as_str()
    );
    assert_eq!(got[0].headers["content-type"], "application/json");
    assert_eq!(body["type"], "alert.opened");
    assert_eq!(body["id"], stored[0].id.as_str());
    assert_eq!(body["company"]["name"], "Northwind");
    assert_eq!(body["company_id"], nw.id.as_str());
    assert_eq!(body["key"], "srv-12");
    assert_eq!(body["severity"], "warning");
    assert_eq!(body["status"], "firing");
    assert_eq!(body["labels"]["host"], "srv-12");
    assert!(
        body["links"]["acknowledge"]
            .as_str()
            .unwrap()
            .starts_with("http://reach.test/ack/")
    );
    // A wrong secret does not verify.
    let other = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert!(verify_standard_webhook(other, &got[0]).is_err());
    assert_eq!(notification.state.as_str(), "sent");
}

pub async fn the_ssrf_guard_refuses_at_connect_time_and_sends_nothing(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ops = contact(store, &acme, "Ops bot", CompanyAccess::All).await;
    let receiver = Receiver::start().await;
    // Saved while loopback was allowed; sent by a deployment that does not allow it.
    add(
        store,
        &acme,
        &ops,
        "webhook",
        &receiver.url("by-name"),
        "info",
        0,
    )
    .await;
    let literal = format!("http://127.0.0.1:{}/literal", receiver.addr.port());
    add(store, &acme, &ops, "webhook", &literal, "info", 0).await;
    // The IPv4-mapped form of a loopback address is loopback too.
    let mapped = format!("http://[::ffff:127.0.0.1]:{}/mapped", receiver.addr.port());
    add(store, &acme, &ops, "webhook", &mapped, "info", 0).await;
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher(store, clock(), None, dir.path(), false);
    ingest(store, &acme.id, &[alert(&nw, "k", "info", "firing")], t0())
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 3);
    assert!(receiver.received().is_empty(), "no request ever left");
    for n in log(store, &acme.id).await {
        assert_eq!(n.state.as_str(), "dead", "{n:?}");
        let reason = n.reason.unwrap();
        assert!(reason.contains("refused to connect"), "{reason}");
        assert!(
            reason.contains("loopback addresses are not allowed"),
            "{reason}"
        );
    }
}

/// A receiver that answers 200 with a body that never ends (until the client hangs up).
async fn endless_answer() -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                // The request: headers, then as many body bytes as they announce.
                let mut request = Vec::new();
                let mut buf = [0_u8; 4096];
                let body_start = loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        break at + 4;
                    }
                };
                let head = String::from_utf8_lossy(&request[..body_start]).to_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                let mut have = request.len() - body_start;
                while have < length {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => have += n,
                    }
                }
                let head =
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                while socket.write_all(&chunk).await.is_ok() {}
            });
        }
    });
    addr
}

/// SPEC §4: at most a few KiB of any answer are read. An answer that never ends is cut off:
/// the webhook counts as sent and its attempt keeps the start of the answer.
pub async fn an_endless_answer_is_read_only_in_part(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ops = contact(store, &acme, "Ops bot", CompanyAccess::All).await;
    let addr = endless_answer().await;
    let url = format!("http://localhost:{}/hook", addr.port());
    add(store, &acme, &ops, "webhook", &url, "info", 0).await;
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher(store, clock(), None, dir.path(), true);
    ingest(store, &acme.id, &[alert(&nw, "k", "info", "firing")], t0())
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let n = &log(store, &acme.id).await[0];
    assert_eq!(n.state.as_str(), "sent", "{n:?}");
    let attempts = crate::read!(store, reach::store::outbox::attempts, &acme.id, &n.id)
        .await
        .unwrap();
    let detail = attempts[0].detail.clone().unwrap_or_default();
    assert!(detail.starts_with("HTTP 200 OK: xxxx"), "{detail}");
    // The status and the first 300 characters: "a few hundred".
    assert!(detail.len() < 400, "{} bytes kept", detail.len());
}

/// A webhook secret kept plain by an earlier version still signs (until the step after the
/// migrations seals it), and once sealed it signs the same.
pub async fn a_secret_kept_before_sealing_still_signs(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ops = contact(store, &acme, "Ops bot", CompanyAccess::All).await;
    let receiver = Receiver::start().await;
    let hook = add(
        store,
        &acme,
        &ops,
        "webhook",
        &receiver.url("hook"),
        "info",
        0,
    )
    .await;
    let plain = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let mut tx = store.write().await.unwrap();
    sqlx::query("UPDATE contact_methods SET secret = $1 WHERE id = $2")
        .bind(plain)
        .bind(hook.id.as_str())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher(store, clock(), None, dir.path(), true);
    ingest(store, &acme.id, &[alert(&nw, "k1", "info", "firing")], t0())
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let sealed = crate::tx!(
        store,
        reach::store::methods::seal_plain_secrets,
        &crate::common::sealer()
    )
    .await
    .unwrap();
    assert_eq!(sealed, 1);
    ingest(store, &acme.id, &[alert(&nw, "k2", "info", "firing")], t0())
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    for request in &got {
        verify_standard_webhook(plain, request).unwrap();
    }
}
