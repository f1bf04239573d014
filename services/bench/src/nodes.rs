//! Starts the release binaries as separate processes with their own
//! temporary SQLite databases (or PostgreSQL databases) and keys.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use enroll_chaos::replicated::topology::{Kind, Options, Replicated};
use service_common::auth::TokenSigner;

/// The running services of one benchmark run.
pub struct Nodes {
    pub auth: String,
    pub courses: String,
    pub grades: String,
    pub signer: TokenSigner,
    children: Vec<Child>,
    /// The replicated deployment, for `BENCH_DB=cluster`: the load goes to
    /// the first replica of each service.
    cluster: Option<Replicated>,
    _dir: tempfile::TempDir,
}

/// A certificate for 127.0.0.1 from the deployment's own script, trusted
/// by the benchmark's clients from now on; the services' TLS flags.
fn tls_flags(dir: &Path) -> anyhow::Result<Vec<String>> {
    let tls = dir.join("tls");
    let status = Command::new("bash")
        .arg("deploy/tls/make-certs.sh")
        .arg(&tls)
        .arg("localhost=127.0.0.1")
        .status()
        .context("deploy/tls/make-certs.sh (run from the repository's root)")?;
    anyhow::ensure!(status.success(), "making the certificates failed");
    enroll_chaos::trust::trust(std::fs::read(tls.join("ca.crt"))?);
    Ok(vec![
        format!("--tls-cert={}", tls.join("localhost.crt").display()),
        format!("--tls-key={}", tls.join("localhost.key").display()),
        format!("--tls-ca={}", tls.join("ca.crt").display()),
    ])
}

/// Each service's database pool (`BENCH_DB_POOL`, 16 by default).
fn pool_size() -> u32 {
    std::env::var("BENCH_DB_POOL")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(16)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn binary(dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    anyhow::ensure!(
        path.exists(),
        "{} is missing: build with `cargo build --release --bins`",
        path.display()
    );
    Ok(path)
}

impl Nodes {
    /// `database_base`: `None` for SQLite files, or a PostgreSQL server URL
    /// (`postgres://user@host:port`) on which fresh databases are made.
    pub async fn start(bin_dir: &Path, database_base: Option<&str>) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let private_key = dir.path().join("jwt-private.pem");
        let public_dir = dir.path().join("keys");
        let status = Command::new(binary(bin_dir, "auth-service")?)
            .args(["keygen", "--private-key"])
            .arg(&private_key)
            .arg("--public-dir")
            .arg(&public_dir)
            .stdout(Stdio::null())
            .status()?;
        anyhow::ensure!(status.success(), "keygen failed");
        let signer = TokenSigner::from_private_pem(&std::fs::read_to_string(&private_key)?)?;

        let dir_path = dir.path().to_path_buf();
        let database = |service: &str| -> anyhow::Result<String> {
            match database_base {
                None => Ok(dir_path.join(format!("{service}.db")).to_string_lossy().into_owned()),
                Some(base) => {
                    let name = format!("enroll_bench_{service}_{}", uuid::Uuid::new_v4().simple());
                    let status = Command::new("psql")
                        .args([&format!("{base}/postgres"), "-qc", &format!("CREATE DATABASE {name}")])
                        .status()
                        .context("psql is needed for PostgreSQL benchmarks")?;
                    anyhow::ensure!(status.success(), "creating {name} failed");
                    Ok(format!("{base}/{name}"))
                }
            }
        };
        let (auth_port, courses_port, grades_port) = (free_port()?, free_port()?, free_port()?);
        // `BENCH_TLS=1`: every service serves HTTPS and calls the others
        // over it, as between the machines of the replicated deployment.
        let tls = std::env::var("BENCH_TLS").is_ok_and(|v| v == "1");
        let tls_flags = if tls { tls_flags(dir.path())? } else { Vec::new() };
        let scheme = if tls { "https" } else { "http" };
        let mut nodes = Self {
            auth: format!("{scheme}://127.0.0.1:{auth_port}"),
            courses: format!("{scheme}://127.0.0.1:{courses_port}"),
            grades: format!("{scheme}://127.0.0.1:{grades_port}"),
            signer,
            children: Vec::new(),
            cluster: None,
            _dir: dir,
        };
        let keys = [
            format!("--jwt-public-key={}", public_dir.display()),
            format!("--jwt-private-key={}", private_key.display()),
        ];
        let spawn = |name: &str, port: u16, db: String, extra: Vec<String>| -> anyhow::Result<Child> {
            let mut command = Command::new(binary(bin_dir, name)?);
            command
                .arg(format!("--bind=127.0.0.1:{port}"))
                .arg(format!("--database-url={db}"))
                .arg(&keys[0])
                .arg("--seed-demo")
                .arg(format!("--db-pool-size={}", pool_size()))
                .args(&tls_flags)
                .args(extra)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::inherit());
            Ok(command.spawn()?)
        };
        nodes.children.push(spawn(
            "auth-service",
            auth_port,
            database("auth")?,
            vec![keys[1].clone(), "--login-failures-per-client=1000000".into()],
        )?);
        nodes.children.push(spawn(
            "course-service",
            courses_port,
            database("courses")?,
            vec![format!("--auth-url={}", nodes.auth)],
        )?);
        nodes.children.push(spawn(
            "grade-service",
            grades_port,
            database("grades")?,
            vec![
                format!("--courses-url={}", nodes.courses),
                format!("--auth-url={}", nodes.auth),
            ],
        )?);
        for url in [&nodes.auth, &nodes.courses, &nodes.grades] {
            wait_healthy(url).await?;
        }
        Ok(nodes)
    }
}

impl Nodes {
    /// The replicated deployment of `make cluster` (three PostgreSQL nodes
    /// under Patroni with synchronous replication, two replicas of each
    /// service), with the settings `start` gives the single services.
    pub async fn start_cluster(bin_dir: &Path) -> anyhow::Result<Self> {
        let options = Options {
            seed_demo: true,
            service_env: vec![
                ("DB_POOL_SIZE".into(), "16".into()),
                ("LOGIN_FAILURES_PER_CLIENT".into(), "1000000".into()),
            ],
        };
        let cluster = Replicated::start(bin_dir, &PathBuf::from("target/bench/cluster-logs"), &options).await?;
        let signer = TokenSigner::from_private_pem(&std::fs::read_to_string(&cluster.private_key)?)?;
        let first = |kind: Kind| cluster.urls(kind).remove(0);
        Ok(Self {
            auth: first(Kind::Auth),
            courses: first(Kind::Courses),
            grades: first(Kind::Grades),
            signer,
            children: Vec::new(),
            cluster: Some(cluster),
            _dir: tempfile::tempdir()?,
        })
    }

    /// CPU time course-service has used so far, in seconds (user and
    /// system, every thread), from `/proc`.
    pub fn course_service_cpu_seconds(&self) -> f64 {
        let pid = match &self.cluster {
            Some(cluster) => cluster.pid(Kind::Courses, "app1"),
            None => self.children.get(1).map(|c| c.id() as i32),
        };
        let Some(pid) = pid else {
            return 0.0;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The fields after the command name, which is in parentheses.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
        let ticks = |n: usize| fields.get(n).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
        // utime and stime (fields 14 and 15), in USER_HZ ticks: 100 a second.
        (ticks(11) + ticks(12)) / 100.0
    }

    /// Starts the ceiling server (this binary's `ceiling` command) serving
    /// `body`, and returns its base URL.
    pub async fn start_ceiling(&mut self, body: &[u8]) -> anyhow::Result<String> {
        let file = self._dir.path().join("ceiling-body.json");
        std::fs::write(&file, body)?;
        let port = free_port()?;
        let child = Command::new(std::env::current_exe()?)
            .arg("ceiling")
            .arg(port.to_string())
            .arg(&file)
            .stdout(Stdio::null())
            .spawn()?;
        self.children.push(child);
        let url = format!("http://127.0.0.1:{port}");
        let http = enroll_chaos::trust::client_builder().build()?;
        for _ in 0..200 {
            if http.get(format!("{url}/courses")).send().await.is_ok() {
                return Ok(url);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        anyhow::bail!("the ceiling server did not start")
    }
}

async fn wait_healthy(url: &str) -> anyhow::Result<()> {
    let http = enroll_chaos::trust::client_builder().build()?;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if http
            .get(format!("{url}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("{url} did not become healthy")
}

impl Drop for Nodes {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
