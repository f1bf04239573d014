//! Importing users from CSV against the real auth-service: a dry run, all
//! or nothing, idempotent by email, no passwords in files, and the setup
//! code that leads to a password of the user's own.

use reqwest::StatusCode;
use serde_json::{json, Value};
use service_common::demo;
use testkit::status_and_body;
use testkit::Backend;

use crate::support::TestAuth;

testkit::on_both_backends!(
    a_dry_run_reports_and_writes_nothing_then_the_import_creates_each_user_once,
    one_bad_row_refuses_the_whole_file_and_says_which,
    an_imported_user_signs_in_once_with_their_code_and_chooses_a_password,
    bad_files_and_non_admins_are_refused,
    two_imports_of_one_file_at_once_create_each_user_once,
);

const FILE: &str = "email,name,roles\n\
    lin.zhou@example.edu,Lin Zhou,student\n\
    \"Ravi.Patel@Example.edu\",\"Patel, Ravi\",teacher;admin\n\
    noor.haddad@example.edu,Noor Haddad,\n";

async fn import(auth: &TestAuth, token: &str, query: &str, body: &str) -> (StatusCode, Value) {
    let path = format!("/auth/users/import{query}");
    let request = testkit::api::post_csv(&auth.client, &auth.service.url, token, &path, body);
    status_and_body(request.send().await.unwrap()).await
}

fn statuses(report: &Value) -> Vec<&str> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["status"].as_str().unwrap())
        .collect()
}

async fn user_count(auth: &TestAuth, admin: &str) -> usize {
    let (_, users) = status_and_body(auth.get("/auth/users", Some(admin)).await).await;
    users.as_array().unwrap().len()
}

async fn a_dry_run_reports_and_writes_nothing_then_the_import_creates_each_user_once(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let admin = auth.token(demo::ADMIN.email).await;
    let before = user_count(&auth, &admin).await;
    let file = format!("{FILE}{},Existing Student,student\n", demo::STUDENT.email);

    let (status, report) = import(&auth, &admin, "?dry_run=true", &file).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(statuses(&report), ["new", "new", "new", "exists"]);
    assert_eq!(
        (report["dry_run"].as_bool(), report["created"].as_u64()),
        (Some(true), Some(3))
    );
    assert!(report["rows"][0].get("setup_code").is_none());
    assert_eq!(user_count(&auth, &admin).await, before, "a dry run writes nothing");

    let (status, report) = import(&auth, &admin, "", &file).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    assert_eq!(statuses(&report), ["created", "created", "created", "exists"]);
    assert_eq!(
        (report["created"].as_u64(), report["existing"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(report["rows"][1]["line"], 3);
    assert!(
        report["rows"][3].get("setup_code").is_none(),
        "an existing user gets no code"
    );
    assert_eq!(user_count(&auth, &admin).await, before + 3);
    let (_, found) = status_and_body(auth.get("/auth/users?q=ravi", Some(&admin)).await).await;
    assert_eq!(found[0]["email"], "ravi.patel@example.edu");
    assert_eq!(found[0]["name"], "Patel, Ravi");
    assert_eq!(found[0]["roles"], json!(["teacher", "admin"]));
    assert_eq!(found[0]["must_change_password"], true);
    assert_eq!(found[0]["id"], report["rows"][1]["id"]);
    let (_, noor) = status_and_body(auth.get("/auth/users?q=noor", Some(&admin)).await).await;
    assert_eq!(noor[0]["roles"], json!(["student"]), "no role given: a student");

    let (status, again) = import(&auth, &admin, "", &file).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(statuses(&again), ["exists", "exists", "exists", "exists"]);
    assert_eq!(again["rows"][1]["id"], report["rows"][1]["id"]);
    assert_eq!(
        user_count(&auth, &admin).await,
        before + 3,
        "the same file twice creates nothing new"
    );
}

async fn one_bad_row_refuses_the_whole_file_and_says_which(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let admin = auth.token(demo::ADMIN.email).await;
    let before = user_count(&auth, &admin).await;
    let file = format!(
        "{FILE}not-an-email,Someone,student\nLIN.ZHOU@example.edu,Lin Again,student\nok@example.edu,,student\nrole@example.edu,Role,dean\n\
         =cmd|calc!A0@example.edu,Formula,student\n"
    );
    let (status, report) = import(&auth, &admin, "", &file).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
    assert_eq!(report["error"], "invalid_rows");
    assert_eq!(report["invalid"], 5);
    let errors: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|row| row["error"].as_str())
        .collect();
    assert_eq!(
        errors,
        [
            "invalid_email",
            "duplicate_row",
            "invalid_field",
            "unknown_role",
            "invalid_email"
        ]
    );
    // An email a spreadsheet would run as a formula is refused.
    assert!(
        report["rows"][7]["message"]
            .as_str()
            .unwrap()
            .contains("may not start with"),
        "{report}"
    );
    assert_eq!(report["rows"][4]["line"], 6);
    assert!(report["rows"][4]["message"].as_str().unwrap().contains("line 2"));
    assert_eq!(
        user_count(&auth, &admin).await,
        before,
        "nothing of a refused file is written"
    );
}

async fn an_imported_user_signs_in_once_with_their_code_and_chooses_a_password(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let admin = auth.token(demo::ADMIN.email).await;
    let (status, report) = import(&auth, &admin, "", FILE).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    let code = report["rows"][0]["setup_code"].as_str().unwrap().to_owned();
    let other_code = report["rows"][2]["setup_code"].as_str().unwrap().to_owned();
    assert_ne!(code, other_code);
    let email = "lin.zhou@example.edu";

    let wrong = auth.login(email, &other_code).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "another user's code is wrong");
    let (status, body) = status_and_body(auth.login(email, &code).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("password_change_required"))
    );

    let new_password = "amber-quiet-river-91";
    let response = auth
        .client
        .post(auth.service.at("/auth/password"))
        .json(&json!({"email": email, "current_password": code, "new_password": new_password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let signed_in = auth.login(email, new_password).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let (status, _) = status_and_body(auth.login(email, &code).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a setup code works once");
}

async fn bad_files_and_non_admins_are_refused(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let admin = auth.token(demo::ADMIN.email).await;
    let student = auth.token(demo::STUDENT.email).await;
    let cases = [
        (
            "email,name,password\na@example.edu,A,hunter22hunter\n",
            "invalid_import",
            "password",
        ),
        ("mail,name\na@example.edu,A\n", "invalid_import", "email,name"),
        ("email,name\n", "invalid_import", "no rows"),
    ];
    for (file, code, said) in cases {
        let (status, body) = import(&auth, &admin, "", file).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{file}: {body}"
        );
        assert!(body["message"].as_str().unwrap().contains(said), "{file}: {body}");
    }
    let response = auth
        .client
        .post(auth.service.at("/auth/users/import"))
        .bearer_auth(&admin)
        .json(&json!([{"email": "a@example.edu"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _) = import(&auth, &admin, "?dry_run=maybe", FILE).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = import(&auth, &student, "", FILE).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = import(&auth, "not-a-token", "", FILE).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn two_imports_of_one_file_at_once_create_each_user_once(backend: Backend) {
    let auth = TestAuth::spawn(backend, &[]).await;
    let admin = auth.token(demo::ADMIN.email).await;
    let before = user_count(&auth, &admin).await;
    let answers = futures_join(&auth, &admin).await;
    let created: Vec<StatusCode> = answers.iter().map(|(status, _)| *status).collect();
    // One creates the users; each other one comes after it (all exist) or
    // loses the race whole (409, nothing written): never half of a file.
    assert_eq!(
        created.iter().filter(|s| **s == StatusCode::CREATED).count(),
        1,
        "{answers:?}"
    );
    for (status, body) in &answers {
        let after = *status == StatusCode::OK && statuses(body) == ["exists"; 3];
        let lost = *status == StatusCode::CONFLICT && body["error"] == "email_taken";
        assert!(*status == StatusCode::CREATED || after || lost, "{status}: {body}");
    }
    assert_eq!(user_count(&auth, &admin).await, before + 3);
    let (status, again) = import(&auth, &admin, "", FILE).await;
    assert_eq!((status, statuses(&again)), (StatusCode::OK, vec!["exists"; 3]));
}

async fn futures_join(auth: &TestAuth, admin: &str) -> Vec<(StatusCode, Value)> {
    let (a, b, c) = tokio::join!(
        import(auth, admin, "", FILE),
        import(auth, admin, "", FILE),
        import(auth, admin, "", FILE)
    );
    vec![a, b, c]
}
