//! What operators read of sign-in at `/metrics`.

use reqwest::StatusCode;
use service_common::demo;
use testkit::metrics::{scrape, series};
use testkit::Backend;

use crate::support::TestAuth;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_ins_are_counted_by_outcome_and_the_hashing_queue_is_shown() {
    let app = TestAuth::spawn(Backend::Sqlite, &[]).await;
    let (signed_in, refused) = (r#"outcome="signed_in""#, r#"outcome="invalid_credentials""#);
    let admin = app.token(demo::ADMIN.email).await;
    let before = scrape(&app.client, &app.service.url, &admin).await;

    let right = app.login(demo::STUDENT.email, demo::DEMO_PASSWORD).await;
    assert_eq!(right.status(), StatusCode::OK);
    let wrong = app.login(demo::STUDENT.email, "not the password at all").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let after = scrape(&app.client, &app.service.url, &admin).await;
    for outcome in [signed_in, refused] {
        let was = series(&before, "sign_ins_total", &[outcome]).unwrap_or(0.0);
        let now = series(&after, "sign_ins_total", &[outcome]).unwrap_or(0.0);
        assert!(now >= was + 1.0, "{outcome}: {was} then {now}\n{after}");
    }
    assert!(series(&after, "password_hashing_waiting", &[]).is_some(), "{after}");
}
