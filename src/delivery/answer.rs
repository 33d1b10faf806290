//! An HTTP service's answer as an [`Outcome`], the same for webhooks and chat services: 2xx
//! sent; 429 again after its `Retry-After` (else with the usual backoff); 408 and 5xx again
//! with backoff; any other answer permanent. The detail kept is the status and the start of
//! the answer.

use super::Outcome;
use super::webhook::ANSWER_LIMIT;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// How long the service asked to wait: the `Retry-After` header (seconds or an HTTP date),
/// else a JSON answer's `retry_after` (Discord, in seconds), `parameters.retry_after`
/// (Telegram) or `retry_after_ms` (Matrix).
fn retry_after(headers: &HeaderMap, body: &[u8]) -> Option<Duration> {
    let header = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if let Some(value) = header {
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        if let Ok(at) = httpdate::parse_http_date(value) {
            return Some(
                at.duration_since(std::time::SystemTime::now())
                    .unwrap_or_default(),
            );
        }
    }
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let seconds = json["retry_after"]
        .as_f64()
        .or_else(|| json["parameters"]["retry_after"].as_f64())
        .or_else(|| json["retry_after_ms"].as_f64().map(|ms| ms / 1000.0))?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(86_400.0)))
}

/// A service's answer as an outcome: 2xx sent; 429 again after its `Retry-After` (else with
/// the usual backoff); 408 and 5xx again with backoff; anything else permanent. The detail is
/// the status and the start of the answer.
pub fn outcome(status: u16, headers: &HeaderMap, body: &[u8]) -> Outcome {
    let answer: String = String::from_utf8_lossy(&body[..body.len().min(ANSWER_LIMIT)])
        .chars()
        .take(300)
        .collect();
    let answer = answer.trim();
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let head = format!("HTTP {status} {reason}");
    let head = head.trim_end();
    let detail = if answer.is_empty() {
        head.to_owned()
    } else {
        format!("{head}: {answer}")
    };
    match status {
        200..=299 => Outcome::Sent(detail),
        429 => match retry_after(headers, body) {
            Some(wait) => Outcome::RetryAfter(detail, wait),
            None => Outcome::Retry(detail),
        },
        408 | 500..=599 => Outcome::Retry(detail),
        _ => Outcome::Failed(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, RETRY_AFTER};

    fn headers(retry: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = retry {
            h.insert(
                RETRY_AFTER,
                HeaderValue::from_str(v).unwrap_or_else(|e| panic!("{e}")),
            );
        }
        h
    }

    #[test]
    fn answers_become_outcomes() {
        let none = headers(None);
        assert!(matches!(outcome(200, &none, b"ok"), Outcome::Sent(d) if d == "HTTP 200 OK: ok"));
        assert!(matches!(outcome(202, &none, b""), Outcome::Sent(d) if d == "HTTP 202 Accepted"));
        assert_eq!(
            outcome(429, &headers(Some("7")), b"rate_limited"),
            Outcome::RetryAfter(
                "HTTP 429 Too Many Requests: rate_limited".into(),
                Duration::from_secs(7)
            )
        );
        let discord =
            br#"{"message": "You are being rate limited.", "retry_after": 1.5, "global": false}"#;
        assert!(matches!(
            outcome(429, &none, discord),
            Outcome::RetryAfter(_, wait) if wait == Duration::from_millis(1500)
        ));
        let telegram = br#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 12","parameters":{"retry_after":12}}"#;
        assert!(matches!(
            outcome(429, &none, telegram),
            Outcome::RetryAfter(_, wait) if wait == Duration::from_secs(12)
        ));
        assert!(matches!(
            outcome(429, &none, b"slow down"),
            Outcome::Retry(_)
        ));
        assert!(matches!(outcome(503, &none, b""), Outcome::Retry(_)));
        assert!(matches!(outcome(408, &none, b""), Outcome::Retry(_)));
        assert!(matches!(
            outcome(404, &none, b"no_service"),
            Outcome::Failed(d) if d == "HTTP 404 Not Found: no_service"
        ));
        let long = "x".repeat(5000);
        let Outcome::Failed(d) = outcome(400, &none, long.as_bytes()) else {
            panic!("a 400 is permanent")
        };
        assert_eq!(
            d.len(),
            "HTTP 400 Bad Request: ".len() + 300,
            "the start of the answer"
        );
    }

    #[test]
    fn a_retry_after_date_is_a_wait() {
        let later = std::time::SystemTime::now() + Duration::from_secs(120);
        let h = headers(Some(&httpdate::fmt_http_date(later)));
        let wait = retry_after(&h, b"").unwrap_or_default();
        assert!((100..=120).contains(&wait.as_secs()), "{wait:?}");
    }
}
