//! Before the fault matrix: the course the enroll probe takes gets a
//! prerequisite the demo student meets by a grade held in grade-service.
//! course-service checks it against the completions it follows from
//! grade-service's feed, so each grades row of the matrix (killed,
//! stopped, cut off, slowed) shows enrolling with a prerequisite going on,
//! undelayed, on the completions course-service holds.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use service_common::demo;

use crate::cluster::{Cluster, AUTH, COURSES};
use crate::probes::{client, sign_in};
use crate::report::Row;

/// How long course-service may take to read the demo grade from the feed
/// (it reads every 2 s).
const FEED_BOUND: Duration = Duration::from_secs(15);

/// Sets the enroll probe's course to need CS101 passed with 3.0 (the demo
/// student's grade is 3.5), and waits until course-service holds that
/// grade; a student without it is refused.
pub async fn enroll_probe_needs_a_prerequisite(cluster: &Cluster, backend: &str) -> anyhow::Result<Row> {
    let http = client();
    let courses = cluster.url(COURSES);
    let admin = sign_in(&http, &cluster.url(AUTH), demo::ADMIN.email).await?;
    let requisites = json!([{"code": demo::CS101.code, "kind": "prerequisite", "min_grade": 3.0}]);
    let set = http
        .put(format!("{courses}/courses/{}/requisites", demo::PHYS101.id))
        .bearer_auth(&admin)
        .json(&requisites)
        .send()
        .await?;
    anyhow::ensure!(
        set.status() == StatusCode::OK,
        "setting the requisite: {}",
        set.status()
    );
    let label = format!("prerequisites ({backend})");
    let started = Instant::now();
    let held = loop {
        let completions: Value = http
            .get(format!("{courses}/students/{}/completions", demo::STUDENT.id))
            .bearer_auth(&admin)
            .send()
            .await?
            .json()
            .await?;
        let held = completions["completions"]
            .as_array()
            .is_some_and(|list| list.iter().any(|c| c["code"] == demo::CS101.code));
        if held || started.elapsed() > FEED_BOUND {
            break held;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let read_in = started.elapsed();
    let without = sign_in(&http, &cluster.url(AUTH), demo::STUDENT2.email).await?;
    let refused = http
        .post(format!("{courses}/courses/{}/enrollment", demo::PHYS101.id))
        .bearer_auth(&without)
        .send()
        .await?;
    let status = refused.status();
    let body: Value = refused.json().await.unwrap_or_default();
    let refused_right = status == StatusCode::CONFLICT && body["error"] == "prerequisite_missing";
    Ok(Row::new(
        label,
        "the enroll probe's course needs CS101 passed with 3.0: course-service reads the student's grade from grade-service's feed, and every grades row below enrolls on it",
        held && refused_right,
        format!(
            "the grade held after {} (bound {} s); a student without it: {} {}",
            crate::faults::ms(read_in),
            FEED_BOUND.as_secs(),
            status.as_u16(),
            body["error"].as_str().unwrap_or("")
        ),
    ))
}
