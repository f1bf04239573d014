//! `make bench`: starts the release services as separate processes, seeds
//! data through their APIs, drives load, and prints a table that is also
//! written as Markdown and JSON under `target/bench/`.
//!
//! `BENCH_DB=postgres` runs the services on the local PostgreSQL
//! (`BENCH_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432`).

mod load;
mod nodes;
mod scenarios;

use std::path::PathBuf;

use load::Figures;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let bin_dir = std::env::var_os("BENCH_BIN_DIR").map_or_else(|| PathBuf::from("target/release"), PathBuf::from);
    let postgres = std::env::var("BENCH_DB").is_ok_and(|db| db == "postgres");
    let pg_base = std::env::var("BENCH_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let backend = if postgres { "postgres" } else { "sqlite" };
    println!(
        "benchmarking on {backend}, {} cores",
        std::thread::available_parallelism().map_or(1, usize::from)
    );

    let nodes = nodes::Nodes::start(&bin_dir, postgres.then_some(pg_base.as_str())).await?;
    let mut figures: Vec<Figures> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    scenarios::auth(&nodes, &mut figures, &mut notes).await?;
    scenarios::catalogue(&nodes, &mut figures).await?;
    scenarios::enrollment_contention(&nodes, &mut figures, &mut notes).await?;
    drop(nodes);

    let table = render_table(backend, &figures, &notes);
    println!("\n{table}");
    let out = PathBuf::from("target/bench");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join(format!("results-{backend}.md")), &table)?;
    std::fs::write(
        out.join(format!("results-{backend}.json")),
        serde_json::to_string_pretty(&serde_json::json!({"backend": backend, "figures": figures, "notes": notes}))?,
    )?;
    println!("written to target/bench/results-{backend}.{{md,json}}");
    Ok(())
}

fn render_table(backend: &str, figures: &[Figures], notes: &[String]) -> String {
    let mut out = format!(
        "Backend: {backend}\n\n| scenario | conns | requests | errors | req/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|---:|\n"
    );
    for f in figures {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.0} | {:.2} | {:.2} |\n",
            f.scenario, f.connections, f.requests, f.errors, f.requests_per_second, f.p50_ms, f.p99_ms
        ));
    }
    if !notes.is_empty() {
        out.push('\n');
        for note in notes {
            out.push_str(&format!("- {note}\n"));
        }
    }
    out
}
