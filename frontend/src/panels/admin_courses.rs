//! An admin's courses: find one, change its title or seats, see its roster.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared_types::auth::Role;
use shared_types::catalogue::{CatalogueFilter, CourseSort};
use shared_types::courses::{
    Course, CreateSectionRequest, Meeting, OverrideEnrollmentRequest, RosterEntry, UpdateCourseRequest,
};

use super::admin_requisites::requisites_form;
use super::audit_trail::{audit_trail, TrailOf};
use super::frame::{feedback_line, live_panel, Feedback};
use super::on_each_outcome;
use super::widgets::{data_table, list_on_open, Column::Shown};
use super::EnrollmentWrites;
use crate::api::{Api, CallError};
use crate::loader::Loader;
use crate::service::Service;

/// Courses listed for one search: enough to find one by a few letters.
const SHOWN: usize = 10;

#[component]
pub fn AdminCourseList() -> impl IntoView {
    let api = expect_context::<Api>();
    let loader = Loader::new(move || {
        let api = api.clone();
        async move { api.catalogue().await.map(|(courses, _)| courses) }
    });
    // A course created in the form beside this one, archived, restored or
    // imported is listed (or not) here too.
    let writes = expect_context::<EnrollmentWrites>();
    Effect::new(move |first_run_done: Option<()>| {
        writes.create_course.version().track();
        writes.courses_added_or_removed.track();
        if first_run_done.is_some() {
            loader.reload();
        }
    });
    let search = RwSignal::new(String::new());
    // Made once: a reload (a course created, archived, restored, imported)
    // flows into the list, and the search box, the archived list and its
    // message stay as they are.
    let render = move |courses: Signal<Vec<Course>>| {
        let shown = Memo::new(move |_| {
            let filter = CatalogueFilter::new(&search.read(), false, CourseSort::Code);
            courses.with(|all| {
                let matching = filter.apply(all, Course::seats_left);
                (
                    matching.len(),
                    matching.into_iter().take(SHOWN).cloned().collect::<Vec<_>>(),
                )
            })
        });
        view! {
            <label for="admin-course-q">"Find a course"</label>
            <input id="admin-course-q" type="search" placeholder="Code, title or teacher" bind:value=search />
            <p class="muted small" aria-live="polite">
                {move || {
                    let (total, rows) = shown.get();
                    format!("{} of {total} shown", rows.len())
                }}
            </p>
            <ul class="admin-course-list">
                <For
                    each=move || shown.get().1
                    // Changed elsewhere (another admin): drawn again.
                    key=|course| (course.id, course.title.clone(), course.capacity)
                    children=|course| view! { <AdminCourseRow course=course /> }
                />
            </ul>
            <ArchivedCourses />
        }
    };
    live_panel("admin-course-list", "Courses".into(), Service::Courses, loader, render)
}

#[component]
fn AdminCourseRow(course: Course) -> impl IntoView {
    let api = expect_context::<Api>();
    let id = course.id;
    let code = course.label();
    let title = RwSignal::new(course.title.clone());
    let seats = RwSignal::new(course.capacity.to_string());
    let heading = RwSignal::new(format!("{} {}", course.label(), course.title));
    // What the service holds, as last heard: only what differs is sent, so
    // a title change never puts back a capacity changed elsewhere.
    let saved = StoredValue::new((course.title.clone(), course.capacity));
    let feedback = RwSignal::new(None::<Feedback>);
    let save = {
        let api = api.clone();
        Action::new_unsync(move |request: &UpdateCourseRequest| {
            let (api, request) = (api.clone(), request.clone());
            async move { api.update_course(id, &request).await }
        })
    };
    let writes = expect_context::<EnrollmentWrites>();
    on_each_outcome(save, move |result: Result<Course, CallError>| match result {
        Ok(course) if course.archived => writes.course_added_or_removed(),
        Ok(course) => {
            writes.courses_changed.update(|n| *n += 1);
            heading.set(format!("{} {}", course.label(), course.title));
            saved.set_value((course.title.clone(), course.capacity));
            feedback.set(Some(Feedback::ok(format!(
                "Saved {}: {} seats, {} taken.",
                course.label(),
                course.capacity,
                course.enrolled
            ))));
        }
        Err(error) => feedback.set(Some(Feedback::error(&error))),
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(capacity) = seats.get_untracked().trim().parse::<i64>() else {
            feedback.set(Some(Feedback::problem("Seats must be a whole number.")));
            return;
        };
        let (saved_title, saved_capacity) = saved.get_value();
        let new_title = title.get_untracked().trim().to_owned();
        let request = UpdateCourseRequest {
            title: (new_title != saved_title).then_some(new_title),
            capacity: (capacity != i64::from(saved_capacity)).then_some(capacity),
            ..UpdateCourseRequest::default()
        };
        if request.title.is_none() && request.capacity.is_none() {
            feedback.set(Some(Feedback::problem(
                "Nothing to save: the title and seats are as they were.",
            )));
            return;
        }
        feedback.set(None);
        save.dispatch(request);
    };
    let roster = list_on_open(
        "roster",
        format!("Roster of {code}"),
        "No students yet.",
        RwSignal::new(None),
        move || {
            let api = api.clone();
            async move { api.roster(id).await }
        },
        |students: Vec<RosterEntry>| {
            let rows = students
                .into_iter()
                .map(|s| {
                    let email = s.email.clone();
                    view! {
                        <tr data-student-email=email>
                            <th scope="row">
                                {s.name}
                                {s
                                    .override_reason
                                    .map(|reason| {
                                        view! {
                                            <span class="muted small override-reason">
                                                {format!("Enrolled past the rules: {reason}")}
                                            </span>
                                        }
                                    })}
                            </th>
                            <td>{s.email}</td>
                            <td>{s.enrolled_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                        </tr>
                    }
                })
                .collect_view();
            data_table(
                "table roster",
                &[
                    Shown("Student"),
                    Shown("Email"),
                    Shown("Enrolled"),
                    Shown("Admin's reason"),
                ],
                rows,
            )
        },
    );
    let (title_id, seats_id) = (format!("course-title-{id}"), format!("course-seats-{id}"));
    let week_and_sections = section_forms(&course);
    let by_override = override_form(&course);
    view! {
        <li data-course-code=code.clone() data-section=course.section.clone()>
            <p class="admin-course-heading">{move || heading.get()}</p>
            <details>
                <summary>{format!("Change {code}")}</summary>
                <form class="form-grid" on:submit=submit>
                    <label for=title_id.clone()>"Title"</label>
                    <input id=title_id type="text" required=true bind:value=title />
                    <label for=seats_id.clone()>"Seats"</label>
                    <input id=seats_id type="number" min="1" max="10000" required=true bind:value=seats />
                    <button type="submit" class="primary" disabled=move || save.pending().get()>
                        {format!("Save {code}")}
                    </button>
                    {feedback_line("course-change-message", feedback)}
                </form>
                <button
                    type="button"
                    disabled=move || save.pending().get()
                    on:click=move |_| {
                        save.dispatch(UpdateCourseRequest {
                            archived: Some(true),
                            ..UpdateCourseRequest::default()
                        });
                    }
                >
                    {format!("Archive {code}")}
                </button>
                <p class="muted small">
                    "An archived course leaves the catalogue; its roster and grades stay. It can be restored."
                </p>
                {week_and_sections}
                {by_override}
            </details>
            {requisites_form(id, code.clone())}
            {roster}
            {audit_trail(TrailOf::Section(id), format!("history-{}.csv", code.replace(' ', "-")))}
        </li>
    }
}

/// A section's week (typed as "Mon 09:00-10:15 B-201, Wed ..."), and a
/// form that adds another section of its course, taught by the same
/// teacher until changed.
fn section_forms(course: &Course) -> impl IntoView {
    let api = expect_context::<Api>();
    let writes = expect_context::<EnrollmentWrites>();
    let id = course.id;
    let label = course.label();
    let week = RwSignal::new(Meeting::write_week(&course.meetings));
    let week_feedback = RwSignal::new(None::<Feedback>);
    let save_week = {
        let api = api.clone();
        Action::new_unsync(move |week: &Vec<Meeting>| {
            let (api, week) = (api.clone(), week.clone());
            async move { api.set_meetings(id, &week).await }
        })
    };
    on_each_outcome(save_week, move |result: Result<Course, CallError>| match result {
        Ok(course) => {
            writes.courses_changed.update(|n| *n += 1);
            week.set(Meeting::write_week(&course.meetings));
            week_feedback.set(Some(Feedback::ok(format!(
                "{} meets {}.",
                course.label(),
                if course.meetings.is_empty() {
                    "at no set time".to_owned()
                } else {
                    Meeting::describe_week(&course.meetings)
                }
            ))));
        }
        Err(error) => week_feedback.set(Some(Feedback::error(&error))),
    });
    let submit_week = move |ev: SubmitEvent| {
        ev.prevent_default();
        match Meeting::parse_week(&week.get_untracked()) {
            Ok(parsed) => {
                week_feedback.set(None);
                save_week.dispatch(parsed);
            }
            Err(problem) => week_feedback.set(Some(Feedback::problem(problem))),
        }
    };

    let (teacher_id, teacher_name) = (course.teacher_id, course.teacher_name.clone());
    let section = RwSignal::new(String::new());
    let seats = RwSignal::new(course.capacity.to_string());
    let section_feedback = RwSignal::new(None::<Feedback>);
    let add = Action::new_unsync(move |request: &CreateSectionRequest| {
        let (api, request) = (api.clone(), request.clone());
        async move { api.create_section(id, &request).await }
    });
    on_each_outcome(add, move |result: Result<Course, CallError>| match result {
        Ok(added) => {
            writes.course_added_or_removed();
            section.set(String::new());
            section_feedback.set(Some(Feedback::ok(format!(
                "Added {} with {} seats.",
                added.label(),
                added.capacity
            ))));
        }
        Err(error) => section_feedback.set(Some(Feedback::error(&error))),
    });
    let submit_section = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(capacity) = seats.get_untracked().trim().parse::<i64>() else {
            section_feedback.set(Some(Feedback::problem("Seats must be a whole number.")));
            return;
        };
        section_feedback.set(None);
        add.dispatch(CreateSectionRequest {
            section: section.get_untracked().trim().to_owned(),
            capacity,
            teacher_id,
            teacher_name: teacher_name.clone(),
        });
    };
    let (week_id, section_id, section_seats_id) = (
        format!("course-week-{id}"),
        format!("new-section-{id}"),
        format!("new-section-seats-{id}"),
    );
    view! {
        <form class="form-grid" on:submit=submit_week>
            <label for=week_id.clone()>"Meets"</label>
            <input id=week_id type="text" placeholder="Mon 09:00-10:15 B-201, Wed 09:00-10:15 B-201" bind:value=week />
            <button type="submit" disabled=move || save_week.pending().get()>
                {format!("Save week of {label}")}
            </button>
            {feedback_line("course-week-message", week_feedback)}
        </form>
        <form class="form-grid" on:submit=submit_section>
            <label for=section_id.clone()>"New section"</label>
            <input id=section_id type="text" placeholder="02" maxlength="8" required=true bind:value=section />
            <label for=section_seats_id.clone()>"Its seats"</label>
            <input id=section_seats_id type="number" min="1" max="10000" required=true bind:value=seats />
            <button type="submit" disabled=move || add.pending().get()>
                "Add section"
            </button>
            {feedback_line("new-section-message", section_feedback)}
        </form>
    }
}

/// An admin's enrollment of a student, found by email, past capacity, a
/// clash, the credit limit or the window; the reason is kept on the roster.
fn override_form(course: &Course) -> impl IntoView {
    let api = expect_context::<Api>();
    let writes = expect_context::<EnrollmentWrites>();
    let (id, label) = (course.id, course.label());
    let email = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let feedback = RwSignal::new(None::<Feedback>);
    let enroll = Action::new_unsync(move |(email, reason): &(String, String)| {
        let (api, email, reason) = (api.clone(), email.clone(), reason.clone());
        async move {
            let students = api.users(Some(Role::Student), &email).await?;
            let Some(student) = students.into_iter().find(|u| u.email.eq_ignore_ascii_case(&email)) else {
                return Ok(Err(email));
            };
            let request = OverrideEnrollmentRequest {
                student_id: student.id,
                student_name: student.name.clone(),
                student_email: student.email.clone(),
                reason,
            };
            api.enroll_by_override(id, &request).await.map(Ok)
        }
    });
    let enrolled_label = label.clone();
    on_each_outcome(
        enroll,
        move |result: Result<Result<RosterEntry, String>, CallError>| match result {
            Ok(Ok(entry)) => {
                writes.courses_changed.update(|n| *n += 1);
                email.set(String::new());
                reason.set(String::new());
                feedback.set(Some(Feedback::ok(format!(
                    "Enrolled {} in {enrolled_label}: {}.",
                    entry.name,
                    entry.override_reason.unwrap_or_default()
                ))));
            }
            Ok(Err(unknown)) => feedback.set(Some(Feedback::problem(format!("No student has the email {unknown}.")))),
            Err(error) => feedback.set(Some(Feedback::error(&error))),
        },
    );
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        feedback.set(None);
        enroll.dispatch((
            email.get_untracked().trim().to_owned(),
            reason.get_untracked().trim().to_owned(),
        ));
    };
    let (email_id, reason_id) = (format!("override-email-{id}"), format!("override-reason-{id}"));
    view! {
        <form class="form-grid" on:submit=submit>
            <label for=email_id.clone()>"Student's email"</label>
            <input id=email_id type="email" required=true bind:value=email />
            <label for=reason_id.clone()>"Reason"</label>
            <input
                id=reason_id
                type="text"
                maxlength="500"
                required=true
                placeholder="Department approval, ticket 4411"
                bind:value=reason
            />
            <button type="submit" disabled=move || enroll.pending().get()>
                {format!("Enroll past the rules in {label}")}
            </button>
            <p class="muted small">
                "Past capacity, a clash, the credit limit or the window; the reason is kept on the roster."
            </p>
            {feedback_line("override-message", feedback)}
        </form>
    }
}

/// The archived courses, read each time the list is opened, each with a
/// button that brings it back to the catalogue.
#[component]
fn ArchivedCourses() -> impl IntoView {
    let api = expect_context::<Api>();
    let writes = expect_context::<EnrollmentWrites>();
    let archived = RwSignal::new(None::<Result<Vec<Course>, CallError>>);
    let feedback = RwSignal::new(None::<Feedback>);
    let restore = {
        let api = api.clone();
        Action::new_unsync(move |course: &Course| {
            let (api, id) = (api.clone(), course.id);
            async move {
                let request = UpdateCourseRequest {
                    archived: Some(false),
                    ..UpdateCourseRequest::default()
                };
                api.update_course(id, &request).await
            }
        })
    };
    on_each_outcome(restore, move |result: Result<Course, CallError>| match result {
        Ok(course) => {
            feedback.set(Some(Feedback::ok(format!(
                "Restored {}: it is in the catalogue again.",
                course.code
            ))));
            archived.update(|list| {
                if let Some(Ok(courses)) = list {
                    courses.retain(|c| c.id != course.id);
                }
            });
            writes.course_added_or_removed();
        }
        Err(error) => feedback.set(Some(Feedback::error(&error))),
    });
    let list = list_on_open(
        "archived-courses",
        "Archived courses".to_owned(),
        "No archived courses.",
        archived,
        move || {
            let api = api.clone();
            async move { api.archived_courses().await }
        },
        move |courses: Vec<Course>| {
            let items = courses
                .into_iter()
                .map(|course| {
                    let label = format!("Restore {}", course.code);
                    let heading = format!("{} {}", course.code, course.title);
                    let code = course.code.clone();
                    view! {
                        <li data-course-code=code>
                            <span>{heading}</span>
                            " "
                            <button
                                type="button"
                                disabled=move || restore.pending().get()
                                on:click=move |_| {
                                    restore.dispatch(course.clone());
                                }
                            >
                                {label}
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="admin-course-list">{items}</ul> }
        },
    );
    view! {
        {list}
        {feedback_line("archive-message", feedback)}
    }
}
