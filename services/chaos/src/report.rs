//! The table the suite prints and writes to `target/chaos/report.md`.

use std::path::Path;

/// One checked promise.
#[derive(Debug, Clone)]
pub struct Row {
    pub fault: String,
    pub check: String,
    pub passed: bool,
    pub figures: String,
    /// Not run here (the suite fails if that happens where it could run).
    pub skipped: bool,
}

impl Row {
    pub fn new(fault: impl Into<String>, check: impl Into<String>, passed: bool, figures: impl Into<String>) -> Self {
        Self {
            fault: fault.into(),
            check: check.into(),
            passed,
            figures: figures.into(),
            skipped: false,
        }
    }

    /// A check that could not run on this machine, and why.
    pub fn skipped(fault: impl Into<String>, why: impl Into<String>) -> Self {
        Self {
            skipped: true,
            ..Self::new(fault, why, true, "")
        }
    }
}

pub fn markdown(header: &str, rows: &[Row]) -> String {
    let mut out = format!("{header}\n\n| fault | what was checked | result | figures |\n|---|---|---|---|\n");
    for row in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            row.fault,
            row.check,
            if row.skipped {
                "skipped"
            } else if row.passed {
                "pass"
            } else {
                "FAIL"
            },
            row.figures
        ));
    }
    let failed = rows.iter().filter(|r| !r.passed).count();
    let skipped = rows.iter().filter(|r| r.skipped).count();
    out.push_str(&format!(
        "\n{} checks, {} failed, {} skipped.\n",
        rows.len(),
        failed,
        skipped
    ));
    out
}

pub fn write(dir: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("report.md"), text)?;
    Ok(())
}
