//! What the webhook channel works out once per method or address and keeps: a map that
//! forgets everything once it holds [`KEPT`] entries, so it stays small whatever comes.

use foldhash::{HashMap, HashMapExt as _};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Entries kept at most; past it the map starts over.
const KEPT: usize = 10_000;

pub(super) struct Memo<V> {
    map: Mutex<HashMap<String, V>>,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<V> std::fmt::Debug for Memo<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Entries may be secret (signing keys): never shown.
        f.write_str("Memo([redacted])")
    }
}

impl<V: Clone> Memo<V> {
    /// The value kept for `key`, if any.
    pub(super) fn get(&self, key: &str) -> Option<V> {
        self.lock().get(key).cloned()
    }

    /// Keeps `value` for `key`.
    pub(super) fn put(&self, key: &str, value: V) {
        let mut map = self.lock();
        if map.len() >= KEPT {
            map.clear();
        }
        map.insert(key.to_owned(), value);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, V>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_keeps_what_it_is_given_and_starts_over_when_full() {
        let memo = Memo::default();
        assert_eq!(memo.get("a"), None);
        memo.put("a", 1);
        memo.put("a", 2);
        assert_eq!(memo.get("a"), Some(2));
        for i in 0..KEPT {
            memo.put(&i.to_string(), 0);
        }
        // Full at the last put but one: the map started over then.
        assert_eq!(memo.get("a"), None);
        assert_eq!(memo.get(&(KEPT - 1).to_string()), Some(0));
        assert!(memo.lock().len() < KEPT);
    }
}
