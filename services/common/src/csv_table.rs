//! Reading an uploaded CSV by its column names: the one reader of every
//! bulk upload and import, so that each answers a bad file the same way.

use std::collections::HashMap;

/// The columns a file must, may and must not have (matched in any case
/// and any order).
#[derive(Debug, Clone, Copy)]
pub struct Columns<'a> {
    pub required: &'a [&'a str],
    pub optional: &'a [&'a str],
    /// Columns refused with their reason (a password in clear, say).
    pub refused: &'a [(&'a str, &'a str)],
    pub max_rows: usize,
}

/// One data row: its line in the file and its cells by column name.
#[derive(Debug, Clone)]
pub struct CsvRow {
    /// The line the row starts on (the header is line 1).
    pub line: usize,
    cells: HashMap<String, String>,
}

impl CsvRow {
    /// The cell of `column`, trimmed; empty if the column is absent.
    pub fn get(&self, column: &str) -> &str {
        self.cells.get(column).map(String::as_str).unwrap_or_default()
    }
}

/// The data rows of `body`, blank lines skipped; the error is a sentence
/// for the person who sent the file.
pub fn read_csv(body: &[u8], columns: Columns<'_>) -> Result<Vec<CsvRow>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(body);
    let headers = reader
        .headers()
        .map_err(|e| format!("the CSV header cannot be read: {e}"))?
        .clone();
    for (name, reason) in columns.refused {
        if headers.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            return Err(format!("the column '{name}' is not accepted: {reason}"));
        }
    }
    let mut positions = Vec::new();
    for name in columns.required.iter().chain(columns.optional) {
        let found: Vec<usize> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.eq_ignore_ascii_case(name))
            .map(|(i, _)| i)
            .collect();
        // Two columns of one name would leave it to chance which is read.
        if found.len() > 1 {
            return Err(format!("the CSV header names '{name}' twice"));
        }
        match found.first() {
            Some(&at) => positions.push((*name, at)),
            None if columns.required.contains(name) => {
                return Err(format!(
                    "the CSV header must name the columns {}",
                    columns.required.join(",")
                ))
            }
            None => {}
        }
    }
    let mut rows = Vec::new();
    // Lines are counted from the record's byte offset: the reader's own
    // line count passes over blank lines without counting them.
    let mut lines = LineCounter::default();
    for record in reader.records() {
        let record = record.map_err(|e| format!("the CSV cannot be read: {e}"))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == columns.max_rows {
            return Err(format!("a file holds at most {} rows", columns.max_rows));
        }
        let line = record.position().map_or(0, |p| lines.line_at(body, p.byte() as usize));
        let cells = positions
            .iter()
            .map(|(name, at)| ((*name).to_owned(), record.get(*at).unwrap_or_default().to_owned()))
            .collect();
        rows.push(CsvRow { line, cells });
    }
    if rows.is_empty() {
        return Err("the file has no rows under its header".to_owned());
    }
    Ok(rows)
}

/// The line of a byte offset, for offsets that only grow.
#[derive(Debug, Default)]
struct LineCounter {
    counted_to: usize,
    breaks: usize,
}

impl LineCounter {
    fn line_at(&mut self, body: &[u8], offset: usize) -> usize {
        // The reader's offset is where it began reading, before the blank
        // lines it skipped: a record itself never starts with a break.
        let skipped = body[offset.min(body.len())..]
            .iter()
            .take_while(|b| matches!(b, b'\n' | b'\r'))
            .count();
        let offset = (offset + skipped).min(body.len());
        if offset > self.counted_to {
            self.breaks += body[self.counted_to..offset].iter().filter(|b| **b == b'\n').count();
            self.counted_to = offset;
        }
        self.breaks + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USERS: Columns<'static> = Columns {
        required: &["email", "name"],
        optional: &["roles"],
        refused: &[("password", "no passwords in files")],
        max_rows: 3,
    };

    #[test]
    fn reads_cells_by_name_with_their_lines() {
        let rows = read_csv(b"Name,EMAIL\n\nAda, ada@example.edu \n\"B, C\",b@example.edu\n", USERS).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].line, rows[0].get("email"), rows[0].get("name")),
            (3, "ada@example.edu", "Ada")
        );
        assert_eq!(
            (rows[1].line, rows[1].get("name"), rows[1].get("roles")),
            (4, "B, C", "")
        );
    }

    #[test]
    fn refuses_missing_doubled_and_refused_columns_and_too_many_rows() {
        assert!(read_csv(b"email\nx\n", USERS).unwrap_err().contains("email,name"));
        assert!(read_csv(b"email,name,Email\nx,y,z\n", USERS)
            .unwrap_err()
            .contains("twice"));
        assert!(read_csv(b"email,name,password\nx,y,z\n", USERS)
            .unwrap_err()
            .contains("not accepted"));
        assert!(read_csv(b"email,name\na,b\nc,d\ne,f\ng,h\n", USERS)
            .unwrap_err()
            .contains("at most 3"));
        assert!(read_csv(b"email,name\n", USERS).unwrap_err().contains("no rows"));
    }
}
