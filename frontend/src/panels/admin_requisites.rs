//! Admin: what a course requires, typed as a line ("CS101 2.0, with
//! CS101L"), read when opened and saved whole; and the completions a
//! registrar records for a student (transfer credit).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared_types::requisites::{parse_requisites, write_requisites, Requisites, StudentCompletions};
use uuid::Uuid;

use super::frame::{feedback_line, Feedback};
use super::on_each_outcome;
use crate::api::{Api, CallError};

/// The requisites of `course`'s code: read each time they are opened,
/// saved whole.
pub fn requisites_form(course: Uuid, label: String) -> impl IntoView {
    let api = expect_context::<Api>();
    let text = RwSignal::new(String::new());
    let feedback = RwSignal::new(None::<Feedback>);
    let loaded = RwSignal::new(false);
    // Read when opened; the line is disabled until it is (typing into it
    // before would be overwritten).
    let load = {
        let api = api.clone();
        Action::new_unsync(move |_: &()| {
            let api = api.clone();
            async move { api.requisites(course).await }
        })
    };
    let save = Action::new_unsync(move |typed: &String| {
        let (api, typed) = (api.clone(), typed.clone());
        async move {
            let list = match parse_requisites(&typed) {
                Ok(list) => list,
                Err(problem) => return Ok(Err(problem)),
            };
            api.set_requisites(course, &list).await.map(Ok)
        }
    });
    on_each_outcome(load, move |result: Result<Requisites, CallError>| match result {
        Ok(read) => {
            text.set(write_requisites(&read.requisites));
            loaded.set(true);
        }
        Err(error) => feedback.set(Some(Feedback::error(&error))),
    });
    on_each_outcome(
        save,
        move |result: Result<Result<Requisites, String>, CallError>| match result {
            Ok(Ok(saved)) => {
                text.set(write_requisites(&saved.requisites));
                feedback.set(Some(Feedback::ok(if saved.requisites.is_empty() {
                    format!("{} requires nothing now.", saved.code)
                } else {
                    format!(
                        "Every section of {} now requires {}.",
                        saved.code,
                        write_requisites(&saved.requisites)
                    )
                })));
            }
            Ok(Err(problem)) => feedback.set(Some(Feedback::problem(problem))),
            Err(error) => feedback.set(Some(Feedback::error(&error))),
        },
    );
    let open = move |ev: leptos::ev::Event| {
        if event_target::<web_sys::HtmlDetailsElement>(&ev).open() {
            feedback.set(None);
            load.dispatch(());
        }
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        feedback.set(None);
        save.dispatch(text.get_untracked());
    };
    let input_id = format!("requisites-{course}");
    let pending = move || load.pending().get() || save.pending().get();
    view! {
        <details class="requisites" on:toggle=open>
            <summary>{format!("Requisites of {label}")}</summary>
            <form class="form-grid" on:submit=submit>
                <label for=input_id.clone()>"Requires"</label>
                <input
                    id=input_id
                    type="text"
                    placeholder="CS101 2.0, with CS101L"
                    disabled=move || !loaded.get() || load.pending().get()
                    bind:value=text
                />
                <button type="submit" disabled=pending>
                    {format!("Save requisites of {label}")}
                </button>
                <p class="muted small">
                    "Course codes passed first, each with its lowest grade (CS101 2.0; 1.0 if left out); \"with\" before a course taken in the same term. They hold for every section of the course. Empty: none."
                </p>
                {feedback_line("requisites-message", feedback)}
            </form>
        </details>
    }
}

/// The student's completions as course-service holds them, and a form to
/// record one.
pub fn completions_of(student: Uuid) -> impl IntoView {
    let api = expect_context::<Api>();
    let held = RwSignal::new(None::<StudentCompletions>);
    let code = RwSignal::new(String::new());
    let grade = RwSignal::new("3.0".to_owned());
    let feedback = RwSignal::new(None::<Feedback>);
    let read = {
        let api = api.clone();
        Action::new_unsync(move |_: &()| {
            let api = api.clone();
            async move { api.student_completions(student).await }
        })
    };
    let record = Action::new_unsync(move |(code, grade): &(String, f64)| {
        let (api, code, grade) = (api.clone(), code.clone(), *grade);
        async move { api.record_completion(student, &code, grade).await }
    });
    on_each_outcome(
        read,
        move |result: Result<StudentCompletions, CallError>| match result {
            Ok(list) => held.set(Some(list)),
            Err(error) => feedback.set(Some(Feedback::error(&error))),
        },
    );
    on_each_outcome(
        record,
        move |result: Result<StudentCompletions, CallError>| match result {
            Ok(list) => {
                feedback.set(Some(Feedback::ok(format!("Recorded {}.", code.get_untracked().trim()))));
                code.set(String::new());
                held.set(Some(list));
            }
            Err(error) => feedback.set(Some(Feedback::error(&error))),
        },
    );
    read.dispatch(());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(grade) = grade.get_untracked().trim().parse::<f64>() else {
            feedback.set(Some(Feedback::problem("The grade is a number such as 3.0.")));
            return;
        };
        feedback.set(None);
        record.dispatch((code.get_untracked().trim().to_owned(), grade));
    };
    let list = move || {
        held.get().map(|held| {
            if held.completions.is_empty() {
                view! { <p class="muted">"No completed course on record."</p> }.into_any()
            } else {
                let items = held
                    .completions
                    .into_iter()
                    .map(|c| {
                        let from = if c.source == "registrar" {
                            "recorded by the registrar"
                        } else {
                            "graded"
                        };
                        view! {
                            <li data-completion=c.code.clone()>
                                <span>{format!("{} {}", c.code, c.grade)}</span>
                                <span class="muted small">{from}</span>
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ul class="my-courses">{items}</ul> }.into_any()
            }
        })
    };
    let (code_id, grade_id) = (
        format!("completion-code-{student}"),
        format!("completion-grade-{student}"),
    );
    view! {
        <h3>"Completed courses (for prerequisites)"</h3>
        {list}
        <form class="form-grid" on:submit=submit>
            <label for=code_id.clone()>"Course code"</label>
            <input id=code_id type="text" required=true placeholder="CS101" bind:value=code />
            <label for=grade_id.clone()>"Grade"</label>
            <input id=grade_id type="text" inputmode="decimal" required=true bind:value=grade />
            <button type="submit" class="secondary" disabled=move || record.pending().get()>
                "Record completion"
            </button>
            <p class="muted small">
                "Transfer credit or an equivalent course: counts toward prerequisites beside the grades teachers post."
            </p>
            {feedback_line("completion-message", feedback)}
        </form>
    }
}
