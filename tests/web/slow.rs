//! Slow clients against a real listener: a client that never finishes its headers is cut off,
//! one whose body stalls is answered 408. Time-outs of a second; the only deadline asserted is
//! a generous one.

use crate::app::TestApp;
use reach::config::Secret;
use reach::http::{AppState, Timeouts};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Far more than the time-outs below; reached only if the server never acts.
const DEADLINE: Duration = Duration::from_secs(30);

/// Everything the server sends until it closes the connection; `None` if it is still open at
/// the deadline.
async fn read_until_closed(stream: &mut TcpStream) -> Option<String> {
    let mut all = Vec::new();
    let read = async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => all.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(DEADLINE, read).await.ok()?;
    Some(String::from_utf8_lossy(&all).into_owned())
}

pub async fn slow_clients_are_cut_off(app: &TestApp) {
    let state = Arc::new(AppState::new(
        app.db.store.clone(),
        Secret::from("test-secret-key-test-secret-key-00".to_owned()),
        false,
        "http://reach.test",
        reach::runtime::Wakeup::default(),
    ));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let timeouts = Timeouts {
        headers: Duration::from_secs(1),
        body: Duration::from_secs(1),
        request: Duration::from_secs(20),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(reach::http::serve_with(
        listener,
        state,
        timeouts,
        async move {
            let _ = stopped.await;
        },
    ));

    // A whole request is answered.
    let mut quick = TcpStream::connect(address).await.expect("connect");
    quick
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: reach.test\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let answer = read_until_closed(&mut quick).await.expect("answered");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // Half a request line, then nothing: the server closes the connection.
    let mut slowloris = TcpStream::connect(address).await.expect("connect");
    slowloris
        .write_all(b"GET /healthz HT")
        .await
        .expect("write");
    let cut = read_until_closed(&mut slowloris).await;
    assert!(cut.is_some(), "the server closed the connection");

    // Headers in full, then a body that stops half-way: 408.
    let mut stalled = TcpStream::connect(address).await.expect("connect");
    stalled
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: reach.test\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\
              Connection: close\r\n\r\n\
              email=a",
        )
        .await
        .expect("write");
    let answer = read_until_closed(&mut stalled).await.expect("answered");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");

    drop((quick, slowloris, stalled));
    let _ = stop.send(());
    tokio::time::timeout(DEADLINE, server)
        .await
        .expect("the server stops")
        .expect("the server task")
        .expect("the server");
}
