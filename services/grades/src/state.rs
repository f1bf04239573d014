use std::sync::Arc;

use axum::extract::FromRef;
use service_common::auth::TokenVerifier;
use service_common::db::Database;
use shared_types::Secret;

use crate::courses_client::CoursesClient;

/// What every handler of grade-service can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: Database,
    pub verifier: Arc<TokenVerifier>,
    pub courses: CoursesClient,
    /// The secret course-service presents to read the completions feed.
    pub completions_token: Option<Secret>,
}
