//! A teacher's classes: each roster with grades, a grade picker per student
//! that saves at once, the grade distribution, a CSV download, and a CSV
//! upload with its per-row report.
//!
//! The class list comes from course-service and each class's grades from
//! grade-service, so either outage blanks only its own part.

use std::collections::HashMap;

use leptos::prelude::*;
use shared_types::courses::Course;
use shared_types::grades::{StudentGrade, UploadReport};
use shared_types::Grade;
use uuid::Uuid;

use super::audit_trail::{audit_trail, TrailOf};
use super::catalogue::section_badge;
use super::frame::{panel, panel_error};
use super::grade_chart::{distribution, grade_chart};
use super::on_each_outcome;
use super::widgets::{data_table, read_chosen_file, save_file, Column::Hidden, Column::Shown, CSV};
use crate::api::{Api, CallError, ClassGrades};
use crate::loader::Loader;
use crate::service::Service;

#[component]
pub fn Teaching() -> impl IntoView {
    let api = expect_context::<Api>();
    let loader = Loader::new(move || {
        let api = api.clone();
        async move { api.teaching().await }
    });
    let render = |courses: Vec<Course>| {
        if courses.is_empty() {
            return view! { <p class="muted">"You are not teaching any course."</p> }.into_any();
        }
        courses
            .into_iter()
            .map(|course| view! { <ClassCard course=course /> })
            .collect_view()
            .into_any()
    };
    panel("teaching", "My classes".into(), Service::Courses, loader, render)
}

#[component]
fn ClassCard(course: Course) -> impl IntoView {
    let api = expect_context::<Api>();
    let course_id = course.id;
    let grades = {
        let api = api.clone();
        Loader::new(move || {
            let api = api.clone();
            async move { api.class_grades(course_id).await }
        })
    };
    let state = grades.state();
    let shown = Memo::new(move |_| state.get());
    let code = course.code.clone();
    let code_for_roster = course.code.clone();
    view! {
        <article class="class-card" data-course-code=course.code.clone()>
            <header>
                <h3>
                    <span class="code">{course.code.clone()}</span>
                    {section_badge(&course)}
                    <span class="title">{course.title.clone()}</span>
                </h3>
                <p class="muted small">{format!("{} of {} seats taken", course.enrolled, course.capacity)}</p>
            </header>
            <div class="subpanel" data-panel="class-grades" data-state=move || shown.with(|s| s.name())>
                {move || match shown.get() {
                    crate::loader::LoadState::Loading => {
                        view! { <p class="muted">"Loading the roster…"</p> }.into_any()
                    }
                    crate::loader::LoadState::Failed(error) => panel_error(error, move || grades.reload()).into_any(),
                    crate::loader::LoadState::Ready(class) => {
                        roster(course_id, code_for_roster.clone(), class).into_any()
                    }
                }}
            </div>
            <CsvUpload course_id=course_id code=code.clone() on_written=move || grades.reload() />
            {audit_trail(TrailOf::Section(course_id), format!("history-{}.csv", code.replace(' ', "-")))}
        </article>
    }
}

fn roster(course_id: Uuid, code: String, class: ClassGrades) -> impl IntoView {
    let warning = (!class.roster_complete).then(|| {
        view! {
            <p class="feedback warning" role="status">
                "The course service is unavailable: only students who already have a grade are listed."
            </p>
        }
    });
    if class.students.is_empty() {
        return view! {
            {warning}
            <p class="muted">"No students yet."</p>
        }
        .into_any();
    }
    // The grades as saved, row by row, for the chart: it follows each save.
    let held: RwSignal<HashMap<Uuid, Grade>> = RwSignal::new(
        class
            .students
            .iter()
            .filter_map(|s| s.grade.map(|g| (s.student_id, g)))
            .collect(),
    );
    let counts = Signal::derive(move || held.with(|held| distribution(held.values().copied())));
    let rows = class
        .students
        .into_iter()
        .map(|student| view! { <GradeRow course_id=course_id student=student held=held /> })
        .collect_view();
    view! {
        {warning}
        <div class="class-tools">{grade_chart(code.clone(), counts)} <ExportCsv course_id=course_id code=code /></div>
        {data_table("table roster", &[Shown("Student"), Shown("Grade"), Hidden("Status")], rows)}
    }
    .into_any()
}

/// Downloads the class's grades as CSV, as grade-service writes it (text
/// cells neutralised against spreadsheet formulas).
#[component]
fn ExportCsv(course_id: Uuid, code: String) -> impl IntoView {
    let api = expect_context::<Api>();
    let file_code = code.clone();
    // Ok(true): the whole class; Ok(false): only the students already graded.
    let export = Action::new_unsync(move |_: &()| {
        let (api, code) = (api.clone(), file_code.clone());
        async move {
            let (csv, complete) = api.export_grades(course_id).await?;
            let file_name = if complete {
                format!("{code}-grades.csv")
            } else {
                format!("{code}-grades-partial.csv")
            };
            save_file(&file_name, &csv, CSV).map_err(|_| CallError::BadAnswer(Service::Grades))?;
            Ok::<_, CallError>(complete)
        }
    });
    let pending = export.pending();
    let outcome = move || match export.value().get()? {
        Ok(true) => None,
        Ok(false) => Some((
            "warning",
            "The course service is unavailable: the file holds only the students who already have a grade.".to_owned(),
        )),
        Err(error) => Some(("error", error.to_string())),
    };
    view! {
        <div class="export">
            <button
                type="button"
                class="secondary"
                aria-label=format!("Download CSV of {code} grades")
                disabled=move || pending.get()
                on:click=move |_| {
                    export.dispatch(());
                }
            >
                {move || if pending.get() { "Preparing…" } else { "Download CSV" }}
            </button>
            <div role="status" aria-live="polite">
                {move || {
                    outcome()
                        .map(|(kind, text)| {
                            view! {
                                <p class=format!("feedback {kind}") data-testid="export-message">
                                    {text}
                                </p>
                            }
                        })
                }}
            </div>
        </div>
    }
}

#[derive(Debug, Clone, PartialEq)]
enum SaveState {
    Idle,
    Saving,
    Saved,
    Failed(String),
}

#[component]
fn GradeRow(course_id: Uuid, student: StudentGrade, held: RwSignal<HashMap<Uuid, Grade>>) -> impl IntoView {
    let api = expect_context::<Api>();
    let student_id = student.student_id;
    let current = student.grade;
    let save = Action::new_unsync(move |grade: &Grade| {
        let (api, grade) = (api.clone(), *grade);
        async move {
            api.set_grade(course_id, student_id, grade)
                .await
                .map(|_| grade)
                .map_err(|error| error.to_string())
        }
    });
    let save_state = Memo::new(move |_| {
        if save.pending().get() {
            return SaveState::Saving;
        }
        match save.value().get() {
            None => SaveState::Idle,
            Some(Ok(_)) => SaveState::Saved,
            Some(Err(message)) => SaveState::Failed(message),
        }
    });
    on_each_outcome(save, move |saved| {
        if let Ok(grade) = saved {
            held.update(|held| {
                held.insert(student_id, grade);
            });
        }
    });
    let on_change = move |ev: leptos::ev::Event| {
        if let Ok(grade) = Grade::parse(&event_target_value(&ev)) {
            save.dispatch(grade);
        }
    };
    let options = Grade::all()
        .map(|grade| {
            let text = grade.to_string();
            view! {
                <option value=text.clone() selected=current == Some(grade)>
                    {text.clone()}
                </option>
            }
        })
        .collect_view();
    view! {
        <tr data-student-name=student.student_name.clone()>
            <th scope="row">{student.student_name.clone()}</th>
            <td>
                <select
                    aria-label=format!("Grade for {}", student.student_name)
                    on:change=on_change
                    disabled=move || save_state.get() == SaveState::Saving
                >
                    <option value="" disabled=true selected=current.is_none()>
                        "—"
                    </option>
                    {options}
                </select>
            </td>
            <td
                data-testid="grade-status"
                class=move || match save_state.get() {
                    SaveState::Failed(_) => "save-status error",
                    _ => "save-status",
                }
                role="status"
            >
                {move || match save_state.get() {
                    SaveState::Idle => String::new(),
                    SaveState::Saving => "Saving…".to_owned(),
                    SaveState::Saved => "Saved".to_owned(),
                    SaveState::Failed(message) => message,
                }}
            </td>
        </tr>
    }
}

#[component]
fn CsvUpload(course_id: Uuid, code: String, on_written: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let api = expect_context::<Api>();
    let text = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<UploadReport, CallError>>);
    let send = Action::new_unsync(move |csv: &String| {
        let (api, csv) = (api.clone(), csv.clone());
        async move { api.upload_csv(course_id, csv).await }
    });
    on_each_outcome(send, move |result| {
        if matches!(&result, Ok(report) if report.written > 0) {
            on_written();
        }
        outcome.set(Some(result));
    });
    let pending = send.pending();

    let read_file = move |ev: leptos::ev::Event| read_chosen_file(&ev, text);

    let upload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let csv = text.get_untracked();
        if csv.trim().is_empty() {
            outcome.set(Some(Err(CallError::Rejected {
                status: 400,
                code: "empty_upload".into(),
                message: "Paste the CSV or choose a file first.".into(),
            })));
            return;
        }
        outcome.set(None);
        send.dispatch(csv);
    };

    let text_id = format!("csv-{course_id}");
    let file_id = format!("csv-file-{course_id}");
    view! {
        <form class="csv-upload" on:submit=upload>
            <details>
                <summary>"Upload grades as CSV"</summary>
                <p class="muted small">
                    "One row per student: " <code>"student_id,grade"</code>
                    ", with that header line. Nothing is written unless every row is valid."
                </p>
                <label for=file_id.clone()>{format!("CSV file for {code}")}</label>
                <input id=file_id type="file" accept=".csv,text/csv" on:change=read_file />
                <label for=text_id.clone()>{format!("CSV for {code}")}</label>
                <textarea
                    id=text_id
                    rows="4"
                    spellcheck="false"
                    placeholder="student_id,grade"
                    bind:value=text
                ></textarea>
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Uploading…" } else { "Upload CSV" }}
                </button>
            </details>
            {move || outcome.get().map(upload_outcome)}
        </form>
    }
}

fn upload_outcome(outcome: Result<UploadReport, CallError>) -> impl IntoView {
    let report = match outcome {
        Ok(report) => report,
        Err(error) => {
            return view! {
                <p class="feedback error" role="alert" data-testid="upload-report">
                    {error.to_string()}
                </p>
            }
            .into_any();
        }
    };
    let total = report.rows.len();
    let (summary, ok) = if report.written > 0 {
        let noun = if report.written == 1 { "row" } else { "rows" };
        (format!("{} {noun} written.", report.written), true)
    } else {
        (
            format!("Nothing written: {} of {total} rows rejected.", report.rejected),
            false,
        )
    };
    let rows = report
        .rows
        .into_iter()
        .map(|row| {
            view! {
                <tr data-row-status=row.status.clone()>
                    <td>{row.row}</td>
                    <td class="mono">{row.student_id.clone()}</td>
                    <td>{row.status.clone()}</td>
                    <td>{row.message.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="upload-report" data-testid="upload-report" role="status">
            <p class=if ok { "feedback ok" } else { "feedback error" }>{summary}</p>
            {data_table("table", &[Shown("Row"), Shown("Student id"), Shown("Result"), Shown("Detail")], rows)}
        </div>
    }
    .into_any()
}
