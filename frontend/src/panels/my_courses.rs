//! The courses a student is in, with drop.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared_types::courses::MyEnrollment;
use uuid::Uuid;

use super::frame::{feedback_line, panel, Feedback};
use super::{reload_on_enrollment_change, EnrollmentChanges};
use crate::api::Api;
use crate::loader::Loader;
use crate::service::Service;

#[component]
pub fn MyCourses() -> impl IntoView {
    let api = expect_context::<Api>();
    let changes = expect_context::<EnrollmentChanges>();
    let loader = {
        let api = api.clone();
        Loader::new(move || {
            let api = api.clone();
            async move { api.my_enrollments().await }
        })
    };
    reload_on_enrollment_change(move || loader.reload());

    let feedback = RwSignal::new(None::<Feedback>);
    let pending = RwSignal::new(None::<Uuid>);
    let drop_course = move |id: Uuid, code: String| {
        let api = api.clone();
        pending.set(Some(id));
        feedback.set(None);
        spawn_local(async move {
            let result = api.drop_course(id).await;
            pending.try_set(None);
            feedback.try_set(Some(match result {
                Ok(()) => Feedback::ok(format!("Dropped {code}.")),
                Err(error) => Feedback::error(&error),
            }));
            changes.bump();
        });
    };

    let render = move |mine: Vec<MyEnrollment>| {
        let list = if mine.is_empty() {
            view! { <p class="muted">"You are not enrolled in any course yet."</p> }.into_any()
        } else {
            let items = mine
                .into_iter()
                .map(|e| {
                    let id = e.course.id;
                    let code = e.course.code.clone();
                    let drop_course = drop_course.clone();
                    view! {
                        <li data-course-code=e.course.code.clone()>
                            <div>
                                <span class="code">{e.course.code.clone()}</span>
                                <span class="title">{e.course.title.clone()}</span>
                                <span class="muted small">{e.course.teacher_name.clone()}</span>
                            </div>
                            <button
                                type="button"
                                class="secondary"
                                aria-label=format!("Drop {}", e.course.code)
                                disabled=move || pending.get().is_some()
                                on:click=move |_| drop_course(id, code.clone())
                            >
                                {move || if pending.get() == Some(id) { "Dropping…" } else { "Drop" }}
                            </button>
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
