use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use service_common::auth::Caller;
use service_common::extract::{Json, Query};
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
pub async fn revocations(
    State(state): State<AppState>,
    Query(query): Query<RevocationsQuery>,
) -> Result<Json<RevocationList>> {
    let (as_of, revocations) = sessions::since(&state.db, query.since).await?;
    Ok(Json(RevocationList { as_of, revocations }))
}
