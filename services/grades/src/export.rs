//! A class's grades as CSV, for a spreadsheet.
//!
//! Every cell goes through [`shared_types::spreadsheet::safe_cell`], so
//! no name runs as a formula in the teacher's spreadsheet.

use shared_types::grades::StudentGrade;
use shared_types::spreadsheet::safe_cell;

use crate::error::{Error, Result};

/// The columns of an export. `student_id` and `grade` are those of an
/// upload, so a sheet filled in can go back as it is (with every row given
/// a grade).
pub const HEADER: [&str; 3] = ["student_id", "student_name", "grade"];

/// The sheet as CSV: a header row, then one row per student, the grade
/// empty where none is set.
pub fn to_csv(sheet: &[StudentGrade]) -> Result<Vec<u8>> {
    // Every cell quoted: a spreadsheet whose list separator is `;` (most of
    // Europe) splits an unquoted `Ann;=1+2` into a second cell that starts
    // a formula; inside quotes no separator splits.
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    let failed = |e: csv::Error| Error::Export(e.to_string());
    writer.write_record(HEADER).map_err(failed)?;
    for row in sheet {
        let grade = row.grade.map(|g| g.to_string()).unwrap_or_default();
        writer
            .write_record([
                row.student_id.to_string().as_str(),
                &safe_cell(&row.student_name),
                &grade,
            ])
            .map_err(failed)?;
    }
    writer.into_inner().map_err(|e| Error::Export(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_types::Grade;
    use uuid::Uuid;

    #[test]
    fn every_cell_is_quoted_so_no_separator_splits_a_name() {
        let sheet = [StudentGrade {
            student_id: Uuid::nil(),
            student_name: "Ann;=1+2+cmd|' /C calc'!A0;".into(),
            grade: None,
        }];
        let text = String::from_utf8(to_csv(&sheet).unwrap()).unwrap();
        let row = text.lines().nth(1).unwrap();
        assert_eq!(
            row,
            "\"00000000-0000-0000-0000-000000000000\",\"Ann;'=1+2+cmd|' /C calc'!A0;\",\"\""
        );
    }

    #[test]
    fn writes_header_rows_and_quotes() {
        let id = Uuid::nil();
        let sheet = [
            StudentGrade {
                student_id: id,
                student_name: "=HYPERLINK(\"http://x\",\"y\")".into(),
                grade: Some(Grade::parse("3.5").unwrap()),
            },
            StudentGrade {
                student_id: id,
                student_name: "Lin, Chen".into(),
                grade: None,
            },
        ];
        let text = String::from_utf8(to_csv(&sheet).unwrap()).unwrap();
        assert_eq!(
            text,
            format!(
                "\"student_id\",\"student_name\",\"grade\"\n\"{id}\",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"3.5\"\n\"{id}\",\"Lin, Chen\",\"\"\n"
            )
        );
    }
}
