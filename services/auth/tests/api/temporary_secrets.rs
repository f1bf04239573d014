//! Secrets a user did not choose (an import's setup code, an admin's
//! temporary password) have a lifetime: past it they open nothing, and an
//! admin issues a new code.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use service_common::demo;
use testkit::status_and_body;
use testkit::Backend;

use crate::accounts::{admin_post, change_password};
use crate::support::TestAuth;

testkit::on_both_backends!(
    setup_codes_and_temporary_passwords_expire_and_an_admin_issues_a_new_code,
    lifetimes_default_to_a_week_for_setup_codes_and_a_day_for_a_reset,
);

const TEMPORARY_PASSWORD: &str = "copper-meadow-whistle-7";

async fn import_one(auth: &TestAuth, admin: &str, email: &str) -> (String, String) {
    let file = format!("email,name\n{email},Lin Zhou\n");
    let request = testkit::api::post_csv(&auth.client, &auth.service.url, admin, "/auth/users/import", &file);
    let (status, report) = status_and_body(request.send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    let row = &report["rows"][0];
    (
        row["id"].as_str().unwrap().to_owned(),
        row["setup_code"].as_str().unwrap().to_owned(),
    )
}

async fn user(auth: &TestAuth, admin: &str, email: &str) -> Value {
    let (_, found) = status_and_body(auth.get(&format!("/auth/users?q={email}"), Some(admin)).await).await;
    found[0].clone()
}

fn until(user: &Value) -> DateTime<Utc> {
    user["temporary_until"]
        .as_str()
        .unwrap_or_else(|| panic!("no temporary_until: {user}"))
        .parse()
        .unwrap()
}

async fn error_of(response: reqwest::Response) -> (StatusCode, String) {
    let (status, body) = status_and_body(response).await;
    (status, body["error"].as_str().unwrap_or_default().to_owned())
}

async fn setup_codes_and_temporary_passwords_expire_and_an_admin_issues_a_new_code(backend: Backend) {
    // 0.001 h = 3.6 s.
    let auth = TestAuth::spawn(
        backend,
        &["--setup-code-hours", "0.001", "--temporary-password-hours", "0.001"],
    )
    .await;
    let admin = auth.token(demo::ADMIN.email).await;
    let email = "lin.zhou@example.edu";
    let (id, code) = import_one(&auth, &admin, email).await;
    let reset = format!("/auth/users/{}/password-reset", demo::STUDENT2.id);
    let (status, reset_user) =
        admin_post(&auth, &admin, &reset, json!({"temporary_password": TEMPORARY_PASSWORD})).await;
    assert_eq!(status, StatusCode::OK, "{reset_user}");
    for shown in [user(&auth, &admin, email).await, reset_user] {
        let left = until(&shown) - Utc::now();
        assert!(left <= TimeDelta::seconds(4) && left > TimeDelta::zero(), "{shown}");
    }
    // Within its lifetime the code leads to choosing a password.
    assert_eq!(
        error_of(auth.login(email, &code).await).await,
        (StatusCode::FORBIDDEN, "password_change_required".to_owned())
    );

    tokio::time::sleep(Duration::from_millis(3_800)).await;
    for (who, secret) in [(email, code.as_str()), (demo::STUDENT2.email, TEMPORARY_PASSWORD)] {
        let (status, body) = status_and_body(auth.login(who, secret).await).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("temporary_password_expired")),
            "{who}: {body}"
        );
        assert!(body["message"].as_str().unwrap().contains("administrator"), "{body}");
        let (status, body) = change_password(&auth, who, secret, "amber-quiet-river-91").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("temporary_password_expired")),
            "an expired secret cannot choose the password either: {body}"
        );
    }
    // A wrong password is still just wrong: expiry is told only to someone
    // who gave the secret right.
    assert_eq!(
        error_of(auth.login(email, "not-the-code-at-all").await).await,
        (StatusCode::UNAUTHORIZED, "invalid_credentials".to_owned())
    );

    let (status, issued) = admin_post(&auth, &admin, &format!("/auth/users/{id}/setup-code"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    let new_code = issued["setup_code"].as_str().unwrap().to_owned();
    assert_ne!(new_code, code);
    assert_eq!(issued["user"]["must_change_password"], true);
    assert!(until(&issued["user"]) > Utc::now());
    assert_eq!(
        error_of(auth.login(email, &code).await).await,
        (StatusCode::UNAUTHORIZED, "invalid_credentials".to_owned()),
        "the old code is replaced"
    );
    let (status, body) = change_password(&auth, email, &new_code, "amber-quiet-river-91").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["user"].get("temporary_until").is_none(),
        "a password the user chose has no lifetime: {body}"
    );
    let signed_in = auth.login(email, "amber-quiet-river-91").await;
    assert_eq!(signed_in.status(), StatusCode::OK);

    // Only an admin issues codes, for a user who exists.
    let student = auth.token(demo::STUDENT.email).await;
    let path = format!("/auth/users/{id}/setup-code");
    assert_eq!(
        admin_post(&auth, &student, &path, json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    let unknown = format!("/auth/users/{}/setup-code", uuid::Uuid::new_v4());
    let (status, body) = admin_post(&auth, &admin, &unknown, json!({})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("user_not_found"))
    );
}

async fn lifetimes_default_to_a_week_for_setup_codes_and_a_day_for_a_reset(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let admin = auth.token(demo::ADMIN.email).await;
    let email = "noor.haddad@example.edu";
    import_one(&auth, &admin, email).await;
    let reset = format!("/auth/users/{}/password-reset", demo::STUDENT2.id);
    let (_, reset_user) = admin_post(&auth, &admin, &reset, json!({"temporary_password": TEMPORARY_PASSWORD})).await;
    let near = |at: DateTime<Utc>, expected: TimeDelta| (at - Utc::now() - expected).abs() < TimeDelta::minutes(1);
    let code_until = until(&user(&auth, &admin, email).await);
    assert!(near(code_until, TimeDelta::days(7)), "{code_until}");
    assert!(near(until(&reset_user), TimeDelta::hours(24)), "{reset_user}");
}
