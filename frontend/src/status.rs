//! The status strip: each service up or down, from its `/healthz`.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::Api;
use crate::service::Service;

const POLL_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Health {
    Unknown,
    Up,
    Down,
}

impl Health {
    fn name(self) -> &'static str {
        match self {
            Health::Unknown => "unknown",
            Health::Up => "up",
            Health::Down => "down",
        }
    }
}

#[component]
pub fn StatusStrip() -> impl IntoView {
    let api = expect_context::<Api>();
    let items = Service::ALL.map(|service| {
        let health = RwSignal::new(Health::Unknown);
        let client = api.client(service).clone();
        let check = move || {
            let client = client.clone();
            spawn_local(async move {
                let up = client.is_healthy().await;
                health.try_set(if up { Health::Up } else { Health::Down });
            });
        };
        check();
        if let Ok(handle) = set_interval_with_handle(check, POLL_EVERY) {
            on_cleanup(move || handle.clear());
        }
        let name = match service {
            Service::Auth => "Sign-in",
            Service::Courses => "Courses",
            Service::Grades => "Grades",
        };
        view! {
            <li
                class="status"
                data-testid=format!("status-{}", service.key())
                data-state=move || health.get().name()
                title=move || format!("The {} is {}", service.label(), health.get().name())
            >
                <span class="dot" aria-hidden="true"></span>
                {name}
                <span class="status-word">{move || format!(" {}", health.get().name())}</span>
            </li>
        }
    });
    view! {
        <ul class="status-strip" aria-label="Service status">
            {items.into_iter().collect_view()}
        </ul>
    }
}
