//! `--seed-demo`: the demo users, when the database has no users yet.

use service_common::demo::{DEMO_PASSWORD, USERS};
use shared_types::Email;
use tokio::task::JoinSet;

use crate::accounts::create_account;
use crate::domain::NewUserValues;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store;

pub async fn seed_demo_users(state: &AppState) -> Result<()> {
    if store::count(&state.db).await? > 0 {
        tracing::info!("users exist; demo users not seeded");
        return Ok(());
    }
    // Hashed in parallel: each hash is ~85 ms of CPU.
    let mut creations = JoinSet::new();
    for demo in USERS {
        let state = state.clone();
        creations.spawn(async move {
            let values = NewUserValues {
                id: demo.id,
                email: Email::parse(demo.email)?,
                name: demo.name.to_owned(),
                password: DEMO_PASSWORD.into(),
                roles: demo.roles.to_vec(),
            };
            create_account(&state.db, &state.hasher, values).await
        });
    }
    while let Some(created) = creations.join_next().await {
        match created.map_err(anyhow::Error::from)? {
            // Another replica starting at the same moment seeded it first.
            Ok(_) | Err(Error::EmailTaken) => {}
            Err(e) => return Err(e),
        }
    }
    tracing::info!(users = USERS.len(), password = DEMO_PASSWORD, "demo users seeded");
    Ok(())
}
