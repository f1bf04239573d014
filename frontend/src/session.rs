//! The signed-in session, its whole life in one place: started by a
//! sign-in (or a password change), kept in `localStorage` so a reload (or
//! an auth outage) does not sign the user out, and ended by a sign-out, a
//! token a service refused, or the token's expiry.

use std::time::Duration;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared_types::auth::{LoginResponse, User};
use shared_types::Secret;

const STORAGE_KEY: &str = "enroll.session";

/// A margin so the app stops using a token a little before the services would refuse it.
const EXPIRY_MARGIN_MS: f64 = 5_000.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub token: Secret,
    pub user: User,
    /// Milliseconds since the epoch, browser clock.
    pub expires_at_ms: f64,
}

impl Session {
    fn from_login(login: LoginResponse) -> Self {
        let expires_at_ms = js_sys::Date::now() + login.expires_in as f64 * 1000.0 - EXPIRY_MARGIN_MS;
        Self {
            token: login.token,
            user: login.user,
            expires_at_ms,
        }
    }

    fn remaining_ms(&self) -> f64 {
        self.expires_at_ms - js_sys::Date::now()
    }

    /// The stored session, if there is one that has not expired.
    fn load() -> Option<Self> {
        let text = storage()?.get_item(STORAGE_KEY).ok()??;
        match serde_json::from_str::<Session>(&text) {
            Ok(session) if session.remaining_ms() > 0.0 => Some(session),
            _ => {
                Self::clear();
                None
            }
        }
    }

    fn store(&self) {
        if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(self)) {
            // A full or disabled storage only costs the session on reload.
            let _ = storage.set_item(STORAGE_KEY, &text);
        }
    }

    fn clear() {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(STORAGE_KEY);
        }
    }
}

/// The page's session and the sentence the sign-in page shows when one
/// ended by itself.
#[derive(Debug, Clone, Copy)]
pub struct CurrentSession {
    session: RwSignal<Option<Session>>,
    notice: RwSignal<Option<String>>,
}

impl CurrentSession {
    /// The stored session, if any, ending by itself when its token expires.
    pub fn restore() -> Self {
        let current = Self {
            session: RwSignal::new(Session::load()),
            notice: RwSignal::new(None),
        };
        current.end_at_expiry();
        current
    }

    pub fn start(self, login: LoginResponse) {
        let session = Session::from_login(login);
        session.store();
        self.notice.set(None);
        self.session.set(Some(session));
    }

    /// Ends the session; `why` is shown on the sign-in page.
    pub fn end(self, why: Option<&str>) {
        Session::clear();
        self.notice.set(why.map(str::to_owned));
        self.session.set(None);
    }

    /// Ends the session if `token` is still its token: a refusal or an
    /// expiry of an older token leaves a newer sign-in alone.
    pub fn end_if_holding(self, token: &Secret, why: &str) {
        let holding = self
            .session
            .try_with_untracked(|s| s.as_ref().is_some_and(|s| &s.token == token));
        if holding == Some(true) {
            self.end(Some(why));
        }
    }

    /// The token to send, read without tracking.
    pub fn token(self) -> Option<Secret> {
        self.session.with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
    }

    /// The signed-in user, tracked.
    pub fn user(self) -> Option<User> {
        self.session.with(|s| s.as_ref().map(|s| s.user.clone()))
    }

    /// Why the last session ended, when it ended by itself.
    pub fn notice(self) -> RwSignal<Option<String>> {
        self.notice
    }

    /// Each session started arms a timer for its expiry; a timer whose
    /// session was replaced meanwhile does nothing.
    fn end_at_expiry(self) {
        Effect::new(move |_| {
            let Some((token, remaining)) = self
                .session
                .with(|s| s.as_ref().map(|s| (s.token.clone(), s.remaining_ms())))
            else {
                return;
            };
            set_timeout(
                move || self.end_if_holding(&token, "Your session has expired. Please sign in again."),
                Duration::from_millis(remaining.max(0.0) as u64),
            );
        });
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}
