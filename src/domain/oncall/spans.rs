//! The spans of a schedule: its rotation's shifts with the overrides applied (an override cuts
//! the shifts it covers into pieces), in time order, each with its full bounds.

use super::{MAX_SHIFT, Override, Rotation};
use crate::domain::ContactId;
use chrono::{DateTime, Utc};

/// Someone on call from `from` until `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub contact: ContactId,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// From an override, not the rotation.
    pub by_override: bool,
}

impl Span {
    fn overlaps(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        self.from < to && from < self.until
    }
}

/// The rotation's shifts that overlap `[from, to)`, the one under way at `from` included.
fn shifts(rotation: &Rotation, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Span> {
    let mut out = Vec::new();
    let Some(first) = rotation.handoff(0) else {
        return out;
    };
    let mut k = rotation.shift_at(from).unwrap_or(0);
    let Some(mut start) = (if from < first {
        Some(first)
    } else {
        rotation.handoff(k)
    }) else {
        return out;
    };
    while start < to && k < MAX_SHIFT {
        let Some(end) = rotation.handoff(k + 1) else {
            break;
        };
        if let Some(contact) = rotation.member(k) {
            out.push(Span {
                contact: contact.clone(),
                from: start,
                until: end,
                by_override: false,
            });
        }
        start = end;
        k += 1;
    }
    out
}

/// Every span overlapping `[from, to)` in time order: shifts cut by the overrides (a later
/// override wins over an earlier one), each with its full bounds, not clipped to the range.
pub fn spans(
    rotation: &Rotation,
    overrides: &[Override],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Span> {
    let relevant: Vec<&Override> = overrides
        .iter()
        .filter(|o| o.starts_at < o.ends_at)
        .collect();
    // The shifts an overlapping override touches are needed whole, to cut them.
    let lo = relevant
        .iter()
        .filter(|o| o.starts_at < to && from < o.ends_at)
        .map(|o| o.starts_at)
        .fold(from, DateTime::min);
    let hi = relevant
        .iter()
        .filter(|o| o.starts_at < to && from < o.ends_at)
        .map(|o| o.ends_at)
        .fold(to, DateTime::max);
    let mut out = shifts(rotation, lo, hi);
    for o in relevant {
        let mut cut = Vec::with_capacity(out.len() + 2);
        for span in out {
            if !span.overlaps(o.starts_at, o.ends_at) {
                cut.push(span);
                continue;
            }
            if span.from < o.starts_at {
                cut.push(Span {
                    until: o.starts_at,
                    ..span.clone()
                });
            }
            if o.ends_at < span.until {
                cut.push(Span {
                    from: o.ends_at,
                    ..span
                });
            }
        }
        cut.push(Span {
            contact: o.contact.clone(),
            from: o.starts_at,
            until: o.ends_at,
            by_override: true,
        });
        cut.sort_by_key(|s| s.from);
        out = cut;
    }
    out.retain(|s| s.overlaps(from, to));
    out
}

/// Who is on call at `at`, and for which span; `None` when nobody is.
pub fn oncall_at(rotation: &Rotation, overrides: &[Override], at: DateTime<Utc>) -> Option<Span> {
    spans(
        rotation,
        overrides,
        at,
        at + chrono::Duration::milliseconds(1),
    )
    .into_iter()
    .find(|s| s.from <= at && at < s.until)
}
