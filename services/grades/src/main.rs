use clap::Parser;
use grade_service::cli::Cli;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    service_common::telemetry::init_logging();
    service_common::server::raise_open_files_limit();
    let cli = Cli::parse();
    let server = grade_service::build(cli.serve).await?;
    tracing::info!(addr = %server.local_addr(), "grade-service listening");
    server.run().await?;
    Ok(())
}
