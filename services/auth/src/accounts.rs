use shared_types::auth::User;

use crate::domain::NewUserValues;
use crate::error::Result;
use crate::password::PasswordHasher;
use crate::store::{self, NewUser};
use service_common::db::Database;

/// Hashes the password and stores the user. Used by the admin route, the
/// demo seed and the `create-user` command.
pub async fn create_account(db: &Database, hasher: &PasswordHasher, values: NewUserValues) -> Result<User> {
    let password_hash = hasher.hash(values.password).await?;
    let row = store::insert(
        db,
        NewUser {
            id: values.id,
            email: values.email,
            name: values.name,
            password_hash,
            roles: values.roles,
        },
    )
    .await?;
    Ok(row.to_user())
}
