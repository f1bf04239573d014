//! The commands that run without a server: `create-user` and `keygen`.

use std::path::Path;

use crate::cli::ServeArgs;
use crate::domain::NewUserValues;
use crate::password::PasswordHasher;
use crate::{accounts, SERVICE};

/// `auth-service create-user`: stores a user without a running server.
pub async fn create_user_offline(args: &ServeArgs, values: NewUserValues) -> anyhow::Result<shared_types::auth::User> {
    let database = SERVICE.open_database_with(&args.common, 1)?;
    let hasher = PasswordHasher::start(1, args.pbkdf2_iterations, std::time::Duration::from_secs(60)).await?;
    accounts::create_account(&database, &hasher, values)
        .await
        .map_err(|e| anyhow::anyhow!(service_common::ApiError::from(e).message))
}

/// `auth-service keygen`: writes a fresh key pair.
pub fn write_key_pair(private_key: &Path, public_dir: &Path, force: bool) -> anyhow::Result<String> {
    if private_key.exists() && !force {
        anyhow::bail!(
            "{} already exists; pass --force to replace it (tokens signed with it stop working once its public key is removed)",
            private_key.display()
        );
    }
    let pair = service_common::auth::generate_key_pair()?;
    if let Some(dir) = private_key.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::create_dir_all(public_dir)?;
    write_private(private_key, &pair.private_pem)?;
    let public_file = public_dir.join(format!("{}.pem", pair.kid));
    std::fs::write(&public_file, &pair.public_pem)?;
    Ok(pair.kid)
}

#[cfg(unix)]
fn write_private(path: &Path, pem: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(pem.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, pem: &str) -> anyhow::Result<()> {
    Ok(std::fs::write(path, pem)?)
}
