//! The course catalogue: seats left, full courses, enroll.

use std::time::Duration;

use futures_util::future::join;
use leptos::prelude::*;
use shared_types::courses::Course;
use uuid::Uuid;

use super::frame::{feedback_line, panel, Feedback};
use super::live_seats::LiveSeats;
use super::widgets::{data_table, Column::Hidden, Column::Shown};
use super::{outcome_of, EnrollmentWrites};
use crate::api::Api;
use crate::loader::{LoadState, Loader};
use crate::service::Service;

#[derive(Debug, Clone)]
struct CatalogueView {
    courses: Vec<Course>,
    /// The courses the student is in; empty for staff.
    mine: Vec<Uuid>,
    /// When the catalogue's seat counts were read (the service's clock).
    seats_as_of: Option<i64>,
}

/// The same courses and enrollments are the same view, whenever they were
/// read: a reload that brings nothing new does not redraw the table.
impl PartialEq for CatalogueView {
    fn eq(&self, other: &Self) -> bool {
        self.courses == other.courses && self.mine == other.mine
    }
}

/// Kept whole in case seat updates miss something (a course removed by an
/// administrator): seat counts themselves arrive every few seconds from
/// [`LiveSeats`], for a few bytes each.
const FULL_REFRESH_EVERY: Duration = Duration::from_secs(300);

/// `can_enroll`: the viewer is a student (staff see the catalogue read-only).
#[component]
pub fn Catalogue(can_enroll: bool) -> impl IntoView {
    let api = expect_context::<Api>();
    let writes = expect_context::<EnrollmentWrites>();
    let live = LiveSeats::new();
    let loader = {
        let api = api.clone();
        Loader::new(move || {
            let api = api.clone();
            async move {
                let ((courses, as_of), mine) = if can_enroll {
                    let (catalogue, mine) = join(api.catalogue(), api.my_enrollments()).await;
                    (catalogue?, mine?.into_iter().map(|e| e.course.id).collect())
                } else {
                    (api.catalogue().await?, Vec::new())
                };
                Ok(CatalogueView {
                    courses,
                    mine,
                    seats_as_of: as_of,
                })
            }
        })
        .refresh_every(FULL_REFRESH_EVERY)
        .keep_on_failure()
    };
    let state = loader.state();
    let stale = loader.stale();
    // Seat updates start from the catalogue the panel accepted (a load
    // overtaken by a newer one never gets here).
    Effect::new(move |_| {
        state.with(|s| {
            if let LoadState::Ready(view) = s {
                live.restart(&view.courses, view.seats_as_of);
            }
        });
    });
    live.follow(
        api.clone(),
        move || state.with_untracked(|s| matches!(s, LoadState::Ready(_))),
        move || loader.reload(),
    );
    writes.reload_after_each(move || loader.reload());
    let enroll = writes.enroll;
    let feedback = outcome_of(enroll, Some);

    let render = move |view_data: CatalogueView| {
        if view_data.courses.is_empty() {
            return view! { <p class="muted">"No courses yet."</p> }.into_any();
        }
        let rows = view_data
            .courses
            .into_iter()
            .map(|course| {
                let enrolled = view_data.mine.contains(&course.id);
                course_row(course, enrolled, can_enroll, live, enroll)
            })
            .collect_view();
        view! {
            {feedback_line("catalogue-message", feedback)}
            <Show when=move || stale.get()>
                <p class="muted" data-testid="catalogue-stale">
                    "The course service could not refresh this list just now; it shows the catalogue as last loaded and tries again."
                </p>
            </Show>
            {data_table(
                "table catalogue",
                &[Shown("Course"), Shown("Teacher"), Shown("Seats"), Hidden("Action")],
                rows,
            )}
        }
        .into_any()
    };
    panel("catalogue", "Course catalogue".into(), Service::Courses, loader, render)
}

fn course_row(
    course: Course,
    enrolled: bool,
    can_enroll: bool,
    live: LiveSeats,
    enroll: Action<Course, Feedback>,
) -> impl IntoView {
    let seats_course = course.clone();
    let seats = Memo::new(move |_| live.seats_of(&seats_course));
    let open = move || {
        let (capacity, taken) = seats.get();
        taken < capacity
    };
    let seats_text = move || {
        let (capacity, taken) = seats.get();
        format!("{} of {capacity} seats left", (capacity - taken).max(0))
    };
    let id = course.id;
    let label = format!("Enroll in {}", course.code);
    let target = course.clone();
    let action = move || {
        if enrolled {
            view! { <span class="badge ok">"Enrolled"</span> }.into_any()
        } else if !open() {
            view! { <span class="badge full">"Full"</span> }.into_any()
        } else if can_enroll {
            let target = target.clone();
            let this_one = move || enroll.input().with(|c| c.as_ref().is_some_and(|c| c.id == id));
            view! {
                <button
                    type="button"
                    class="primary"
                    aria-label=label.clone()
                    disabled=move || enroll.pending().get()
                    on:click=move |_| {
                        enroll.dispatch(target.clone());
                    }
                >
                    {move || if this_one() { "Enrolling…" } else { "Enroll" }}
                </button>
            }
            .into_any()
        } else {
            ().into_any()
        }
    };
    view! {
        <tr data-course-code=course.code.clone() class:full=move || !open()>
            <th scope="row">
                <span class="code">{course.code.clone()}</span>
                <span class="title">{course.title.clone()}</span>
                <span class="desc">{course.description.clone()}</span>
            </th>
            <td>{course.teacher_name.clone()}</td>
            <td data-testid="seats">{seats_text}</td>
            <td class="action">{action}</td>
        </tr>
    }
}
