//! `make chaos`: every node on its own host (a network namespace, or a
//! loopback address where namespaces are not available), faults applied one
//! at a time, and the promises of the architecture checked. Prints a table,
//! writes it to `target/chaos/report.md`, and exits non-zero if a check
//! failed.

use std::path::PathBuf;
use std::process::Command;

use enroll_chaos::{
    database_faults, durability, faults, hosts, pg_server, prerequisites, probes, replicated, report, selftest,
    slow_clients, sqlite_disk,
};

use enroll_chaos::cluster::{Cluster, Storage, AUTH, COURSES, GRADES, NODES, STATIC};
use enroll_chaos::database_faults::{DATABASE, STANDBY};
use enroll_chaos::hosts::Hosts;
use enroll_chaos::probes::{sign_in, Session};
use enroll_chaos::report::Row;
use enroll_chaos::sabotage::Sabotage;
use service_common::demo;

fn postgres_base() -> String {
    std::env::var("CHAOS_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn postgres_reachable(base: &str) -> bool {
    Command::new("psql")
        .args([&format!("{base}/postgres"), "-qAtc", "SELECT 1"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn drop_chaos_databases(base: &str) {
    let list = Command::new("psql")
        .args([
            &format!("{base}/postgres"),
            "-qAtc",
            "SELECT datname FROM pg_database WHERE datname LIKE 'enroll_chaos_%'",
        ])
        .output();
    if let Ok(list) = list {
        for name in String::from_utf8_lossy(&list.stdout).lines() {
            let _ = Command::new("psql")
                .args([
                    &format!("{base}/postgres"),
                    "-qc",
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ])
                .output();
        }
    }
}

/// The fault matrix again, the services on a PostgreSQL server of the
/// suite's own on its own host.
async fn matrix_on_postgres(
    hosts: &Hosts,
    bin_dir: &std::path::Path,
    logs: &std::path::Path,
) -> anyhow::Result<Vec<Row>> {
    std::fs::create_dir_all(logs)?;
    let server = pg_server::PgServer::start(hosts.get(DATABASE), logs, false).await?;
    let mut cluster = Cluster::start(hosts, bin_dir, &Storage::Postgres(server.base_url()), logs).await?;
    let http = probes::client();
    let auth = cluster.url(AUTH);
    let session = Session {
        student: sign_in(&http, &auth, demo::STUDENT.email).await?,
        teacher: sign_in(&http, &auth, demo::TEACHER.email).await?,
    };
    let mut rows = vec![prerequisites::enroll_probe_needs_a_prerequisite(&cluster, "postgres").await?];
    rows.extend(faults::fault_matrix(&mut cluster, hosts.mode, &session, "postgres").await?);
    drop(cluster);
    drop(server);
    Ok(rows)
}

/// Each kind of check against a system broken on purpose: every one must
/// catch its sabotage.
async fn self_test(bin_dir: &std::path::Path, out: &std::path::Path) -> anyhow::Result<()> {
    let (mode, rows) = selftest::self_test(bin_dir, &out.join("logs-self-test")).await?;
    let header = "The suite's self-test: each kind of check run against a system broken on purpose; \
                  a pass means the check failed, as it must.";
    let table = report::markdown(header, &rows);
    println!("\n{table}");
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("self-test.md"), &table)?;
    finish(mode, &rows, "sabotages went uncaught; see target/chaos/self-test.md")
}

/// Fails when a check failed, or was skipped where namespaces were there.
fn finish(mode: hosts::Mode, rows: &[Row], what_failed: &str) -> anyhow::Result<()> {
    let failed: Vec<String> = rows
        .iter()
        .filter(|r| !r.passed)
        .map(|r| format!("  {}: {} ({})", r.fault, r.check, r.figures))
        .collect();
    // Named here as well as in the table: a log cut to its last lines
    // still says which promise broke.
    anyhow::ensure!(
        failed.is_empty(),
        "{} {what_failed}:\n{}",
        failed.len(),
        failed.join("\n")
    );
    let skipped = rows.iter().filter(|r| r.skipped).count();
    anyhow::ensure!(
        mode != hosts::Mode::Namespaces || skipped == 0,
        "{skipped} checks were skipped although network namespaces are available"
    );
    Ok(())
}

/// `make cluster`: the replicated deployment for people, until Ctrl-C.
async fn serve_cluster(bin_dir: &std::path::Path) -> anyhow::Result<()> {
    use replicated::topology::{Options, Replicated, WEB};
    println!(
        "starting the replicated deployment: three etcd members and three PostgreSQL nodes under Patroni, \
         two replicas of each service, the static node (about a minute)..."
    );
    let options = Options {
        seed_demo: true,
        service_env: Vec::new(),
    };
    let logs = std::env::current_dir()?.join("target/cluster/logs");
    // One listener for the whole run, made before anything starts: a signal
    // that came while no listener existed would be lost. A stop asked for
    // while it starts drops what has started (the deployment's Drop kills
    // every process it started).
    let stop = stop_asked();
    tokio::pin!(stop);
    let cluster = tokio::select! {
        started = Replicated::start(bin_dir, &logs, &options) => started?,
        () = &mut stop => {
            println!("stopped while starting");
            return Ok(());
        }
    };
    let patroni_yml = cluster.run_dir.join("db1/etc/patroni.yml");
    println!(
        "\nThe app: https://{}:8080  (demo users as in `make run`)\n\
         Every connection between hosts is TLS, signed by the deployment's own authority:\n\
         trust {} in the browser (or pass it to curl with --cacert) to use it.\n",
        cluster.host(WEB).ip,
        cluster.tls_dir.join("ca.crt").display()
    );
    println!("Hosts (network namespaces enrchaos-<host>):\n{}", cluster.describe());
    println!("Logs:    {}", logs.display());
    println!("Members: patronictl -c {} list", patroni_yml.display());
    println!(
        "Kill the primary: kill -9 $(head -1 {}/<host>/patroni-state/postgresql/postmaster.pid)",
        cluster.run_dir.display()
    );
    println!("Commands (type them here): {CLUSTER_COMMANDS}");
    println!("\nCtrl-C stops and removes it all.\n");
    let mut cluster = cluster;
    let mut primary = cluster.leader().await;
    println!("primary: {}", primary.as_deref().unwrap_or("none"));
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut commands = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(tokio::io::stdin()));
    let mut reading = true;
    loop {
        tokio::select! {
            () = &mut stop => break,
            line = commands.next_line(), if reading => match line {
                Ok(Some(line)) => {
                    if line.trim() == "quit" {
                        break;
                    }
                    println!("{}", cluster_command(&mut cluster, line.trim()).await);
                }
                // No terminal (stdin closed): Ctrl-C alone stops it.
                _ => reading = false,
            },
            _ = tick.tick() => {
                let now = cluster.leader().await;
                if now != primary {
                    println!("primary: {}", now.as_deref().unwrap_or("none (failing over)"));
                    primary = now;
                }
            }
        }
    }
    println!("stopping...");
    drop(cluster);
    println!("stopped; every node and host removed");
    // Now, not at the runtime's end: that would wait for the thread that
    // reads the terminal, which no line may ever wake.
    std::process::exit(0)
}

/// Ctrl-C or SIGTERM.
async fn stop_asked() {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

const CLUSTER_COMMANDS: &str = "status | kill-primary | kill <node> <host> | start <node> <host> | \
                                cut <host> | reconnect <host> | quit  \
                                (nodes: etcd patroni auth courses grades static)";

/// One command of `make cluster`'s prompt; the answer starts `ok:` or
/// `error:` (the browser tests drive the cluster through these).
async fn cluster_command(cluster: &mut replicated::topology::Replicated, line: &str) -> String {
    use replicated::topology::Kind;
    let words: Vec<&str> = line.split_whitespace().collect();
    let node = |words: &[&str]| -> Result<(Kind, String), String> {
        let kind = words.get(1).and_then(|k| Kind::named(k)).ok_or("no such node kind")?;
        let host = words
            .get(2)
            .copied()
            .filter(|h| cluster.has_host(h))
            .ok_or("no such host")?;
        if !cluster.has_process(kind, host) {
            return Err(format!("{host} runs no {}", kind.name()));
        }
        Ok((kind, host.to_owned()))
    };
    let done = match words.first().copied() {
        None => return String::new(),
        Some("status") => {
            let members: Vec<String> = cluster
                .members()
                .await
                .iter()
                .map(|m| format!("{} {} {}", m.name, m.role, m.state))
                .collect();
            Ok(members.join("; "))
        }
        Some("kill-primary") => match cluster.leader().await {
            Some(primary) => {
                cluster.kill_postgres(&primary);
                Ok(format!("PostgreSQL on {primary} killed (kill -9)"))
            }
            None => Err("no primary right now".to_owned()),
        },
        Some("kill") => node(&words).map(|(kind, host)| {
            cluster.kill_process(kind, &host);
            format!("{} on {host} killed (kill -9)", kind.name())
        }),
        Some("start") => node(&words).and_then(|(kind, host)| {
            cluster
                .start_process(kind, &host)
                .map(|()| format!("{} on {host} started", kind.name()))
                .map_err(|e| e.to_string())
        }),
        Some(verb @ ("cut" | "reconnect")) => match words.get(1).copied().filter(|h| cluster.has_host(h)) {
            Some(host) => {
                let link = cluster.host(host);
                let result = if verb == "cut" { link.cut() } else { link.reconnect() };
                result.map(|()| format!("{host} {verb}")).map_err(|e| e.to_string())
            }
            None => Err("no such host".to_owned()),
        },
        Some(_) => Err(format!("commands: {CLUSTER_COMMANDS}")),
    };
    match done {
        Ok(what) => format!("ok: {what}"),
        Err(why) => format!("error: {why}"),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The slow-clients check holds thousands of connections open.
    service_common::server::raise_open_files_limit();
    let bin_dir = std::env::var_os("CHAOS_BIN_DIR").map_or_else(|| PathBuf::from("target/release"), PathBuf::from);
    let out = PathBuf::from("target/chaos");
    let mut rows: Vec<Row> = Vec::new();
    if std::env::args().nth(1).as_deref() == Some("cluster") {
        return serve_cluster(&bin_dir).await;
    }

    // `CHAOS_ONLY=database` runs the database faults alone, `CHAOS_ONLY=matrix`
    // the fault matrix alone, `CHAOS_ONLY=slow-clients` the slow clients
    // alone (for working on them); `CHAOS_ONLY=cluster` the replicated
    // deployment alone; `CHAOS_ONLY=self-test` the suite's
    // self-test.
    let only = std::env::var("CHAOS_ONLY").unwrap_or_default();
    if only == "self-test" {
        return self_test(&bin_dir, &out).await;
    }
    if only == "cluster" {
        let rows = replicated::faults::replicated_faults(&bin_dir, &out.join("logs-cluster")).await?;
        let table = report::markdown("The replicated deployment alone.", &rows);
        println!("\n{table}");
        return finish(hosts::Mode::Namespaces, &rows, "cluster checks failed");
    }
    if only == "slow-clients" {
        let hosts = Hosts::create(&NODES);
        let cluster = Cluster::start(&hosts, &bin_dir, &Storage::Sqlite, &out.join("logs")).await?;
        let http = probes::client();
        let auth = cluster.url(AUTH);
        let session = Session {
            student: sign_in(&http, &auth, demo::STUDENT.email).await?,
            teacher: sign_in(&http, &auth, demo::TEACHER.email).await?,
        };
        let rows = slow_clients::slow_clients(&cluster, &session, "sqlite").await?;
        println!("\n{}", report::markdown("Slow clients alone.", &rows));
        return finish(hosts.mode, &rows, "slow-client checks failed");
    }
    let only_database = only == "database";
    let only_matrix = only == "matrix";
    let hosts = Hosts::create(if only_database { &[] } else { &NODES[..] });
    let mode = hosts.mode;
    let header = format!(
        "Hosts: {}.",
        match mode {
            hosts::Mode::Namespaces => "one network namespace per node, joined by veth pairs to a bridge",
            hosts::Mode::Loopback => "one loopback address per node (no namespaces: cut-off and slowed faults skipped)",
        }
    );
    println!("{header}");
    if !only_database {
        let mut cluster = Cluster::start(&hosts, &bin_dir, &Storage::Sqlite, &out.join("logs")).await?;
        let http = probes::client();
        let auth = cluster.url(AUTH);
        let session = Session {
            student: sign_in(&http, &auth, demo::STUDENT.email).await?,
            teacher: sign_in(&http, &auth, demo::TEACHER.email).await?,
        };
        rows.push(prerequisites::enroll_probe_needs_a_prerequisite(&cluster, "sqlite").await?);
        rows.extend(faults::fault_matrix(&mut cluster, mode, &session, "sqlite").await?);
        if !only_matrix {
            rows.extend(slow_clients::slow_clients(&cluster, &session, "sqlite").await?);
            println!("durability on sqlite...");
            rows.extend(durability::durability(&mut cluster, "sqlite", Sabotage::None).await?);
        }
    }
    drop(hosts);

    let base = postgres_base();
    let required = std::env::var("REQUIRE_POSTGRES").is_ok_and(|v| v == "1" || v == "true");
    let durability_on_postgres = only.is_empty() && postgres_reachable(&base);
    if durability_on_postgres {
        println!("durability on postgres...");
        // The services reach PostgreSQL on the machine's loopback, so this
        // run puts the nodes on loopback addresses.
        let hosts = Hosts::create_loopback(&NODES);
        let result = async {
            let mut cluster = Cluster::start(
                &hosts,
                &bin_dir,
                &Storage::Postgres(base.clone()),
                &out.join("logs-postgres"),
            )
            .await?;
            durability::durability(&mut cluster, "postgres", Sabotage::None).await
        }
        .await;
        drop_chaos_databases(&base);
        rows.extend(result?);
    } else if required && only.is_empty() {
        anyhow::bail!("REQUIRE_POSTGRES is set but PostgreSQL at {base} is not reachable");
    } else if only.is_empty() {
        rows.push(Row::skipped("postgres", "PostgreSQL not reachable"));
    }

    if !only_database {
        println!("fault matrix on PostgreSQL...");
        let hosts = Hosts::create(&[AUTH, COURSES, GRADES, STATIC, DATABASE]);
        rows.extend(matrix_on_postgres(&hosts, &bin_dir, &out.join("logs-matrix-postgres")).await?);
    }

    if !only_matrix {
        println!("SQLite's disk full...");
        rows.extend(sqlite_disk::sqlite_disk_faults(&bin_dir, &out.join("logs-sqlite-disk")).await?);

        println!("database faults on a PostgreSQL server of the suite's own...");
        let hosts = Hosts::create(&[AUTH, COURSES, GRADES, STATIC, DATABASE, STANDBY]);
        rows.extend(database_faults::database_faults(&hosts, &bin_dir, &out.join("logs-database")).await?);
        drop(hosts);

        if mode == hosts::Mode::Namespaces {
            println!("the replicated deployment: three etcd, three PostgreSQL under Patroni, two replicas of each service...");
            rows.extend(replicated::faults::replicated_faults(&bin_dir, &out.join("logs-cluster")).await?);
        } else {
            rows.push(Row::skipped(
                "cluster",
                "the replicated deployment needs network namespaces (run as root)",
            ));
        }
    }

    let table = report::markdown(&header, &rows);
    println!("\n{table}");
    report::write(&out, &table)?;
    finish(mode, &rows, "fault-tolerance checks failed; see target/chaos/report.md")
}
