//! The panels of the page. Each loads on its own and fails on its own.

pub mod account;
pub mod admin;
pub mod admin_courses;
pub mod admin_holds;
pub mod admin_import;
mod admin_requisites;
pub mod admin_terms;
mod audit_trail;
pub mod catalogue;
mod catalogue_query;
mod frame;
mod grade_chart;
mod live_seats;
pub mod my_courses;
pub mod my_grades;
pub mod registration_day;
pub mod signin;
pub mod teaching;
mod timetable;
mod widgets;

pub use frame::take_focus_if_lost;

use leptos::prelude::*;
use shared_types::courses::{Course, CreateCourseRequest, WaitlistAnswer};
use uuid::Uuid;

use crate::api::{Api, CallError};
use frame::Feedback;

/// The writes that change what the catalogue and "My courses" show, as
/// Leptos actions shared by the panels: the panel that dispatched one shows
/// its outcome, and every panel showing enrollments reloads when any of
/// them completes (their `version()`, as the Leptos examples reload a
/// resource after an action).
#[derive(Clone, Copy)]
pub struct EnrollmentWrites {
    /// Enrolls in the course; the value is the catalogue's feedback.
    pub enroll: Action<Course, Feedback>,
    /// Drops the course `(id, code)`; the value is "My courses"' feedback.
    pub drop: Action<(Uuid, String), Feedback>,
    /// Enrolls in a full course's free seat or joins its waitlist; the
    /// value is the catalogue's feedback.
    pub join_waitlist: Action<Course, Feedback>,
    /// Leaves the waitlist of the course `(id, code)`; the value is "My
    /// courses"' feedback.
    pub leave_waitlist: Action<(Uuid, String), Feedback>,
    /// An admin's new course (the catalogue shows it).
    pub create_course: Action<CreateCourseRequest, Result<Course, CallError>>,
    /// Counts an admin's changes to courses (an edit, an archive, an
    /// import): each one has every list of courses read again.
    pub courses_changed: RwSignal<u64>,
    /// Counts changes to which courses there are (an archive, a restore,
    /// an import): the admin's list is read again for these only, so that
    /// an edit does not close the form it was made in.
    pub courses_added_or_removed: RwSignal<u64>,
    /// Counts users created by an import: the user list and the teachers
    /// offered for a new course are read again.
    pub users_imported: RwSignal<u64>,
}

impl EnrollmentWrites {
    pub fn new(api: &Api) -> Self {
        let enroll = {
            let api = api.clone();
            Action::new_unsync(move |course: &Course| {
                let (api, id, code) = (api.clone(), course.id, course.label());
                async move {
                    match api.enroll(id).await {
                        Ok(_) => Feedback::ok(format!("Enrolled in {code}.")),
                        Err(error) => Feedback::error(&error),
                    }
                }
            })
        };
        let drop = {
            let api = api.clone();
            Action::new_unsync(move |(id, code): &(Uuid, String)| {
                let (api, id, code) = (api.clone(), *id, code.clone());
                async move {
                    match api.drop_course(id).await {
                        Ok(()) => Feedback::ok(format!("Dropped {code}.")),
                        Err(error) => Feedback::error(&error),
                    }
                }
            })
        };
        let join_waitlist = {
            let api = api.clone();
            Action::new_unsync(move |course: &Course| {
                let (api, id, code) = (api.clone(), course.id, course.label());
                async move {
                    match api.join_waitlist(id).await {
                        Ok(WaitlistAnswer::Enrolled) => Feedback::ok(format!("A seat was free: enrolled in {code}.")),
                        Ok(WaitlistAnswer::Waitlisted { position }) => {
                            Feedback::ok(format!("On the waitlist for {code}: number {position} in line."))
                        }
                        Err(error) => Feedback::error(&error),
                    }
                }
            })
        };
        let leave_waitlist = {
            let api = api.clone();
            Action::new_unsync(move |(id, code): &(Uuid, String)| {
                let (api, id, code) = (api.clone(), *id, code.clone());
                async move {
                    match api.leave_waitlist(id).await {
                        Ok(()) => Feedback::ok(format!("Left the waitlist for {code}.")),
                        Err(error) => Feedback::error(&error),
                    }
                }
            })
        };
        let create_course = {
            let api = api.clone();
            Action::new_unsync(move |request: &CreateCourseRequest| {
                let (api, request) = (api.clone(), request.clone());
                async move { api.create_course(&request).await }
            })
        };
        Self {
            enroll,
            drop,
            join_waitlist,
            leave_waitlist,
            create_course,
            courses_changed: RwSignal::new(0),
            courses_added_or_removed: RwSignal::new(0),
            users_imported: RwSignal::new(0),
        }
    }

    /// Counts a change to which courses there are (and so to courses).
    pub fn course_added_or_removed(&self) {
        self.courses_added_or_removed.update(|n| *n += 1);
        self.courses_changed.update(|n| *n += 1);
    }

    /// Calls `reload` after each import of users (not at first).
    pub fn reload_after_user_imports(self, reload: impl Fn() + 'static) {
        Effect::new(move |first_run_done: Option<()>| {
            self.users_imported.track();
            if first_run_done.is_some() {
                reload();
            }
        });
    }

    /// Calls `reload` each time one of the writes completes (not at first:
    /// the panel's loader has just started its own load).
    pub fn reload_after_each(self, reload: impl Fn() + 'static) {
        Effect::new(move |first_run_done: Option<()>| {
            self.enroll.version().track();
            self.drop.version().track();
            self.join_waitlist.version().track();
            self.leave_waitlist.version().track();
            self.create_course.version().track();
            self.courses_changed.track();
            if first_run_done.is_some() {
                reload();
            }
        });
    }
}

/// What an action's feedback line shows: nothing while it runs, then its
/// last outcome.
pub fn outcome_of<I, O>(
    action: Action<I, O>,
    feedback: impl Fn(O) -> Option<Feedback> + Send + Sync + 'static,
) -> Signal<Option<Feedback>>
where
    I: Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        if action.pending().get() {
            None
        } else {
            action.value().get().and_then(&feedback)
        }
    })
}

/// Runs `on_done` with each outcome of `action` that completes from now on
/// (not one it had before this view was made).
pub fn on_each_outcome<I, O>(action: Action<I, O>, on_done: impl Fn(O) + 'static)
where
    I: Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    let seen = action.version().get_untracked();
    Effect::new(move |_| {
        if action.version().get() == seen {
            return;
        }
        if let Some(outcome) = action.value().get_untracked() {
            on_done(outcome);
        }
    });
}
