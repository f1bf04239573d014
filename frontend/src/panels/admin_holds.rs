//! Admin: a student's registration record. Find the student by email,
//! read their holds (lifted ones too), place one with a reason, lift one,
//! record a completed course, and read their registration history.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared_types::auth::User;
use shared_types::holds::Hold;
use shared_types::Role;
use uuid::Uuid;

use super::admin_requisites::completions_of;
use super::audit_trail::{audit_trail, TrailOf};
use super::frame::{feedback_line, Feedback};
use super::on_each_outcome;
use super::widgets::TextField;
use crate::api::{Api, CallError};

/// The student found, and their holds.
type Found = Option<(User, Vec<Hold>)>;

/// The student with exactly this email (auth-service), and their holds
/// (course-service); `None` when no student has it.
async fn find_student(api: Api, email: String) -> Result<Found, CallError> {
    let wanted = email.trim().to_lowercase();
    let users = api.users(Some(Role::Student), &wanted).await?;
    let Some(student) = users.into_iter().find(|u| u.email.to_lowercase() == wanted) else {
        return Ok(None);
    };
    let holds = api.student_holds(student.id).await?;
    Ok(Some((student, holds)))
}

#[component]
pub fn AdminHolds() -> impl IntoView {
    let api = expect_context::<Api>();
    let email = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let found = RwSignal::new(None::<(User, Vec<Hold>)>);
    let feedback = RwSignal::new(None::<Feedback>);
    let find = {
        let api = api.clone();
        Action::new_unsync(move |email: &String| find_student(api.clone(), email.clone()))
    };
    // Each change answers with the hold; the list is read again after it.
    let place = {
        let api = api.clone();
        Action::new_unsync(move |(student, reason): &(Uuid, String)| {
            let (api, student, reason) = (api.clone(), *student, reason.clone());
            async move {
                let hold = api.place_hold(student, reason).await?;
                Ok::<_, CallError>((hold, api.student_holds(student).await?))
            }
        })
    };
    let lift = {
        let api = api.clone();
        Action::new_unsync(move |&(student, hold): &(Uuid, Uuid)| {
            let api = api.clone();
            async move {
                let hold = api.lift_hold(student, hold).await?;
                Ok::<_, CallError>((hold, api.student_holds(student).await?))
            }
        })
    };
    on_each_outcome(find, move |result: Result<Found, CallError>| match result {
        Ok(Some(student)) => {
            feedback.set(None);
            found.set(Some(student));
        }
        Ok(None) => {
            found.set(None);
            feedback.set(Some(Feedback::problem("No student has this email.")));
        }
        Err(error) => feedback.set(Some(Feedback::error(&error))),
    });
    let after_change = move |verb: &'static str| {
        move |result: Result<(Hold, Vec<Hold>), CallError>| match result {
            Ok((hold, holds)) => {
                reason.set(String::new());
                found.update(|f| {
                    if let Some((_, shown)) = f {
                        *shown = holds;
                    }
                });
                feedback.set(Some(Feedback::ok(format!("{verb} the hold: {}", hold.reason))));
            }
            Err(error) => feedback.set(Some(Feedback::error(&error))),
        }
    };
    on_each_outcome(place, after_change("Placed"));
    on_each_outcome(lift, after_change("Lifted"));
    let pending = move || find.pending().get() || place.pending().get() || lift.pending().get();

    let submit_find = move |ev: SubmitEvent| {
        ev.prevent_default();
        find.dispatch(email.get_untracked());
    };
    let submit_place = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some((student, _)) = found.get_untracked() else {
            return;
        };
        place.dispatch((student.id, reason.get_untracked()));
    };
    let holds_of_found = move || {
        found.get().map(|(student, holds)| {
            let rows = if holds.is_empty() {
                view! { <p class="muted">{format!("{} has no hold.", student.name)}</p> }.into_any()
            } else {
                let items = holds
                    .into_iter()
                    .map(|hold| {
                        let status = match hold.lifted_at {
                            Some(at) => format!("lifted {}", at.format("%Y-%m-%d %H:%M UTC")),
                            None => format!("since {}", hold.placed_at.format("%Y-%m-%d %H:%M UTC")),
                        };
                        let lift_button = hold.is_active().then(|| {
                            let (student, id) = (hold.student_id, hold.id);
                            view! {
                                <button
                                    type="button"
                                    class="secondary small"
                                    aria-label=format!("Lift the hold: {}", hold.reason)
                                    disabled=pending
                                    on:click=move |_| {
                                        lift.dispatch((student, id));
                                    }
                                >
                                    "Lift"
                                </button>
                            }
                        });
                        view! {
                            <li data-hold-active=hold.is_active().to_string()>
                                <div>
                                    <span>{hold.reason.clone()}</span>
                                    <span class="muted small">{status}</span>
                                </div>
                                {lift_button}
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ul class="my-courses">{items}</ul> }.into_any()
            };
            view! {
                <h3>{format!("Holds of {} ({})", student.name, student.email)}</h3>
                {rows}
                <form class="form-grid" on:submit=submit_place>
                    <TextField
                        id="hold-reason"
                        label="Reason (the student reads it)"
                        value=reason
                        required=true
                        placeholder="Unpaid fees: see the bursar's office"
                    />
                    <button type="submit" class="primary" disabled=pending>
                        "Place hold"
                    </button>
                </form>
                {completions_of(student.id)}
                {audit_trail(TrailOf::Student(student.id), format!("history-{}.csv", student.email))}
            }
        })
    };
    view! {
        <section class="panel" data-panel="admin-holds" data-state="ready">
            <h2>"Holds, completions and history"</h2>
            <form class="form-grid" on:submit=submit_find>
                <TextField
                    id="hold-student-email"
                    label="Student's email"
                    value=email
                    required=true
                    placeholder="student@example.edu"
                />
                <button type="submit" class="secondary" disabled=pending>
                    "Show holds"
                </button>
            </form>
            {feedback_line("admin-holds-message", feedback)}
            {holds_of_found}
        </section>
    }
}
