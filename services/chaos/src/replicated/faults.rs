//! Losing any one machine takes out no function and no acknowledged write:
//! the replicated deployment under a steady mix of catalogue reads,
//! enrollments (some racing for a few seats), grade writes and sign-ins,
//! each fault on its own and healed before the next. The mix tries every
//! replica of a service in turn, as the browser app does.

use std::time::Duration;

use service_common::auth::TokenSigner;
use service_common::demo;
use shared_types::Role;

use super::topology::{Kind, Options, Replicated, APP_HOSTS, DB_HOSTS};
use crate::database_faults::{
    client, create_course, mint, ms, start_mix, verify, Answer, Kind as Request, Targets, Written, RACE_SEATS,
};
use crate::report::Row;

/// How long the cut-off and host-lost faults last: longer than Patroni's
/// leader key (10 s), so that a failover happens.
const OUTAGE: Duration = Duration::from_secs(20);
/// The stopped primary, as the issue of the cluster names it.
const FREEZE: Duration = Duration::from_secs(30);
/// How long a killed replica or etcd member stays down.
const DOWN: Duration = Duration::from_secs(5);
/// Settling time after the deployment is whole again, still in the fault's
/// window.
const SETTLE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy)]
enum Fault {
    KillPrimary,
    FreezePrimary,
    CutPrimary,
    KillEtcd,
    KillReplicas,
    LoseAppHost,
    LosePrimaryHost,
}

impl Fault {
    const ALL: [Fault; 7] = [
        Fault::KillPrimary,
        Fault::FreezePrimary,
        Fault::CutPrimary,
        Fault::KillEtcd,
        Fault::KillReplicas,
        Fault::LoseAppHost,
        Fault::LosePrimaryHost,
    ];

    fn name(self) -> &'static str {
        match self {
            Fault::KillPrimary => "cluster: kill -9 of the PostgreSQL primary",
            Fault::FreezePrimary => "cluster: the primary stopped (SIGSTOP of Patroni and PostgreSQL, 30 s)",
            Fault::CutPrimary => "cluster: the primary's host cut off (20 s)",
            Fault::KillEtcd => "cluster: kill -9 of one etcd member (5 s)",
            Fault::KillReplicas => "cluster: kill -9 of one replica of each service (5 s)",
            Fault::LoseAppHost => "cluster: an application host lost (every process, 20 s)",
            Fault::LosePrimaryHost => "cluster: the primary's host lost (etcd, Patroni, PostgreSQL, 20 s)",
        }
    }

    /// Whether writes may fail while it lasts: only while a new primary is
    /// chosen. Every other fault is covered by a replica that stays up.
    fn fails_over(self) -> bool {
        matches!(
            self,
            Fault::KillPrimary | Fault::FreezePrimary | Fault::CutPrimary | Fault::LosePrimaryHost
        )
    }

    /// The longest writes may fail: the fault itself where the primary
    /// comes back from it (a stopped one holds its connections until it
    /// moves), else Patroni's leader key (10 s) and a new synchronous
    /// standby, with room.
    fn write_bound(self) -> Duration {
        match self {
            Fault::FreezePrimary => FREEZE + Duration::from_secs(10),
            _ if self.fails_over() => Duration::from_secs(25),
            _ => Duration::ZERO,
        }
    }

    /// Applies the fault and heals it; the primary it began with.
    async fn run(self, cluster: &mut Replicated) -> anyhow::Result<String> {
        let primary = cluster
            .leader()
            .await
            .ok_or_else(|| anyhow::anyhow!("no primary before the fault"))?;
        match self {
            Fault::KillPrimary => {
                cluster.kill_postgres(&primary);
                tokio::time::sleep(DOWN).await;
            }
            Fault::FreezePrimary => {
                cluster.freeze_database(&primary);
                tokio::time::sleep(FREEZE).await;
                cluster.thaw_database(&primary);
            }
            Fault::CutPrimary => {
                cluster.host(&primary).cut()?;
                tokio::time::sleep(OUTAGE).await;
                cluster.host(&primary).reconnect()?;
            }
            Fault::KillEtcd => {
                cluster.kill_process(Kind::Etcd, &primary);
                tokio::time::sleep(DOWN).await;
                cluster.start_process(Kind::Etcd, &primary)?;
            }
            Fault::KillReplicas => {
                for kind in Kind::SERVICES {
                    cluster.kill_process(kind, APP_HOSTS[0]);
                }
                tokio::time::sleep(DOWN).await;
                cluster.restart_host(APP_HOSTS[0])?;
            }
            Fault::LoseAppHost => {
                cluster.kill_host(APP_HOSTS[1]);
                cluster.host(APP_HOSTS[1]).cut()?;
                tokio::time::sleep(OUTAGE).await;
                cluster.host(APP_HOSTS[1]).reconnect()?;
                cluster.restart_host(APP_HOSTS[1])?;
            }
            Fault::LosePrimaryHost => {
                cluster.kill_host(&primary);
                cluster.host(&primary).cut()?;
                tokio::time::sleep(OUTAGE).await;
                cluster.host(&primary).reconnect()?;
                cluster.restart_host(&primary)?;
            }
        }
        Ok(primary)
    }
}

/// The rows of one fault, from the answers completed in its window.
fn judge(fault: Fault, answers: &[Answer], began: Duration, ended: Duration, note: &str) -> Vec<Row> {
    let window: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.done() >= began && a.done() < ended)
        .collect();
    let count = |f: &dyn Fn(&&Answer) -> bool| window.iter().filter(|a| f(a)).count();
    let errors_500 = count(&|a| a.status == Some(500));
    let unanswered = count(&|a| a.status.is_none());
    let throttled = count(&|a| a.kind == Request::SignIn && matches!(a.status, Some(401 | 429)));
    let failed_reads = count(&|a| a.kind == Request::Catalogue && !a.ok());
    let reads = count(&|a| a.kind == Request::Catalogue);
    let is_write = |a: &&Answer| matches!(a.kind, Request::Enroll | Request::Grade | Request::SignIn);
    let failed_writes: Vec<&&Answer> = window.iter().filter(|a| is_write(a) && !a.ok()).collect();
    let write_window = match (
        failed_writes.iter().map(|a| a.sent).min(),
        failed_writes.iter().map(|a| a.done()).max(),
    ) {
        (Some(first), Some(last)) => last.saturating_sub(first),
        _ => Duration::ZERO,
    };
    let slowest = window.iter().map(|a| a.latency).max().unwrap_or_default();
    let bound = fault.write_bound();
    let name = fault.name();
    vec![
        Row::new(
            name,
            "every request answered, never a 500, nobody with the right password refused",
            errors_500 == 0 && unanswered == 0 && throttled == 0,
            format!(
                "{} requests; {errors_500} x 500; {unanswered} unanswered; {throttled} refused sign-ins; slowest {}",
                window.len(),
                ms(slowest)
            ),
        ),
        Row::new(
            name,
            if fault.fails_over() {
                format!(
                    "catalogue reads kept working; writes failed for at most {} (503, try again)",
                    ms(bound)
                )
            } else {
                "no function lost: every read and write succeeded".to_owned()
            },
            failed_reads == 0 && write_window <= bound && (fault.fails_over() || failed_writes.is_empty()),
            format!(
                "{failed_reads} of {reads} reads failed; {} writes failed, over {}; {note}",
                failed_writes.len(),
                ms(write_window)
            ),
        ),
    ]
}

/// Runs every fault on the replicated deployment.
pub async fn replicated_faults(bin_dir: &std::path::Path, logs: &std::path::Path) -> anyhow::Result<Vec<Row>> {
    let options = Options {
        seed_demo: true,
        // The mix signs the demo users in several times a second.
        service_env: vec![("LOGIN_ATTEMPTS_PER_ACCOUNT".into(), "100000".into())],
    };
    let started = std::time::Instant::now();
    let mut cluster = Replicated::start(bin_dir, logs, &options).await?;
    println!("  the deployment is up after {}", ms(started.elapsed()));
    let mut rows = super::control_plane::control_plane(&cluster).await?;
    let signer = TokenSigner::from_private_pem(&std::fs::read_to_string(&cluster.private_key)?)?;
    let admin = mint(&signer, demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let http = client();
    let targets = Targets {
        auth: cluster.urls(Kind::Auth),
        courses: cluster.urls(Kind::Courses),
        grades: cluster.urls(Kind::Grades),
    };
    let big_course = create_course(
        &http,
        &targets.courses[0],
        &admin,
        "REP100",
        i64::from(shared_types::Capacity::MAX),
    )
    .await?;
    let race_course = create_course(&http, &targets.courses[0], &admin, "REP200", RACE_SEATS).await?;

    let mix = start_mix(&targets, &signer, big_course, race_course);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut periods = Vec::new();
    // `CHAOS_CLUSTER_FAULT=etcd` runs only the faults whose names hold it
    // (for working on one).
    let chosen = std::env::var("CHAOS_CLUSTER_FAULT").unwrap_or_default();
    for fault in Fault::ALL.into_iter().filter(|f| f.name().contains(chosen.as_str())) {
        println!("  {}...", fault.name());
        let began = mix.epoch.elapsed();
        let before = fault.run(&mut cluster).await?;
        let whole = cluster.wait_whole(Duration::from_secs(120)).await?;
        // Asked once the deployment is whole: a member just back from a
        // partition reports its own stale view for a moment.
        let after = cluster.leader().await.unwrap_or_else(|| "none".into());
        tokio::time::sleep(SETTLE).await;
        let note = format!(
            "primary {before} before, {after} after; whole again {} after the heal",
            ms(whole)
        );
        periods.push((fault, began, mix.epoch.elapsed(), note));
    }
    let journal = mix.finish().await;
    for (fault, began, ended, note) in &periods {
        rows.extend(judge(*fault, &journal.answers, *began, *ended, note));
    }
    let written = Written {
        courses: &targets.courses[0],
        grades: &targets.grades[0],
        big_course,
        race_course,
        journal: &journal,
    };
    rows.extend(verify("cluster: all seven faults, steady writes", &written, &admin, &signer).await?);
    rows.push(one_history(&cluster).await);
    Ok(rows)
}

/// After every fault: one primary, and every other member streaming from it
/// on its timeline. A node that had lost its leadership and kept writes of
/// its own could not follow the new primary (pg_rewind throws such writes
/// away); with synchronous replication none of them was acknowledged,
/// which the check of every acknowledged write above proves.
async fn one_history(cluster: &Replicated) -> Row {
    let members = cluster.members().await;
    let leaders: Vec<&str> = members
        .iter()
        .filter(|m| m.role == "leader")
        .map(|m| m.name.as_str())
        .collect();
    let timelines: Vec<Option<i64>> = members.iter().map(|m| m.timeline).collect();
    let one_timeline = timelines.windows(2).all(|w| w[0] == w[1]) && timelines.iter().all(Option::is_some);
    let summary: Vec<String> = members
        .iter()
        .map(|m| {
            format!(
                "{} {} timeline {}",
                m.name,
                m.role,
                m.timeline.map_or("?".into(), |t| t.to_string())
            )
        })
        .collect();
    Row::new(
        "cluster: after every fault",
        "no split brain: one primary, every other member following it on its timeline",
        leaders.len() == 1 && members.len() == DB_HOSTS.len() && one_timeline,
        summary.join("; "),
    )
}
