//! CSV text cells a spreadsheet would run as a formula (SPEC §4 "Hostile input"): written with
//! a leading `'`, which spreadsheets show as "this is text" and do not display; importing a CSV
//! strips it again ([`restore`] undoes [`neutralise`] exactly). Every CSV Reach writes goes
//! through [`write`].

use std::borrow::Cow;

/// Characters that make a spreadsheet read a cell as a formula: `=`, `+`, `-`, `@` and, per
/// OWASP, a leading tab or carriage return.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A phone number in E.164: `+` and 1 to 15 digits, nothing else. Written as it is.
fn is_e164(cell: &str) -> bool {
    cell.strip_prefix('+').is_some_and(|digits| {
        (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Whether `cell` is written with a leading `'`: it starts with a trigger (after any `'`
/// already there, so that a cell that starts with `'=` survives the round trip) and is not a
/// phone number in E.164.
fn needs_guard(cell: &str) -> bool {
    let rest = cell.trim_start_matches('\'');
    rest.starts_with(TRIGGERS) && !is_e164(rest)
}

/// The cell as written to a CSV file: `'=1+1` for `=1+1`, `+34612345678` unchanged.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if needs_guard(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A cell read from a CSV file: the `'` [`neutralise`] added, taken off (for imports).
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => cell,
    }
}

/// A whole CSV (UTF-8, a header row), every cell neutralised.
pub fn write<H, R, C>(headers: &[H], rows: R) -> Result<String, String>
where
    H: AsRef<str>,
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<str>,
{
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| format!("the CSV could not be written: {e}");
    out.write_record(headers.iter().map(|h| neutralise(h.as_ref()).into_owned()))
        .map_err(fail)?;
    for row in rows {
        out.write_record(row.into_iter().map(|c| neutralise(c.as_ref()).into_owned()))
            .map_err(fail)?;
    }
    let bytes = out.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_get_a_quote_and_phone_numbers_do_not() {
        let table = [
            ("=1+1", "'=1+1"),
            (
                "=HYPERLINK(\"http://evil\",\"x\")",
                "'=HYPERLINK(\"http://evil\",\"x\")",
            ),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("-", "'-"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("+", "'+"),
            ("+34 612 34 56 78", "'+34 612 34 56 78"),
            ("+3461234567a", "'+3461234567a"),
            ("+1234567890123456", "'+1234567890123456"),
            ("'=1+1", "''=1+1"),
            ("''-x", "'''-x"),
            ("+34612345678", "+34612345678"),
            ("+1", "+1"),
            ("+123456789012345", "+123456789012345"),
            ("Northwind", "Northwind"),
            ("disk-full:srv-12", "disk-full:srv-12"),
            (" =1+1", " =1+1"),
            ("a=b", "a=b"),
            ("'quoted", "'quoted"),
            ("", ""),
            ("2026-11-25T10:00:00+01:00", "2026-11-25T10:00:00+01:00"),
            ("＝1", "＝1"),
        ];
        for (cell, written) in table {
            assert_eq!(neutralise(cell), written, "{cell:?}");
            assert_eq!(restore(written), cell, "{written:?} reads back");
        }
    }

    #[test]
    fn restore_leaves_quotes_it_did_not_add() {
        for cell in ["'quoted", "'", "''", "'+34612345678", "it's"] {
            assert_eq!(restore(cell), cell);
        }
    }

    #[test]
    fn a_written_csv_has_every_cell_neutralised() {
        let csv = write(
            &["name", "phone"],
            [["=cmd", "+34612345678"], ["Ana", "-1"]],
        );
        assert_eq!(
            csv.as_deref(),
            Ok("name,phone\n'=cmd,+34612345678\nAna,'-1\n")
        );
    }
}
