//! Security headers on every answer: a Content-Security-Policy that allows no inline script or
//! style and no framing, `nosniff`, `Referrer-Policy: same-origin` (`no-referrer` on the pages
//! signed links open, whose paths carry the token) and, behind https, HSTS. Each is set only
//! when the route has not set it already.

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
};
use tower_http::set_header::SetResponseHeaderLayer;

/// Pages load their styles and images from this server only; no script runs, none may be
/// injected, and no other site may frame them.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// One year; browsers remember to use https only.
const HSTS: &str = "max-age=31536000";

/// Adds the headers to every answer of `router`; HSTS only when `https` (the public URL is).
pub fn secure<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let router = router
        .layer(SetResponseHeaderLayer::if_not_present(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ));
    if https {
        router.layer(SetResponseHeaderLayer::if_not_present(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        ))
    } else {
        router
    }
}

/// For the pages signed links open: their path holds the token, so no link on them may tell
/// another site (or this one's logs) where the visitor came from.
pub fn no_referrer() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(REFERRER_POLICY, HeaderValue::from_static("no-referrer"))
}
