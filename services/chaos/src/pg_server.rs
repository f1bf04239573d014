//! A PostgreSQL server of the suite's own, on one of its hosts, so that the
//! database can be restarted, crashed, stopped and cut off like any other
//! node without touching the machine's own server.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::hosts::Host;

const PORT: u16 = 5432;

/// The server, its data directory and its host.
pub struct PgServer {
    host: Host,
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

pub(crate) fn postgres_bin() -> anyhow::Result<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL server binaries (/usr/lib/postgresql)")?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("postgres").exists())
        .collect();
    found.sort();
    found.pop().context("no PostgreSQL server under /usr/lib/postgresql")
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `program args...`, as the `postgres` user when we are root (the server
/// refuses to run as root).
fn as_server_user(host: Option<&Host>, program: &Path) -> Command {
    match (is_root(), host) {
        (true, Some(host)) => {
            let mut command = host.command(Path::new("runuser"));
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        }
        (true, None) => {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        }
        (false, Some(host)) => host.command(program),
        (false, None) => Command::new(program),
    }
}

pub(crate) fn alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z "))
}

/// The pid in the lock file of the data directory `data`, if it runs.
pub(crate) fn postmaster_of(data: &Path) -> Option<i32> {
    std::fs::read_to_string(data.join("postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

/// `postmaster` and every process it started (its backends, found in
/// `/proc` by their parent).
pub(crate) fn with_children(postmaster: i32) -> Vec<i32> {
    let mut pids = vec![postmaster];
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let parent = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| stat.rsplit_once(')').map(|(_, rest)| rest.to_owned()))
                .and_then(|rest| rest.split_whitespace().nth(1).and_then(|p| p.parse::<i32>().ok()));
            if parent == Some(postmaster) {
                pids.push(pid);
            }
        }
    }
    pids
}

impl PgServer {
    /// Creates a fresh cluster and starts it on `host`; a `read_only` one
    /// stands in for a hot standby (every transaction read-only), which a
    /// client asking for `target_session_attrs=read-write` must pass over.
    pub async fn start(host: &Host, logs: &Path, read_only: bool) -> anyhow::Result<Self> {
        let bin = postgres_bin()?;
        let dir = tempfile::tempdir()?;
        let data = dir.path().join("data");
        if is_root() {
            let status = Command::new("chown")
                .arg("postgres:postgres")
                .arg(dir.path())
                .status()?;
            anyhow::ensure!(status.success(), "chown of the data directory failed");
        }
        let status = as_server_user(None, &bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .context("initdb")?;
        anyhow::ensure!(status.success(), "initdb failed");
        // Durable commits, as in production; a socket directory of its own.
        // No checkpoint during the suite (it lasts minutes): the first
        // change to each page after a checkpoint writes the whole page to
        // the WAL, which slows every commit for a while, and a fault row
        // would read that as harm the fault left behind. Durability is the
        // same; only recovery after a crash replays more WAL.
        let settings = format!(
            "\nlisten_addresses = '{ip}'\nport = {PORT}\nunix_socket_directories = '{sockets}'\n\
             fsync = on\nsynchronous_commit = on\nmax_connections = 200\nshared_buffers = 64MB\n\
             checkpoint_timeout = '1h'\nmax_wal_size = '4GB'\n\
             default_transaction_read_only = {read_only}\n",
            ip = host.ip,
            sockets = data.display(),
            read_only = if read_only { "on" } else { "off" },
        );
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf)?;
        text.push_str(&settings);
        std::fs::write(&conf, text)?;
        // The suite's hosts reach it over their own subnet (or loopback).
        let hba = data.join("pg_hba.conf");
        let mut rules = std::fs::read_to_string(&hba)?;
        rules.push_str("\nhost all all 0.0.0.0/0 trust\n");
        std::fs::write(&hba, rules)?;
        let mut server = Self {
            host: host.clone(),
            bin,
            data,
            log: logs.join(format!("postgres-{}.log", host.name)),
            child: None,
            _dir: dir,
        };
        server.spawn()?;
        server.wait_ready(Duration::from_secs(30)).await?;
        Ok(server)
    }

    /// The base URL services append a database name to.
    pub fn base_url(&self) -> String {
        format!("postgres://postgres@{}:{PORT}", self.host.ip)
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    fn spawn(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log)?;
        let child = as_server_user(Some(&self.host), &self.bin.join("postgres"))
            .arg("-D")
            .arg(&self.data)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting postgres")?;
        self.child = Some(child);
        Ok(())
    }

    /// Whether the server accepts connections.
    pub fn is_ready(&self) -> bool {
        Command::new("pg_isready")
            .args(["-q", "-t", "1", "-h", &self.host.ip, "-p", &PORT.to_string()])
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Waits until the server accepts connections; returns how long it took.
    pub async fn wait_ready(&self, within: Duration) -> anyhow::Result<Duration> {
        let started = Instant::now();
        while started.elapsed() < within {
            if self.is_ready() {
                return Ok(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("PostgreSQL did not accept connections within {within:?}; see postgres.log")
    }

    /// The postmaster's pid, from its lock file.
    pub fn postmaster(&self) -> Option<i32> {
        postmaster_of(&self.data)
    }

    /// The postmaster and every process it started.
    fn processes(&self) -> Vec<i32> {
        self.postmaster().map_or_else(Vec::new, with_children)
    }

    fn signal_all(&self, signal: i32) {
        for pid in self.processes() {
            // SAFETY: kill has no memory-safety preconditions.
            unsafe { libc::kill(pid, signal) };
        }
    }

    /// Stops every process of the server (a hung database) or lets it go on.
    pub fn freeze(&self) {
        self.signal_all(libc::SIGSTOP);
    }

    pub fn thaw(&self) {
        self.signal_all(libc::SIGCONT);
    }

    /// A fast shutdown and a start: what an upgrade or `systemctl restart`
    /// does. Every session is ended (SQLSTATE 57P01).
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.postmaster() {
            // SAFETY: as above.
            unsafe { libc::kill(pid, libc::SIGINT) };
            let started = Instant::now();
            while alive(pid) && started.elapsed() < Duration::from_secs(30) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        self.reap();
        self.spawn()
    }

    /// `kill -9` of the postmaster, as a crash of the database's process.
    /// Its backends notice and end themselves.
    pub fn crash(&self) {
        if let Some(pid) = self.postmaster() {
            // SAFETY: as above.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }

    /// After [`crash`](Self::crash): waits for the orphaned backends to end
    /// (killing any that linger) and starts the server, which recovers from
    /// its write-ahead log.
    pub async fn recover(&mut self) -> anyhow::Result<()> {
        let orphans: Vec<i32> = self.processes().into_iter().skip(1).collect();
        let started = Instant::now();
        while orphans.iter().any(|p| alive(*p)) && started.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for pid in orphans {
            // SAFETY: as above.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        self.reap();
        self.spawn()
    }

    fn reap(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.thaw();
        if let Some(pid) = self.postmaster() {
            // SAFETY: as above. An immediate shutdown: the data is thrown away.
            unsafe { libc::kill(pid, libc::SIGQUIT) };
            let started = Instant::now();
            while alive(pid) && started.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        self.reap();
    }
}
