//! The signed-in user's own account: change the password, sign out on
//! every device. Also the form that makes a user whose password an admin
//! reset choose a new one before signing in.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared_types::auth::ChangePasswordRequest;

use super::frame::{feedback_line, Feedback};
use crate::api::Api;
use crate::session::Session;

/// "Your account": for every signed-in user. Needs auth alone, and only
/// when a button is pressed, so it has no loading state to fail.
#[component]
pub fn Account(email: String) -> impl IntoView {
    let api = expect_context::<Api>();
    let feedback = RwSignal::new(None::<Feedback>);
    let pending = RwSignal::new(false);
    let everywhere = move |_| {
        let api = api.clone();
        pending.set(true);
        feedback.set(None);
        spawn_local(async move {
            // On success the session ends and the page shows the sign-in.
            if let Err(error) = api.sign_out_everywhere().await {
                pending.try_set(false);
                feedback.try_set(Some(Feedback::error(&error)));
            }
        });
    };
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
            <button type="button" class="secondary" data-testid="sign-out-everywhere" disabled=move || pending.get() on:click=everywhere>
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
    let pending = RwSignal::new(false);
    let email = StoredValue::new(email);

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
        let api = api.clone();
        pending.set(true);
        feedback.set(None);
        spawn_local(async move {
            let result = api.change_password(&request).await;
            pending.try_set(false);
            match result {
                Ok(login) => {
                    api.start_session(Session::from_login(login));
                    current.try_set(String::new());
                    new.try_set(String::new());
                    repeated.try_set(String::new());
                    feedback.try_set(Some(Feedback::ok(
                        "Password changed. Every other session of this account has ended.",
                    )));
                }
                Err(error) => {
                    feedback.try_set(Some(Feedback::error(&error)));
                }
            }
        });
    };

    let current_field = ask_current.then(|| {
        view! {
            <label for="current-password">"Current password"</label>
            <input
                id="current-password"
                type="password"
                autocomplete="current-password"
                required=true
                prop:value=move || current.get()
                on:input=move |ev| current.set(event_target_value(&ev))
            />
        }
    });
    view! {
        <form class="form-grid" data-testid="password-change" on:submit=submit>
            {current_field}
            <label for="new-password">"New password"</label>
            <input
                id="new-password"
                type="password"
                autocomplete="new-password"
                required=true
                minlength=shared_types::password::MIN_CHARS.to_string()
                prop:value=move || new.get()
                on:input=move |ev| new.set(event_target_value(&ev))
            />
            <label for="new-password-again">"New password, again"</label>
            <input
                id="new-password-again"
                type="password"
                autocomplete="new-password"
                required=true
                prop:value=move || repeated.get()
                on:input=move |ev| repeated.set(event_target_value(&ev))
            />
            <p class="muted small">
                {format!(
                    "At least {} characters; a common or breached password is refused.",
                    shared_types::password::MIN_CHARS
                )}
            </p>
            <button type="submit" class="primary" disabled=move || pending.get()>
                "Change password"
            </button>
            {feedback_line("password-message", feedback)}
        </form>
    }
}
