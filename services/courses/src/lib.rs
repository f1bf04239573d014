//! course-service: the catalogue, enrollments that never overbook, rosters.
//!
//! `build` returns a bound, migrated server so that tests start the real
//! thing on port 0.

pub mod cli;

mod audit_log;
mod calendar;
mod completions_feed;
mod db;
mod domain;
mod error;
mod import;
mod memory;
mod routes;
mod state;

use std::sync::Arc;
use std::time::Duration;

use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use service_common::assembly::Assembly;
use service_common::peer::PeerClient;
use service_common::server::Server;

use crate::audit_log::AuditLog;
use crate::cli::{ServeArgs, DEFAULT_PORT};
use crate::completions_feed::CompletionsFeed;
use crate::memory::catalogue_cache::CatalogueCache;
use crate::state::AppState;

/// How long a course import waits for auth-service's list of teachers.
const AUTH_TIMEOUT: Duration = Duration::from_secs(3);

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
const SERVICE: Assembly = Assembly {
    name: "courses",
    default_port: DEFAULT_PORT,
    migrations: || MIGRATIONS,
    title: "course-service",
    description: "Owns the course catalogue and enrollments (rosters). Seat capacity holds under any concurrency. Student names and emails are copied from the token at enrollment, so rosters need no call to auth-service. Every route but the shared ones needs `Authorization: Bearer <jwt>` issued by auth-service, verified locally (EdDSA).",
};

/// Opens the database (migrated), loads the public keys, seeds the demo
/// data if asked, and binds the listener.
pub async fn build(args: ServeArgs) -> anyhow::Result<Server> {
    let common = &args.common;
    let database = SERVICE.open_database(common)?;
    let verifier = SERVICE.verifier(common)?;
    args.revocations.follow(&verifier, common.tls_ca.as_deref())?;
    if common.seed_demo {
        db::seed::seed_demo_courses(&database).await?;
    }
    let completions = follow_completions(&args, database.clone()).await;
    let audit = AuditLog::start(database.clone());
    audit.keep_for(database.clone(), args.audit_retention_days);
    let state = AppState {
        db: database.clone(),
        verifier: verifier.clone(),
        catalogue: Arc::new(CatalogueCache::new(Duration::from_millis(args.catalogue_cache_ms))),
        seat_feed: Arc::default(),
        full_courses: Arc::default(),
        audit,
        completions,
        auth: PeerClient::new(
            "auth",
            args.revocations.auth_url.clone(),
            AUTH_TIMEOUT,
            common.tls_ca.as_deref(),
        )
        .inspect_err(|e| tracing::warn!(error = %e, "course imports are off"))
        .ok(),
    };
    SERVICE.serve(common, database, verifier, routes::router(state))
}

/// How long one read of grade-service's completions feed may take.
const GRADES_TIMEOUT: Duration = Duration::from_secs(3);

/// Follows grade-service's completions feed when given its address and the
/// token (see `completions_feed`).
async fn follow_completions(args: &ServeArgs, database: service_common::db::Database) -> Arc<CompletionsFeed> {
    let urls: Vec<String> = args
        .grades_url
        .iter()
        .filter(|u| !u.trim().is_empty())
        .cloned()
        .collect();
    let token = args.completions_token.clone().filter(|t| !t.is_empty());
    let (false, Some(token)) = (urls.is_empty(), token) else {
        if !urls.is_empty() {
            tracing::warn!("--grades-url without --completions-token: the completions feed is not followed");
        }
        return CompletionsFeed::unfollowed();
    };
    match PeerClient::new("grades", urls, GRADES_TIMEOUT, args.common.tls_ca.as_deref()) {
        Ok(grades) => {
            let every = Duration::from_millis(args.completions_every_ms);
            CompletionsFeed::follow(database, grades, token, every).await
        }
        Err(error) => {
            tracing::warn!(%error, "the completions feed is not followed");
            CompletionsFeed::unfollowed()
        }
    }
}

#[cfg(test)]
mod upgrade_tests {
    //! The sections migration rebuilds `courses` and the tables that point
    //! at it: a database holding courses, enrollments, meetings and a
    //! waitlist from before comes through whole, with foreign keys on. The
    //! same SQL runs on both backends, so both are upgraded here.

    use diesel::connection::SimpleConnection;
    use diesel::pg::PgConnection;
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};
    use diesel::sqlite::SqliteConnection;
    use diesel_migrations::MigrationHarness;
    use testkit::{postgres_available, Backend, TestDb};

    use super::MIGRATIONS;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    #[derive(QueryableByName)]
    struct Section {
        #[diesel(sql_type = Text)]
        section: String,
    }

    /// The test's body, for either connection type (diesel types each
    /// statement per backend).
    macro_rules! rows_from_before_sections_come_through {
        ($conn:expr) => {{
            let conn = $conn;
            // Every migration before the sections one.
            while conn.pending_migrations(MIGRATIONS).unwrap()[0]
                .name()
                .to_string()
                .split('_')
                .next()
                != Some("2026-12-01-000001")
            {
                conn.run_next_migration(MIGRATIONS).unwrap();
            }
            conn.batch_execute(
                "INSERT INTO courses (id, code, title, description, teacher_id, teacher_name, capacity, enrolled, created_at)
                     VALUES ('c1', 'CS1', 'T', 'D', 't1', 'Teacher', 1, 1, '2026-01-01 00:00:00');
                 INSERT INTO enrollments (course_id, student_id, student_name, student_email, enrolled_at, credits)
                     VALUES ('c1', 's1', 'S', 's@example.edu', '2026-01-01 00:00:00', 3);
                 INSERT INTO meeting_times VALUES ('c1', 1, 540, 600, 'R');
                 INSERT INTO waitlist_entries VALUES ('c1', 's2', 'W', 'w@example.edu', '2026-01-01 00:00:00');
                 UPDATE courses SET waitlisted = 1;",
            )
            .unwrap();
            conn.run_pending_migrations(MIGRATIONS).unwrap();
            for table in ["courses", "enrollments", "meeting_times", "waitlist_entries"] {
                let rows = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                    .get_result::<Count>(conn)
                    .unwrap();
                assert_eq!(rows.n, 1, "{table}");
            }
            let section = diesel::sql_query("SELECT section FROM courses")
                .get_result::<Section>(conn)
                .unwrap();
            assert_eq!(section.section, "01");
            // The references point at the new table: an enrollment in no
            // course is refused, and a second section of the code is not.
            let orphan = conn.batch_execute(
                "INSERT INTO enrollments (course_id, student_id, student_name, student_email, enrolled_at)
                     VALUES ('nope', 's3', 'S', 's@example.edu', '2026-01-01 00:00:00')",
            );
            assert!(orphan.is_err());
            conn.batch_execute(
                "INSERT INTO courses (id, code, title, description, teacher_id, teacher_name, capacity, created_at,
                                      seats_changed_at, section)
                     VALUES ('c2', 'CS1', 'T', 'D', 't1', 'Teacher', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00', '02')",
            )
            .unwrap();
            let again = conn.batch_execute(
                "INSERT INTO courses (id, code, title, description, teacher_id, teacher_name, capacity, created_at,
                                      seats_changed_at, section)
                     VALUES ('c3', 'CS1', 'T', 'D', 't1', 'Teacher', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00', '02')",
            );
            assert!(again.is_err(), "a code's section is unique in its term");
        }};
    }

    #[test]
    fn rows_from_before_sections_come_through_the_rebuild_on_sqlite() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute("PRAGMA foreign_keys = ON").unwrap();
        rows_from_before_sections_come_through!(&mut conn);
    }

    #[test]
    fn rows_from_before_sections_come_through_the_rebuild_on_postgres() {
        if !postgres_available() {
            return;
        }
        let db = TestDb::create(Backend::Postgres);
        let mut conn = PgConnection::establish(&db.url).unwrap();
        rows_from_before_sections_come_through!(&mut conn);
    }
}
