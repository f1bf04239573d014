//! SQLite's own fault: the disk under the database file fills up.
//! course-service runs with its database on a small tmpfs of the suite's
//! own while students enroll; writes must be answered 503
//! `database_unavailable` (never 500), and writing must work again within
//! 2 s of space being freed, with every acknowledged enrollment kept. Needs
//! root (to mount); reported as skipped otherwise.
//!
//! A file system cannot be remounted read-only while the service holds the
//! file open for writing (the kernel refuses with EBUSY), so "made
//! read-only" is not staged here; SQLite's read-only error is mapped to
//! the same 503 as a full disk.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use service_common::auth::TokenSigner;
use service_common::demo;
use shared_types::Role;
use uuid::Uuid;

use crate::report::Row;

const RECOVERY: Duration = Duration::from_secs(2);
const SEATS: i64 = 10_000;

struct Mount {
    path: PathBuf,
}

impl Mount {
    fn tmpfs(path: &Path, size: &str) -> anyhow::Result<Self> {
        std::fs::create_dir_all(path)?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()?;
        anyhow::ensure!(status.success(), "mounting a tmpfs failed");
        Ok(Self { path: path.to_owned() })
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

struct Service {
    child: Child,
    url: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

async fn start_courses(bin_dir: &Path, database: &Path, keys: &Path, log: &Path) -> anyhow::Result<Service> {
    let port = free_port()?;
    let child = Command::new(bin_dir.join("course-service"))
        .arg(format!("--bind=127.0.0.1:{port}"))
        .arg(format!("--database-url={}", database.display()))
        .arg(format!("--jwt-public-key={}", keys.display()))
        .arg("--seed-demo")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log)?)
        .spawn()
        .context("starting course-service")?;
    let service = Service {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let http = crate::probes::client();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if http
            .get(format!("{}/readyz", service.url))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(service);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("course-service on SQLite did not come up")
}

/// Enrolls one fresh student; the status, or 0 when no answer came.
async fn enroll(http: &reqwest::Client, url: &str, signer: &TokenSigner, course: Uuid) -> (u16, String, Uuid) {
    let student = Uuid::new_v4();
    let claims = signer.claims_for(
        student,
        &format!("{student}@example.edu"),
        "Disk Student",
        vec![Role::Student],
    );
    let token = signer.sign(&claims).expect("a token");
    match testkit::api::enroll(http, url, &token, course).send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            (status, body["error"].as_str().unwrap_or_default().to_owned(), student)
        }
        Err(_) => (0, "no answer".into(), student),
    }
}

pub async fn sqlite_disk_faults(bin_dir: &Path, logs: &Path) -> anyhow::Result<Vec<Row>> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(vec![Row::skipped("SQLite disk full", "needs root to mount a tmpfs")]);
    }
    let dir = tempfile::tempdir()?;
    let keys = dir.path().join("keys");
    let private_key = dir.path().join("jwt-private.pem");
    crate::cluster::keygen(bin_dir, &private_key, &keys)?;
    let signer = TokenSigner::from_private_pem(&std::fs::read_to_string(&private_key)?)?;
    let mount = Mount::tmpfs(&dir.path().join("disk"), "8m")?;
    std::fs::create_dir_all(logs)?;
    let service = start_courses(
        bin_dir,
        &mount.path.join("courses.db"),
        &keys,
        &logs.join("courses-sqlite-disk.log"),
    )
    .await?;
    let http = crate::probes::client();
    let admin_claims = signer.claims_for(demo::ADMIN.id, demo::ADMIN.email, demo::ADMIN.name, vec![Role::Admin]);
    let admin = signer.sign(&admin_claims)?;
    let course = testkit::write::create_course(
        &http,
        &service.url,
        &admin,
        "DISK100",
        SEATS,
        (demo::TEACHER.id, demo::TEACHER.name),
    )
    .await?;

    let mut acknowledged = Vec::new();
    let mut rows = Vec::new();
    let filler = mount.path.join("filler");
    let name = "SQLite disk full";
    {
        // Writes before the fault, so there is something to lose.
        for _ in 0..50 {
            let (status, _, student) = enroll(&http, &service.url, &signer, course).await;
            if status == 201 {
                acknowledged.push(student);
            }
        }
        // Fill every free byte of the tmpfs.
        let _ = Command::new("dd")
            .args(["if=/dev/zero", "bs=64k"])
            .arg(format!("of={}", filler.display()))
            .stderr(Stdio::null())
            .status();
        let mut answers: Vec<(u16, String)> = Vec::new();
        let mut longest = Duration::ZERO;
        for _ in 0..20 {
            let sent = Instant::now();
            let (status, code, student) = enroll(&http, &service.url, &signer, course).await;
            longest = longest.max(sent.elapsed());
            if status == 201 {
                acknowledged.push(student);
            }
            answers.push((status, code));
        }
        std::fs::remove_file(&filler)?;
        let healed = Instant::now();
        let mut back_after = None;
        while healed.elapsed() < RECOVERY * 5 {
            let (status, _, student) = enroll(&http, &service.url, &signer, course).await;
            if status == 201 {
                acknowledged.push(student);
                back_after = Some(healed.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let unavailable = answers
            .iter()
            .filter(|(s, c)| *s == 503 && c == "database_unavailable")
            .count();
        let errors_500 = answers.iter().filter(|(s, _)| *s >= 500 && *s != 503).count();
        rows.push(Row::new(
            name,
            "writes answered 503 database_unavailable (never 500), within 2 s each",
            unavailable > 0 && errors_500 == 0 && longest <= RECOVERY,
            format!(
                "{unavailable} of {} writes 503, {errors_500} other 5xx, longest {} ms",
                answers.len(),
                longest.as_millis()
            ),
        ));
        rows.push(Row::new(
            name,
            "writes work again within 2 s of the fix, without a restart",
            back_after.is_some_and(|d| d <= RECOVERY),
            back_after.map_or("never".to_owned(), |d| format!("after {} ms", d.as_millis())),
        ));
    }
    let roster = testkit::read::roster(&http, &service.url, &admin, course).await?;
    let listed: std::collections::HashSet<Uuid> = roster.iter().map(|r| r.student_id).collect();
    let lost = acknowledged.iter().filter(|s| !listed.contains(s)).count();
    rows.push(Row::new(
        name,
        "every acknowledged enrollment is kept",
        lost == 0 && acknowledged.len() >= 50,
        format!("{lost} of {} lost", acknowledged.len()),
    ));
    drop(service);
    Ok(rows)
}
