//! auth-service against SQLite and PostgreSQL: every status of its routes.

use crate::support::TestAuth;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared_types::Role;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend, TestKeys};

on_both_backends!(
    login_gives_a_token_that_me_accepts,
    unknown_email_and_wrong_password_look_the_same,
    me_refuses_every_bad_token,
    admin_creates_and_lists_users,
    only_admins_manage_users,
    bad_bodies_get_clear_client_errors,
    stored_hash_is_pbkdf2_phc_with_600k_iterations,
    readiness_follows_the_database,
    health_openapi_keys_and_cors,
);

async fn login_gives_a_token_that_me_accepts(backend: Backend) {
    let app = TestAuth::spawn(backend, &[]).await;
    let (status, body) = status_and_body(app.login("Student@Example.edu ", "demo-password-1").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["user"]["email"], "student@example.edu");
    assert_eq!(body["user"]["roles"], json!(["student"]));
    let token = body["token"].as_str().unwrap();

    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA);
    assert!(header.kid.is_some());

    let (status, me) = status_and_body(app.get("/auth/me", Some(token)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me, body["user"]);
}

async fn unknown_email_and_wrong_password_look_the_same(backend: Backend) {
    let app = TestAuth::spawn(backend, &[]).await;
    let (wrong_status, wrong) = status_and_body(app.login("student@example.edu", "not-the-password").await).await;
    let (unknown_status, unknown) = status_and_body(app.login("nobody@example.edu", "not-the-password").await).await;
    let (garbage_status, _) = status_and_body(app.login("not an email", "x").await).await;
    assert_eq!(wrong_status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_status, StatusCode::UNAUTHORIZED);
    assert_eq!(garbage_status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error"], "invalid_credentials");
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

async fn me_refuses_every_bad_token(backend: Backend) {
    let app = TestAuth::spawn(backend, &[]).await;
    let good = app.token("student@example.edu").await;
    let parts: Vec<&str> = good.split('.').collect();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let kid = jsonwebtoken::decode_header(&good).unwrap().kid.unwrap();

    let other_key = TestKeys::generate();
    let signed_by_other_key = other_key.token(
        claims["sub"].as_str().unwrap().parse().unwrap(),
        "Sam Rivera",
        &[Role::Student],
    );

    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT", "kid": kid})),
        parts[1]
    );

    let public_pem = std::fs::read_dir(&app.keys.public_dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .next()
        .unwrap();
    let mut hs_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs_header.kid = Some(kid.clone());
    let hs256_with_public_key = jsonwebtoken::encode(
        &hs_header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&public_pem),
    )
    .unwrap();

    let with_claims = |change: &dyn Fn(&mut shared_types::Claims)| {
        let mut c: shared_types::Claims = serde_json::from_value(claims.clone()).unwrap();
        change(&mut c);
        app.keys.sign(&c)
    };
    let expired = with_claims(&|c| {
        c.iat -= 7200;
        c.exp = c.iat + 3600;
    });
    let wrong_aud = with_claims(&|c| c.aud = "someone-else".into());
    let wrong_iss = with_claims(&|c| c.iss = "evil-auth".into());

    let raw = |change_header: &dyn Fn(&mut jsonwebtoken::Header), change_claims: &dyn Fn(&mut Value)| {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        change_header(&mut header);
        let mut c = claims.clone();
        change_claims(&mut c);
        app.keys.sign_raw(header, &c)
    };
    let now = chrono::Utc::now().timestamp();
    let no_typ = raw(&|h| h.typ = None, &|_| {});
    let other_typ = raw(&|h| h.typ = Some("at+jwt".into()), &|_| {});
    let with_crit = raw(&|h| h.crit = Some(vec!["exp".into()]), &|_| {});
    let not_yet_valid = raw(&|_| {}, &|c| c["nbf"] = json!(now + 1800));
    let ten_years = raw(&|_| {}, &|c| c["exp"] = json!(now + 10 * 365 * 24 * 3600));
    let issued_in_future = raw(&|_| {}, &|c| {
        c["iat"] = json!(now + 1800);
        c["exp"] = json!(now + 1800 + 3600);
    });
    // The same key and header, signed right: accepted, so the refusals
    // above are about what was changed.
    let control = raw(&|_| {}, &|_| {});
    let (status, _) = status_and_body(app.get("/auth/me", Some(&control)).await).await;
    assert_eq!(status, StatusCode::OK, "a correct token from the test signer");

    let mut tampered_claims = claims.clone();
    tampered_claims["roles"] = json!(["admin"]);
    let tampered = format!("{}.{}.{}", parts[0], b64(&tampered_claims), parts[2]);

    let cases: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("signed by another key", Some(signed_by_other_key)),
        ("alg none", Some(alg_none)),
        ("HS256 with the public key as secret", Some(hs256_with_public_key)),
        ("expired", Some(expired)),
        ("wrong aud", Some(wrong_aud)),
        ("wrong iss", Some(wrong_iss)),
        ("tampered payload", Some(tampered)),
        ("no typ", Some(no_typ)),
        ("typ other than JWT", Some(other_typ)),
        ("a crit header", Some(with_crit)),
        ("nbf in the future", Some(not_yet_valid)),
        ("a ten-year exp", Some(ten_years)),
        ("iat in the future", Some(issued_in_future)),
        ("garbage", Some("not.a.token".into())),
    ];
    for (case, token) in cases {
        let (status, body) = status_and_body(app.get("/auth/me", token.as_deref()).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
    }
    let raw = app
        .client
        .get(app.service.at("/auth/me"))
        .header("authorization", format!("Basic {good}"))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::UNAUTHORIZED, "a non-Bearer scheme");
}

async fn admin_creates_and_lists_users(backend: Backend) {
    let app = TestAuth::spawn(backend, &[]).await;
    let admin = app.token("admin@example.edu").await;
    let create = |body: Value| {
        app.client
            .post(app.service.at("/auth/users"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let new_user = json!({"email": "Lin.Chen@example.edu", "name": "Lin Chen", "password": "a long pass phrase", "roles": ["student"]});
    let (status, created) = status_and_body(create(new_user.clone()).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["email"], "lin.chen@example.edu");
    assert_eq!(created["roles"], json!(["student"]));

    let (status, body) = status_and_body(create(new_user).await.unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("email_taken"))
    );

    for (body, code) in [
        (
            json!({"email": "x@example.edu", "name": "X", "password": "short", "roles": ["student"]}),
            "weak_password",
        ),
        // Eleven characters: one short of the minimum.
        (
            json!({"email": "x@example.edu", "name": "X", "password": "password123", "roles": ["student"]}),
            "weak_password",
        ),
        // Long enough, but among the most common breached passwords.
        (
            json!({"email": "x@example.edu", "name": "X", "password": "Qwerty123456", "roles": ["student"]}),
            "weak_password",
        ),
        (
            json!({"email": "not-an-email", "name": "X", "password": "a long pass phrase", "roles": ["student"]}),
            "invalid_email",
        ),
        (
            json!({"email": "y@example.edu", "name": "Y", "password": "a long pass phrase", "roles": ["dean"]}),
            "unknown_role",
        ),
        (
            json!({"email": "z@example.edu", "name": "  ", "password": "a long pass phrase", "roles": ["teacher"]}),
            "invalid_field",
        ),
        (
            json!({"email": "w@example.edu", "name": "x".repeat(10_00), "password": "a long pass phrase", "roles": ["teacher"]}),
            "invalid_field",
        ),
        // A look-alike of lin.chen's address (Cyrillic е), and invisible or
        // line-breaking characters in a name.
        (
            json!({"email": "lin.ch\u{0435}n@example.edu", "name": "Lin Chen", "password": "a long pass phrase", "roles": ["student"]}),
            "invalid_email",
        ),
        (
            json!({"email": "v@example.edu", "name": "Lin\u{202E}nehC", "password": "a long pass phrase", "roles": ["student"]}),
            "invalid_field",
        ),
        (
            json!({"email": "u@example.edu", "name": "Lin\nChen", "password": "a long pass phrase", "roles": ["student"]}),
            "invalid_field",
        ),
    ] {
        let (status, answer) = status_and_body(create(body).await.unwrap()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["error"], code);
    }

    let (status, ok) = status_and_body(app.login("lin.chen@example.edu", "a long pass phrase").await).await;
    assert_eq!(status, StatusCode::OK, "{ok}");

    let (status, students) = status_and_body(app.get("/auth/users?role=student", Some(&admin)).await).await;
    assert_eq!(status, StatusCode::OK);
    let emails: Vec<&str> = students
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails.len(), 3, "{emails:?}");
    assert!(emails.contains(&"lin.chen@example.edu"));
    assert!(students
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u.get("password_hash").is_none()));

    let (status, all) = status_and_body(app.get("/auth/users", Some(&admin)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all.as_array().unwrap().len(), 6);

    // A search: each word in the name or the email, in any case, with the role filter.
    let emails_of = |users: serde_json::Value| -> Vec<String> {
        users
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, found) = status_and_body(app.get("/auth/users?q=CHEN%20example", Some(&admin)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(emails_of(found), ["lin.chen@example.edu"]);
    let (_, found) = status_and_body(app.get("/auth/users?q=chen&role=teacher", Some(&admin)).await).await;
    assert!(emails_of(found).is_empty());
    let (_, found) = status_and_body(app.get("/auth/users?q=teacher", Some(&admin)).await).await;
    assert_eq!(emails_of(found).len(), 2, "both demo teachers by their emails");
    let (_, found) = status_and_body(app.get("/auth/users?q=", Some(&admin)).await).await;
    assert_eq!(emails_of(found).len(), 6);

    let (status, body) = status_and_body(app.get("/auth/users?role=dean", Some(&admin)).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_role"))
    );
}

async fn only_admins_manage_users(backend: Backend) {
    let app = TestAuth::spawn(backend, &[]).await;
    let teacher = app.token("teacher@example.edu").await;
    let body = json!({"email": "q@example.edu", "name": "Q", "password": "a long pass phrase", "roles": ["admin"]});
    let response = app
        .client
        .post(app.service.at("/auth/users"))
        .bearer_auth(&teacher)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, answer) = status_and_body(response).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (status, _) = status_and_body(app.get("/auth/users", Some(&teacher)).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = status_and_body(app.get("/auth/users", None).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn bad_bodies_get_clear_client_errors(backend: Backend) {
    let app = TestAuth::spawn(backend, &[]).await;
    let send = |body: String, content_type: Option<&'static str>| {
        let mut request = app.client.post(app.service.at("/auth/login")).body(body);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        request.send()
    };
    let json_type = Some("application/json");
    let cases = [
        (
            "malformed",
            "{\"email\": ".to_owned(),
            json_type,
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "empty",
            String::new(),
            json_type,
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "missing field",
            r#"{"email":"a@b.edu"}"#.to_owned(),
            json_type,
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            "wrong type",
            r#"{"email":1,"password":[]}"#.to_owned(),
            json_type,
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            "not an object",
            "[]".to_owned(),
            json_type,
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            "no content type",
            r#"{"email":"a@b.edu","password":"x"}"#.to_owned(),
            None,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "over the limit",
            format!(r#"{{"email":"a@b.edu","password":"{}"}}"#, "x".repeat(10_000)),
            json_type,
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ];
    for (case, body, content_type, expected, code) in cases {
        let (status, answer) = status_and_body(send(body, content_type).await.unwrap()).await;
        assert_eq!(status, expected, "{case}: {answer}");
        assert_eq!(answer["error"], code, "{case}");
    }
}

async fn stored_hash_is_pbkdf2_phc_with_600k_iterations(backend: Backend) {
    let app = TestAuth::spawn(backend, &[]).await;
    #[cfg(unix)]
    if backend == Backend::Sqlite {
        use std::os::unix::fs::PermissionsExt;
        // The hashes' file, and the write-ahead log beside it, are the
        // owner's alone.
        for suffix in ["", "-wal"] {
            let file = format!("{}{suffix}", app.db.url);
            let mode = std::fs::metadata(&file)
                .expect("the database file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
    }
    let hashes = app.db.select_text("SELECT password_hash AS value FROM users");
    assert_eq!(hashes.len(), 5);
    for hash in &hashes {
        assert!(hash.starts_with("$pbkdf2-sha256$i="), "{hash}");
        let params = hash.split('$').nth(2).unwrap();
        let iterations: u32 = params
            .split(',')
            .find_map(|p| p.strip_prefix("i="))
            .unwrap()
            .parse()
            .unwrap();
        assert!(iterations >= 600_000, "{hash}");
    }
    let distinct: std::collections::HashSet<_> = hashes.iter().collect();
    assert_eq!(distinct.len(), hashes.len(), "salts must differ");
}

async fn readiness_follows_the_database(backend: Backend) {
    let mut app = TestAuth::spawn(backend, &[]).await;
    let (status, body) = status_and_body(app.get("/readyz", None).await).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ok")));
    app.db.destroy();
    let (status, body) = status_and_body(app.get("/readyz", None).await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"], "database_unavailable");
    let (status, _) = status_and_body(app.get("/healthz", None).await).await;
    assert_eq!(status, StatusCode::OK, "the process still runs");
}

async fn health_openapi_keys_and_cors(backend: Backend) {
    let app = TestAuth::spawn(backend, &[]).await;
    let (status, body) = status_and_body(app.get("/healthz", None).await).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));

    let (status, doc) = status_and_body(app.get("/openapi.json", None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/auth/login"].is_object());

    let token = app.token("student@example.edu").await;
    // Answers, successes and errors alike, are never cached and never
    // sniffed.
    for (what, response) in [
        ("a user", app.get("/auth/me", Some(&token)).await),
        ("an error", app.get("/auth/me", None).await),
    ] {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(header("cache-control").as_deref(), Some("no-store"), "{what}");
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"), "{what}");
    }
    let kid = jsonwebtoken::decode_header(&token).unwrap().kid.unwrap();
    let (status, jwks) = status_and_body(app.get("/auth/keys", None).await).await;
    assert_eq!(status, StatusCode::OK);
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str(), key["alg"].as_str()),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    assert_eq!(key["kid"], kid);

    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.service.at("/auth/login"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("http://127.0.0.1:8080").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://127.0.0.1:8080"
    );
    let refused = preflight("http://evil.example").await.unwrap();
    assert!(!refused.headers().contains_key("access-control-allow-origin"));
}
