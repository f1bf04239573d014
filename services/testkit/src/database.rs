use std::sync::OnceLock;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use tempfile::TempDir;

/// The database engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on: the one
/// variable, `TEST_POSTGRES_URL`, for every service's tests.
pub fn postgres_base() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// Whether PostgreSQL tests can run. With `REQUIRE_POSTGRES=1` an
/// unreachable server fails the test instead of skipping it; with
/// `TEST_POSTGRES=off` they are skipped.
pub fn postgres_available() -> bool {
    // `make check`'s quick loop: SQLite alone.
    if std::env::var("TEST_POSTGRES").is_ok_and(|v| v == "off") {
        return false;
    }
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    let available =
        *AVAILABLE.get_or_init(|| PgConnection::establish(&format!("{}/postgres", postgres_base())).is_ok());
    let required = std::env::var("REQUIRE_POSTGRES").is_ok_and(|v| v == "1" || v == "true");
    if !available {
        assert!(
            !required,
            "REQUIRE_POSTGRES is set but PostgreSQL at {} is not reachable",
            postgres_base()
        );
        eprintln!("PostgreSQL at {} is not reachable: test skipped", postgres_base());
    }
    available
}

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    dir: Option<TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    pub fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = dir.path().join("test.db").to_string_lossy().into_owned();
                Self {
                    url,
                    backend,
                    dir: Some(dir),
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let name = format!("enroll_test_{}", uuid::Uuid::new_v4().simple());
                admin_connection()
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("creating a test database");
                Self {
                    url: format!("{}/{name}", postgres_base()),
                    backend,
                    dir: None,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// Makes the database disappear while services still use it: the SQLite
    /// file is deleted, the PostgreSQL database dropped with its sessions.
    pub fn destroy(&mut self) {
        if let Some(name) = self.pg_name.take() {
            drop_pg_database(&name);
        }
        if self.dir.is_some() {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", self.url));
            }
        }
    }
}

fn admin_connection() -> PgConnection {
    PgConnection::establish(&format!("{}/postgres", postgres_base())).expect("PostgreSQL reachable")
}

fn drop_pg_database(name: &str) {
    if let Ok(mut conn) = PgConnection::establish(&format!("{}/postgres", postgres_base())) {
        let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            drop_pg_database(&name);
        }
    }
}

#[derive(diesel::QueryableByName)]
struct TextValue {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

impl TestDb {
    /// Runs `sql` (statements without results) directly on the database.
    pub fn execute(&self, sql: &str) {
        match self.backend {
            Backend::Sqlite => diesel::SqliteConnection::establish(&self.url)
                .expect("open the test database")
                .batch_execute(sql),
            Backend::Postgres => PgConnection::establish(&self.url)
                .expect("open the test database")
                .batch_execute(sql),
        }
        .expect("run SQL on the test database");
    }

    /// PostgreSQL only: refuses new sessions to this database (`false`) or
    /// lets them in again (`true`), and with `false` ends every open one,
    /// as a server restart or an outage does to the services using it.
    pub fn set_reachable(&self, reachable: bool) {
        let name = self.pg_name.as_deref().expect("a PostgreSQL test database");
        let mut admin = admin_connection();
        admin
            .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {reachable}"))
            .expect("changing ALLOW_CONNECTIONS");
        if !reachable {
            admin
                .batch_execute(&format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                ))
                .expect("ending the sessions");
        }
    }

    /// Runs `sql`, which must select one text column named `value`, directly
    /// on the database: how a test checks what was really stored.
    pub fn select_text(&self, sql: &str) -> Vec<String> {
        use diesel::RunQueryDsl;
        let rows: Vec<TextValue> = match self.backend {
            Backend::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(&self.url).expect("open the test database");
                diesel::sql_query(sql).load(&mut conn).expect("query the test database")
            }
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url).expect("open the test database");
                diesel::sql_query(sql).load(&mut conn).expect("query the test database")
            }
        };
        rows.into_iter().map(|r| r.value).collect()
    }
}
