//! Where the services are: `/config.json` from the static node.
//!
//! Read once at start-up and kept in memory, so the app goes on working when
//! the static node goes away after the page has loaded.

use serde::Deserialize;

use crate::service::{Service, REQUEST_BUDGET_MS};

/// Each service's replicas, in the order the client tries them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Config {
    pub auth: Vec<String>,
    pub courses: Vec<String>,
    pub grades: Vec<String>,
}

impl Default for Config {
    /// The contract's default addresses, for `trunk serve` with no config file.
    fn default() -> Self {
        Self {
            auth: vec!["http://127.0.0.1:8081".into()],
            courses: vec!["http://127.0.0.1:8082".into()],
            grades: vec!["http://127.0.0.1:8083".into()],
        }
    }
}

impl Config {
    pub fn replicas(&self, service: Service) -> Vec<String> {
        let list = match service {
            Service::Auth => &self.auth,
            Service::Courses => &self.courses,
            Service::Grades => &self.grades,
        };
        if list.is_empty() {
            Config::default().replicas(service)
        } else {
            list.clone()
        }
    }

    /// Fetches `/config.json`; the defaults when it is missing or unreadable.
    pub async fn load() -> Self {
        let fetch = async {
            let response = gloo_net::http::Request::get("/config.json").send().await.ok()?;
            if !response.ok() {
                return None;
            }
            response.json::<Config>().await.ok()
        };
        let timeout = gloo_timers::future::TimeoutFuture::new(REQUEST_BUDGET_MS as u32);
        match futures_util::future::select(Box::pin(fetch), timeout).await {
            futures_util::future::Either::Left((Some(config), _)) => config,
            _ => Config::default(),
        }
    }
}
