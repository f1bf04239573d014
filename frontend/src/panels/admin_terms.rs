//! An admin's terms: each with its dates, registration window and credit
//! limit, and a form for a new one.

use chrono::{DateTime, NaiveDate, Utc};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared_types::terms::{CreateTermRequest, Term};
use wasm_bindgen::JsValue;

use super::frame::{feedback_line, live_panel, Feedback};
use super::on_each_outcome;
use super::widgets::{data_table, Column::Shown, TextField};
use crate::api::{Api, CallError};
use crate::loader::Loader;
use crate::service::Service;

#[component]
pub fn AdminTerms() -> impl IntoView {
    let api = expect_context::<Api>();
    let loader = {
        let api = api.clone();
        Loader::new(move || {
            let api = api.clone();
            async move { api.terms().await }
        })
    };
    let create = Action::new_unsync(move |request: &CreateTermRequest| {
        let (api, request) = (api.clone(), request.clone());
        async move { api.create_term(&request).await }
    });
    // Made once: a new term flows into the table, and the form keeps its
    // message.
    let render = move |terms: Signal<Vec<Term>>| {
        let rows = move || {
            terms.with(|terms| {
                terms
                    .iter()
                    .map(|term| {
                        let when = |at: DateTime<Utc>| at.format("%Y-%m-%d %H:%M UTC").to_string();
                        view! {
                            <tr data-term-code=term.code.clone()>
                                <th scope="row">
                                    {term.code.clone()} " " <span class="muted">{term.title.clone()}</span>
                                    {term.current.then(|| view! { <span class="badge ok">"Current"</span> })}
                                </th>
                                // Each cell says what it is where a phone
                                // stacks the row (the headings stay for
                                // screen readers, so the words are hidden
                                // from them).
                                <td>
                                    <span class="cell-label" aria-hidden="true">
                                        "Classes "
                                    </span>
                                    {format!("{} to {}", term.starts_on, term.ends_on)}
                                </td>
                                <td>
                                    <span class="cell-label" aria-hidden="true">
                                        "Registration "
                                    </span>
                                    {format!(
                                        "{} to {}",
                                        when(term.registration_opens_at),
                                        when(term.add_drop_closes_at),
                                    )}
                                </td>
                                <td>
                                    <span class="cell-label" aria-hidden="true">
                                        "Credit limit "
                                    </span>
                                    {term.max_credits}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()
            })
        };
        view! {
            {data_table(
                "table terms",
                &[Shown("Term"), Shown("Dates"), Shown("Registration"), Shown("Credit limit")],
                rows,
            )}
            <NewTermForm create=create on_created=move || loader.reload() />
        }
    };
    live_panel("admin-terms", "Terms".into(), Service::Courses, loader, render)
}

/// A `datetime-local` value ("2027-01-10T08:00"), in this browser's time
/// zone, as the moment it names.
fn local_moment(value: &str) -> Option<DateTime<Utc>> {
    let millis = js_sys::Date::new(&JsValue::from_str(value)).get_time();
    if millis.is_nan() {
        return None;
    }
    DateTime::from_timestamp_millis(millis as i64)
}

#[component]
fn NewTermForm(
    create: Action<CreateTermRequest, Result<Term, CallError>>,
    on_created: impl Fn() + 'static,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let starts = RwSignal::new(String::new());
    let ends = RwSignal::new(String::new());
    let opens = RwSignal::new(String::new());
    let closes = RwSignal::new(String::new());
    let limit = RwSignal::new("18".to_owned());
    let feedback = RwSignal::new(None::<Feedback>);
    on_each_outcome(create, move |result: Result<Term, CallError>| match result {
        Ok(term) => {
            feedback.set(Some(Feedback::ok(format!("Created {} {}.", term.code, term.title))));
            on_created();
        }
        Err(error) => feedback.set(Some(Feedback::error(&error))),
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let date = |value: RwSignal<String>| NaiveDate::parse_from_str(&value.get_untracked(), "%Y-%m-%d").ok();
        let (Some(starts_on), Some(ends_on)) = (date(starts), date(ends)) else {
            feedback.set(Some(Feedback::problem("Give the term's first and last day.")));
            return;
        };
        let (Some(registration_opens_at), Some(add_drop_closes_at)) = (
            local_moment(&opens.get_untracked()),
            local_moment(&closes.get_untracked()),
        ) else {
            feedback.set(Some(Feedback::problem(
                "Give when registration opens and when add/drop closes.",
            )));
            return;
        };
        let Ok(max_credits) = limit.get_untracked().trim().parse::<i64>() else {
            feedback.set(Some(Feedback::problem("The credit limit must be a whole number.")));
            return;
        };
        feedback.set(None);
        create.dispatch(CreateTermRequest {
            code: code.get_untracked().trim().to_owned(),
            title: title.get_untracked().trim().to_owned(),
            starts_on,
            ends_on,
            registration_opens_at,
            add_drop_closes_at,
            max_credits: Some(max_credits),
        });
    };
    view! {
        <form class="form-grid" on:submit=submit>
            <TextField id="new-term-code" label="Code" value=code required=true placeholder="2027-SP" />
            <TextField id="new-term-title" label="Title" value=title required=true placeholder="Spring 2027" />
            <label for="new-term-starts">"First day"</label>
            <input id="new-term-starts" type="date" required=true bind:value=starts />
            <label for="new-term-ends">"Last day"</label>
            <input id="new-term-ends" type="date" required=true bind:value=ends />
            <label for="new-term-opens">"Registration opens"</label>
            <input id="new-term-opens" type="datetime-local" required=true bind:value=opens />
            <label for="new-term-closes">"Add/drop closes"</label>
            <input id="new-term-closes" type="datetime-local" required=true bind:value=closes />
            <label for="new-term-limit">"Credit limit"</label>
            <input id="new-term-limit" type="number" min="0" max="60" required=true bind:value=limit />
            <button type="submit" class="primary" disabled=move || create.pending().get()>
                "Create term"
            </button>
            {feedback_line("new-term-message", feedback)}
        </form>
    }
}
