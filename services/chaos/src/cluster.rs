//! The four nodes, each on its own host, as real processes that can be
//! killed, stopped, and started again on the same data.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::hosts::{Host, Hosts};

pub const AUTH: &str = "auth";
pub const COURSES: &str = "courses";
pub const GRADES: &str = "grades";
pub const STATIC: &str = "static";
pub const NODES: [&str; 4] = [AUTH, COURSES, GRADES, STATIC];

/// One node: how to start it, and its process while it runs.
pub struct Node {
    pub name: &'static str,
    pub url: String,
    host: Host,
    program: PathBuf,
    args: Vec<String>,
    health_path: &'static str,
    child: Option<Child>,
}

impl Node {
    pub fn pid(&self) -> Option<i32> {
        self.child.as_ref().map(|c| c.id() as i32)
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    fn spawn(&mut self, logs: &Path) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logs.join(format!("{}.log", self.name)))?;
        let child = self
            .host
            .command(&self.program)
            .args(&self.args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            // Its own process group, so faults reach every process of the
            // node (nginx's workers outlive a killed master otherwise).
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {}", self.name))?;
        self.child = Some(child);
        Ok(())
    }

    /// `kill -9`: no shutdown, no flush.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: kill(2) on the process group of our own child.
            unsafe {
                libc::kill(-(child.id() as i32), libc::SIGKILL);
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGSTOP (alive, silent) or SIGCONT.
    pub fn signal(&self, signal: i32) {
        if let Some(pid) = self.pid() {
            // SAFETY: kill(2) on the process group of our own child.
            unsafe {
                libc::kill(-pid, signal);
            }
        }
    }
}

/// The running cluster.
pub struct Cluster {
    pub nodes: Vec<Node>,
    pub private_key: PathBuf,
    /// The folder of the SQLite databases, when the cluster runs on SQLite.
    sqlite_dir: Option<PathBuf>,
    logs: PathBuf,
    _dir: tempfile::TempDir,
}

/// Where the databases live.
#[derive(Debug, Clone)]
pub enum Storage {
    Sqlite,
    /// One PostgreSQL server, by its base URL (`postgres://user@host:port`).
    Postgres(String),
    /// Several servers behind one libpq multi-host URL: each database is
    /// created on every server of `servers`, and the services get
    /// `<prefix>/<name><query>`.
    PostgresHosts {
        servers: Vec<String>,
        prefix: String,
        query: String,
    },
}

fn create_pg_database(servers: &[String], service: &str) -> anyhow::Result<String> {
    let name = format!("enroll_chaos_{service}_{}", uuid::Uuid::new_v4().simple());
    for base in servers {
        let status = Command::new("psql")
            .args([&format!("{base}/postgres"), "-qc", &format!("CREATE DATABASE {name}")])
            // A server standing in for a read-only standby refuses writes
            // by default; this one statement is let through.
            .env("PGOPTIONS", "-c default_transaction_read_only=off")
            .stdout(Stdio::null())
            .status()
            .context("psql is needed for the PostgreSQL run")?;
        anyhow::ensure!(status.success(), "creating {name} on {base} failed");
    }
    Ok(name)
}

/// A fresh key pair from `auth-service keygen`, as a deployment makes one.
pub fn keygen(bin_dir: &Path, private_key: &Path, public_dir: &Path) -> anyhow::Result<()> {
    let status = Command::new(bin_dir.join("auth-service"))
        .args(["keygen", "--private-key"])
        .arg(private_key)
        .arg("--public-dir")
        .arg(public_dir)
        .stdout(Stdio::null())
        .status()
        .context("auth-service keygen (build with `cargo build --release --bins`)")?;
    anyhow::ensure!(status.success(), "keygen failed");
    Ok(())
}

impl Cluster {
    pub async fn start(hosts: &Hosts, bin_dir: &Path, storage: &Storage, logs: &Path) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let private_key = dir.path().join("jwt-private.pem");
        let public_dir = dir.path().join("keys");
        keygen(bin_dir, &private_key, &public_dir)?;
        std::fs::create_dir_all(logs)?;

        let static_host = hosts.get(STATIC);
        let origin = format!("http://{}:8080", static_host.ip);
        let database = |service: &str| -> anyhow::Result<String> {
            match storage {
                Storage::Sqlite => Ok(dir.path().join(format!("{service}.db")).to_string_lossy().into_owned()),
                Storage::Postgres(base) => Ok(format!(
                    "{base}/{}",
                    create_pg_database(std::slice::from_ref(base), service)?
                )),
                Storage::PostgresHosts { servers, prefix, query } => {
                    Ok(format!("{prefix}/{}{query}", create_pg_database(servers, service)?))
                }
            }
        };
        let common = |host: &Host, port: u16, service: &str| -> anyhow::Result<Vec<String>> {
            Ok(vec![
                format!("--bind={}:{port}", host.ip),
                format!("--database-url={}", database(service)?),
                format!("--jwt-public-key={}", public_dir.display()),
                format!("--cors-origins={origin}"),
                "--seed-demo".into(),
            ])
        };
        let courses_url = format!("http://{}:8082", hosts.get(COURSES).ip);
        let auth_url = format!("http://{}:8081", hosts.get(AUTH).ip);
        let mut auth_args = common(hosts.get(AUTH), 8081, AUTH)?;
        auth_args.push(format!("--jwt-private-key={}", private_key.display()));
        // The probes sign the five demo users in several times a second for
        // minutes: more than a person's 60 attempts a minute.
        auth_args.push("--login-attempts-per-account=100000".into());
        let mut grades_args = common(hosts.get(GRADES), 8083, GRADES)?;
        grades_args.push(format!("--courses-url={courses_url}"));
        grades_args.push(format!("--auth-url={auth_url}"));
        let grades_url = format!("http://{}:8083", hosts.get(GRADES).ip);
        // The completions feed (prerequisites), read with a secret of this
        // run's.
        let completions_token = format!("--completions-token={}", uuid::Uuid::new_v4().simple());
        grades_args.push(completions_token.clone());
        let mut courses_args = common(hosts.get(COURSES), 8082, COURSES)?;
        courses_args.push(format!("--auth-url={auth_url}"));
        courses_args.push(format!("--grades-url={grades_url}"));
        courses_args.push(completions_token);

        let config = serde_json::json!({
            "auth": [auth_url],
            "courses": [courses_url],
            "grades": [grades_url],
        });
        // nginx started as root serves as `nobody`, which must read it.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
        let config_file = dir.path().join("config.json");
        std::fs::write(&config_file, config.to_string())?;
        let (static_program, static_args) = static_server(&static_host.ip, &config_file, dir.path())?;

        let node =
            |name: &'static str, host: &Host, port: u16, program: PathBuf, args: Vec<String>, health: &'static str| {
                Node {
                    name,
                    url: format!("http://{}:{port}", host.ip),
                    host: host.clone(),
                    program,
                    args,
                    health_path: health,
                    child: None,
                }
            };
        let mut cluster = Self {
            nodes: vec![
                node(
                    AUTH,
                    hosts.get(AUTH),
                    8081,
                    bin_dir.join("auth-service"),
                    auth_args,
                    "/healthz",
                ),
                node(
                    COURSES,
                    hosts.get(COURSES),
                    8082,
                    bin_dir.join("course-service"),
                    courses_args,
                    "/healthz",
                ),
                node(
                    GRADES,
                    hosts.get(GRADES),
                    8083,
                    bin_dir.join("grade-service"),
                    grades_args,
                    "/healthz",
                ),
                node(STATIC, static_host, 8080, static_program, static_args, "/config.json"),
            ],
            private_key,
            sqlite_dir: matches!(storage, Storage::Sqlite).then(|| dir.path().to_path_buf()),
            logs: logs.to_path_buf(),
            _dir: dir,
        };
        // Courses first: grades seeds nothing that needs it, but a cluster
        // that starts in dependency order is easier to read in the logs.
        for name in [COURSES, AUTH, GRADES, STATIC] {
            cluster.start_node(name).await?;
        }
        Ok(cluster)
    }

    pub fn node(&self, name: &str) -> &Node {
        self.nodes
            .iter()
            .find(|n| n.name == name)
            .expect("a node of the cluster")
    }

    pub fn node_mut(&mut self, name: &str) -> &mut Node {
        self.nodes
            .iter_mut()
            .find(|n| n.name == name)
            .expect("a node of the cluster")
    }

    /// A service's SQLite database file, when the cluster runs on SQLite.
    pub fn sqlite_file(&self, service: &str) -> Option<PathBuf> {
        self.sqlite_dir.as_ref().map(|dir| dir.join(format!("{service}.db")))
    }

    pub fn url(&self, name: &str) -> String {
        self.node(name).url.clone()
    }

    /// Starts (or restarts) a node and waits until it answers.
    pub async fn start_node(&mut self, name: &str) -> anyhow::Result<Duration> {
        let logs = self.logs.clone();
        let node = self.node_mut(name);
        node.spawn(&logs)?;
        let url = format!("{}{}", node.url, node.health_path);
        let started = Instant::now();
        let http = crate::trust::client_builder()
            .timeout(Duration::from_millis(500))
            .build()?;
        while started.elapsed() < Duration::from_secs(30) {
            if http.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        anyhow::bail!("{name} did not come up; see its log")
    }
}

/// The product's static node, `nginx/serve`, serving the built app (or a
/// stand-in page where the app is not built) and this cluster's config.
fn static_server(ip: &str, config: &Path, dir: &Path) -> anyhow::Result<(PathBuf, Vec<String>)> {
    let repo = std::env::current_dir()?;
    let serve = repo.join("nginx/serve");
    anyhow::ensure!(
        serve.exists(),
        "nginx/serve not found: run the suite from the repository's root"
    );
    let mut root = repo.join("frontend/dist");
    if !root.join("index.html").exists() {
        root = dir.join("site");
        std::fs::create_dir_all(&root)?;
        std::fs::write(root.join("index.html"), "<!doctype html><title>Enrollment</title>")?;
    }
    Ok((
        serve,
        vec![
            "--listen".into(),
            format!("{ip}:8080"),
            "--root".into(),
            root.display().to_string(),
            "--config".into(),
            config.display().to_string(),
            "--state-dir".into(),
            dir.join("nginx").display().to_string(),
        ],
    ))
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.signal(libc::SIGCONT);
            node.kill9();
        }
    }
}
