//! The table: printed, and written as Markdown and JSON.

use std::path::Path;

use serde::Serialize;

use crate::load::Figures;

#[derive(Serialize)]
pub struct Report {
    backend: String,
    cores: usize,
    ceiling_requests_per_second: f64,
    figures: Vec<Figures>,
    notes: Vec<String>,
}

impl Report {
    pub fn new(backend: &str, cores: usize) -> Self {
        Self {
            backend: backend.to_owned(),
            cores,
            ceiling_requests_per_second: 0.0,
            figures: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn set_ceiling(&mut self, ceiling: &Figures) {
        self.ceiling_requests_per_second = ceiling.requests_per_second;
    }

    pub fn push(&mut self, figures: Figures) {
        self.figures.push(figures);
    }

    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    fn markdown(&self) -> String {
        let mut out = format!(
            "Backend: {}, {} cores. Ratio: requests/s as a share of the ceiling measured in the same run.\n\n\
             | scenario | conns | requests | errors | req/s | ratio | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
            self.backend, self.cores
        );
        for f in &self.figures {
            let ratio = if self.ceiling_requests_per_second > 0.0 {
                f.requests_per_second / self.ceiling_requests_per_second
            } else {
                0.0
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {:.0} | {:.3} | {:.2} | {:.2} |\n",
                f.scenario, f.connections, f.requests, f.errors, f.requests_per_second, ratio, f.p50_ms, f.p99_ms
            ));
        }
        out.push('\n');
        for note in &self.notes {
            out.push_str(&format!("- {note}\n"));
        }
        out
    }

    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let table = self.markdown();
        println!("\n{table}");
        std::fs::create_dir_all(dir)?;
        let stem = format!("results-{}", self.backend);
        std::fs::write(dir.join(format!("{stem}.md")), &table)?;
        std::fs::write(dir.join(format!("{stem}.json")), serde_json::to_string_pretty(self)?)?;
        println!("written to {}/{stem}.md and .json", dir.display());
        Ok(())
    }
}
