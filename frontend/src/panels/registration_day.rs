//! The registration-day view for admins: how the rush is going, live.
//!
//! Fed by what the services already serve, with no node of its own: each
//! service's `/metrics` (Prometheus text) and `/healthz`, read every
//! [`READ_EVERY`], and the catalogue's own counts (`GET /courses?open=true`
//! with its `X-Total-Count`). Rates and the p99 are over the last minute of
//! readings, the way Prometheus' `rate` and `histogram_quantile` take them.
//! With several replicas behind one name, a reading is of the replica that
//! answered it.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::future::join3;
use leptos::prelude::*;
use shared_types::metrics_text::{increase, quantile_between, Scrape};

use super::frame::live_panel;
use super::widgets::{data_table, Column::Shown};
use crate::api::Api;
use crate::loader::Loader;
use crate::service::Service;

/// How often the figures are read again.
const READ_EVERY: Duration = Duration::from_secs(5);
/// The window rates and the p99 are taken over.
const WINDOW_MS: f64 = 60_000.0;

/// One service's readings, oldest first, within the window.
#[derive(Default)]
struct Readings {
    of: [VecDeque<(f64, Scrape)>; 3],
}

impl Readings {
    /// Keeps `scrape` (read at `now`, milliseconds) and gives the oldest
    /// reading of the window to compare it with.
    fn keep(&mut self, index: usize, now: f64, scrape: Scrape) -> Option<(f64, Scrape)> {
        let list = &mut self.of[index];
        while list.len() > 1 && list.get(1).is_some_and(|(at, _)| now - at >= WINDOW_MS) {
            list.pop_front();
        }
        let oldest = list.front().cloned();
        list.push_back((now, scrape));
        oldest
    }
}

#[derive(Debug, Clone, PartialEq)]
struct ServiceFigures {
    service: Service,
    healthy: bool,
    /// Over the window; `None` until two readings exist.
    requests_per_minute: Option<f64>,
    /// The p99 request time over the window, in milliseconds (at most).
    p99_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
struct DayFigures {
    services: Vec<ServiceFigures>,
    seats_per_minute: Option<f64>,
    /// Refused enrollments by reason over the window.
    refusals: Vec<(String, f64)>,
    /// Courses with a free seat, and all courses.
    open: Option<(usize, usize)>,
    /// Seconds the window spans (less than a minute just after opening).
    window_s: f64,
}

#[component]
pub fn RegistrationDay() -> impl IntoView {
    let api = expect_context::<Api>();
    let readings = StoredValue::new_local(Readings::default());
    let loader = Loader::new(move || {
        let api = api.clone();
        async move { Ok(read_figures(&api, readings).await) }
    })
    .refresh_every(READ_EVERY)
    .keep_on_failure();
    // Made once and fed each reading: the table (a focusable scroll area)
    // keeps focus across the refresh every few seconds.
    let render = |figures: Signal<DayFigures>| {
        let rows = move || figures.with(|f| f.services.iter().map(service_row).collect_view());
        let refusals = move || {
            figures.with(|f| {
                if f.refusals.is_empty() {
                    return view! { <p class="muted small">"No refusals in the last minute."</p> }.into_any();
                }
                let items = f
                    .refusals
                    .iter()
                    .map(|(reason, n)| {
                        view! {
                            <li data-reason=reason.clone()>
                                <span class="mono">{reason.clone()}</span>
                                {format!(": {}", per_minute(*n))}
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ul class="refusals">{items}</ul> }.into_any()
            })
        };
        view! {
            <div class="tiles">
                <div class="tile" data-testid="seats-per-minute">
                    <span class="tile-value">
                        {move || figures.with(|f| f.seats_per_minute.map_or("…".to_owned(), per_minute))}
                    </span>
                    <span class="tile-label">"seats filled per minute"</span>
                </div>
                <div class="tile" data-testid="open-courses">
                    <span class="tile-value">
                        {move || {
                            figures.with(|f| f.open.map_or("…".to_owned(), |(open, all)| format!("{open} of {all}")))
                        }}
                    </span>
                    <span class="tile-label">"courses with a free seat"</span>
                </div>
            </div>
            <h3>"Refused enrollments per minute"</h3>
            {refusals}
            {data_table(
                "table services",
                &[Shown("Service"), Shown("Health"), Shown("Requests per minute"), Shown("p99")],
                rows,
            )}
            <p class="muted small">
                {move || {
                    format!(
                        "Over the last {:.0} s, read every {} s from each service's /metrics.",
                        figures.with(|f| f.window_s),
                        READ_EVERY.as_secs(),
                    )
                }}
            </p>
        }
    };
    live_panel(
        "registration-day",
        "Registration day".into(),
        Service::Courses,
        loader,
        render,
    )
}

fn service_row(figures: &ServiceFigures) -> impl IntoView {
    let p99 = match figures.p99_ms {
        None => "…".to_owned(),
        Some(ms) if ms.is_infinite() => "over 30 s".to_owned(),
        Some(ms) => format!("≤ {ms:.0} ms"),
    };
    view! {
        <tr data-service=figures.service.key()>
            <th scope="row">{figures.service.label()}</th>
            <td data-testid="health">
                {if figures.healthy {
                    view! { <span class="badge ok">"up"</span> }.into_any()
                } else {
                    view! { <span class="badge full">"down"</span> }.into_any()
                }}
            </td>
            <td data-testid="requests-per-minute">
                {figures.requests_per_minute.map_or("…".to_owned(), per_minute)}
            </td>
            <td data-testid="p99">{p99}</td>
        </tr>
    }
}

fn per_minute(n: f64) -> String {
    format!("{:.0}", n.max(0.0))
}

/// Reads every service once and makes the figures over the window.
async fn read_figures(api: &Api, readings: StoredValue<Readings, LocalStorage>) -> DayFigures {
    let now = js_sys::Date::now();
    let (auth, courses, grades) = join3(
        read_service(api, Service::Auth),
        read_service(api, Service::Courses),
        read_service(api, Service::Grades),
    )
    .await;
    let open = api.course_counts().await.ok();
    let mut figures = DayFigures {
        services: Vec::new(),
        seats_per_minute: None,
        refusals: Vec::new(),
        open,
        window_s: 0.0,
    };
    for (index, (service, (healthy, scrape))) in Service::ALL.into_iter().zip([auth, courses, grades]).enumerate() {
        let mut service_figures = ServiceFigures {
            service,
            healthy,
            requests_per_minute: None,
            p99_ms: None,
        };
        if let Some(scrape) = scrape {
            let oldest = readings
                .try_update_value(|r| r.keep(index, now, scrape.clone()))
                .flatten();
            if let Some((then, before)) = oldest {
                let minutes = ((now - then) / 60_000.0).max(1.0 / 60.0);
                figures.window_s = figures.window_s.max((now - then) / 1_000.0);
                service_figures.requests_per_minute =
                    Some(increase(&before, &scrape, "http_requests_total", &[]) / minutes);
                service_figures.p99_ms =
                    quantile_between(&before, &scrape, "http_request_duration_seconds", 0.99).map(|s| s * 1_000.0);
                if service == Service::Courses {
                    figures.seats_per_minute = Some(
                        increase(
                            &before,
                            &scrape,
                            "enrollment_attempts_total",
                            &[("outcome", "enrolled")],
                        ) / minutes,
                    );
                    for (outcome, _) in scrape.by_label("enrollment_attempts_total", "outcome") {
                        if outcome == "enrolled" {
                            continue;
                        }
                        let n = increase(&before, &scrape, "enrollment_attempts_total", &[("outcome", &outcome)]);
                        // A refusal a replica gave from memory is still a full course.
                        let reason = outcome.trim_end_matches("_known").to_owned();
                        match figures.refusals.iter_mut().find(|(r, _)| *r == reason) {
                            Some((_, total)) => *total += n / minutes,
                            None => figures.refusals.push((reason, n / minutes)),
                        }
                    }
                    figures.refusals.retain(|(_, n)| *n > 0.0);
                }
            }
        }
        figures.services.push(service_figures);
    }
    figures
}

/// Whether `service` is healthy, and its metrics when it answers them.
async fn read_service(api: &Api, service: Service) -> (bool, Option<Scrape>) {
    let client = api.client(service);
    let (healthy, text) = futures_util::future::join(client.is_healthy(), api.metrics_text(service)).await;
    (healthy, text.ok().map(|t| Scrape::parse(&t)))
}
