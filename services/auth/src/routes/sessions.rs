use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use service_common::auth::Caller;
use service_common::extract::{Json, Query};
use service_common::openapi as api;
use shared_types::auth::RevocationList;

use crate::error::Result;
use crate::models::RevocationRow;
use crate::sessions;
use crate::state::AppState;
use crate::store::{self, AccountChange};

#[derive(Debug, Deserialize)]
pub struct LogoutQuery {
    #[serde(default)]
    everywhere: bool,
}

/// `POST /auth/logout[?everywhere=true]`: ends this session, or every
/// session of the caller. Every service refuses the ended tokens within
/// its pull interval.
#[utoipa::path(
    post,
    path = "/auth/logout",
    operation_id = "logout",
    summary = "Sign out",
    description = "Ends the caller's session (this token), or with `everywhere=true` every session of the caller. Every service refuses an ended token within a few seconds (it pulls `GET /auth/revocations`), with 401 `session_ended`.",
    params(("everywhere" = Option<bool>, Query, description = "End every session of the caller, not only this one.")),
    responses(
        (status = 204, description = "Signed out."),
        (status = 400, description = "`invalid_query`.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    Caller { claims, .. }: Caller,
    Query(query): Query<LogoutQuery>,
) -> Result<StatusCode> {
    if query.everywhere {
        let everything = AccountChange {
            user: claims.sub,
            end_sessions: true,
            ..AccountChange::default()
        };
        sessions::change_account(&state, everything).await?;
    } else {
        let ended = RevocationRow::one_token(&claims);
        store::insert_revocation(&state.db, ended.clone()).await?;
        sessions::apply_here(&state, &ended);
    }
    tracing::info!(user = %claims.sub, everywhere = query.everywhere, "signed out");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct RevocationsQuery {
    #[serde(default)]
    since: i64,
}

/// `GET /auth/revocations?since=<unix seconds>` (anyone, like the keys):
/// the ended sessions every verifier must refuse. It holds user and token
/// ids only, nothing that signs anyone in.
#[utoipa::path(
    get,
    path = "/auth/revocations",
    operation_id = "listRevocations",
    summary = "Ended sessions",
    description = "What every service that checks tokens pulls every few seconds: the sessions ended (sign-out, password change or reset, disabled account) that can still refuse a token, at most the last hour's. Verifiers ask for the whole list each time (a cursor could skip a revocation committed late), with `If-None-Match`: an unchanged list is a 304. Holds user and token ids only.",
    security(()),
    params(("since" = Option<i64>, Query, description = "Unix seconds: only revocations made at or after it (default 0: all that still matter).")),
    responses(
        (status = 200, description = "The revocations.", body = shared_types::auth::RevocationList),
        (status = 304, response = api::NotModified),
        (status = 400, description = "`invalid_query`.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn revocations(
    State(state): State<AppState>,
    Query(query): Query<RevocationsQuery>,
) -> Result<Json<RevocationList>> {
    let (as_of, revocations) = sessions::since(&state.db, query.since).await?;
    Ok(Json(RevocationList { as_of, revocations }))
}
