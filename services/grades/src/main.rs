use clap::Parser;
use grade_service::cli::Cli;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    service_common::telemetry::init_logging();
    let cli = Cli::parse();
    let server = grade_service::build(cli.serve).await?;
    tracing::info!(addr = %server.local_addr(), "grade-service listening");
    server.run().await?;
    Ok(())
}
