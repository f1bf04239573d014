use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, Pool};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use super::pool::{DbPool, Tracked, TrackedManager};
use super::url::{redacted, with_pg_defaults};
use super::writer::SqliteWriter;
use super::DbError;

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// `postgres://` or `postgresql://` is PostgreSQL; anything else is a
    /// SQLite file path (or `sqlite://path`).
    pub fn of_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// A connection pool for one of the two backends.
#[derive(Clone)]
pub enum Database {
    Postgres(DbPool<PgConnection>),
    Sqlite(DbPool<SqliteConnection>),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Database::Postgres(_) => "Database::Postgres",
            Database::Sqlite(_) => "Database::Sqlite",
        })
    }
}

/// How to open the database.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub url: String,
    pub pool_size: u32,
    /// How long a request waits for a free connection before it is told the
    /// database is unavailable.
    pub checkout_timeout: Duration,
}

impl DbOptions {
    pub fn new(url: impl Into<String>, pool_size: u32) -> Self {
        Self {
            url: url.into(),
            pool_size: pool_size.max(1),
            // The contract: a request that needs a database that is away is
            // answered 503 within 2 s.
            checkout_timeout: Duration::from_millis(1500),
        }
    }
}

/// Sets SQLite's per-connection behaviour. `busy_timeout` comes first so
/// that switching to WAL itself waits for a lock instead of failing.
#[derive(Debug)]
struct SqlitePragmas;

impl SqlitePragmas {
    fn apply(conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // WAL lets readers run beside the one writer; `synchronous=NORMAL`
        // in WAL mode loses nothing on a process crash (kill -9), only on
        // power loss, and spares an fsync per commit.
        conn.batch_execute(
            "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
             PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl CustomizeConnection<Tracked<SqliteConnection>, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, tracked: &mut Tracked<SqliteConnection>) -> Result<(), diesel::r2d2::Error> {
        Self::apply(&mut tracked.conn)
    }
}

/// A key of PostgreSQL's advisory locks, taken around migrations: replicas
/// of a service started together on an empty database would otherwise run
/// the same migrations at once and fail on each other's tables.
const MIGRATION_LOCK: i64 = 0x656e_726f_6c6c; // "enroll"

fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").unwrap_or(url)
}

/// Opens the database, runs the pending migrations on one connection, then
/// builds the pool.
pub fn connect(options: &DbOptions, migrations: EmbeddedMigrations) -> Result<Database, DbError> {
    match Backend::of_url(&options.url) {
        Backend::Postgres => {
            let url = with_pg_defaults(&options.url);
            let mut conn = PgConnection::establish(&url)
                .map_err(|e| DbError::Unavailable(format!("{}: {e}", redacted(&options.url))))?;
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let migrated = migrate(&mut conn, migrations);
            // The lock also ends with the session; unlocking here lets the
            // next replica in without waiting for this connection to close.
            let _ = conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
            migrated?;
            // Room for connections left waiting on a stopped server past
            // their deadline (see `TrackedManager::permits`).
            let pool = Pool::builder()
                .max_size(options.pool_size * 3)
                .min_idle(Some(1))
                .connection_timeout(options.checkout_timeout)
                // Checkout costs no round trip unless a lost connection was
                // seen since this one was last checked (see `pool`).
                .test_on_check_out(true)
                .build_unchecked(TrackedManager::new(&url));
            Ok(Database::Postgres(DbPool::new(pool, Some(options.pool_size))))
        }
        Backend::Sqlite => {
            let path = sqlite_path(&options.url).to_owned();
            if let Some(dir) = Path::new(&path).parent().filter(|d| !d.as_os_str().is_empty()) {
                if !dir.exists() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| DbError::Unavailable(format!("cannot create {}: {e}", dir.display())))?;
                    restrict(dir, 0o700);
                }
            }
            let new_file = !Path::new(&path).exists();
            let mut conn = SqliteConnection::establish(&path).map_err(|e| DbError::Unavailable(e.to_string()))?;
            if new_file {
                // Before the first write: SQLite gives its -wal and -shm
                // files the permissions of the database file.
                restrict(Path::new(&path), 0o600);
            }
            SqlitePragmas::apply(&mut conn).map_err(|e| DbError::Unavailable(e.to_string()))?;
            migrate(&mut conn, migrations)?;
            // One more for the writer, which keeps its connection.
            let pool = Pool::builder()
                .max_size(options.pool_size + 1)
                .connection_timeout(options.checkout_timeout)
                .test_on_check_out(true)
                .connection_customizer(Box::new(SqlitePragmas))
                .build(TrackedManager::new(&path))
                .map_err(|e| DbError::Unavailable(e.to_string()))?;
            let writer = SqliteWriter::start(pool.clone())?;
            Ok(Database::Sqlite(DbPool::new(pool, None).with_writer(writer)))
        }
    }
}

/// The database holds password hashes and grades: readable by its owner
/// only. (Best effort: a file system without modes keeps its own.)
#[cfg(unix)]
fn restrict(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        tracing::warn!(path = %path.display(), error = %e, "could not restrict permissions");
    }
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) {}

fn migrate<C>(conn: &mut C, migrations: EmbeddedMigrations) -> Result<(), DbError>
where
    C: MigrationHarness<C::Backend> + Connection,
{
    conn.run_pending_migrations(migrations)
        .map(|_| ())
        .map_err(|e| DbError::Unavailable(format!("migrations failed: {e}")))
}

impl Database {
    /// The pool's connections, in use and idle, as gauges (read when the
    /// metrics are).
    pub fn record_pool_state(&self) {
        let state = match self {
            Database::Postgres(pool) => pool.pool.state(),
            Database::Sqlite(pool) => pool.pool.state(),
        };
        let idle = f64::from(state.idle_connections);
        metrics::gauge!("db_pool_connections", "state" => "idle").set(idle);
        metrics::gauge!("db_pool_connections", "state" => "in_use").set(f64::from(state.connections) - idle);
    }

    pub fn backend(&self) -> Backend {
        match self {
            Database::Postgres(_) => Backend::Postgres,
            Database::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Whether the database answers a query within `within`. For SQLite the
    /// file must also still exist: an open connection keeps reading a
    /// deleted file.
    pub async fn is_ready(&self, sqlite_file: Option<PathBuf>, within: Duration) -> bool {
        fn probe<C: diesel::r2d2::R2D2Connection + Send + 'static>(
            pool: &Pool<TrackedManager<C>>,
            sql: &str,
            within: Duration,
        ) -> bool {
            pool.get_timeout(within).is_ok_and(|mut tracked| {
                let answered = tracked.conn.batch_execute(sql).is_ok();
                if !answered {
                    tracked.check_after_failure();
                }
                answered
            })
        }
        let db = self.clone();
        let answered = tokio::task::spawn_blocking(move || match db {
            Database::Postgres(pooled) => probe(&pooled.pool, "SELECT 1", within),
            Database::Sqlite(pooled) => probe(&pooled.pool, "SELECT count(*) FROM __diesel_schema_migrations", within),
        })
        .await
        .unwrap_or(false);
        answered && sqlite_file.is_none_or(|f| f.exists())
    }
}

/// The file a SQLite URL names, or `None` for PostgreSQL.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    (Backend::of_url(url) == Backend::Sqlite).then(|| PathBuf::from(sqlite_path(url)))
}
