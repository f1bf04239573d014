//! The three services the app talks to, and how long each gets to answer.
//! Both the calls (`api`) and the start-up (`config`) use them.

/// The three services the app talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Auth,
    Courses,
    Grades,
}

impl Service {
    pub const ALL: [Service; 3] = [Service::Auth, Service::Courses, Service::Grades];

    /// The name a person reads: "the grade service is unavailable".
    pub fn label(self) -> &'static str {
        match self {
            Service::Auth => "auth service",
            Service::Courses => "course service",
            Service::Grades => "grade service",
        }
    }

    /// The key of this service in `/config.json` and in test ids.
    pub fn key(self) -> &'static str {
        match self {
            Service::Auth => "auth",
            Service::Courses => "courses",
            Service::Grades => "grades",
        }
    }
}

/// The longest a panel waits to reach a service and its first byte,
/// failover included, beyond what the link itself adds (see
/// `api::transfer::link_allowance_ms`). Once an answer flows it may take as
/// long as it keeps flowing.
pub const REQUEST_BUDGET_MS: f64 = 3_000.0;
