//! auth-service: signing in and out, passwords, users.

use shared_types::auth::{
    ChangePasswordRequest, CreateUserRequest, LoginRequest, LoginResponse, PasswordResetRequest, SetupCodeIssued,
    UpdateUserRequest, User,
};
use shared_types::Role;
use uuid::Uuid;

use gloo_net::http::Method;

use super::client::Body;
use super::client::Reply;
use super::{Api, CallError};
use crate::service::Service;

/// How long the sign-in form keeps waiting out a busy or throttled auth
/// before it shows the refusal; a single wait longer than what is left of
/// it is shown at once.
const SIGN_IN_WAIT_LIMIT_MS: f64 = 5.0 * 60_000.0;

/// At most this much is added to a server's `Retry-After`, so that a
/// lecture hall of forms refused at one moment does not come back at one
/// moment: each waits a random part of it more.
const MAX_JITTER_MS: f64 = 2_000.0;

/// Why a sign-in is waiting before it tries again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInWait {
    /// Auth's sign-in queue is full (503 `auth_busy`): many people are
    /// signing in at once.
    Busy,
    /// This account has had too many attempts (429 `too_many_attempts`).
    Throttled,
}

/// The wait `reply` asks for before another attempt: auth's "queue full"
/// or "too many attempts", with its `Retry-After`.
fn asked_wait(reply: &Reply) -> Option<(SignInWait, u32)> {
    let body: shared_types::ErrorBody = serde_json::from_str(&reply.text).ok()?;
    let reason = match (reply.status, body.error.as_str()) {
        (503, "auth_busy") => SignInWait::Busy,
        (429, "too_many_attempts") => SignInWait::Throttled,
        _ => return None,
    };
    let seconds = reply.headers.get("retry-after")?.trim().parse::<u32>().ok()?;
    Some((reason, seconds.max(1)))
}

impl Api {
    /// Signs in. A full sign-in queue (503 `auth_busy`, on registration
    /// morning) or an account's attempt limit (429) is waited out here: the
    /// attempt is repeated after the server's `Retry-After` plus a random
    /// part of up to [`MAX_JITTER_MS`], and `on_wait` hears the reason and
    /// the whole seconds left, every second, so a person never has to
    /// press twice.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        on_wait: impl Fn(SignInWait, u32),
    ) -> Result<LoginResponse, CallError> {
        let body = serde_json::to_string(&LoginRequest {
            email: email.to_owned(),
            password: password.into(),
        })
        .map_err(|_| CallError::BadAnswer(Service::Auth))?;
        let started = js_sys::Date::now();
        loop {
            let reply = self
                .auth
                .send(Method::POST, "/auth/login", None, &Body::Json(body.clone()))
                .await?;
            if reply.is_success() {
                return self.auth.decode(&reply);
            }
            match asked_wait(&reply) {
                // A wait that would end past the limit (an account locked for
                // a quarter of an hour) is shown as the refusal it is now.
                Some((reason, seconds))
                    if js_sys::Date::now() - started + f64::from(seconds) * 1_000.0 <= SIGN_IN_WAIT_LIMIT_MS =>
                {
                    let jitter = js_sys::Math::random() * (f64::from(seconds) * 250.0).min(MAX_JITTER_MS);
                    let until = js_sys::Date::now() + f64::from(seconds) * 1_000.0 + jitter;
                    count_down(until, |left| on_wait(reason, left)).await;
                }
                _ => return Err(reply.into_error(Service::Auth)),
            }
        }
    }

    /// Signs out here: the session ends in this browser at once, and auth
    /// is told to end the token too (if it is away, the token still
    /// expires within the hour; nothing here waits for it).
    pub fn sign_out(&self) {
        let token = self.session.token();
        self.session.end(None);
        if let Some(token) = token {
            let auth = self.auth.clone();
            leptos::task::spawn_local(async move {
                let _ = auth
                    .send(Method::POST, "/auth/logout", Some(token.expose()), &Body::Empty)
                    .await;
            });
        }
    }

    /// Ends every session of the signed-in user, on every device; this
    /// one ends only once auth has done it.
    pub async fn sign_out_everywhere(&self) -> Result<(), CallError> {
        let token = self.session.token();
        self.authorized(Service::Auth, Method::POST, "/auth/logout?everywhere=true", Body::Empty)
            .await?;
        // A sign-in made while this was on its way is not one it ended.
        if let Some(token) = token {
            self.session
                .end_if_holding(&token, "You are signed out on every device.");
        }
        Ok(())
    }

    /// Changes a password (no token needed: the current password proves
    /// who asks); the answer is a new session, every older one has ended.
    pub async fn change_password(&self, request: &ChangePasswordRequest) -> Result<LoginResponse, CallError> {
        let body = serde_json::to_string(request).map_err(|_| CallError::BadAnswer(Service::Auth))?;
        let reply = self
            .auth
            .send(Method::POST, "/auth/password", None, &Body::Json(body))
            .await?;
        if !reply.is_success() {
            return Err(reply.into_error(Service::Auth));
        }
        self.auth.decode(&reply)
    }

    pub async fn reset_password(&self, user: Uuid, temporary_password: String) -> Result<User, CallError> {
        let path = format!("/auth/users/{user}/password-reset");
        let request = PasswordResetRequest {
            temporary_password: temporary_password.into(),
        };
        self.send_json(Service::Auth, Method::POST, &path, &request).await
    }

    /// A new one-time setup code for `user` (their old code or password
    /// stops working).
    pub async fn issue_setup_code(&self, user: Uuid) -> Result<SetupCodeIssued, CallError> {
        let path = format!("/auth/users/{user}/setup-code");
        self.send_json(Service::Auth, Method::POST, &path, &serde_json::json!({}))
            .await
    }

    pub async fn set_disabled(&self, user: Uuid, disabled: bool) -> Result<User, CallError> {
        let path = format!("/auth/users/{user}");
        let request = UpdateUserRequest {
            disabled: Some(disabled),
        };
        self.send_json(Service::Auth, Method::PATCH, &path, &request).await
    }

    /// The users, of `role` if given, whose name or email holds each word
    /// of `words` (all of them if it is empty).
    pub async fn users(&self, role: Option<Role>, words: &str) -> Result<Vec<User>, CallError> {
        let mut query: Vec<String> = role.map(|role| format!("role={role}")).into_iter().collect();
        if !words.is_empty() {
            query.push(format!("q={}", String::from(js_sys::encode_uri_component(words))));
        }
        let path = match query.is_empty() {
            true => "/auth/users".to_owned(),
            false => format!("/auth/users?{}", query.join("&")),
        };
        self.get_json(Service::Auth, &path).await
    }

    pub async fn create_user(&self, request: &CreateUserRequest) -> Result<User, CallError> {
        self.send_json(Service::Auth, Method::POST, "/auth/users", request)
            .await
    }
}

/// Waits until `until` (a `Date.now()`), telling `each_second` the whole
/// seconds left, rounded up, as they change.
async fn count_down(until: f64, each_second: impl Fn(u32)) {
    loop {
        let left = until - js_sys::Date::now();
        if left <= 0.0 {
            return;
        }
        each_second((left / 1_000.0).ceil() as u32);
        let step = left % 1_000.0;
        let step = if step < 1.0 { 1_000.0 } else { step };
        gloo_timers::future::TimeoutFuture::new(step.ceil() as u32).await;
    }
}
