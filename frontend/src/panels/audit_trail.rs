//! A registration history (the audit trail) as staff read it: a student's
//! or a section's attempts, newest first, accepted or refused with the
//! reason, and a CSV download of the whole. Read when opened: most visits
//! to a roster or a student's holds never need it.

use leptos::prelude::*;
use shared_types::audit::{AuditAction, AuditEvent, AuditOutcome};
use uuid::Uuid;

use super::widgets::{data_table, download_button, list_on_open, Column::Shown, Download, CSV};
use crate::api::Api;
use crate::service::Service;

/// Whose history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrailOf {
    Student(Uuid),
    Section(Uuid),
}

impl TrailOf {
    fn path(self) -> String {
        match self {
            TrailOf::Student(id) => format!("/students/{id}/audit"),
            TrailOf::Section(id) => format!("/courses/{id}/audit"),
        }
    }
}

fn action_words(action: AuditAction) -> &'static str {
    match action {
        AuditAction::Enroll => "Enroll",
        AuditAction::Join => "Enroll or wait",
        AuditAction::Leave => "Leave waitlist",
        AuditAction::Drop => "Drop",
        AuditAction::Promote => "Promoted from waitlist",
        AuditAction::Override => "Override",
        AuditAction::HoldPlaced => "Hold placed",
        AuditAction::HoldLifted => "Hold lifted",
    }
}

/// Who acted, as the reader of this history calls them.
fn actor_words(event: &AuditEvent) -> String {
    match event.actor_id {
        None => "System".into(),
        Some(actor) if actor == event.student_id => "Student".into(),
        Some(_) => "Admin".into(),
    }
}

fn event_row(event: AuditEvent, of: TrailOf) -> impl IntoView {
    let (badge, outcome) = match event.outcome {
        AuditOutcome::Accepted => ("badge ok", "Accepted"),
        AuditOutcome::Refused => ("badge full", "Refused"),
    };
    let section = match (&event.course_code, &event.section) {
        (Some(code), Some(section)) => format!("{code} {section}"),
        _ => String::new(),
    };
    // A section's history names the student; a student's, the section.
    let subject = match of {
        TrailOf::Section(_) if event.student_name.is_empty() => event.student_id.to_string(),
        TrailOf::Section(_) => event.student_name.clone(),
        TrailOf::Student(_) => section,
    };
    view! {
        <tr data-audit-action=event.action.as_str() data-audit-outcome=event.outcome.as_str()>
            <td class="small">{event.at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
            <td>{actor_words(&event)}</td>
            <td>{action_words(event.action)}</td>
            <td>{subject}</td>
            <td>
                <span class=badge>{outcome}</span>
                " "
                <span class="muted small">{event.code.clone()}</span>
            </td>
            <td class="small">{event.detail.clone()}</td>
        </tr>
    }
}

/// The history of `of`, read each time it is opened; `file` names its CSV.
pub fn audit_trail(of: TrailOf, file: String) -> impl IntoView {
    let api = expect_context::<Api>();
    let subject = match of {
        TrailOf::Section(_) => "Student",
        TrailOf::Student(_) => "Section",
    };
    list_on_open(
        "audit-trail",
        "Registration history".into(),
        "Nothing recorded yet.",
        RwSignal::new(None),
        move || {
            let api = api.clone();
            async move { api.audit_trail(&of.path()).await }
        },
        move |events: Vec<AuditEvent>| {
            let rows = events.into_iter().map(|event| event_row(event, of)).collect_view();
            view! {
                {data_table(
                    "table audit",
                    &[
                        Shown("When (UTC)"),
                        Shown("Who"),
                        Shown("Attempt"),
                        Shown(subject),
                        Shown("Outcome"),
                        Shown("Reason"),
                    ],
                    rows,
                )}
                {csv_download(of, file.clone())}
            }
        },
    )
}

/// Downloads the whole history as course-service writes it (every cell
/// safe to open in a spreadsheet).
fn csv_download(of: TrailOf, file: String) -> impl IntoView {
    let api = expect_context::<Api>();
    download_button("Download CSV", Service::Courses, move || {
        let (api, name) = (api.clone(), file.clone());
        async move {
            Ok(Download {
                text: api.audit_csv(&of.path()).await?,
                name,
                kind: CSV,
            })
        }
    })
}
