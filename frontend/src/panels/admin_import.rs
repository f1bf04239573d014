//! An admin loads a term's users or courses from a CSV file: checked first
//! (a dry run), then imported all or nothing, with a report of each row.
//! New users' one-time setup codes can be saved as a file to hand out.

use leptos::prelude::*;
use shared_types::import::{ImportReport, ImportRow, ImportStatus};
use shared_types::spreadsheet;

use super::frame::{feedback_line, Feedback};
use super::on_each_outcome;
use super::widgets::{data_table, read_chosen_file, save_file, Column::Shown, CSV};
use super::EnrollmentWrites;
use crate::api::{Api, CallError};
use crate::service::Service;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImportKind {
    Users,
    Courses,
}

impl ImportKind {
    fn header(self) -> &'static str {
        match self {
            ImportKind::Users => "email,name,roles",
            ImportKind::Courses => "code,title,capacity,teacher_email,description",
        }
    }

    fn target(self) -> (Service, &'static str) {
        match self {
            ImportKind::Users => (Service::Auth, "/auth/users/import"),
            ImportKind::Courses => (Service::Courses, "/courses/import"),
        }
    }
}

#[component]
pub fn AdminImport() -> impl IntoView {
    let api = expect_context::<Api>();
    let kind = RwSignal::new(ImportKind::Users);
    let text = RwSignal::new(String::new());
    let feedback = RwSignal::new(None::<Feedback>);
    let report = RwSignal::new(None::<ImportReport>);
    let send = Action::new_unsync(move |(kind, csv, dry_run): &(ImportKind, String, bool)| {
        let (api, kind, csv, dry_run) = (api.clone(), *kind, csv.clone(), *dry_run);
        async move {
            let (service, path) = kind.target();
            let path = if dry_run {
                format!("{path}?dry_run=true")
            } else {
                path.to_owned()
            };
            api.import_csv(service, &path, csv).await
        }
    });
    let writes = expect_context::<EnrollmentWrites>();
    on_each_outcome(send, move |result: Result<ImportReport, CallError>| match result {
        Ok(done) => {
            feedback.set(Some(summary(&done)));
            if !done.dry_run && done.created > 0 {
                match kind.get_untracked() {
                    ImportKind::Users => writes.users_imported.update(|n| *n += 1),
                    ImportKind::Courses => writes.course_added_or_removed(),
                }
            }
            report.set(Some(done));
        }
        Err(error) => {
            report.set(None);
            feedback.set(Some(Feedback::error(&error)));
        }
    });
    let start = move |dry_run: bool| {
        let csv = text.get_untracked();
        if csv.trim().is_empty() {
            feedback.set(Some(Feedback::problem("Paste the CSV or choose a file first.")));
            return;
        }
        feedback.set(None);
        report.set(None);
        send.dispatch((kind.get_untracked(), csv, dry_run));
    };
    let pending = send.pending();
    let choose = move |chosen: ImportKind| {
        kind.set(chosen);
        report.set(None);
        feedback.set(None);
    };
    view! {
        <section class="panel" data-panel="admin-import">
            <h2>"Import from CSV"</h2>
            <fieldset class="import-kind">
                <legend>"The file holds"</legend>
                <label class="check">
                    <input
                        type="radio"
                        name="import-kind"
                        checked=move || kind.get() == ImportKind::Users
                        on:change=move |_| choose(ImportKind::Users)
                    />
                    "Users"
                </label>
                <label class="check">
                    <input
                        type="radio"
                        name="import-kind"
                        checked=move || kind.get() == ImportKind::Courses
                        on:change=move |_| choose(ImportKind::Courses)
                    />
                    "Courses"
                </label>
            </fieldset>
            <p class="muted small">
                "Header line: " <code>{move || kind.get().header()}</code>
                {move || match kind.get() {
                    ImportKind::Users => {
                        ". Roles: student (when empty), teacher, admin; several separated by ';'. No passwords: each new user gets a one-time setup code to choose their own."
                    }
                    ImportKind::Courses => ". Teachers by the email of their account.",
                }} " Rows that exist already (same email or code) are left as they are."
            </p>
            <label for="import-file">"CSV file"</label>
            <input
                id="import-file"
                type="file"
                accept=".csv,text/csv"
                on:change=move |ev| read_chosen_file(&ev, text)
            />
            <label for="import-text">"CSV to import"</label>
            <textarea id="import-text" rows="5" spellcheck="false" bind:value=text></textarea>
            <div class="actions">
                <button type="button" disabled=move || pending.get() on:click=move |_| start(true)>
                    "Check file"
                </button>
                <button type="button" class="primary" disabled=move || pending.get() on:click=move |_| start(false)>
                    "Import"
                </button>
            </div>
            {feedback_line("import-message", feedback)}
            {move || report.get().map(report_table)}
        </section>
    }
}

/// One line on the whole file.
fn summary(report: &ImportReport) -> Feedback {
    if report.is_refused() {
        return Feedback::problem(format!(
            "Nothing imported: {} of {} rows need correcting (below).",
            report.invalid,
            report.rows.len()
        ));
    }
    let text = if report.dry_run {
        format!(
            "The file is good: {} new, {} already there. Nothing written yet.",
            report.created, report.existing
        )
    } else {
        format!(
            "Imported: {} created, {} already there.",
            report.created, report.existing
        )
    };
    Feedback::ok(text)
}

fn report_table(report: ImportReport) -> impl IntoView {
    let codes: Vec<(String, String)> = report
        .rows
        .iter()
        .filter_map(|row| Some((row.key.clone(), row.setup_code.clone()?)))
        .collect();
    let save_codes = (!codes.is_empty()).then(|| {
        let csv = setup_codes_csv(&codes);
        view! {
            <p class="feedback warning">
                "Each new user signs in once with their setup code and then chooses a password. The codes are shown only now: save them."
            </p>
            <button
                type="button"
                on:click=move |_| {
                    let _ = save_file("setup-codes.csv", &csv, CSV);
                }
            >
                "Save setup codes (CSV)"
            </button>
        }
    });
    let with_codes = save_codes.is_some();
    let rows = report
        .rows
        .into_iter()
        .map(|row| report_row(row, with_codes))
        .collect_view();
    let columns: &[_] = if with_codes {
        &[
            Shown("Line"),
            Shown("Key"),
            Shown("Result"),
            Shown("Detail"),
            Shown("Setup code"),
        ]
    } else {
        &[Shown("Line"), Shown("Key"), Shown("Result"), Shown("Detail")]
    };
    view! {
        <div class="upload-report" data-testid="import-report">
            {save_codes}
            {data_table("table", columns, rows)}
        </div>
    }
}

/// One row of the report; `with_codes`: the table has a setup code column.
fn report_row(row: ImportRow, with_codes: bool) -> impl IntoView {
    let result = match row.status {
        ImportStatus::Created => "created",
        ImportStatus::New => "new",
        ImportStatus::Exists => "exists",
        ImportStatus::Invalid => "invalid",
    };
    view! {
        <tr data-row-status=result>
            <td>{row.line}</td>
            <td class="mono">{row.key}</td>
            <td>{row.error.unwrap_or_else(|| result.to_owned())}</td>
            <td>{row.message.unwrap_or_default()}</td>
            {with_codes.then(|| view! { <td class="mono">{row.setup_code.unwrap_or_default()}</td> })}
        </tr>
    }
}

/// `email,setup_code` rows: a file the registrar can mail-merge, every
/// cell quoted and safe to open in a spreadsheet.
fn setup_codes_csv(codes: &[(String, String)]) -> String {
    let mut csv = spreadsheet::csv_line(["email", "setup_code"]);
    for (email, code) in codes {
        csv.push_str(&spreadsheet::csv_line([email.as_str(), code.as_str()]));
    }
    csv
}
