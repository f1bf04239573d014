//! The panels of the page. Each loads on its own and fails on its own.

pub mod account;
pub mod admin;
pub mod catalogue;
mod frame;
mod live_seats;
pub mod my_courses;
pub mod my_grades;
pub mod signin;
pub mod teaching;

use leptos::prelude::*;

/// Bumped after every enroll, drop or new course, so the panels that show
/// enrollments load again.
#[derive(Debug, Clone, Copy)]
pub struct EnrollmentChanges(RwSignal<u64>);

impl EnrollmentChanges {
    pub fn new() -> Self {
        Self(RwSignal::new(0))
    }

    pub fn bump(self) {
        self.0.try_update(|n| *n += 1);
    }

    pub fn track(self) {
        self.0.track();
    }
}

impl Default for EnrollmentChanges {
    fn default() -> Self {
        Self::new()
    }
}

/// Reloads `reload` whenever enrollments change (not at first: the loader
/// has just started its own load).
pub fn reload_on_enrollment_change(reload: impl Fn() + 'static) {
    let changes = expect_context::<EnrollmentChanges>();
    Effect::new(move |first_run_done: Option<()>| {
        changes.track();
        if first_run_done.is_some() {
            reload();
        }
    });
}
