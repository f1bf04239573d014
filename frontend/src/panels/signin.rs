//! The sign-in form. The only part of the page that needs auth-service.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::account::PasswordChange;
use crate::api::{Api, CallError};
use crate::session::Session;

const AUTH_DOWN: &str = "Sign-in is unavailable: the auth service is not answering. \
Please try again in a moment. People already signed in are not affected.";

#[component]
pub fn SignIn() -> impl IntoView {
    let api = expect_context::<Api>();
    let notice = api.notice();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // Set while a full sign-in queue is being waited out.
    let queued = RwSignal::new(None::<u32>);
    // Set when the right (temporary) password was given for an account
    // whose password an admin reset: a new one must be chosen first.
    let must_change = RwSignal::new(None::<(String, String)>);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        error.set(None);
        let api = api.clone();
        spawn_local(async move {
            let on_queue = move |seconds| {
                queued.try_set(Some(seconds));
            };
            let result = api
                .login(email.get_untracked().trim(), &password.get_untracked(), on_queue)
                .await;
            pending.try_set(false);
            queued.try_set(None);
            match result {
                Ok(login) => api.start_session(Session::from_login(login)),
                Err(CallError::Rejected { code, .. }) if code == "password_change_required" => {
                    must_change.try_set(Some((
                        email.get_untracked().trim().to_owned(),
                        password.get_untracked(),
                    )));
                }
                Err(CallError::Unavailable(_)) => {
                    error.try_set(Some(AUTH_DOWN.to_owned()));
                }
                Err(other) => {
                    error.try_set(Some(other.to_string()));
                }
            }
        });
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
            <form class="card signin-card" data-testid="signin" on:submit=submit.clone()>
                <h1>"Sign in"</h1>
                <p class="muted">"Use your university account."</p>
                {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                {move || {
                    queued
                        .get()
                        .map(|seconds| {
                            view! {
                                <p class="notice" role="status" data-testid="signin-queued">
                                    {format!(
                                        "Many people are signing in right now. You are in the queue; trying again in {seconds} s."
                                    )}
                                </p>
                            }
                        })
                }}
                <label for="email">"Email"</label>
                <input
                    id="email"
                    type="email"
                    autocomplete="username"
                    required=true
                    autofocus=true
                    prop:value=move || email.get()
                    on:input=move |ev| email.set(event_target_value(&ev))
                />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    type="password"
                    autocomplete="current-password"
                    required=true
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))
                />
                {move || {
                    error.get().map(|e| view! { <p class="feedback error" role="alert" data-testid="signin-error">{e}</p> })
                }}
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Signing in…" } else { "Sign in" }}
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
