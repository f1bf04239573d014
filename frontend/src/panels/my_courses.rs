//! The courses a student is in, with drop, and the waitlists they are on,
//! with their place and leave; above them, any hold that blocks the
//! student's registration, with its reason and what to do.

use futures_util::future::join3;
use leptos::prelude::*;
use shared_types::courses::{Course, Meeting, MyEnrollment, MyWaitlistEntry};
use shared_types::holds::Hold;

use super::catalogue::{credits_text, section_badge};
use super::frame::{feedback_line, panel};
use super::timetable::timetable;
use super::widgets::{download_button, Download};
use super::{outcome_of, EnrollmentWrites};
use crate::api::{Api, CallError};
use crate::loader::Loader;
use crate::service::Service;

#[component]
pub fn MyCourses() -> impl IntoView {
    let api = expect_context::<Api>();
    let writes = expect_context::<EnrollmentWrites>();
    let loader = {
        let api = api.clone();
        Loader::new(move || {
            let api = api.clone();
            async move {
                let (mine, waiting, holds) = join3(api.my_enrollments(), api.my_waitlists(), api.my_holds()).await;
                Ok::<_, CallError>((mine?, waiting?, holds?))
            }
        })
    };
    writes.reload_after_each(move || loader.reload());
    let drop_course = writes.drop;
    let leave = writes.leave_waitlist;
    let last_was_leave = RwSignal::new(false);
    let drop_feedback = outcome_of(drop_course, Some);
    let leave_feedback = outcome_of(leave, Some);
    let feedback = Signal::derive(move || {
        if last_was_leave.get() {
            leave_feedback.get()
        } else {
            drop_feedback.get()
        }
    });

    let render = move |(mine, waiting, holds): (Vec<MyEnrollment>, Vec<MyWaitlistEntry>, Vec<Hold>)| {
        let on_hold = hold_notice(&holds);
        let held: Vec<Course> = mine.iter().map(|e| e.course.clone()).collect();
        let week = timetable(&held).map(|week| {
            view! {
                {week}
                {calendar_download(api.clone())}
            }
        });
        let list = if mine.is_empty() {
            view! { <p class="muted">"You are not enrolled in any course yet."</p> }.into_any()
        } else {
            let items = mine
                .into_iter()
                .map(|e| {
                    let id = e.course.id;
                    let code = e.course.label();
                    let this_one = move || drop_course.input().with(|d| d.as_ref().is_some_and(|(d, _)| *d == id));
                    let drop_button = (!e.course.archived).then(|| {
                        view! {
                            <button
                                type="button"
                                class="secondary"
                                aria-label=format!("Drop {}", e.course.label())
                                disabled=move || drop_course.pending().get()
                                on:click=move |_| {
                                    last_was_leave.set(false);
                                    drop_course.dispatch((id, code.clone()));
                                }
                            >
                                {move || if this_one() { "Dropping…" } else { "Drop" }}
                            </button>
                        }
                    });
                    let archived = e
                        .course
                        .archived
                        .then(|| view! { <span class="muted small">"archived"</span> });
                    view! {
                        <li data-course-code=e.course.code.clone()>
                            <div>
                                <span class="code">{e.course.code.clone()}</span>
                                {section_badge(&e.course)}
                                <span class="title">{e.course.title.clone()}</span>
                                <span class="muted small">{e.course.teacher_name.clone()}</span>
                                <span class="muted small">{credits_text(e.course.credits)}</span>
                                <span class="muted small">{Meeting::describe_week(&e.course.meetings)}</span>
                                {archived}
                            </div>
                            {drop_button}
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="my-courses">{items}</ul> }.into_any()
        };
        let waitlists = (!waiting.is_empty()).then(|| {
            let items = waiting
                .into_iter()
                .map(|w| {
                    let (id, code) = (w.course.id, w.course.label());
                    view! {
                        <li data-waitlist-code=w.course.code.clone()>
                            <div>
                                <span class="code">{w.course.code.clone()}</span>
                                {section_badge(&w.course)}
                                <span class="title">{w.course.title.clone()}</span>
                                <span class="muted small" data-testid="waitlist-position">
                                    {format!("number {} in line", w.position)}
                                </span>
                            </div>
                            <button
                                type="button"
                                class="secondary"
                                aria-label=format!("Leave waitlist for {}", w.course.label())
                                disabled=move || leave.pending().get()
                                on:click=move |_| {
                                    last_was_leave.set(true);
                                    leave.dispatch((id, code.clone()));
                                }
                            >
                                "Leave waitlist"
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <h3>"Waiting for a seat"</h3>
                <ul class="my-courses">{items}</ul>
            }
        });
        view! {
            {on_hold}
            {feedback_line("my-courses-message", feedback)}
            {list}
            {week}
            {waitlists}
        }
    };
    panel("my-courses", "My courses".into(), Service::Courses, loader, render)
}

/// The holds on the student's registration, each with its reason, and what
/// they still can do; nothing when there is none.
fn hold_notice(holds: &[Hold]) -> Option<impl IntoView + use<>> {
    (!holds.is_empty()).then(|| {
        let reasons = holds
            .iter()
            .map(|hold| view! { <li>{hold.reason.clone()}</li> })
            .collect_view();
        view! {
            <div class="notice" role="status" data-testid="registration-hold">
                <strong>"A hold blocks your registration"</strong>
                <ul>{reasons}</ul>
                <p class="small">
                    "Until the registrar's office lifts it you cannot enroll or join a waitlist, and waitlists pass you over. You can still drop courses."
                </p>
            </div>
        }
    })
}

/// Downloads the student's week as an iCalendar file for their own
/// calendar application (every meeting, weekly over the term).
fn calendar_download(api: Api) -> impl IntoView {
    download_button("Add to my calendar (.ics)", Service::Courses, move || {
        let api = api.clone();
        async move {
            Ok(Download {
                text: api.my_calendar().await?,
                name: "my-courses.ics".into(),
                kind: "text/calendar;charset=utf-8",
            })
        }
    })
}
