use auth_service::cli::{Cli, Command};
use auth_service::NewUserValues;
use clap::Parser;
use shared_types::auth::CreateUserRequest;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    service_common::telemetry::init_logging();
    service_common::server::raise_open_files_limit();
    let cli = Cli::parse();
    match cli.command {
        None => {
            let server = auth_service::build(cli.serve).await?;
            tracing::info!(addr = %server.local_addr(), "auth-service listening");
            server.run().await?;
        }
        Some(Command::Keygen {
            private_key,
            public_dir,
            force,
        }) => {
            let kid = auth_service::write_key_pair(&private_key, &public_dir, force)?;
            println!("wrote {} and {}/{kid}.pem", private_key.display(), public_dir.display());
        }
        Some(Command::CreateUser {
            email,
            name,
            password,
            roles,
        }) => {
            let values = NewUserValues::parse(&CreateUserRequest {
                email,
                name,
                password: password.into(),
                roles,
            })?;
            let user = auth_service::create_user_offline(&cli.serve, values).await?;
            println!("created {} ({}) with roles {:?}", user.email, user.id, user.roles);
        }
    }
    Ok(())
}
