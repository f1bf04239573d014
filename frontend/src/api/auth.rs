//! auth-service: signing in and out, passwords, users.

use shared_types::auth::{
    ChangePasswordRequest, CreateUserRequest, LoginRequest, LoginResponse, PasswordResetRequest, UpdateUserRequest,
    User,
};
use shared_types::Role;
use uuid::Uuid;

use gloo_net::http::Method;

use super::client::Body;
use super::client::Reply;
use super::{Api, CallError};
use crate::service::Service;

/// How long the sign-in form keeps waiting out a busy queue before it
/// shows the refusal.
const SIGN_IN_QUEUE_LIMIT_MS: f64 = 5.0 * 60_000.0;

/// The seconds to wait when `reply` is auth's "queue full" answer.
fn queue_wait_seconds(reply: &Reply) -> Option<u32> {
    let body: shared_types::ErrorBody = serde_json::from_str(&reply.text).ok()?;
    if reply.status != 503 || body.error != "auth_busy" {
        return None;
    }
    let seconds = reply.headers.get("retry-after")?.trim().parse::<u32>().ok()?;
    Some(seconds.clamp(1, 60))
}

impl Api {
    /// Signs in. A full sign-in queue (503 `auth_busy`, on registration
    /// morning) is waited out here: the attempt is repeated after the
    /// server's `Retry-After`, and `on_queue` hears how long, so a person
    /// never has to press twice.
    pub async fn login(&self, email: &str, password: &str, on_queue: impl Fn(u32)) -> Result<LoginResponse, CallError> {
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
            match queue_wait_seconds(&reply) {
                Some(wait) if js_sys::Date::now() - started < SIGN_IN_QUEUE_LIMIT_MS => {
                    on_queue(wait);
                    gloo_timers::future::TimeoutFuture::new(wait.saturating_mul(1000)).await;
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

    pub async fn set_disabled(&self, user: Uuid, disabled: bool) -> Result<User, CallError> {
        let path = format!("/auth/users/{user}");
        let request = UpdateUserRequest {
            disabled: Some(disabled),
        };
        self.send_json(Service::Auth, Method::PATCH, &path, &request).await
    }

    pub async fn users(&self, role: Option<Role>) -> Result<Vec<User>, CallError> {
        let path = match role {
            Some(role) => format!("/auth/users?role={role}"),
            None => "/auth/users".to_owned(),
        };
        self.get_json(Service::Auth, &path).await
    }

    pub async fn create_user(&self, request: &CreateUserRequest) -> Result<User, CallError> {
        self.send_json(Service::Auth, Method::POST, "/auth/users", request)
            .await
    }
}
