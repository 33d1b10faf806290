use crate::domain::Invalid;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A position in a list ordered by (sort key, id), opaque to clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub(crate) key: String,
    pub(crate) id: String,
}

impl Cursor {
    pub(crate) fn encode(key: &str, id: &str) -> String {
        URL_SAFE_NO_PAD.encode(format!("{key}\n{id}"))
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let bytes = URL_SAFE_NO_PAD
            .decode(input.trim())
            .map_err(|_| Invalid::Malformed)?;
        let text = String::from_utf8(bytes).map_err(|_| Invalid::Malformed)?;
        let (key, id) = text.split_once('\n').ok_or(Invalid::Malformed)?;
        Ok(Self {
            key: key.to_owned(),
            id: id.to_owned(),
        })
    }
}

/// Which page of a list: at most `limit` items after `cursor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    limit: u32,
    cursor: Option<Cursor>,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 500;

    pub fn new(limit: Option<i64>, cursor: Option<Cursor>) -> Result<Self, Invalid> {
        let limit = match limit {
            None => Self::DEFAULT_LIMIT,
            Some(l) => u32::try_from(l)
                .ok()
                .filter(|l| (1..=Self::MAX_LIMIT).contains(l))
                .ok_or(Invalid::Range {
                    min: 1,
                    max: i64::from(Self::MAX_LIMIT),
                })?,
        };
        Ok(Self { limit, cursor })
    }

    /// The largest page, after `next_cursor` of the previous one (`None`: the first page); a
    /// cursor this store wrote always parses, anything else starts over.
    pub fn largest_after(next_cursor: Option<&str>) -> Self {
        Self {
            limit: Self::MAX_LIMIT,
            cursor: next_cursor.and_then(|c| Cursor::parse(c).ok()),
        }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn cursor(&self) -> Option<&Cursor> {
        self.cursor.as_ref()
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: Self::DEFAULT_LIMIT,
            cursor: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = Cursor::encode("zoë 🚀", "0193");
        assert_eq!(
            Cursor::parse(&c),
            Ok(Cursor {
                key: "zoë 🚀".into(),
                id: "0193".into()
            })
        );
        assert_eq!(Cursor::parse("!!!"), Err(Invalid::Malformed));
        assert_eq!(Cursor::parse("YWJj"), Err(Invalid::Malformed));
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(501), None).is_err());
    }
}
