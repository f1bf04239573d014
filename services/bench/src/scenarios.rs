//! The scenarios. Each states what it measures; the figures go in the table.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use service_common::demo;
use shared_types::Role;
use uuid::Uuid;

use crate::load::{self, Figures};
use crate::nodes::Nodes;

const WINDOW: Duration = Duration::from_secs(5);

fn token(nodes: &Nodes, id: Uuid, name: &str, role: Role) -> String {
    let claims = nodes
        .signer
        .claims_for(id, &format!("{id}@example.edu"), name, vec![role]);
    nodes.signer.sign(&claims).expect("a token")
}

async fn login(http: &reqwest::Client, auth: &str, email: &str) -> bool {
    http.post(format!("{auth}/auth/login"))
        .json(&json!({"email": email, "password": demo::DEMO_PASSWORD}))
        .send()
        .await
        .is_ok_and(|r| r.status() == StatusCode::OK)
}

/// Logins (PBKDF2, 600,000 iterations) and `GET /auth/me` alone and under a
/// login burst.
pub async fn auth(nodes: &Nodes, figures: &mut Vec<Figures>, notes: &mut Vec<String>) -> anyhow::Result<()> {
    let http = load::client();
    let started = Instant::now();
    let sequential = 20;
    for _ in 0..sequential {
        anyhow::ensure!(
            login(&http, &nodes.auth, demo::STUDENT.email).await,
            "demo login failed"
        );
    }
    let per_login = started.elapsed().as_secs_f64() * 1000.0 / f64::from(sequential);
    notes.push(format!(
        "one login, sequential: {per_login:.1} ms (PBKDF2-HMAC-SHA256, 600,000 iterations)"
    ));

    let me_token = Arc::new(token(nodes, demo::STUDENT.id, demo::STUDENT.name, Role::Student));
    let me = |auth: String, token: Arc<String>| get_ok(format!("{auth}/auth/me"), token);
    // `/auth/me` reads the user from the database, so it is a fair stand-in
    // for any request sharing the process with logins.
    let alone = load::run(
        "GET /auth/me alone",
        16,
        WINDOW,
        u64::MAX,
        me(nodes.auth.clone(), Arc::clone(&me_token)),
    )
    .await;
    figures.push(alone);

    // A burst of distinct users: one account signing in many times at once
    // is throttled by design.
    let emails = Arc::new(create_users(nodes, 64).await?);
    let login_burst = |auth: String, emails: Arc<Vec<String>>| {
        move |http: reqwest::Client, _: usize, n: u64| {
            let (auth, emails) = (auth.clone(), Arc::clone(&emails));
            async move { login(&http, &auth, &emails[n as usize % emails.len()]).await }
        }
    };
    let alone = load::run(
        "POST /auth/login alone",
        8,
        WINDOW,
        u64::MAX,
        login_burst(nodes.auth.clone(), Arc::clone(&emails)),
    )
    .await;
    notes.push(format!(
        "logins alone: {:.1}/s against a PBKDF2 limit of {:.1}/s (cores / one login)",
        alone.requests_per_second,
        std::thread::available_parallelism().map_or(1, usize::from) as f64 * 1000.0 / per_login
    ));
    figures.push(alone);
    let auth_url = nodes.auth.clone();
    let burst = tokio::spawn(load::run(
        "POST /auth/login during /auth/me load",
        32,
        WINDOW + Duration::from_secs(1),
        u64::MAX,
        login_burst(auth_url, emails),
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let during = load::run(
        "GET /auth/me during login burst",
        16,
        WINDOW,
        u64::MAX,
        me(nodes.auth.clone(), me_token),
    )
    .await;
    let burst = burst.await?;
    figures.push(during);
    figures.push(burst);
    Ok(())
}

/// A request that GETs `url` with `token` and succeeds on 200.
fn get_ok(
    url: String,
    token: Arc<String>,
) -> impl Fn(reqwest::Client, usize, u64) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>> + Send + Sync
{
    move |http, _, _| {
        let (url, token) = (url.clone(), Arc::clone(&token));
        Box::pin(async move {
            http.get(url)
                .bearer_auth(token.as_str())
                .send()
                .await
                .is_ok_and(|r| r.status() == StatusCode::OK)
        })
    }
}

/// Creates `count` students with the demo password through the admin API.
async fn create_users(nodes: &Nodes, count: usize) -> anyhow::Result<Vec<String>> {
    let http = load::client();
    let admin = token(nodes, demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let emails: Vec<String> = (0..count).map(|n| format!("bench.student{n}@example.edu")).collect();
    for email in &emails {
        let response = http
            .post(format!("{}/auth/users", nodes.auth))
            .bearer_auth(&admin)
            .json(&json!({"email": email, "name": "Bench Student", "password": demo::DEMO_PASSWORD, "roles": ["student"]}))
            .send()
            .await?;
        anyhow::ensure!(
            response.status() == StatusCode::CREATED,
            "creating {email}: {}",
            response.status()
        );
    }
    Ok(emails)
}

async fn catalogue_of(nodes: &Nodes, token: &str) -> anyhow::Result<Vec<serde_json::Value>> {
    let http = load::client();
    Ok(http
        .get(format!("{}/courses", nodes.courses))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?)
}

/// `GET /courses` with 100 courses at 64 connections.
pub async fn catalogue(nodes: &Nodes, figures: &mut Vec<Figures>) -> anyhow::Result<()> {
    let http = load::client();
    let admin = token(nodes, demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let existing = catalogue_of(nodes, &admin).await?;
    for n in existing.len()..100 {
        let response = http
            .post(format!("{}/courses", nodes.courses))
            .bearer_auth(&admin)
            .json(&json!({"code": format!("BENCH{n:03}"), "title": format!("Benchmark Course {n}"),
                          "description": "A course of the benchmark's catalogue, with a description of typical length for a university listing.",
                          "capacity": 40, "teacher_id": demo::TEACHER.id, "teacher_name": demo::TEACHER.name}))
            .send()
            .await?;
        anyhow::ensure!(
            response.status() == StatusCode::CREATED,
            "seeding courses failed: {}",
            response.status()
        );
    }
    let student = Arc::new(token(nodes, demo::STUDENT.id, demo::STUDENT.name, Role::Student));
    let courses = get_ok(format!("{}/courses", nodes.courses), student);
    figures.push(load::run("GET /courses (100 courses)", 64, WINDOW, u64::MAX, courses).await);
    Ok(())
}

/// Enrollments under contention: 2,000 students, each enrolling into one of
/// 20 new courses of 40 seats (800 seats), 64 at a time.
pub async fn enrollment_contention(
    nodes: &Nodes,
    figures: &mut Vec<Figures>,
    notes: &mut Vec<String>,
) -> anyhow::Result<()> {
    let http = load::client();
    let admin = token(nodes, demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let mut course_ids = Vec::new();
    for n in 0..20 {
        let response: serde_json::Value = http
            .post(format!("{}/courses", nodes.courses))
            .bearer_auth(&admin)
            .json(
                &json!({"code": format!("RUSH{n:02}"), "title": format!("Rush {n}"), "capacity": 40,
                          "teacher_id": demo::TEACHER.id, "teacher_name": demo::TEACHER.name}),
            )
            .send()
            .await?
            .json()
            .await?;
        course_ids.push(response["id"].as_str().unwrap_or_default().to_owned());
    }
    let students: Arc<Vec<String>> = Arc::new(
        (0..2000)
            .map(|n| token(nodes, Uuid::new_v4(), &format!("Student {n}"), Role::Student))
            .collect(),
    );
    let course_ids = Arc::new(course_ids);
    let courses = nodes.courses.clone();
    let outcome = load::run(
        "POST enrollment (2,000 students, 800 seats)",
        64,
        Duration::from_secs(60),
        2000,
        move |http, _, n| {
            let (courses, students, course_ids) = (courses.clone(), Arc::clone(&students), Arc::clone(&course_ids));
            async move {
                let course = &course_ids[(n as usize * 7919) % course_ids.len()];
                http.post(format!("{courses}/courses/{course}/enrollment"))
                    .bearer_auth(&students[n as usize])
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == StatusCode::CREATED || r.status() == StatusCode::CONFLICT)
            }
        },
    )
    .await;
    let catalogue = catalogue_of(nodes, &admin).await?;
    let over = catalogue
        .iter()
        .filter(|c| c["enrolled"].as_i64() > c["capacity"].as_i64())
        .count();
    let taken: i64 = catalogue
        .iter()
        .filter(|c| c["code"].as_str().is_some_and(|code| code.starts_with("RUSH")))
        .map(|c| c["enrolled"].as_i64().unwrap_or(0))
        .sum();
    notes.push(format!(
        "enrollment contention: {taken} of 800 seats taken, {over} courses over capacity, {:.0} enrollment answers/s",
        outcome.requests_per_second
    ));
    figures.push(outcome);
    Ok(())
}
