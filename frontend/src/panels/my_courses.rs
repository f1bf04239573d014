//! The courses a student is in, with drop, and the waitlists they are on,
//! with their place and leave.

use futures_util::future::join;
use leptos::prelude::*;
use shared_types::courses::{Course, Meeting, MyEnrollment, MyWaitlistEntry};

use super::catalogue::{credits_text, section_badge};
use super::frame::{feedback_line, panel};
use super::timetable::timetable;
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
                let (mine, waiting) = join(api.my_enrollments(), api.my_waitlists()).await;
                Ok::<_, CallError>((mine?, waiting?))
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

    let render = move |(mine, waiting): (Vec<MyEnrollment>, Vec<MyWaitlistEntry>)| {
        let held: Vec<Course> = mine.iter().map(|e| e.course.clone()).collect();
        let week = timetable(&held);
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
            {feedback_line("my-courses-message", feedback)}
            {list}
            {week}
            {waitlists}
        }
    };
    panel("my-courses", "My courses".into(), Service::Courses, loader, render)
}
