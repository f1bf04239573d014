//! The course catalogue: seats left, full courses, enroll.

use std::time::Duration;

use futures_util::future::join;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared_types::courses::Course;
use uuid::Uuid;

use super::{reload_on_enrollment_change, EnrollmentChanges};
use crate::api::Api;
use crate::loader::Loader;
use crate::panel::{feedback_line, panel, Feedback};

#[derive(Debug, Clone, PartialEq)]
struct CatalogueView {
    courses: Vec<Course>,
    /// The courses the student is in; empty for staff.
    mine: Vec<Uuid>,
}

/// `can_enroll`: the viewer is a student (staff see the catalogue read-only).
#[component]
pub fn Catalogue(can_enroll: bool) -> impl IntoView {
    let api = expect_context::<Api>();
    let changes = expect_context::<EnrollmentChanges>();
    let loader = {
        let api = api.clone();
        Loader::new(move || {
            let api = api.clone();
            async move {
                if !can_enroll {
                    return Ok(CatalogueView {
                        courses: api.catalogue().await?,
                        mine: Vec::new(),
                    });
                }
                let (courses, mine) = join(api.catalogue(), api.my_enrollments()).await;
                Ok(CatalogueView {
                    courses: courses?,
                    mine: mine?.into_iter().map(|e| e.course.id).collect(),
                })
            }
        })
        .refresh_every(Duration::from_secs(15))
    };
    reload_on_enrollment_change(move || loader.reload());

    let feedback = RwSignal::new(None::<Feedback>);
    let pending = RwSignal::new(None::<Uuid>);
    let enroll = move |course: Course| {
        let api = api.clone();
        pending.set(Some(course.id));
        feedback.set(None);
        spawn_local(async move {
            let result = api.enroll(course.id).await;
            pending.try_set(None);
            feedback.try_set(Some(match result {
                Ok(_) => Feedback::ok(format!("Enrolled in {}.", course.code)),
                Err(error) => Feedback::error(&error),
            }));
            changes.bump();
        });
    };

    let render = move |view_data: CatalogueView| {
        if view_data.courses.is_empty() {
            return view! { <p class="muted">"No courses yet."</p> }.into_any();
        }
        let rows = view_data
            .courses
            .into_iter()
            .map(|course| {
                let enrolled = view_data.mine.contains(&course.id);
                let enroll = enroll.clone();
                course_row(course, enrolled, can_enroll, pending, enroll)
            })
            .collect_view();
        view! {
            {feedback_line("catalogue-message", feedback)}
            <div class="table-scroll">
                <table class="table catalogue">
                    <thead>
                        <tr>
                            <th scope="col">"Course"</th>
                            <th scope="col">"Teacher"</th>
                            <th scope="col">"Seats"</th>
                            <th scope="col">
                                <span class="sr-only">"Action"</span>
                            </th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    panel("catalogue", "Course catalogue".into(), loader, render)
}

fn course_row(
    course: Course,
    enrolled: bool,
    can_enroll: bool,
    pending: RwSignal<Option<Uuid>>,
    enroll: impl Fn(Course) + Clone + 'static,
) -> impl IntoView {
    let seats = format!("{} of {} seats left", course.seats_left(), course.capacity);
    let action = if enrolled {
        view! { <span class="badge ok">"Enrolled"</span> }.into_any()
    } else if !course.open {
        view! { <span class="badge full">"Full"</span> }.into_any()
    } else if can_enroll {
        let id = course.id;
        let label = format!("Enroll in {}", course.code);
        let target = course.clone();
        view! {
            <button
                type="button"
                class="primary"
                aria-label=label
                disabled=move || pending.get().is_some()
                on:click=move |_| enroll(target.clone())
            >
                {move || if pending.get() == Some(id) { "Enrolling…" } else { "Enroll" }}
            </button>
        }
        .into_any()
    } else {
        ().into_any()
    };
    view! {
        <tr data-course-code=course.code.clone() class:full=!course.open>
            <th scope="row">
                <span class="code">{course.code.clone()}</span>
                <span class="title">{course.title.clone()}</span>
                <span class="desc">{course.description.clone()}</span>
            </th>
            <td>{course.teacher_name.clone()}</td>
            <td data-testid="seats">{seats}</td>
            <td class="action">{action}</td>
        </tr>
    }
}
