//! The signed-in user's own account: change the password, sign out on
//! every device. Also the form that makes a user whose password an admin
//! reset choose a new one before signing in.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared_types::auth::ChangePasswordRequest;

use super::frame::{feedback_line, Feedback};
use super::on_each_outcome;
use super::widgets::{NewPasswordField, TextField};
use crate::api::Api;

/// "Your account": for every signed-in user. Needs auth alone, and only
/// when a button is pressed, so it has no loading state to fail.
#[component]
pub fn Account(email: String) -> impl IntoView {
    let api = expect_context::<Api>();
    let feedback = RwSignal::new(None::<Feedback>);
    let everywhere = Action::new_unsync(move |_: &()| {
        let api = api.clone();
        async move { api.sign_out_everywhere().await }
    });
    // On success the session ends and the page shows the sign-in.
    on_each_outcome(everywhere, move |result| {
        if let Err(error) = result {
            feedback.set(Some(Feedback::error(&error)));
        }
    });
    view! {
        <section class="panel" data-panel="account" data-state="ready">
            <h2>"Your account"</h2>
            <details class="account-details">
                <summary>"Change password"</summary>
                <PasswordChange email=email current=None />
            </details>
            <p class="muted small">
                "Signed in on a shared or lost device? End every session of this account, here included."
            </p>
            <button
                type="button"
                class="secondary"
                data-testid="sign-out-everywhere"
                disabled=move || everywhere.pending().get()
                on:click=move |_| {
                    feedback.set(None);
                    everywhere.dispatch(());
                }
            >
                "Sign out everywhere"
            </button>
            {feedback_line("account-message", feedback)}
        </section>
    }
}

/// A form for a new password. With `current` known (the temporary password
/// just typed at sign-in), it asks only for the new one. On success the
/// answer's new session starts: every older session has ended.
#[component]
pub fn PasswordChange(email: String, current: Option<String>) -> impl IntoView {
    let api = expect_context::<Api>();
    let ask_current = current.is_none();
    let current = RwSignal::new(current.unwrap_or_default());
    let new = RwSignal::new(String::new());
    let repeated = RwSignal::new(String::new());
    let feedback = RwSignal::new(None::<Feedback>);
    let email = StoredValue::new(email);
    let change = {
        let api = api.clone();
        Action::new_unsync(move |request: &ChangePasswordRequest| {
            let (api, request) = (api.clone(), request.clone());
            async move { api.change_password(&request).await }
        })
    };
    on_each_outcome(change, move |result| match result {
        Ok(login) => {
            api.session().start(login);
            current.set(String::new());
            new.set(String::new());
            repeated.set(String::new());
            feedback.set(Some(Feedback::ok(
                "Password changed. Every other session of this account has ended.",
            )));
        }
        Err(error) => feedback.set(Some(Feedback::error(&error))),
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let request = ChangePasswordRequest {
            email: email.get_value(),
            current_password: current.get_untracked().into(),
            new_password: new.get_untracked().into(),
        };
        if request.new_password.expose() != repeated.get_untracked() {
            feedback.set(Some(Feedback::problem("The two new passwords differ.")));
            return;
        }
        // The server's own rule, so the form says at once what it would.
        if let Err(weak) = shared_types::password::check_new_password(request.new_password.expose(), &request.email) {
            feedback.set(Some(Feedback::problem(weak.message)));
            return;
        }
        feedback.set(None);
        change.dispatch(request);
    };

    let current_field = ask_current.then(|| {
        view! {
            <TextField
                id="current-password"
                label="Current password"
                value=current
                kind="password"
                autocomplete="current-password"
                required=true
            />
        }
    });
    view! {
        <form class="form-grid" data-testid="password-change" on:submit=submit>
            {current_field}
            <NewPasswordField id="new-password" label="New password" value=new />
            <TextField
                id="new-password-again"
                label="New password, again"
                value=repeated
                kind="password"
                autocomplete="new-password"
                required=true
            />
            <p class="muted small">
                {format!(
                    "At least {} characters; a common or breached password is refused.",
                    shared_types::password::MIN_CHARS,
                )}
            </p>
            <button type="submit" class="primary" disabled=move || change.pending().get()>
                "Change password"
            </button>
            {feedback_line("password-message", feedback)}
        </form>
    }
}
