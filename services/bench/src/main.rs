//! `make bench`: starts the release services as separate processes, seeds
//! the registration-day data set through their APIs, drives load, and
//! prints a table that is also written as Markdown and JSON under
//! `target/bench/`.
//!
//! `BENCH_DB=postgres` runs the services on the local PostgreSQL
//! (`BENCH_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432`).
//! `BENCH_DB=cluster` runs the catalogue, the rush and sign-ins on that
//! PostgreSQL and then on the replicated deployment (root: network
//! namespaces), and gives each cluster figure as a ratio to the single one.

mod ceiling;
mod dataset;
mod load;
mod nodes;
mod report;
mod scenarios;

use std::path::PathBuf;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The campus morning holds thousands of connections open at once.
    service_common::server::raise_open_files_limit();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("ceiling") {
        let port = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(0);
        let body = PathBuf::from(args.get(3).cloned().unwrap_or_default());
        return ceiling::serve(port, &body).await;
    }
    let bin_dir = std::env::var_os("BENCH_BIN_DIR").map_or_else(|| PathBuf::from("target/release"), PathBuf::from);
    let postgres = std::env::var("BENCH_DB").is_ok_and(|db| db == "postgres");
    let pg_base = std::env::var("BENCH_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    if std::env::var("BENCH_DB").is_ok_and(|db| db == "cluster") {
        return cluster_against_single(&bin_dir, &pg_base).await;
    }
    let backend = if postgres { "postgres" } else { "sqlite" };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!("benchmarking on {backend}, {cores} cores; seeding the data set...");

    let mut nodes = nodes::Nodes::start(&bin_dir, postgres.then_some(pg_base.as_str())).await?;
    let data = dataset::seed(&nodes).await?;
    let mut report = report::Report::new(backend, cores);
    // `BENCH_ONLY=campus` runs the campus morning alone; `BENCH_ONLY=rush`
    // the ceiling, the catalogue and the registration rush;
    // `BENCH_ONLY=tabs` the rush, then a second one with open tabs.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    if only == "campus" {
        let limit = scenarios::auth::logins_per_second(&nodes).await?;
        campus_morning(&nodes, &data, limit, &mut report).await?;
        drop(nodes);
        report.write(&PathBuf::from("target/bench"))?;
        return Ok(());
    }

    if only != "tabs" {
        println!("ceiling and catalogue...");
        let (ceiling, catalogue) = scenarios::catalogue::ceiling_and_catalogue(&mut nodes, &data).await?;
        report.set_ceiling(&ceiling);
        report.push(ceiling);
        report.push(catalogue);
    }

    println!("registration rush...");
    let cpu_before = nodes.course_service_cpu_seconds();
    let rush_started = std::time::Instant::now();
    let rush = scenarios::rush::registration_rush(&nodes, &data).await?;
    let rush_cpu = (nodes.course_service_cpu_seconds() - cpu_before) / rush_started.elapsed().as_secs_f64();
    report.note(format!(
        "registration rush: {} enrollment requests answered in {:.1} s ({:.0}/s, each a checked transaction answered 201 or 409); \
         {} seats taken ({:.0} enrollments/s) within {:.1} s, when the last seat went; refused: {} as full, {} past the credit limit, {} for a schedule conflict; \
         violations of capacity, credit limit, conflicts or one section per course, checked from the rosters: {}",
        rush.figures.requests,
        rush.figures.seconds,
        rush.figures.requests_per_second,
        rush.enrolled,
        rush.enrolled as f64 / rush.seats_filled_seconds.max(f64::EPSILON),
        rush.seats_filled_seconds,
        rush.full,
        rush.credit_limit,
        rush.schedule_conflict,
        if rush.violations.is_empty() { "none".to_owned() } else { rush.violations.join("; ") }
    ));
    let rush_seats_per_second = rush.enrolled as f64 / rush.seats_filled_seconds.max(f64::EPSILON);
    report.push(rush.figures);

    println!("waitlist churn...");
    let churn = scenarios::waitlist::waitlist_churn(&nodes, &data).await?;
    report.note(format!(
        "waitlist churn: {} sections of {} seats, full, {} waiting each; {} drops at once ({:.0}/s, p99 {:.1} ms), \
         each promoting the first waiting in its transaction: {} promoted; violations of capacity or waitlist order, \
         checked from the rosters: {}",
        scenarios::waitlist::SECTIONS,
        dataset::SEATS,
        scenarios::waitlist::WAITING,
        churn.figures.requests,
        churn.figures.requests_per_second,
        churn.figures.p99_ms,
        churn.promoted,
        if churn.violations.is_empty() {
            "none".to_owned()
        } else {
            churn.violations.join("; ")
        }
    ));
    report.push(churn.figures);

    println!("time tickets...");
    let tickets = scenarios::tickets::time_tickets(&nodes, &data).await?;
    report.note(format!(
        "time tickets: {} students, each sending 5 enrollments from the moment their window opens: \
         all at once, a student's wait from the opening to their last answer is p99 {:.0} ms (requests p99 {:.1} ms); \
         in {} waves {:.1} s apart, p99 {:.0} ms (requests p99 {:.1} ms) = {:.2}x; answers before a ticket opened: {}; \
         failed requests: {} and {} (first: {})",
        scenarios::tickets::STUDENTS,
        tickets.at_once.student_wait_p99_ms,
        tickets.at_once.figures.p99_ms,
        scenarios::tickets::WAVES,
        scenarios::tickets::WAVE_GAP.as_secs_f64(),
        tickets.in_waves.student_wait_p99_ms,
        tickets.in_waves.figures.p99_ms,
        tickets.in_waves.student_wait_p99_ms / tickets.at_once.student_wait_p99_ms.max(f64::EPSILON),
        tickets.at_once.early + tickets.in_waves.early,
        tickets.at_once.figures.errors,
        tickets.in_waves.figures.errors,
        tickets
            .at_once
            .first_error
            .as_deref()
            .or(tickets.in_waves.first_error.as_deref())
            .unwrap_or("none")
    ));
    report.push(tickets.at_once.figures);
    report.push(tickets.in_waves.figures);
    if only == "rush" {
        drop(nodes);
        report.write(&PathBuf::from("target/bench"))?;
        return Ok(());
    }

    println!(
        "open tabs ({} tabs asking for seat changes every 3 s, during a second rush)...",
        scenarios::open_tabs::TABS
    );
    let tabs = scenarios::open_tabs::rush_with_open_tabs(&nodes, &data).await?;
    open_tabs_notes(&tabs, rush_seats_per_second, rush_cpu, &mut report);
    report.push(tabs.rush.figures);
    if only == "tabs" {
        drop(nodes);
        report.write(&PathBuf::from("target/bench"))?;
        return Ok(());
    }

    println!("grades...");
    let mut grade_rows = Vec::new();
    let grades = scenarios::grades::grades(&nodes, &data, &mut grade_rows).await?;
    report.note(format!(
        "bulk upload: {:.0} rows/s (500-row CSV, p99 {:.0} ms)",
        grades.rows_per_second, grades.upload.p99_ms
    ));
    grade_rows.into_iter().for_each(|f| report.push(f));

    println!("logins...");
    let mut login_rows = Vec::new();
    let logins = scenarios::auth::logins_and_their_neighbours(&nodes, &data, &mut login_rows).await?;
    report.note(format!(
        "one login: {:.1} ms; PBKDF2 limit = {cores} cores / one login = {:.1} logins/s",
        logins.one_login_ms, logins.limit_per_second
    ));
    let row = |name: &str| login_rows.iter().find(|f| f.scenario == name);
    if let Some(alone) = row("POST /auth/login alone") {
        report.note(format!(
            "logins alone: {:.1}/s = {:.0}% of the PBKDF2 limit",
            alone.requests_per_second,
            100.0 * alone.requests_per_second / logins.limit_per_second
        ));
    }
    let catalogue = "GET /courses (300 courses)";
    if let (Some(alone), Some(during)) = (
        row(&format!("{catalogue} alone")),
        row(&format!("{catalogue} during login burst")),
    ) {
        report.note(format!(
            "GET /courses p99 during the login burst: {:.1} ms = {:.2}x its p99 alone ({:.1} ms)",
            during.p99_ms,
            during.p99_ms / alone.p99_ms,
            alone.p99_ms
        ));
    }
    login_rows.into_iter().for_each(|f| report.push(f));

    campus_morning(&nodes, &data, logins.limit_per_second, &mut report).await?;
    drop(nodes);

    report.write(&PathBuf::from("target/bench"))?;
    Ok(())
}

/// The campus morning and its notes.
async fn campus_morning(
    nodes: &nodes::Nodes,
    data: &dataset::Dataset,
    logins_per_second: f64,
    report: &mut report::Report,
) -> anyhow::Result<()> {
    println!(
        "campus morning ({} students signing in at once)...",
        scenarios::campus::STUDENTS
    );
    let campus = scenarios::campus::campus_morning(nodes, data, logins_per_second).await?;
    report.note(format!(
        "campus morning: {} students from one address all in after {:.1} s = {:.2}x the PBKDF2 bound ({:.1} s); \
         {} answers 503 auth_busy, each followed by a success after its Retry-After; refusals not turned into success: {}",
        campus.students,
        campus.all_in_seconds,
        campus.all_in_seconds / campus.bound_seconds,
        campus.bound_seconds,
        campus.busy,
        if campus.failures.is_empty() {
            "none".to_owned()
        } else {
            format!("{} (first: {})", campus.failures.len(), campus.failures[0])
        }
    ));
    report.note(format!(
        "GET /courses p99 during the campus storm: {:.1} ms = {:.2}x its p99 alone ({:.1} ms)",
        campus.catalogue_during.p99_ms,
        campus.catalogue_during.p99_ms / campus.catalogue_alone.p99_ms.max(f64::EPSILON),
        campus.catalogue_alone.p99_ms
    ));
    report.push(campus.catalogue_alone);
    report.push(campus.catalogue_during);
    report.push(campus.catalogue_after_sign_in);
    Ok(())
}

/// What the open tabs cost, beside the same rush without them.
fn open_tabs_notes(
    tabs: &scenarios::open_tabs::TabsOutcome,
    alone_seats_per_second: f64,
    alone_cpu: f64,
    report: &mut report::Report,
) {
    let with_seats_per_second = tabs.rush.enrolled as f64 / tabs.rush.seats_filled_seconds.max(f64::EPSILON);
    let mut delays = tabs.delays.clone();
    delays.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        if delays.is_empty() {
            return f64::NAN;
        }
        delays[((delays.len() as f64 * p).ceil() as usize).clamp(1, delays.len()) - 1]
    };
    report.note(format!(
        "open tabs: {} tabs over {} connections, {} polls ({} failed); {:.0} bytes per tab per minute sent by the server; \
         an unchanged poll: {} bytes answered, {} bytes asked",
        scenarios::open_tabs::TABS,
        scenarios::open_tabs::CONNECTIONS,
        tabs.polls,
        tabs.poll_errors,
        tabs.bytes_per_tab_minute,
        tabs.unchanged_answer_bytes,
        tabs.unchanged_request_bytes
    ));
    report.note(format!(
        "rush with the tabs open: {:.0} seats/s = {:.0}% of the same rush without them ({:.0} seats/s); \
         course-service CPU {:.2} cores with the tabs, {:.2} without; correctness violations: {}",
        with_seats_per_second,
        100.0 * with_seats_per_second / alone_seats_per_second.max(f64::EPSILON),
        alone_seats_per_second,
        tabs.cpu_with_tabs,
        alone_cpu,
        if tabs.rush.violations.is_empty() {
            "none".to_owned()
        } else {
            tabs.rush.violations.join("; ")
        }
    ));
    report.note(format!(
        "seat change to an open tab: {} changes seen by {} observer tabs; p50 {:.2} s, p99 {:.2} s, max {:.2} s",
        delays.len(),
        scenarios::open_tabs::OBSERVERS,
        pct(0.5),
        pct(0.99),
        delays.last().copied().unwrap_or(f64::NAN)
    ));
}

/// The catalogue, the registration rush and sign-ins, each on one
/// PostgreSQL and then on the replicated deployment, in the same run.
async fn cluster_against_single(bin_dir: &std::path::Path, pg_base: &str) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut report = report::Report::new("cluster", cores);
    let mut measured: Vec<Vec<load::Figures>> = Vec::new();
    for on_cluster in [false, true] {
        println!(
            "{}: seeding the data set...",
            if on_cluster {
                "the replicated deployment"
            } else {
                "one PostgreSQL"
            }
        );
        let mut nodes = if on_cluster {
            nodes::Nodes::start_cluster(bin_dir).await?
        } else {
            nodes::Nodes::start(bin_dir, Some(pg_base)).await?
        };
        let data = dataset::seed(&nodes).await?;
        let (ceiling, catalogue) = scenarios::catalogue::ceiling_and_catalogue(&mut nodes, &data).await?;
        if !on_cluster {
            report.set_ceiling(&ceiling);
            report.push(ceiling);
        }
        let rush = scenarios::rush::registration_rush(&nodes, &data).await?;
        anyhow::ensure!(
            rush.violations.is_empty(),
            "the rush broke a rule: {:?}",
            rush.violations
        );
        let mut login_rows = Vec::new();
        scenarios::auth::logins_and_their_neighbours(&nodes, &data, &mut login_rows).await?;
        let logins = login_rows
            .into_iter()
            .find(|f| f.scenario == "POST /auth/login alone")
            .ok_or_else(|| anyhow::anyhow!("no login figures"))?;
        measured.push(vec![catalogue, rush.figures, logins]);
        drop(nodes);
    }
    let cluster = measured.pop().expect("the cluster's figures");
    let single = measured.pop().expect("the single server's figures");
    for (one, mut replicated) in single.into_iter().zip(cluster) {
        report.note(format!(
            "{}: cluster {:.0} requests/s (p99 {:.1} ms) = {:.2} x one PostgreSQL ({:.0}/s, p99 {:.1} ms)",
            one.scenario,
            replicated.requests_per_second,
            replicated.p99_ms,
            replicated.requests_per_second / one.requests_per_second.max(f64::EPSILON),
            one.requests_per_second,
            one.p99_ms
        ));
        replicated.scenario = format!("cluster: {}", replicated.scenario);
        report.push(one);
        report.push(replicated);
    }
    report.write(&PathBuf::from("target/bench"))?;
    Ok(())
}
