//! The courses a student is in, with drop.

use leptos::prelude::*;
use shared_types::courses::{Meeting, MyEnrollment};

use super::catalogue::credits_text;
use super::frame::{feedback_line, panel};
use super::{outcome_of, EnrollmentWrites};
use crate::api::Api;
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
            async move { api.my_enrollments().await }
        })
    };
    writes.reload_after_each(move || loader.reload());
    let drop_course = writes.drop;
    let feedback = outcome_of(drop_course, Some);

    let render = move |mine: Vec<MyEnrollment>| {
        let list = if mine.is_empty() {
            view! { <p class="muted">"You are not enrolled in any course yet."</p> }.into_any()
        } else {
            let items = mine
                .into_iter()
                .map(|e| {
                    let id = e.course.id;
                    let code = e.course.code.clone();
                    let this_one = move || drop_course.input().with(|d| d.as_ref().is_some_and(|(d, _)| *d == id));
                    let drop_button = (!e.course.archived).then(|| {
                        view! {
                            <button
                                type="button"
                                class="secondary"
                                aria-label=format!("Drop {}", e.course.code)
                                disabled=move || drop_course.pending().get()
                                on:click=move |_| {
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
        view! {
            {feedback_line("my-courses-message", feedback)}
            {list}
        }
    };
    panel("my-courses", "My courses".into(), Service::Courses, loader, render)
}
