//! The sign-in form. The only part of the page that needs auth-service.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::account::PasswordChange;
use super::on_each_outcome;
use super::widgets::TextField;
use crate::api::{Api, CallError, SignInWait};

const AUTH_DOWN: &str = "Sign-in is unavailable: the auth service is not answering. \
Please try again in a moment. People already signed in are not affected.";

#[component]
pub fn SignIn() -> impl IntoView {
    let api = expect_context::<Api>();
    let notice = api.session().notice();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // Set while a busy or throttled auth is being waited out: why, and
    // the seconds until the form tries again by itself.
    let waiting = RwSignal::new(None::<(SignInWait, u32)>);
    // Set when the right (temporary) password was given for an account
    // whose password an admin reset: a new one must be chosen first.
    let must_change = RwSignal::new(None::<(String, String)>);

    let sign_in = {
        let api = api.clone();
        Action::new_unsync(move |(email, password): &(String, String)| {
            let (api, email, password) = (api.clone(), email.clone(), password.clone());
            async move {
                let on_wait = move |reason, seconds| {
                    waiting.try_set(Some((reason, seconds)));
                };
                let result = api.login(&email, &password, on_wait).await;
                waiting.try_set(None);
                result.map_err(|error| (error, email, password))
            }
        })
    };
    on_each_outcome(sign_in, move |result| match result {
        Ok(login) => api.session().start(login),
        Err((CallError::Rejected { code, .. }, email, password)) if code == "password_change_required" => {
            must_change.set(Some((email, password)));
        }
        Err((CallError::Unavailable(_), ..)) => error.set(Some(AUTH_DOWN.to_owned())),
        Err((other, ..)) => error.set(Some(other.to_string())),
    });
    let pending = sign_in.pending();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        sign_in.dispatch((email.get_untracked().trim().to_owned(), password.get_untracked()));
    };

    let choose_new = move |(email, current): (String, String)| {
        view! {
            <div class="card signin-card" data-testid="choose-password">
                <h1>"Choose a new password"</h1>
                <p class="muted">"Your password was reset by an administrator. Choose your own to sign in."</p>
                <PasswordChange email=email current=Some(current) />
            </div>
        }
    };

    let form = move || {
        view! {
            <form class="card signin-card" data-testid="signin" on:submit=submit>
                <h1>"Sign in"</h1>
                <p class="muted">"Use your university account."</p>
                {move || {
                    notice
                        .get()
                        .map(|n| {
                            view! {
                                <p class="notice" role="status">
                                    {n}
                                </p>
                            }
                        })
                }}
                <div role="status" aria-live="polite">
                    {move || {
                        waiting
                            .get()
                            .map(|(reason, seconds)| {
                                view! {
                                    <p class="notice" data-testid="signin-queued">
                                        {waiting_text(reason, seconds)}
                                    </p>
                                }
                            })
                    }}
                </div>
                <TextField
                    id="email"
                    label="Email"
                    value=email
                    kind="email"
                    autocomplete="username"
                    required=true
                    autofocus=true
                />
                <TextField
                    id="password"
                    label="Password"
                    value=password
                    kind="password"
                    autocomplete="current-password"
                    required=true
                />
                {move || {
                    error
                        .get()
                        .map(|e| {
                            view! {
                                <p class="feedback error" role="alert" data-testid="signin-error">
                                    {e}
                                </p>
                            }
                        })
                }}
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {move || match (pending.get(), waiting.get().is_some()) {
                        (true, true) => "Waiting to try again…",
                        (true, false) => "Signing in…",
                        (false, _) => "Sign in",
                    }}
                </button>
            </form>
        }
    };

    view! {
        <main class="signin" id="main">
            {move || match must_change.get() {
                Some(pair) => choose_new(pair).into_any(),
                None => form().into_any(),
            }}
        </main>
    }
}

/// What the form says while it waits to try again by itself.
fn waiting_text(reason: SignInWait, seconds: u32) -> String {
    let unit = if seconds == 1 { "second" } else { "seconds" };
    match reason {
        SignInWait::Busy => format!(
            "Many people are signing in right now. You are in the queue: this page tries again by itself in {seconds} {unit}. There is no need to press the button again."
        ),
        SignInWait::Throttled => format!(
            "There have been too many sign-in attempts for this account. This page tries again by itself in {seconds} {unit}."
        ),
    }
}
