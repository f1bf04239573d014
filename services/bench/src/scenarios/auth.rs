use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use service_common::demo;
use shared_types::Role;

use crate::dataset::Dataset;
use crate::load::{self, Figures};
use crate::nodes::Nodes;
use crate::scenarios::catalogue::{student_tokens, CONNECTIONS};
use crate::scenarios::{get_ok, one, Request, WINDOW};

/// One sign-in; `true` on 200. A full queue (503 with `Retry-After`) is
/// waited out before the worker goes on, as the browser app does, and
/// counts as an error.
async fn login(http: &reqwest::Client, auth: &str, email: &str) -> bool {
    let response = testkit::api::login(http, auth, email, demo::DEMO_PASSWORD).send().await;
    match response {
        Ok(r) if r.status() == StatusCode::OK => true,
        Ok(r) if r.status() == StatusCode::SERVICE_UNAVAILABLE => {
            let wait = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(1);
            tokio::time::sleep(Duration::from_secs(wait)).await;
            false
        }
        _ => false,
    }
}

/// Logins cycling through `emails`: distinct users at any moment (request
/// numbers are consecutive), since one account signing in many times at
/// once is refused by design.
fn logins(auth: String, emails: Arc<Vec<String>>) -> impl Fn(reqwest::Client, usize, u64) -> Request + Send + Sync {
    move |http, _, n| {
        let (auth, emails) = (auth.clone(), Arc::clone(&emails));
        Box::pin(async move { login(&http, &auth, &emails[n as usize % emails.len()]).await })
    }
}

/// The most login workers of any scenario here.
const LOGIN_WORKERS: usize = 32;

/// Creates `count` students with the demo password through the admin API.
async fn create_users(nodes: &Nodes, admin: &str, count: usize) -> anyhow::Result<Vec<String>> {
    let http = load::client();
    let emails: Vec<String> = (0..count).map(|n| format!("bench.student{n}@example.edu")).collect();
    for email in &emails {
        let student = (email.as_str(), "Bench Student", demo::DEMO_PASSWORD);
        let response = testkit::api::create_user(&http, &nodes.auth, admin, student, &[Role::Student])
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

/// What the login scenarios found, beside the table rows.
pub struct LoginFigures {
    pub one_login_ms: f64,
    pub limit_per_second: f64,
}

/// The time of one sign-in alone, in ms, and the PBKDF2 limit it gives:
/// cores / that time.
async fn one_login(nodes: &Nodes) -> anyhow::Result<(f64, f64)> {
    let http = load::client();
    let started = Instant::now();
    let sequential = 20;
    for _ in 0..sequential {
        anyhow::ensure!(
            login(&http, &nodes.auth, demo::STUDENT.email).await,
            "demo login failed"
        );
    }
    let one_login_ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(sequential);
    let cores = std::thread::available_parallelism().map_or(1, usize::from) as f64;
    Ok((one_login_ms, cores * 1000.0 / one_login_ms))
}

/// The PBKDF2 limit of this machine, in sign-ins per second.
pub async fn logins_per_second(nodes: &Nodes) -> anyhow::Result<f64> {
    Ok(one_login(nodes).await?.1)
}

/// Logins alone against the PBKDF2 limit; `GET /auth/me` and `GET /courses`
/// alone and while a login burst runs.
pub async fn logins_and_their_neighbours(
    nodes: &Nodes,
    data: &Dataset,
    figures: &mut Vec<Figures>,
) -> anyhow::Result<LoginFigures> {
    let (one_login_ms, limit_per_second) = one_login(nodes).await?;

    let emails = Arc::new(create_users(nodes, &data.admin, 8 * LOGIN_WORKERS).await?);
    figures.push(
        load::run(
            "POST /auth/login alone",
            8,
            WINDOW,
            u64::MAX,
            logins(nodes.auth.clone(), Arc::clone(&emails)),
        )
        .await,
    );

    let me = || get_ok(one(format!("{}/auth/me", nodes.auth)), one(data.admin.clone()));
    let catalogue = || {
        get_ok(
            one(format!("{}/courses", nodes.courses)),
            Arc::new(student_tokens(data, 64)),
        )
    };
    let burst = || logins(nodes.auth.clone(), Arc::clone(&emails));
    // `/auth/me` reads the user from auth's database: it shares the process
    // with the logins. `/courses` shares only the machine.
    alone_and_during(figures, "GET /auth/me", 16, me, burst).await?;
    alone_and_during(figures, "GET /courses (300 courses)", CONNECTIONS, catalogue, burst).await?;
    Ok(LoginFigures {
        one_login_ms,
        limit_per_second,
    })
}

/// Measures `request` alone, then while `burst` logins run.
async fn alone_and_during<R, B>(
    figures: &mut Vec<Figures>,
    name: &str,
    connections: usize,
    request: impl Fn() -> R,
    burst: impl Fn() -> B,
) -> anyhow::Result<()>
where
    R: Fn(reqwest::Client, usize, u64) -> Request + Send + Sync + 'static,
    B: Fn(reqwest::Client, usize, u64) -> Request + Send + Sync + 'static,
{
    figures.push(load::run(&format!("{name} alone"), connections, WINDOW, u64::MAX, request()).await);
    let (burst_name, burst_requests) = (format!("POST /auth/login burst beside {name}"), burst());
    let logins = tokio::spawn(async move {
        load::run(
            &burst_name,
            LOGIN_WORKERS,
            WINDOW + Duration::from_secs(1),
            u64::MAX,
            burst_requests,
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    figures.push(
        load::run(
            &format!("{name} during login burst"),
            connections,
            WINDOW,
            u64::MAX,
            request(),
        )
        .await,
    );
    figures.push(logins.await?);
    Ok(())
}
