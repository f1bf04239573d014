//! Cells of a CSV file a person opens in a spreadsheet, written so that no
//! cell runs as a formula (OWASP's "CSV injection").
//!
//! A cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage
//! return, which some spreadsheets skip before reading one of those) is
//! read by Excel, LibreOffice and Google Sheets as a formula: a student
//! named `=HYPERLINK(...)` would run in the teacher's spreadsheet. A
//! spreadsheet whose list separator is not the comma (`;` in most of
//! Europe, a tab or `|` elsewhere) may also split a cell at that character
//! when it imports text, so a formula start right after one is
//! neutralised too. Neutralised means a `'` before it, which spreadsheets
//! show as text. Every cell is also quoted, so no separator splits it in a
//! spreadsheet that honours quotes.

use std::borrow::Cow;

/// What a spreadsheet reads as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// What some spreadsheet uses as its list separator.
const SEPARATORS: [char; 4] = [',', ';', '\t', '|'];

/// `cell` as a spreadsheet will take it for text: a `'` before a formula
/// start at its beginning or right after a separator character.
pub fn safe_cell(cell: &str) -> Cow<'_, str> {
    let mut safe = String::new();
    let mut after_separator = true;
    let mut changed = false;
    for c in cell.chars() {
        if after_separator && FORMULA_STARTS.contains(&c) {
            safe.push('\'');
            changed = true;
        }
        safe.push(c);
        after_separator = SEPARATORS.contains(&c);
    }
    if changed {
        safe.into()
    } else {
        cell.into()
    }
}

/// One CSV line of `cells`, each made safe and quoted, ended by `\n`.
pub fn csv_line<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = cells
        .into_iter()
        .map(|cell| format!("\"{}\"", safe_cell(cell).replace('"', "\"\"")))
        .collect();
    let mut line = quoted.join(",");
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_start_is_neutralised_at_the_beginning_and_after_a_separator() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"] {
            assert!(safe_cell(formula).starts_with('\''), "{formula:?}");
        }
        assert_eq!(safe_cell("Ann;=1+2+cmd|' /C calc'!A0;"), "Ann;'=1+2+cmd|' /C calc'!A0;");
        assert_eq!(safe_cell("a,=b|+c"), "a,'=b|'+c");
        // A tab is both a formula start and a separator.
        assert_eq!(safe_cell("x;\t=1"), "x;'\t'=1");
    }

    #[test]
    fn text_is_kept_as_it_is() {
        for text in ["Ada Lovelace", "O'Brien", "", "1=1", "Zoë-Anne", "Lin, Chen", "a;b"] {
            assert_eq!(safe_cell(text), text);
            assert!(matches!(safe_cell(text), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn a_line_quotes_every_cell_and_doubles_quotes() {
        assert_eq!(
            csv_line(["=HYPERLINK(\"x\")", "Lin, Chen", ""]),
            "\"'=HYPERLINK(\"\"x\"\")\",\"Lin, Chen\",\"\"\n"
        );
    }
}
