//! PostgreSQL's planner statistics, kept as fresh as the tables.
//!
//! PostgreSQL plans a query from statistics that `ANALYZE` gathers, and its
//! autovacuum gathers them only once a table has changed by a tenth, and
//! looks only once a minute. A deployment loaded the same morning is then
//! planned on no statistics at all: in the registration rush the student's
//! sections were read by scanning every course and every meeting (1.1 ms
//! each, under the student's row lock) instead of by three index lookups
//! (0.1 ms). So each service looks every few seconds at the tables that
//! have more than doubled since their last analysis, and analyzes them:
//! a few times while a table fills from nothing, then rarely, and nothing
//! when nothing changed. Autovacuum keeps them from there.

use std::time::Duration;

use diesel::sql_types::Text;
use diesel::{PgConnection, QueryableByName, RunQueryDsl};

use super::{Database, DbError};

/// How often the tables are looked at.
pub const LOOK_EVERY: Duration = Duration::from_secs(5);

#[derive(QueryableByName)]
struct Stale {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Analyzes the tables of the connection's database that have more than
/// doubled since they were last analyzed (and by 50 rows at least); the
/// tables analyzed. Doubling, not autovacuum's tenth: what matters is a
/// table planned as empty, and the audit trail, which grows by every
/// attempt, costs a third of a second to analyze in the rush.
pub fn analyze_stale(conn: &mut PgConnection) -> Result<Vec<String>, DbError> {
    let stale: Vec<Stale> = diesel::sql_query(
        "SELECT quote_ident(schemaname) || '.' || quote_ident(relname) AS name FROM pg_stat_user_tables \
         WHERE n_mod_since_analyze > 50 + greatest(n_live_tup - n_mod_since_analyze, 0)",
    )
    .load(conn)
    .map_err(DbError::from)?;
    let mut analyzed = Vec::with_capacity(stale.len());
    for Stale { name } in stale {
        diesel::sql_query(format!("ANALYZE {name}"))
            .execute(conn)
            .map_err(DbError::from)?;
        analyzed.push(name);
    }
    Ok(analyzed)
}

/// On PostgreSQL, analyzes the stale tables every [`LOOK_EVERY`] for as
/// long as the runtime runs; nothing on SQLite, whose planner here needs
/// no statistics (each query has one index to take).
pub fn keep_fresh(database: &Database) {
    let Database::Postgres(pool) = database.clone() else {
        return;
    };
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        loop {
            tokio::time::sleep(LOOK_EVERY).await;
            let pool = pool.clone();
            // Outside the request line: a look never takes a request's place.
            let looked = tokio::task::spawn_blocking(move || {
                let mut tracked = pool.pool.get().map_err(|e| DbError::Unavailable(e.to_string()))?;
                analyze_stale(&mut tracked.conn)
            })
            .await;
            match looked {
                Ok(Ok(tables)) if !tables.is_empty() => tracing::debug!(?tables, "planner statistics refreshed"),
                Ok(Err(error)) => tracing::debug!(%error, "planner statistics not refreshed"),
                _ => {}
            }
        }
    });
}
