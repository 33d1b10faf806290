//! Reading a contacts file: UTF-8 with or without a BOM, cells separated by `,` or `;`
//! (whichever the header line has more of, as a spreadsheet in a comma-decimal locale writes
//! `;`), quoted cells with separators or quotes in them, a header naming the columns in any
//! order. Cells are trimmed and lose the `'` that guards a formula-looking cell
//! ([`csv_cell::restore`]); a row of empty cells is skipped.

use super::{COLUMNS, ImportRow, RowError, RowKind};
use crate::domain::{
    CompanyAccess, CompanyId, EmailAddress, Invalid, Locale, MethodInput, Name, ParseContext,
    TimeZone, csv_cell,
};
use std::collections::HashMap;

/// The rows of the file that read, and every refused cell (a row with one is left out; a bad
/// header leaves out every row). `companies` are the account's (id and name), which the
/// `companies` cells name. `tick` is told, every so many rows, how many were read since it was
/// last told (for progress bars).
pub fn read(
    bytes: &[u8],
    ctx: &ParseContext,
    companies: &[(CompanyId, String)],
    tick: &mut dyn FnMut(u64),
) -> (Vec<ImportRow>, Vec<RowError>) {
    let companies: HashMap<String, &CompanyId> = companies
        .iter()
        .map(|(id, name)| (name.to_lowercase(), id))
        .collect();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let header_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |c: u8| header_line.iter().filter(|b| **b == c).count();
    let delimiter = if count(b';') > count(b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let mut errors = Vec::new();
    let header = match records.next() {
        Some(Ok(record)) => Header::read(&record, &mut errors),
        // An empty file, or a first line that is no CSV at all.
        _ => Header::read(&csv::ByteRecord::new(), &mut errors),
    };
    if !errors.is_empty() {
        // Without a header the cells mean nothing: say what is wrong with it alone.
        return (Vec::new(), errors);
    }
    let mut rows = Vec::new();
    let mut since_tick = 0;
    let mut lines = Lines {
        bytes,
        at: 0,
        line: 1,
    };
    for record in records {
        let (line, record) = match record {
            Ok(record) => (lines.of(record.position()), record),
            Err(e) => {
                errors.push(RowError::new(
                    lines.of(e.position()),
                    "row",
                    Invalid::Malformed,
                ));
                continue;
            }
        };
        let row = Row {
            line,
            record: &record,
            header: &header,
            companies: &companies,
        };
        if row.is_blank() {
            continue;
        }
        if let Some(row) = row.parse(ctx, &mut errors) {
            rows.push(row);
        }
        since_tick += 1;
        if since_tick == 1000 {
            tick(since_tick);
            since_tick = 0;
        }
    }
    tick(since_tick);
    (rows, errors)
}

/// Line numbers as an editor shows them (the csv crate's count the line the previous record
/// ended on): records come in order, so each is counted from where the last one started.
struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
}

impl Lines<'_> {
    /// The line of the record that starts at `position` (after the line breaks before it).
    fn of(&mut self, position: Option<&csv::Position>) -> usize {
        let len = self.bytes.len();
        let mut start = position
            .map_or(self.at, |p| p.byte() as usize)
            .clamp(self.at, len);
        while start < len && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        self.line += self.bytes[self.at..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.at = start;
        self.line
    }
}

/// Where each known column is in the file.
struct Header {
    /// Indexed like [`COLUMNS`].
    index: [Option<usize>; COLUMNS.len()],
    /// How many cells the header has.
    width: usize,
}

impl Header {
    fn read(record: &csv::ByteRecord, errors: &mut Vec<RowError>) -> Self {
        let mut index = [None; COLUMNS.len()];
        for (at, cell) in record.iter().enumerate() {
            let Ok(text) = std::str::from_utf8(cell) else {
                errors.push(RowError::new(
                    1,
                    &format!("cell {}", at + 1),
                    Invalid::NotUtf8,
                ));
                continue;
            };
            let name = text.trim().to_lowercase();
            if name.is_empty() {
                // A spreadsheet's trailing empty column: nothing to read there.
                continue;
            }
            match COLUMNS.iter().position(|c| *c == name) {
                None => errors.push(RowError::new(1, text.trim(), Invalid::UnknownColumn)),
                Some(known) if index[known].is_some() => {
                    errors.push(RowError::new(1, &name, Invalid::RepeatedColumn));
                }
                Some(known) => index[known] = Some(at),
            }
        }
        if index[0].is_none() {
            errors.push(RowError::new(1, COLUMNS[0], Invalid::MissingColumn));
        }
        Self {
            index,
            width: record.len(),
        }
    }
}

/// One record being read.
struct Row<'a> {
    line: usize,
    record: &'a csv::ByteRecord,
    header: &'a Header,
    /// The account's companies by lower-cased name.
    companies: &'a HashMap<String, &'a CompanyId>,
}

impl Row<'_> {
    fn is_blank(&self) -> bool {
        self.record.iter().all(|c| c.trim_ascii().is_empty())
    }

    /// The cell of a column, trimmed and without its formula guard; empty when the file has
    /// no such column or the row stops short.
    fn cell(&self, column: &str, errors: &mut Vec<RowError>) -> String {
        let at = COLUMNS
            .iter()
            .position(|c| *c == column)
            .and_then(|known| self.header.index[known]);
        let Some(bytes) = at.and_then(|at| self.record.get(at)) else {
            return String::new();
        };
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => {
                // Said once, here; the rest of the cell is read as well as it can be.
                errors.push(RowError::new(self.line, column, Invalid::NotUtf8));
                String::from_utf8_lossy(bytes)
            }
        };
        csv_cell::restore(text.trim()).trim().to_owned()
    }

    fn check<T>(
        &self,
        errors: &mut Vec<RowError>,
        column: &str,
        result: Result<T, Invalid>,
    ) -> Option<T> {
        result
            .map_err(|e| errors.push(RowError::new(self.line, column, e)))
            .ok()
    }

    /// Parses every cell; refused ones are added to `errors` (and the row is `None`).
    fn parse(&self, ctx: &ParseContext, errors: &mut Vec<RowError>) -> Option<ImportRow> {
        let before = errors.len();
        let extra = self.record.iter().skip(self.header.width);
        if extra.clone().any(|c| !c.trim_ascii().is_empty()) {
            let max = self.header.width;
            errors.push(RowError::new(
                self.line,
                "row",
                Invalid::TooManyCells { max },
            ));
        }
        let text = |column: &str, errors: &mut Vec<RowError>| self.cell(column, errors);
        let name = text("name", errors);
        let name = self.check(errors, "name", Name::parse(&name));
        let kind = text("kind", errors);
        let login = text("email_login", errors);
        let kind = match kind.to_lowercase().as_str() {
            "" | "contact" if login.is_empty() => Some(RowKind::Contact),
            "" | "contact" => self.check(errors, "email_login", Err(Invalid::LoginOnContact)),
            "user" if login.is_empty() => self.check(errors, "email_login", Err(Invalid::Required)),
            "user" => self
                .check(errors, "email_login", EmailAddress::parse(&login))
                .map(RowKind::User),
            _ => self.check(
                errors,
                "kind",
                Err(Invalid::OneOf {
                    allowed: "contact, user",
                }),
            ),
        };
        let companies = match kind {
            // A user's companies are not the file's to change: the cell is not read.
            Some(RowKind::User(_)) => Some(None),
            _ => {
                let cell = text("companies", errors);
                self.check(errors, "companies", self.access(&cell))
            }
        };
        let locale = text("locale", errors);
        let locale = optional(&locale, Locale::parse);
        let locale = self.check(errors, "locale", locale);
        let timezone = text("timezone", errors);
        let timezone = optional(&timezone, TimeZone::parse);
        let timezone = self.check(errors, "timezone", timezone);
        let method = self.method(ctx, errors);
        if errors.len() > before {
            return None;
        }
        Some(ImportRow {
            line: self.line,
            name: name?,
            kind: kind?,
            companies: companies?,
            locale: locale?,
            timezone: timezone?,
            method: method?,
        })
    }

    /// The method columns: `None` inside when they are all empty.
    fn method(
        &self,
        ctx: &ParseContext,
        errors: &mut Vec<RowError>,
    ) -> Option<Option<crate::domain::NewMethod>> {
        let [kind, address, label, severity, reports, delay] = [
            "method_type",
            "address",
            "label",
            "min_severity",
            "reports",
            "delay_minutes",
        ]
        .map(|column| self.cell(column, errors));
        let given = |s: &String| (!s.is_empty()).then(|| s.clone());
        if [&kind, &address, &label, &severity, &reports, &delay]
            .iter()
            .all(|c| c.is_empty())
        {
            return Some(None);
        }
        let reports = match reports.to_lowercase().as_str() {
            "" => Some(None),
            "true" => Some(Some(true)),
            "false" => Some(Some(false)),
            _ => self.check(
                errors,
                "reports",
                Err(Invalid::OneOf {
                    allowed: "true, false",
                }),
            ),
        };
        let delay = match delay.as_str() {
            "" => Some(None),
            d => self
                .check(
                    errors,
                    "delay_minutes",
                    d.parse::<i64>().map_err(|_| Invalid::Range {
                        min: 0,
                        max: crate::domain::DelayMinutes::MAX,
                    }),
                )
                .map(Some),
        };
        let input = MethodInput {
            kind: given(&kind),
            address: given(&address),
            label: given(&label),
            min_severity: match severity.to_lowercase().as_str() {
                "" => None,
                "none" => Some(None),
                _ => Some(Some(severity.clone())),
            },
            reports: reports?,
            delay_minutes: delay?,
            quiet_hours: None,
        };
        match input.parse(ctx) {
            Ok(method) => Some(Some(method)),
            Err(fields) => {
                for f in fields {
                    let column = if f.field == "type" {
                        "method_type"
                    } else {
                        &f.field
                    };
                    errors.push(RowError::new(self.line, column, f.error));
                }
                None
            }
        }
    }
}

/// An empty cell is `None`; anything else is parsed.
fn optional<T>(text: &str, parse: fn(&str) -> Result<T, Invalid>) -> Result<Option<T>, Invalid> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse(text).map(Some)
    }
}

impl Row<'_> {
    /// A `companies` cell: `all`, `none` (a chosen set whose companies were all deleted, as
    /// exports write it) or names of the account's companies joined by `|`.
    fn access(&self, text: &str) -> Result<Option<CompanyAccess>, Invalid> {
        if text.is_empty() {
            return Ok(None);
        }
        if text.eq_ignore_ascii_case("all") {
            return Ok(Some(CompanyAccess::All));
        }
        if text.eq_ignore_ascii_case("none") {
            return Ok(Some(CompanyAccess::Only(Default::default())));
        }
        let ids = text
            .split('|')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| {
                self.companies
                    .get(&n.to_lowercase())
                    .map(|id| (*id).clone())
            })
            .collect::<Option<Vec<CompanyId>>>()
            .ok_or(Invalid::UnknownCompany)?;
        CompanyAccess::only(ids).map(Some)
    }
}
