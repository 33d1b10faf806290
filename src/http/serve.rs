//! Serving the router over HTTP/1.1 with time-outs against slow clients: hyper's header-read
//! time-out (a client sending its headers byte by byte is cut off, and so is a keep-alive
//! connection that stays idle), and for each request a time-out between two pieces of its body
//! and one for the whole request (both answer 408). Every request carries the client's address
//! as `ConnectInfo<SocketAddr>`. Ctrl-C or SIGTERM stops accepting and lets the requests in
//! progress finish.

use super::AppState;
use crate::error::problem;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt as _;
use tower_http::timeout::TimeoutBody;

/// How long the server waits for a slow client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From the start of a request (or of a keep-alive connection's wait for the next one) to
    /// the end of its headers; then the connection is closed.
    pub headers: Duration,
    /// Between two pieces of a request's body.
    pub body: Duration,
    /// For a whole request: its body read and its answer made.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            headers: Duration::from_secs(10),
            body: Duration::from_secs(30),
            request: Duration::from_secs(60),
        }
    }
}

/// Serves until Ctrl-C or SIGTERM, with the default [`Timeouts`].
pub async fn serve(listener: TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    serve_with(listener, state, Timeouts::default(), shutdown_signal()).await
}

/// Serves until `shutdown` completes, then waits for the connections still open to finish
/// their request (an idle one closes at once).
pub async fn serve_with(
    listener: TcpListener,
    state: Arc<AppState>,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = super::router_with(state, timeouts);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(timeouts.headers);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: Request<_>| {
            request.extensions_mut().insert(ConnectInfo(remote));
            app.clone().oneshot(request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "a connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// A failed accept: a client that gave up is nothing; anything else (out of file descriptors)
/// is logged and waited out for a moment rather than retried in a busy loop.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// The body and whole-request time-outs: a body that stalls longer than `body` between two
/// pieces, or a request not answered within `request`, is answered 408 (problem+json).
pub(super) async fn time_limits(
    State(timeouts): State<Timeouts>,
    request: Request,
    next: Next,
) -> Response {
    let stalled = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stalled);
    let request = request.map(|body| {
        Body::new(TimeoutBody::new(timeouts.body, body).map_err(move |e| {
            flag.store(true, Ordering::Relaxed);
            e
        }))
    });
    match tokio::time::timeout(timeouts.request, next.run(request)).await {
        Ok(response) if !stalled.load(Ordering::Relaxed) => response,
        _ => problem(
            StatusCode::REQUEST_TIMEOUT,
            "The request took too long to arrive or to be answered.".to_owned(),
            None,
            false,
        ),
    }
}

/// Ends at Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
