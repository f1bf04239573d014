//! An operator handles the signing key with OpenSSL alone: `keygen` writes
//! the PKCS#8 form OpenSSL 3.0 reads, and a key made and published with
//! `openssl` signs, while tokens of the key before it still verify.

use std::path::Path;
use std::process::Command;

use auth_service::cli::Cli;
use base64::Engine;
use clap::Parser;
use reqwest::StatusCode;
use service_common::demo;
use testkit::{status_and_body, Backend, RunningService};

use crate::support::TestAuth;

testkit::on_both_backends!(a_key_rotated_with_openssl_alone_signs_and_tokens_of_the_old_key_still_verify);

fn openssl(args: &[&str]) -> String {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl is installed (the project's install step adds it)");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn keygen_writes_a_private_key_openssl_reads_and_derives_the_same_public_key_from() {
    let dir = tempfile::tempdir().unwrap();
    let private_key = dir.path().join("jwt-private.pem");
    let kid = auth_service::write_key_pair(&private_key, &dir.path().join("keys"), false).unwrap();
    let derived = openssl(&["pkey", "-in", path(&private_key), "-pubout"]);
    let written = std::fs::read_to_string(dir.path().join("keys").join(format!("{kid}.pem"))).unwrap();
    assert_eq!(derived.trim(), written.trim());
    // Version 1 (RFC 5208): the version field is 0 and no public key is
    // attached, the form every tool reads.
    let text = openssl(&["asn1parse", "-in", path(&private_key)]);
    assert!(text.contains("INTEGER           :00"), "{text}");
}

/// The `kid` in a token's header.
fn kid_of(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap();
    serde_json::from_slice::<serde_json::Value>(&json).unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn a_key_rotated_with_openssl_alone_signs_and_tokens_of_the_old_key_still_verify(backend: Backend) {
    let before = TestAuth::spawn(backend, &[]).await;
    let old_token = before.token(demo::STUDENT.email).await;
    let old_kid = kid_of(&old_token);

    // The rotation, as docs/deploy.md gives it: a new private key, its
    // public half published beside the old one.
    let dir = tempfile::tempdir().unwrap();
    let new_key = dir.path().join("jwt-private-new.pem");
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", path(&new_key)]);
    let published = before.keys.public_dir.join("rotated.pem");
    openssl(&["pkey", "-in", path(&new_key), "-pubout", "-out", path(&published)]);

    let mut args = TestAuth::args(&before.keys, &before.db.url, false);
    args.retain(|arg| !arg.starts_with("--jwt-private-key="));
    args.push(format!("--jwt-private-key={}", new_key.display()));
    let after = RunningService::spawn(
        auth_service::build(Cli::parse_from(args).serve)
            .await
            .expect("auth-service starts on a key openssl made"),
    );
    let http = testkit::http_client();
    let response = testkit::api::login(&http, &after.url, demo::STUDENT.email, demo::DEMO_PASSWORD)
        .send()
        .await
        .unwrap();
    let new_token = testkit::api::token_of(response).await.unwrap();
    assert_ne!(kid_of(&new_token), old_kid, "signed with the new key");

    let (status, keys) = status_and_body(http.get(after.at("/auth/keys")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let kids: Vec<&str> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(
        kids.contains(&old_kid.as_str()) && kids.contains(&kid_of(&new_token).as_str()),
        "{keys}"
    );
    for token in [&old_token, &new_token] {
        let response = http.get(after.at("/auth/me")).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "both keys verify during a rotation");
    }
}
