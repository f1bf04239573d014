use std::sync::Arc;

use axum::extract::FromRef;
use service_common::auth::TokenVerifier;
use service_common::db::Database;
use service_common::peer::PeerClient;

use crate::audit_log::AuditLog;
use crate::completions_feed::CompletionsFeed;
use crate::memory::catalogue_cache::CatalogueCache;
use crate::memory::full_courses::FullCourses;
use crate::memory::seat_feed::SeatFeed;

/// What every handler of course-service can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: Database,
    pub verifier: Arc<TokenVerifier>,
    pub catalogue: Arc<CatalogueCache>,
    pub seat_feed: Arc<SeatFeed>,
    pub full_courses: Arc<FullCourses>,
    /// Where refused attempts go onto the audit trail.
    pub audit: AuditLog,
    /// Whether refusals on requisites rest on known completions.
    pub completions: Arc<CompletionsFeed>,
    /// auth-service, asked for the teachers of a course import; `None`
    /// without an `--auth-url` (imports then answer 503).
    pub auth: Option<PeerClient>,
}
