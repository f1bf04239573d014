//! The replicated deployment on one machine, every host a network
//! namespace: three database hosts (an etcd member and a PostgreSQL node
//! under Patroni on each), two application hosts (one replica of each
//! service on each) and the static node. Every process is started from the
//! unit and template files in `deploy/`, filled in for its host.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

use super::deployment::{environment, render, Unit, Values};
use crate::hosts::{Host, Hosts, Mode, SUBNET};

pub const DB_HOSTS: [&str; 3] = ["db1", "db2", "db3"];
pub const APP_HOSTS: [&str; 2] = ["app1", "app2"];
pub const WEB: &str = "web";
const ALL_HOSTS: [&str; 6] = ["db1", "db2", "db3", "app1", "app2", "web"];

/// What a process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Etcd,
    Patroni,
    Auth,
    Courses,
    Grades,
    Static,
}

impl Kind {
    pub const SERVICES: [Kind; 3] = [Kind::Auth, Kind::Courses, Kind::Grades];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Etcd => "etcd",
            Kind::Patroni => "patroni",
            Kind::Auth => "auth",
            Kind::Courses => "courses",
            Kind::Grades => "grades",
            Kind::Static => "static",
        }
    }

    /// The kind a person names (`courses`, `etcd`, ...).
    pub fn named(name: &str) -> Option<Self> {
        [
            Kind::Etcd,
            Kind::Patroni,
            Kind::Auth,
            Kind::Courses,
            Kind::Grades,
            Kind::Static,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }

    fn unit(self) -> String {
        format!("enroll-{}.service", self.name())
    }

    pub fn port(self) -> u16 {
        match self {
            Kind::Etcd => 2379,
            Kind::Patroni => 8008,
            Kind::Auth => 8081,
            Kind::Courses => 8082,
            Kind::Grades => 8083,
            Kind::Static => 8080,
        }
    }

    /// The path that answers 200 once the process serves.
    fn health_path(self) -> &'static str {
        match self {
            Kind::Etcd => "/health",
            Kind::Patroni => "/health",
            Kind::Static => "/config.json",
            _ => "/readyz",
        }
    }

    /// Where the process answers its health path: every one over HTTPS
    /// but etcd, whose health alone is also served plainly (on its metrics
    /// port, where no key is read or written).
    fn health_base(self, ip: &str) -> String {
        match self {
            Kind::Etcd => format!("http://{ip}:2381"),
            kind => format!("https://{ip}:{}", kind.port()),
        }
    }

    /// The user the unit runs the process as on a real host, who must be
    /// able to read its key (services run as root here).
    fn key_owner(self) -> Option<&'static str> {
        match self {
            Kind::Etcd => Some("etcd"),
            Kind::Patroni => Some("postgres"),
            _ => None,
        }
    }
}

/// One process of the deployment, as its unit runs it.
pub struct Process {
    pub kind: Kind,
    pub host: Host,
    user: Option<String>,
    command: Vec<String>,
    env: Vec<(String, String)>,
    log: PathBuf,
    child: Option<Child>,
}

impl Process {
    /// Its address: HTTPS (etcd's clients too, with a certificate).
    pub fn url(&self) -> String {
        format!("https://{}:{}", self.host.ip, self.kind.port())
    }

    fn spawn(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log)?;
        let mut command = match &self.user {
            Some(user) => {
                let mut command = self.host.command(Path::new("runuser"));
                command.args(["-u", user, "--"]).arg(&self.command[0]);
                command
            }
            None => self.host.command(Path::new(&self.command[0])),
        };
        let child = command
            .args(&self.command[1..])
            .envs(self.env.iter().cloned())
            .env("RUST_LOG", "warn")
            // A working directory every user may enter.
            .current_dir("/")
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {} on {}", self.kind.name(), self.host.name))?;
        self.child = Some(child);
        Ok(())
    }

    fn pid(&self) -> Option<i32> {
        self.child.as_ref().map(|c| c.id() as i32)
    }

    pub fn running(&self) -> bool {
        self.child.is_some()
    }

    /// `kill -9` of the process and everything in its process group.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: kill(2) on the process group of our own child.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn signal(&self, signal: i32) {
        if let Some(pid) = self.pid() {
            // SAFETY: kill(2) on the process group of our own child.
            unsafe { libc::kill(-pid, signal) };
        }
    }
}

/// One member as Patroni reports it.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub role: String,
    pub state: String,
    pub timeline: Option<i64>,
    pub lag: Option<i64>,
}

/// The whole deployment; every process stopped and every host removed when
/// dropped.
pub struct Replicated {
    pub processes: Vec<Process>,
    pub private_key: PathBuf,
    /// The deployment's certificate authority (`ca.crt`, and `ca.key`
    /// that signed every host's certificate), from deploy/tls.
    pub tls_dir: PathBuf,
    /// The password of Patroni's REST API for calls that change the
    /// cluster (with a client certificate).
    pub patroni_api_password: String,
    /// The services' database password.
    pub app_password: String,
    pub run_dir: PathBuf,
    http: reqwest::Client,
    // Dropped after the processes are stopped (see Drop).
    pub hosts: Hosts,
    _dir: tempfile::TempDir,
}

fn secret() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn chown(path: &Path, user: &str) -> anyhow::Result<()> {
    let status = Command::new("chown")
        .arg("-R")
        .arg(format!("{user}:"))
        .arg(path)
        .status()?;
    anyhow::ensure!(status.success(), "chown {user} {}", path.display());
    Ok(())
}

/// Settings of the run, beyond the deploy files.
pub struct Options {
    pub seed_demo: bool,
    /// Extra variables for every service replica (the suite's probes sign
    /// in more often than a person may).
    pub service_env: Vec<(String, String)>,
}

impl Replicated {
    pub async fn start(bin_dir: &Path, logs: &Path, options: &Options) -> anyhow::Result<Self> {
        for tool in ["etcd", "patroni"] {
            anyhow::ensure!(
                Command::new("sh")
                    .args(["-c", &format!("command -v {tool}")])
                    .stdout(Stdio::null())
                    .status()?
                    .success(),
                "{tool} is not installed (make install-tools installs it)"
            );
        }
        let hosts = Hosts::create(&ALL_HOSTS);
        anyhow::ensure!(
            hosts.mode == Mode::Namespaces,
            "the replicated cluster needs network namespaces (run as root)"
        );
        // Each run's logs alone (a restarted process appends to its own).
        let _ = std::fs::remove_dir_all(logs);
        std::fs::create_dir_all(logs)?;
        let dir = tempfile::tempdir()?;
        let run_dir = dir.path().to_path_buf();
        std::fs::set_permissions(&run_dir, std::fs::Permissions::from_mode(0o755))?;
        let repo = std::env::current_dir()?;
        let deploy = run_dir.join("deploy");
        let status = Command::new("cp")
            .arg("-r")
            .arg(repo.join("deploy"))
            .arg(&deploy)
            .status()?;
        anyhow::ensure!(status.success(), "deploy/ not found: run from the repository's root");

        let keys = run_dir.join("keys");
        let private_key = keys.join("jwt-private.pem");
        crate::cluster::keygen(bin_dir, &private_key, &keys.join("public"))?;
        let tls_dir = make_certificates(&deploy, &run_dir, &hosts)?;
        // The suite's own clients trust this deployment's authority alone.
        crate::trust::trust(std::fs::read(tls_dir.join("ca.crt"))?);
        let patroni_api_password = secret();

        let ip = |name: &str| hosts.get(name).ip.clone();
        let join = |kind: Kind, hosts_of: &[&str]| -> Vec<String> {
            hosts_of
                .iter()
                .map(|h| format!("https://{}:{}", ip(h), kind.port()))
                .collect()
        };
        let app_password = secret();
        let mut shared = Values::new();
        let set = |values: &mut Values, key: &str, value: String| {
            values.insert(key.to_owned(), value);
        };
        // One entry per database host, comma separated.
        let each_db = |entry: &dyn Fn(&str, &str) -> String| -> String {
            DB_HOSTS.iter().map(|h| entry(h, &ip(h))).collect::<Vec<_>>().join(",")
        };
        set(
            &mut shared,
            "ETCD_INITIAL_CLUSTER",
            each_db(&|h, ip| format!("{h}=https://{ip}:2380")),
        );
        set(&mut shared, "ETCD_HOSTS", each_db(&|_, ip| format!("{ip}:2379")));
        set(&mut shared, "DATABASE_HOSTS", each_db(&|_, ip| format!("{ip}:5432")));
        set(
            &mut shared,
            "PG_BIN_DIR",
            crate::pg_server::postgres_bin()?.display().to_string(),
        );
        set(&mut shared, "DEPLOY_DIR", deploy.display().to_string());
        set(&mut shared, "CLUSTER_NETWORK", format!("{SUBNET}.0/24"));
        set(&mut shared, "SUPERUSER_PASSWORD", secret());
        set(&mut shared, "REPLICATION_PASSWORD", secret());
        set(&mut shared, "REWIND_PASSWORD", secret());
        set(&mut shared, "APP_PASSWORD", app_password.clone());
        set(&mut shared, "COMPLETIONS_TOKEN", secret());
        set(&mut shared, "PRIVATE_KEY", private_key.display().to_string());
        set(&mut shared, "PUBLIC_KEYS", keys.join("public").display().to_string());
        set(&mut shared, "APP_ORIGIN", format!("https://{}:8080", ip(WEB)));
        set(&mut shared, "PATRONI_API_PASSWORD", patroni_api_password.clone());
        set(&mut shared, "SEED_DEMO", options.seed_demo.to_string());
        for (key, kind) in [
            ("AUTH_URLS", Kind::Auth),
            ("COURSES_URLS", Kind::Courses),
            ("GRADES_URLS", Kind::Grades),
        ] {
            let urls = join(kind, &APP_HOSTS);
            set(&mut shared, key, urls.join(","));
            set(
                &mut shared,
                &format!("{key}_JSON"),
                serde_json::to_string(&urls).expect("a list of strings"),
            );
        }

        let mut processes = Vec::new();
        let bin = bin_dir.canonicalize().unwrap_or_else(|_| bin_dir.to_path_buf());
        let mut site = repo.join("frontend/dist");
        if !site.join("index.html").exists() {
            site = run_dir.join("site");
            std::fs::create_dir_all(&site)?;
            std::fs::write(site.join("index.html"), "<!doctype html><title>Enrollment</title>")?;
        }
        for host_name in ALL_HOSTS {
            let host = hosts.get(host_name);
            let etc = run_dir.join(host_name).join("etc");
            std::fs::create_dir_all(&etc)?;
            let mut values = shared.clone();
            values.insert("NODE_NAME".into(), host_name.to_owned());
            values.insert("NODE_IP".into(), host.ip.clone());
            let kinds: &[Kind] = if DB_HOSTS.contains(&host_name) {
                &[Kind::Etcd, Kind::Patroni]
            } else if APP_HOSTS.contains(&host_name) {
                &Kind::SERVICES
            } else {
                &[Kind::Static]
            };
            for &kind in kinds {
                let state = run_dir.join(host_name).join(format!("{}-state", kind.name()));
                std::fs::create_dir_all(&state)?;
                values.insert("STATE_DIR".into(), state.display().to_string());
                let tls = host_certificates(&tls_dir, &run_dir, host_name, kind)?;
                values.insert("TLS_DIR".into(), tls.display().to_string());
                let templates: &[(&str, &str)] = match kind {
                    Kind::Etcd => &[("etcd/etcd.env.template", "etcd.env")],
                    Kind::Patroni => &[
                        ("patroni/patroni.yml.template", "patroni.yml"),
                        ("patroni/patroni.env.template", "patroni.env"),
                    ],
                    Kind::Auth => &[("services/auth.env.template", "auth.env")],
                    Kind::Courses => &[("services/courses.env.template", "courses.env")],
                    Kind::Grades => &[("services/grades.env.template", "grades.env")],
                    Kind::Static => &[
                        ("static/static.env.template", "static.env"),
                        ("static/config.json.template", "config.json"),
                    ],
                };
                for (template, file) in templates {
                    render(&deploy, template, &values, &etc.join(file))?;
                }
                let unit = Unit::read(&deploy, &kind.unit())?;
                let map = |installed: &str| -> PathBuf {
                    match installed.strip_prefix("/etc/enroll/") {
                        Some(file) => etc.join(file),
                        None => PathBuf::from(installed),
                    }
                };
                let mut env = match &unit.environment_file {
                    Some(file) => environment(&map(file))?,
                    None => Vec::new(),
                };
                env.push(("STATE_DIRECTORY".into(), state.display().to_string()));
                if Kind::SERVICES.contains(&kind) {
                    env.extend(options.service_env.iter().cloned());
                }
                let command = unit.command_line(
                    &env,
                    &[
                        ("/usr/local/bin", bin.clone()),
                        ("/usr/local/share/enroll/nginx", repo.join("nginx")),
                        ("/usr/local/share/enroll/dist", site.clone()),
                        ("/etc/enroll", etc.clone()),
                    ],
                )?;
                // Services run as root here (systemd would give each its own
                // dynamic user); the database processes as their own users,
                // which also own their state.
                let user = unit.user.clone().filter(|u| u != "root");
                if let Some(user) = &user {
                    chown(&state, user)?;
                    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700))?;
                }
                processes.push(Process {
                    kind,
                    host: host.clone(),
                    user,
                    command,
                    env,
                    log: logs.join(format!("{}-{host_name}.log", kind.name())),
                    child: None,
                });
            }
        }
        // Patroni reads its file as postgres.
        for db in DB_HOSTS {
            chown(&run_dir.join(db).join("etc"), "postgres")?;
        }
        let http = crate::trust::client_builder()
            .timeout(Duration::from_millis(1000))
            .build()?;
        let mut cluster = Self {
            processes,
            private_key,
            tls_dir,
            patroni_api_password,
            app_password,
            run_dir,
            http,
            hosts,
            _dir: dir,
        };
        for db in DB_HOSTS {
            cluster.start_process(Kind::Etcd, db)?;
        }
        for db in DB_HOSTS {
            cluster.wait_serving(Kind::Etcd, db, Duration::from_secs(30)).await?;
        }
        for db in DB_HOSTS {
            cluster.start_process(Kind::Patroni, db)?;
        }
        cluster
            .wait_database(Duration::from_secs(90))
            .await
            .context("the database cluster did not form; see the patroni logs")?;
        // One replica at a time on a new database: the first seeds the demo.
        for app in APP_HOSTS {
            for kind in [Kind::Auth, Kind::Courses, Kind::Grades] {
                cluster.start_process(kind, app)?;
                cluster.wait_serving(kind, app, Duration::from_secs(60)).await?;
            }
        }
        cluster.start_process(Kind::Static, WEB)?;
        cluster.wait_serving(Kind::Static, WEB, Duration::from_secs(30)).await?;
        Ok(cluster)
    }

    fn find(&mut self, kind: Kind, host: &str) -> &mut Process {
        self.processes
            .iter_mut()
            .find(|p| p.kind == kind && p.host.name == host)
            .expect("a process of the deployment")
    }

    pub fn process(&self, kind: Kind, host: &str) -> &Process {
        self.processes
            .iter()
            .find(|p| p.kind == kind && p.host.name == host)
            .expect("a process of the deployment")
    }

    /// The pid of a running process (its runner, for those started as
    /// another user).
    pub fn pid(&self, kind: Kind, host: &str) -> Option<i32> {
        self.process(kind, host).pid()
    }

    /// Starts a process that is not running (one that runs is left alone).
    pub fn start_process(&mut self, kind: Kind, host: &str) -> anyhow::Result<()> {
        let process = self.find(kind, host);
        if process.running() {
            return Ok(());
        }
        process.spawn()
    }

    pub fn kill_process(&mut self, kind: Kind, host: &str) {
        self.find(kind, host).kill9();
    }

    /// Every replica's URL of a service, in the order clients try them.
    pub fn urls(&self, kind: Kind) -> Vec<String> {
        self.processes
            .iter()
            .filter(|p| p.kind == kind)
            .map(Process::url)
            .collect()
    }

    pub fn host(&self, name: &str) -> &Host {
        self.hosts.get(name)
    }

    /// Whether `host` is one of the deployment's hosts.
    pub fn has_host(&self, name: &str) -> bool {
        ALL_HOSTS.contains(&name)
    }

    /// Whether `host` runs a process of this kind.
    pub fn has_process(&self, kind: Kind, host: &str) -> bool {
        self.processes.iter().any(|p| p.kind == kind && p.host.name == host)
    }

    pub async fn wait_serving(&self, kind: Kind, host: &str, within: Duration) -> anyhow::Result<Duration> {
        let url = format!("{}{}", kind.health_base(&self.hosts.get(host).ip), kind.health_path());
        let started = Instant::now();
        while started.elapsed() < within {
            if self.http.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("{} on {host} did not come up; see its log", kind.name())
    }

    /// The members as the first Patroni that answers reports them.
    pub async fn members(&self) -> Vec<Member> {
        for db in DB_HOSTS {
            let url = format!("https://{}:8008/cluster", self.hosts.get(db).ip);
            let Ok(response) = self.http.get(&url).send().await else {
                continue;
            };
            let Ok(body) = response.json::<serde_json::Value>().await else {
                continue;
            };
            let members = body["members"].as_array().cloned().unwrap_or_default();
            return members
                .iter()
                .map(|m| Member {
                    name: m["name"].as_str().unwrap_or_default().to_owned(),
                    role: m["role"].as_str().unwrap_or_default().to_owned(),
                    state: m["state"].as_str().unwrap_or_default().to_owned(),
                    timeline: m["timeline"].as_i64(),
                    lag: m["lag"].as_i64(),
                })
                .collect();
        }
        Vec::new()
    }

    /// The host of the PostgreSQL primary, as Patroni reports it.
    pub async fn leader(&self) -> Option<String> {
        self.members()
            .await
            .into_iter()
            .find(|m| m.role == "leader" && m.state == "running")
            .map(|m| m.name)
    }

    /// Waits until three members run: a primary, a synchronous standby and
    /// a replica, all streaming with no lag.
    pub async fn wait_database(&self, within: Duration) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let mut last = Vec::new();
        while started.elapsed() < within {
            let members = self.members().await;
            let running = members
                .iter()
                .filter(|m| m.state == "running" || m.state == "streaming")
                .count();
            let has = |role: &str| members.iter().any(|m| m.role == role);
            let caught_up = members.iter().filter(|m| m.role != "leader").all(|m| m.lag == Some(0));
            let one_timeline = members.windows(2).all(|w| w[0].timeline == w[1].timeline);
            if running == 3 && has("leader") && has("sync_standby") && caught_up && one_timeline {
                return Ok(started.elapsed());
            }
            last = members;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        anyhow::bail!("the database cluster was not whole within {within:?}: {last:?}")
    }

    /// Waits until the whole deployment serves again: the database whole,
    /// every etcd member and every replica answering.
    pub async fn wait_whole(&self, within: Duration) -> anyhow::Result<Duration> {
        let started = Instant::now();
        self.wait_database(within).await?;
        for process in &self.processes {
            if process.kind != Kind::Patroni {
                let left = within.saturating_sub(started.elapsed()).max(Duration::from_secs(1));
                self.wait_serving(process.kind, &process.host.name, left).await?;
            }
        }
        Ok(started.elapsed())
    }

    fn postmaster(&self, db: &str) -> Option<i32> {
        crate::pg_server::postmaster_of(&self.run_dir.join(db).join("patroni-state/postgresql"))
    }

    /// The PostgreSQL server of `db` and every process it started (Patroni
    /// starts it in a session of its own, so it outlives Patroni).
    fn postgres_processes(&self, db: &str) -> Vec<i32> {
        self.postmaster(db)
            .map_or_else(Vec::new, crate::pg_server::with_children)
    }

    /// `kill -9` of the PostgreSQL server on `db` (its postmaster; the
    /// backends end themselves), Patroni left running.
    pub fn kill_postgres(&self, db: &str) {
        if let Some(pid) = self.postmaster(db) {
            // SAFETY: kill(2) has no memory-safety preconditions.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }

    fn signal_host(&self, host: &str, signal: i32) {
        for process in self.processes.iter().filter(|p| p.host.name == host) {
            process.signal(signal);
        }
        for pid in self.postgres_processes(host) {
            // SAFETY: as above.
            unsafe { libc::kill(pid, signal) };
        }
    }

    fn signal_database(&self, db: &str, signal: i32) {
        self.process(Kind::Patroni, db).signal(signal);
        for pid in self.postgres_processes(db) {
            // SAFETY: as above.
            unsafe { libc::kill(pid, signal) };
        }
    }

    /// The database node of `db` stopped (SIGSTOP of Patroni and every
    /// PostgreSQL process): alive to the network, silent.
    pub fn freeze_database(&self, db: &str) {
        self.signal_database(db, libc::SIGSTOP);
    }

    pub fn thaw_database(&self, db: &str) {
        self.signal_database(db, libc::SIGCONT);
    }

    fn thaw_host(&self, host: &str) {
        self.signal_host(host, libc::SIGCONT);
    }

    /// Every process of a host killed at once: a machine lost.
    pub fn kill_host(&mut self, host: &str) {
        let postgres = self.postgres_processes(host);
        for process in self.processes.iter_mut().filter(|p| p.host.name == host) {
            process.kill9();
        }
        for pid in postgres {
            // SAFETY: as above.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }

    /// The host's processes started again, on their own state (the machine
    /// back after a reboot).
    pub fn restart_host(&mut self, host: &str) -> anyhow::Result<()> {
        for process in self.processes.iter_mut().filter(|p| p.host.name == host) {
            if !process.running() {
                process.spawn()?;
            }
        }
        Ok(())
    }

    /// A line per node, for people: where everything runs.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for host in ALL_HOSTS {
            let ip = &self.hosts.get(host).ip;
            let kinds: Vec<String> = self
                .processes
                .iter()
                .filter(|p| p.host.name == host)
                .map(|p| match p.kind {
                    Kind::Patroni => "postgresql :5432 (patroni :8008)".to_owned(),
                    kind => format!("{} :{}", kind.name(), kind.port()),
                })
                .collect();
            out.push_str(&format!("  {host:5} {ip:14} {}\n", kinds.join(", ")));
        }
        out
    }
}

/// The deployment's certificate authority and every host's certificate,
/// made by `deploy/tls/make-certs.sh` as an operator would.
fn make_certificates(deploy: &Path, run_dir: &Path, hosts: &Hosts) -> anyhow::Result<PathBuf> {
    let dir = run_dir.join("tls");
    let status = Command::new("bash")
        .arg(deploy.join("tls/make-certs.sh"))
        .arg(&dir)
        .args(ALL_HOSTS.iter().map(|h| format!("{h}={}", hosts.get(h).ip)))
        .status()
        .context("running deploy/tls/make-certs.sh (bash and openssl)")?;
    anyhow::ensure!(status.success(), "deploy/tls/make-certs.sh failed");
    Ok(dir)
}

/// The certificates one process of `host` reads: the authority's, the
/// host's, and the host's key, owned by the process's user (PostgreSQL
/// refuses a key others can read).
fn host_certificates(tls_dir: &Path, run_dir: &Path, host: &str, kind: Kind) -> anyhow::Result<PathBuf> {
    let dir = run_dir.join(host).join(format!("{}-tls", kind.name()));
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(tls_dir.join("ca.crt"), dir.join("ca.crt"))?;
    for file in [format!("{host}.crt"), format!("{host}.key")] {
        std::fs::copy(tls_dir.join(&file), dir.join(&file))?;
    }
    std::fs::set_permissions(dir.join(format!("{host}.key")), std::fs::Permissions::from_mode(0o600))?;
    if let Some(user) = kind.key_owner() {
        chown(&dir, user)?;
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
    Ok(dir)
}

impl Drop for Replicated {
    fn drop(&mut self) {
        for host in ALL_HOSTS {
            self.thaw_host(host);
        }
        let postmasters: Vec<i32> = DB_HOSTS.iter().filter_map(|db| self.postmaster(db)).collect();
        for process in &mut self.processes {
            process.kill9();
        }
        for pid in postmasters {
            // SAFETY: as above. An immediate shutdown: the data is thrown away.
            unsafe { libc::kill(pid, libc::SIGQUIT) };
            let started = Instant::now();
            while crate::pg_server::alive(pid) && started.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(20));
            }
            // SAFETY: as above.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}
