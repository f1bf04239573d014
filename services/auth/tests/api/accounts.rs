//! Account management against the real auth-service: changing a password,
//! signing out (here and everywhere), an admin's reset and disabling, and
//! the list of ended sessions every verifier pulls.

use std::time::{Duration, Instant};

use crate::support::TestAuth;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use service_common::demo;
use testkit::status_and_body;
use testkit::Backend;

const NEW_PASSWORD: &str = "violet-harbor-lantern-42";
const TEMPORARY_PASSWORD: &str = "copper-meadow-whistle-7";

testkit::on_both_backends!(
    a_password_change_ends_every_older_session_and_starts_a_new_one,
    a_password_change_refuses_a_wrong_current_a_weak_or_an_unchanged_password,
    sign_out_ends_that_session_and_sign_out_everywhere_ends_all,
    an_admin_reset_makes_the_user_choose_a_new_password_before_signing_in,
    a_disabled_account_cannot_sign_in_and_its_sessions_end,
    account_changes_refuse_bad_input_and_non_admins,
    the_revocation_list_holds_ended_sessions_only,
    a_session_ended_at_one_replica_is_refused_by_the_other,
    sessions_ended_and_started_within_one_second_are_told_apart,
    of_concurrent_password_changes_with_the_same_current_password_one_wins,
);

async fn me(auth: &TestAuth, token: &str) -> (StatusCode, Value) {
    status_and_body(auth.get("/auth/me", Some(token)).await).await
}

pub(crate) async fn change_password(auth: &TestAuth, email: &str, current: &str, new: &str) -> (StatusCode, Value) {
    let response = auth
        .client
        .post(auth.service.at("/auth/password"))
        .json(&json!({"email": email, "current_password": current, "new_password": new}))
        .send()
        .await
        .unwrap();
    status_and_body(response).await
}

async fn logout(auth: &TestAuth, token: &str, everywhere: bool) -> StatusCode {
    let path = if everywhere {
        "/auth/logout?everywhere=true"
    } else {
        "/auth/logout"
    };
    auth.client
        .post(auth.service.at(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

async fn admin_send(auth: &TestAuth, method: Method, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let response = auth
        .client
        .request(method, auth.service.at(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    status_and_body(response).await
}

pub(crate) async fn admin_post(auth: &TestAuth, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    admin_send(auth, Method::POST, token, path, body).await
}

async fn admin_patch(auth: &TestAuth, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    admin_send(auth, Method::PATCH, token, path, body).await
}

async fn a_password_change_ends_every_older_session_and_starts_a_new_one(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let (first, second) = (
        auth.token(demo::STUDENT.email).await,
        auth.token(demo::STUDENT.email).await,
    );
    let other_user = auth.token(demo::STUDENT2.email).await;

    let (status, body) = change_password(&auth, demo::STUDENT.email, "demo-password-1", NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = body["token"].as_str().unwrap().to_owned();
    assert_eq!(body["user"]["must_change_password"], false);

    for old in [&first, &second] {
        let (status, body) = me(&auth, old).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "session_ended");
    }
    assert_eq!(
        me(&auth, &fresh).await.0,
        StatusCode::OK,
        "the new session survives its own cutoff"
    );
    assert_eq!(
        me(&auth, &other_user).await.0,
        StatusCode::OK,
        "another user's session is untouched"
    );

    let (status, body) = status_and_body(auth.login(demo::STUDENT.email, "demo-password-1").await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_credentials"))
    );
    assert_eq!(
        auth.login(demo::STUDENT.email, NEW_PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn a_password_change_refuses_a_wrong_current_a_weak_or_an_unchanged_password(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let session = auth.token(demo::STUDENT.email).await;
    let cases = [
        (
            "wrong-password-123",
            NEW_PASSWORD,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        ),
        (
            "demo-password-1",
            "short1",
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak_password",
        ),
        (
            "demo-password-1",
            "password1234",
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak_password",
        ),
        (
            "demo-password-1",
            "demo-password-1",
            StatusCode::UNPROCESSABLE_ENTITY,
            "password_unchanged",
        ),
    ];
    for (current, new, status, code) in cases {
        let (got, body) = change_password(&auth, demo::STUDENT.email, current, new).await;
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(code)),
            "{current} -> {new}: {body}"
        );
    }
    let (status, body) = change_password(&auth, "nobody@example.edu", "demo-password-1", NEW_PASSWORD).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_credentials"))
    );
    let response = auth
        .client
        .post(auth.service.at("/auth/password"))
        .json(&json!({"email": demo::STUDENT.email}))
        .send()
        .await
        .unwrap();
    assert_eq!(status_and_body(response).await.0, StatusCode::BAD_REQUEST);

    // Nothing changed: the session and the password are as they were.
    assert_eq!(me(&auth, &session).await.0, StatusCode::OK);
    assert_eq!(
        auth.login(demo::STUDENT.email, "demo-password-1").await.status(),
        StatusCode::OK
    );
}

async fn sign_out_ends_that_session_and_sign_out_everywhere_ends_all(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let (laptop, phone, tablet) = (
        auth.token(demo::TEACHER.email).await,
        auth.token(demo::TEACHER.email).await,
        auth.token(demo::TEACHER.email).await,
    );
    assert_eq!(logout(&auth, &laptop, false).await, StatusCode::NO_CONTENT);
    assert_eq!(me(&auth, &laptop).await.1["error"], "session_ended");
    assert_eq!(
        me(&auth, &phone).await.0,
        StatusCode::OK,
        "signing out on one device leaves the others"
    );
    assert_eq!(
        logout(&auth, &laptop, false).await,
        StatusCode::UNAUTHORIZED,
        "an ended session cannot sign out again"
    );

    assert_eq!(logout(&auth, &phone, true).await, StatusCode::NO_CONTENT);
    for token in [&phone, &tablet] {
        assert_eq!(me(&auth, token).await.1["error"], "session_ended");
    }
    let again = auth.token(demo::TEACHER.email).await;
    assert_eq!(
        me(&auth, &again).await.0,
        StatusCode::OK,
        "signing in again works at once"
    );
    assert_eq!(logout(&auth, "not-a-token", false).await, StatusCode::UNAUTHORIZED);
}

async fn an_admin_reset_makes_the_user_choose_a_new_password_before_signing_in(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let admin = auth.token(demo::ADMIN.email).await;
    let student = auth.token(demo::STUDENT.email).await;
    let path = format!("/auth/users/{}/password-reset", demo::STUDENT.id);

    let (status, body) = admin_post(&auth, &admin, &path, json!({"temporary_password": TEMPORARY_PASSWORD})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["must_change_password"], true);
    assert_eq!(me(&auth, &student).await.1["error"], "session_ended");

    for password in ["demo-password-1", "wrong-password-99"] {
        let (status, body) = status_and_body(auth.login(demo::STUDENT.email, password).await).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_credentials"))
        );
    }
    let (status, body) = status_and_body(auth.login(demo::STUDENT.email, TEMPORARY_PASSWORD).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("password_change_required")),
        "the temporary password alone does not sign in"
    );
    assert!(body.get("token").is_none());

    let (status, body) = change_password(&auth, demo::STUDENT.email, TEMPORARY_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(me(&auth, body["token"].as_str().unwrap()).await.0, StatusCode::OK);
    assert_eq!(
        auth.login(demo::STUDENT.email, NEW_PASSWORD).await.status(),
        StatusCode::OK
    );

    let (_, users) = status_and_body(auth.get("/auth/users?role=student", Some(&admin)).await).await;
    let listed = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == demo::STUDENT.email)
        .unwrap();
    assert_eq!(listed["must_change_password"], false);
}

async fn a_disabled_account_cannot_sign_in_and_its_sessions_end(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let admin = auth.token(demo::ADMIN.email).await;
    let teacher = auth.token(demo::TEACHER.email).await;
    let path = format!("/auth/users/{}", demo::TEACHER.id);

    let (status, body) = admin_patch(&auth, &admin, &path, json!({"disabled": true})).await;
    assert_eq!((status, &body["disabled"]), (StatusCode::OK, &json!(true)), "{body}");
    assert_eq!(me(&auth, &teacher).await.1["error"], "session_ended");
    let (status, body) = status_and_body(auth.login(demo::TEACHER.email, "demo-password-1").await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("account_disabled"))
    );
    let (status, body) = status_and_body(auth.login(demo::TEACHER.email, "wrong-password-99").await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_credentials")),
        "without the password, nothing tells that the account is disabled"
    );
    let (status, body) = change_password(&auth, demo::TEACHER.email, "demo-password-1", NEW_PASSWORD).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("account_disabled"))
    );

    let (status, body) = admin_patch(&auth, &admin, &path, json!({"disabled": false})).await;
    assert_eq!((status, &body["disabled"]), (StatusCode::OK, &json!(false)));
    assert_eq!(
        auth.login(demo::TEACHER.email, "demo-password-1").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        me(&auth, &teacher).await.0,
        StatusCode::UNAUTHORIZED,
        "enabling does not revive old sessions"
    );
}

async fn account_changes_refuse_bad_input_and_non_admins(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let admin = auth.token(demo::ADMIN.email).await;
    let student = auth.token(demo::STUDENT.email).await;
    let reset = format!("/auth/users/{}/password-reset", demo::STUDENT2.id);
    let update = format!("/auth/users/{}", demo::STUDENT2.id);
    let unknown = uuid::Uuid::new_v4();

    let good_reset = json!({"temporary_password": TEMPORARY_PASSWORD});
    let (status, _) = admin_post(&auth, &student, &reset, good_reset.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = admin_patch(&auth, &student, &update, json!({"disabled": true})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let cases: [(Method, String, Value, StatusCode, &str); 6] = [
        (
            Method::POST,
            reset.clone(),
            json!({"temporary_password": "short"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak_password",
        ),
        (
            Method::POST,
            reset.clone(),
            json!({}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            Method::POST,
            format!("/auth/users/{unknown}/password-reset"),
            good_reset,
            StatusCode::NOT_FOUND,
            "user_not_found",
        ),
        (
            Method::PATCH,
            update.clone(),
            json!({"disabled": "yes"}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            Method::PATCH,
            format!("/auth/users/{unknown}"),
            json!({"disabled": true}),
            StatusCode::NOT_FOUND,
            "user_not_found",
        ),
        (
            Method::PATCH,
            format!("/auth/users/{}", demo::ADMIN.id),
            json!({"disabled": true}),
            StatusCode::CONFLICT,
            "cannot_disable_self",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let (got, answer) = admin_send(&auth, method.clone(), &admin, &path, body.clone()).await;
        assert_eq!(got, status, "{method} {path} {body}: {answer}");
        assert_eq!(answer["error"], code, "{method} {path} {body}: {answer}");
    }
    let (status, _) = admin_patch(&auth, &admin, "/auth/users/not-a-uuid", json!({"disabled": true})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // None of the refusals changed anything.
    assert_eq!(me(&auth, &student).await.0, StatusCode::OK);
    assert_eq!(
        auth.login(demo::STUDENT2.email, "demo-password-1").await.status(),
        StatusCode::OK
    );
    assert_eq!(me(&auth, &admin).await.0, StatusCode::OK);
}

async fn the_revocation_list_holds_ended_sessions_only(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let (status, empty) = status_and_body(auth.get("/auth/revocations?since=0", None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(empty["revocations"], json!([]));

    let token = auth.token(demo::STUDENT.email).await;
    assert_eq!(logout(&auth, &token, false).await, StatusCode::NO_CONTENT);
    let everywhere = auth.token(demo::TEACHER.email).await;
    assert_eq!(logout(&auth, &everywhere, true).await, StatusCode::NO_CONTENT);

    let (_, list) = status_and_body(auth.get("/auth/revocations?since=0", None).await).await;
    let entries = list["revocations"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{list}");
    // The list is public: it names users and tokens by digest, never by id.
    for id in [demo::STUDENT.id, demo::TEACHER.id] {
        assert!(!list.to_string().contains(&id.to_string()), "{list}");
    }
    let digest = service_common::auth::revocation_digest;
    let ended = entries.iter().find(|e| e["user"] == digest(&demo::STUDENT.id)).unwrap();
    assert!(ended["token"].is_string(), "signing out ends one token: {ended}");
    let all = entries.iter().find(|e| e["user"] == digest(&demo::TEACHER.id)).unwrap();
    assert!(
        all.get("token").is_none(),
        "signing out everywhere ends the user's tokens: {all}"
    );
    assert_eq!(
        all["session_epoch"], 1,
        "the first end of all sessions raises the epoch to 1: {all}"
    );

    let later = list["as_of"].as_i64().unwrap() + 3600;
    let (_, none) = status_and_body(auth.get(&format!("/auth/revocations?since={later}"), None).await).await;
    assert_eq!(none["revocations"], json!([]));
    let (status, _) = status_and_body(auth.get("/auth/revocations?since=soon", None).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn a_session_ended_at_one_replica_is_refused_by_the_other(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let replica = auth.spawn_replica().await;
    let token = auth.token(demo::STUDENT.email).await;
    let at_replica = |token: String| {
        let (client, url) = (auth.client.clone(), replica.at("/auth/me"));
        async move { client.get(url).bearer_auth(token).send().await.unwrap().status() }
    };
    assert_eq!(at_replica(token.clone()).await, StatusCode::OK);
    assert_eq!(logout(&auth, &token, false).await, StatusCode::NO_CONTENT);
    // The replica reads ended sessions from the shared database every
    // second.
    let started = Instant::now();
    let mut status = at_replica(token.clone()).await;
    while status == StatusCode::OK {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the replica still accepts the ended session"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = at_replica(token.clone()).await;
    }
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "refused as an ended session, not failed"
    );
}

/// Ending all sessions raises the user's session epoch rather than cutting
/// at a time, so tokens issued within the same second are told apart: a
/// session started right after "sign out everywhere" lives, and is ended
/// by the next one even in the same second.
async fn sessions_ended_and_started_within_one_second_are_told_apart(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let admin = auth.token(demo::ADMIN.email).await;
    let first = auth.token(demo::STUDENT.email).await;
    assert_eq!(logout(&auth, &first, true).await, StatusCode::NO_CONTENT);
    let second = auth.token(demo::STUDENT.email).await;
    assert_eq!(
        me(&auth, &second).await.0,
        StatusCode::OK,
        "signed in right after signing out everywhere"
    );
    let path = format!("/auth/users/{}/password-reset", demo::STUDENT.id);
    let (status, _) = admin_post(&auth, &admin, &path, json!({"temporary_password": TEMPORARY_PASSWORD})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, changed) = change_password(&auth, demo::STUDENT.email, TEMPORARY_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let third = changed["token"].as_str().unwrap().to_owned();
    let (status, _) = admin_patch(
        &auth,
        &admin,
        &format!("/auth/users/{}", demo::STUDENT.id),
        json!({"disabled": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for (n, token) in [&first, &second, &third].into_iter().enumerate() {
        assert_eq!(me(&auth, token).await.1["error"], "session_ended", "session {n}");
    }
}

/// A change checks the current password long before it writes; whatever
/// changed the account meanwhile (another change, an admin's reset or
/// disable) wins, and the late change is refused rather than written over
/// it. So of simultaneous changes from the same password (two at a time
/// get past the account's cap on attempts in flight), exactly one lands,
/// and only its new password signs in.
async fn of_concurrent_password_changes_with_the_same_current_password_one_wins(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let new_passwords: Vec<String> = (0..6).map(|n| format!("{NEW_PASSWORD}-{n}")).collect();
    let changes = new_passwords
        .iter()
        .map(|new| change_password(&auth, demo::STUDENT.email, "demo-password-1", new));
    let answers = testkit::join_all(changes).await;
    let winners: Vec<usize> = answers
        .iter()
        .enumerate()
        .filter(|(_, (status, _))| *status == StatusCode::OK)
        .map(|(n, _)| n)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one change lands: {answers:?}");
    for (status, body) in &answers {
        assert!(
            *status == StatusCode::OK
                || (*status == StatusCode::CONFLICT && body["error"] == "account_changed")
                || (*status == StatusCode::UNAUTHORIZED && body["error"] == "invalid_credentials")
                // The account's cap on attempts in flight.
                || (*status == StatusCode::TOO_MANY_REQUESTS && body["error"] == "too_many_attempts"),
            "{status} {body}"
        );
    }
    let winner = winners[0];
    assert_eq!(
        auth.login(demo::STUDENT.email, &new_passwords[winner]).await.status(),
        StatusCode::OK
    );
    // Two of the losers' passwords (more would run into the limit on
    // failures from this address).
    for loser in (0..new_passwords.len()).filter(|n| *n != winner).take(2) {
        let status = auth.login(demo::STUDENT.email, &new_passwords[loser]).await.status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "password {loser}");
    }
}
