//! The suite's self-test: each kind of check is run against a system broken
//! on purpose (see [`Sabotage`]) and must fail. A sabotage the suite does
//! not catch fails the self-test.

use std::path::Path;

use service_common::demo;

use crate::cluster::{Cluster, Storage, AUTH, COURSES, GRADES, NODES, STATIC};
use crate::durability::durability;
use crate::faults::{baseline_p99s, check_fault, Fault, UNAFFECTED};
use crate::hosts::{Hosts, Mode};
use crate::probes::{self, sign_in, Session, Urls};
use crate::report::Row;
use crate::sabotage::Sabotage;

/// One sabotaged run and the check that must catch it.
struct Case {
    harm: &'static str,
    node: &'static str,
    fault: Fault,
    sabotage: Sabotage,
    /// The check that must fail (its text starts with this).
    caught_by: &'static str,
}

const CASES: [Case; 5] = [
    Case {
        harm: "grades stopped once for 1.5 s while courses is killed",
        node: COURSES,
        fault: Fault::Kill,
        sabotage: Sabotage::StallBystander(GRADES),
        caught_by: UNAFFECTED,
    },
    Case {
        harm: "grades' kill announced but not done",
        node: GRADES,
        fault: Fault::Kill,
        sabotage: Sabotage::FaultNotApplied,
        caught_by: "my grades fails at once",
    },
    Case {
        harm: "courses' slowing announced but not done",
        node: COURSES,
        fault: Fault::Slowed,
        sabotage: Sabotage::FaultNotApplied,
        caught_by: "course list answers or fails within the client timeout, and is really slowed",
    },
    Case {
        harm: "auth's SIGSTOP not healed",
        node: AUTH,
        fault: Fault::Stop,
        sabotage: Sabotage::NotHealed,
        caught_by: "after healing everything works again",
    },
    Case {
        harm: "courses left stalling after the static node's heal",
        node: STATIC,
        fault: Fault::Kill,
        sabotage: Sabotage::SlowerAfterHeal(COURSES),
        caught_by: "after healing every request is as fast as before",
    },
];

/// Whether the rows of a sabotaged run hold a failed `caught_by` check:
/// the self-test's row for it.
fn caught(harm: &str, caught_by: &str, rows: &[Row]) -> Row {
    let row = rows.iter().find(|r| r.check.starts_with(caught_by));
    Row::new(
        format!("sabotage: {harm}"),
        format!("caught by \"{caught_by}\""),
        row.is_some_and(|r| !r.passed),
        row.map_or_else(|| "no such check ran".to_string(), |r| r.figures.clone()),
    )
}

pub async fn self_test(bin_dir: &Path, logs: &Path) -> anyhow::Result<(Mode, Vec<Row>)> {
    let hosts = Hosts::create(&NODES);
    let mut cluster = Cluster::start(&hosts, bin_dir, &Storage::Sqlite, logs).await?;
    let http = probes::client();
    let auth = cluster.url(AUTH);
    let session = Session {
        student: sign_in(&http, &auth, demo::STUDENT.email).await?,
        teacher: sign_in(&http, &auth, demo::TEACHER.email).await?,
    };
    let urls = Urls::of(&cluster);
    let baseline = baseline_p99s(&urls, &session).await;
    let mut rows = Vec::new();
    for case in CASES {
        if !case.fault.available(hosts.mode) {
            rows.push(Row::skipped(
                format!("sabotage: {}", case.harm),
                "needs network namespaces",
            ));
            continue;
        }
        println!("self-test: {}", case.harm);
        let judged = check_fault(
            &mut cluster,
            &urls,
            &session,
            &baseline,
            case.node,
            case.fault,
            "sqlite",
            case.sabotage,
        )
        .await?;
        rows.push(caught(case.harm, case.caught_by, &judged));
    }
    println!("self-test: acknowledged enrollments lost at a kill");
    let judged = durability(&mut cluster, "sqlite", Sabotage::LoseWal).await?;
    rows.push(caught(
        "SQLite's acknowledged writes lost at the kill of courses (its files put back as before the writes)",
        "every acknowledged enrollment is on its roster",
        &judged,
    ));
    Ok((hosts.mode, rows))
}
