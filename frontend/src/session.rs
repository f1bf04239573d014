//! The signed-in session: the token, who it belongs to, when it ends.
//!
//! Kept in `localStorage` so a reload (or an auth outage) does not sign the
//! user out; it is dropped at the token's expiry or when a service refuses it.

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
    pub fn from_login(login: LoginResponse) -> Self {
        let expires_at_ms = js_sys::Date::now() + login.expires_in as f64 * 1000.0 - EXPIRY_MARGIN_MS;
        Self {
            token: login.token,
            user: login.user,
            expires_at_ms,
        }
    }

    pub fn remaining_ms(&self) -> f64 {
        self.expires_at_ms - js_sys::Date::now()
    }

    /// The stored session, if there is one that has not expired.
    pub fn load() -> Option<Self> {
        let text = storage()?.get_item(STORAGE_KEY).ok()??;
        match serde_json::from_str::<Session>(&text) {
            Ok(session) if session.remaining_ms() > 0.0 => Some(session),
            _ => {
                Self::clear();
                None
            }
        }
    }

    pub fn store(&self) {
        if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(self)) {
            // A full or disabled storage only costs the session on reload.
            let _ = storage.set_item(STORAGE_KEY, &text);
        }
    }

    pub fn clear() {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(STORAGE_KEY);
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}
