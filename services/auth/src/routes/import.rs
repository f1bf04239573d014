use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use service_common::auth::{Admin, Caller};
use service_common::extract::Query;
use service_common::import::{answer, report, CsvBody};
use service_common::openapi as api;
use shared_types::import::{ImportParams, ImportStatus};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::import::{check_rows, hash_setup_code, new_setup_code, UserToImport, USER_COLUMNS};
use crate::models::UserRow;
use crate::state::AppState;
use crate::store::{self, NewUser};

/// `POST /auth/users/import[?dry_run=true]` (admin): creates the users of
/// a CSV file, all or none.
#[utoipa::path(
    post,
    path = "/auth/users/import",
    operation_id = "importUsers",
    summary = "Import users from CSV",
    description = "Admin only. A CSV file with the header `email,name,roles` (`roles` optional: `student` when absent or empty; several separated by `;`). Every row is checked first; if any is invalid nothing is written and the answer is 422 with the per-row report. A row whose email exists is left as it is (`exists`), so the same file twice creates nothing new. A file has no password column: each user created gets a one-time `setup_code`, shown only in this answer, to sign in with once and choose a password (sign-in answers 403 `password_change_required`; then `POST /auth/password` with the code as the current password). A code works for `--setup-code-hours` (7 days by default), then answers 403 `temporary_password_expired`; `POST /auth/users/{id}/setup-code` issues a new one. `?dry_run=true` checks and reports without writing. At most 5000 rows and the service's body limit (256 KiB by default).",
    params(ImportParams),
    request_body(content = String, content_type = "text/csv", description = "`email,name,roles` then one row per user."),
    responses(
        (status = 200, description = "A dry run, or nothing new: the report.", body = shared_types::import::ImportReport),
        (status = 201, description = "Users were created: the report, with each new user's setup code.", body = shared_types::import::ImportReport),
        (status = 400, description = "`invalid_import`: no `email` and `name` columns, a `password` column, no rows, more than 5000 rows or unreadable CSV.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 413, response = api::PayloadTooLarge),
        (status = 409, description = "`email_taken`: another import or admin created one of these users meanwhile; nothing was written, and the same file sent again finds that user as existing.", body = shared_types::ErrorBody),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_rows`: at least one row is invalid (`invalid_email`, `invalid_field`, `unknown_role`, `duplicate_row`); nothing was written. The body is the per-row report.", body = shared_types::import::ImportReport),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn import_users(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Query(params): Query<ImportParams>,
    body: CsvBody,
) -> Result<Response> {
    let checked = check_rows(&body.rows(USER_COLUMNS)?);
    let emails = checked
        .iter()
        .filter_map(|row| row.as_ref().ok())
        .map(|(keyed, _)| keyed.natural_key.clone())
        .collect();
    let existing = store::ids_by_email(&state.db, emails).await?;
    let refused = checked.iter().any(Result::is_err);
    let (keyed, users): (Vec<_>, Vec<_>) = checked
        .into_iter()
        .map(|row| match row {
            Ok((keyed, user)) => {
                let new = (keyed.new_id, user);
                (Ok(keyed), Some(new))
            }
            Err(problem) => (Err(problem), None),
        })
        .unzip();
    if refused || params.dry_run {
        return Ok(answer(report(keyed, &existing, params.dry_run, false)));
    }
    let lifetime = state.lifetimes.setup_code;
    let to_create: Vec<(Uuid, UserToImport)> = users
        .into_iter()
        .flatten()
        .filter(|(_, user)| !existing.contains_key(user.email.as_str()))
        .collect();
    let (rows, codes) = tokio::task::spawn_blocking(move || new_user_rows(to_create, lifetime))
        .await
        .map_err(|e| Error::Internal(e.into()))??;
    store::insert_imported(&state.db, rows).await?;
    let mut report = report(keyed, &existing, false, true);
    for row in &mut report.rows {
        if row.status == ImportStatus::Created {
            row.setup_code = row.id.and_then(|id| codes.get(&id).cloned());
        }
    }
    tracing::info!(admin = %admin.sub, created = report.created, existing = report.existing, "users imported");
    Ok(answer(report))
}

/// The rows to store and each one's setup code (in clear, for the report
/// only), by id.
fn new_user_rows(
    users: Vec<(Uuid, UserToImport)>,
    lifetime: chrono::TimeDelta,
) -> Result<(Vec<UserRow>, std::collections::HashMap<Uuid, String>)> {
    let now = Utc::now().naive_utc();
    let mut codes = std::collections::HashMap::new();
    let mut rows = Vec::with_capacity(users.len());
    for (id, user) in users {
        let code = new_setup_code()?;
        let new = NewUser {
            id,
            email: user.email,
            name: user.name,
            password_hash: hash_setup_code(&code)?,
            roles: user.roles,
        };
        rows.push(new.into_row(now, Some(now + lifetime)));
        codes.insert(id, code.expose().to_owned());
    }
    Ok((rows, codes))
}
