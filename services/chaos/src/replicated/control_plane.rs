//! The cluster's control plane answers only the deployment: Patroni's REST
//! API changes nothing without a client certificate of the deployment's
//! authority and the API password, and etcd, which holds the leader key
//! that decides who is primary, serves nobody without such a certificate.
//! Each refusal is checked beside the same call made with the credentials,
//! which succeeds, so that a refusal for another reason cannot pass.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::topology::{Replicated, DB_HOSTS};
use crate::report::Row;

const FORM: &str = "application/x-www-form-urlencoded";
const FAULT: &str = "cluster: the control plane, from a host with no credentials";

/// What one attempt came to: the status, or why there was none.
fn outcome(answer: &Result<reqwest::Response, reqwest::Error>) -> String {
    match answer {
        Ok(response) => response.status().to_string(),
        Err(error) if error.is_connect() || error.is_request() => "no connection (refused in the TLS handshake)".into(),
        Err(error) => format!("failed: {error}"),
    }
}

fn refused(answer: &Result<reqwest::Response, reqwest::Error>) -> bool {
    match answer {
        Ok(response) => matches!(response.status(), StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
        Err(_) => true,
    }
}

fn succeeded(answer: &Result<reqwest::Response, reqwest::Error>) -> bool {
    answer.as_ref().is_ok_and(|r| r.status().is_success())
}

pub async fn control_plane(cluster: &Replicated) -> anyhow::Result<Vec<Row>> {
    let db = DB_HOSTS[0];
    let ip = &cluster.host(db).ip;
    let tls = &cluster.tls_dir;
    let identity = reqwest::Identity::from_pem(
        &[
            std::fs::read(tls.join(format!("{db}.crt")))?,
            std::fs::read(tls.join(format!("{db}.key")))?,
        ]
        .concat(),
    )?;
    let timeout = Duration::from_secs(5);
    let stranger = crate::trust::client_builder().timeout(timeout).build()?;
    let insider = crate::trust::client_builder()
        .timeout(timeout)
        .identity(identity)
        .build()?;
    let password = &cluster.patroni_api_password;
    let mut rows = Vec::new();

    // Patroni: a change of the whole cluster's settings (a no-op here, the
    // value it has), and a failover.
    let config = format!("https://{ip}:8008/config");
    let no_op = json!({"loop_wait": 1});
    let bare = stranger.request(Method::PATCH, &config).json(&no_op).send().await;
    let password_only = stranger
        .request(Method::PATCH, &config)
        .basic_auth("patroni", Some(password))
        .json(&no_op)
        .send()
        .await;
    let certificate_only = insider.request(Method::PATCH, &config).json(&no_op).send().await;
    let both = insider
        .request(Method::PATCH, &config)
        .basic_auth("patroni", Some(password))
        .json(&no_op)
        .send()
        .await;
    rows.push(Row::new(
        FAULT,
        "Patroni's PATCH /config needs the deployment's client certificate and the API password",
        refused(&bare) && refused(&password_only) && refused(&certificate_only) && succeeded(&both),
        format!(
            "no credentials: {}; password alone: {}; certificate alone: {}; both: {}",
            outcome(&bare),
            outcome(&password_only),
            outcome(&certificate_only),
            outcome(&both)
        ),
    ));
    let failover = format!("https://{ip}:8008/failover");
    let asked = stranger
        .post(&failover)
        .json(&json!({"candidate": DB_HOSTS[1]}))
        .send()
        .await;
    let restart = stranger.post(format!("https://{ip}:8008/restart")).send().await;
    rows.push(Row::new(
        FAULT,
        "Patroni's POST /failover and /restart are refused without credentials",
        refused(&asked) && refused(&restart),
        format!("failover: {}; restart: {}", outcome(&asked), outcome(&restart)),
    ));

    // etcd: the leader key's directory, written and read.
    let key = format!("https://{ip}:2379/v2/keys/enroll-probe");
    let write = stranger
        .put(&key)
        .header("content-type", FORM)
        .body("value=x")
        .send()
        .await;
    let read = stranger.get(format!("https://{ip}:2379/v2/keys/service/")).send().await;
    let plain = crate::trust::client_builder()
        .timeout(timeout)
        .build()?
        .put(format!("http://{ip}:2379/v2/keys/enroll-probe"))
        .header("content-type", FORM)
        .body("value=x")
        .send()
        .await;
    let with_certificate = insider.get(format!("https://{ip}:2379/v2/keys/service/")).send().await;
    rows.push(Row::new(
        FAULT,
        "etcd takes no write and serves no key without the deployment's client certificate",
        refused(&write) && refused(&read) && !succeeded(&plain) && succeeded(&with_certificate),
        format!(
            "write: {}; read: {}; plain HTTP: {}; with the certificate, read: {}",
            outcome(&write),
            outcome(&read),
            outcome(&plain),
            outcome(&with_certificate)
        ),
    ));
    rows.push(database_refuses_unencrypted_and_unverified(cluster, ip).await?);
    Ok(rows)
}

/// PostgreSQL from another host: a connection that is not encrypted is
/// refused by the server, and a client that verifies the server against
/// an authority other than the deployment's refuses the server.
async fn database_refuses_unencrypted_and_unverified(cluster: &Replicated, ip: &str) -> anyhow::Result<Row> {
    let other = tempfile::tempdir()?;
    let status = std::process::Command::new("bash")
        .arg(cluster.run_dir.join("deploy/tls/make-certs.sh"))
        .arg(other.path())
        .arg(format!("elsewhere={ip}"))
        .status()?;
    anyhow::ensure!(status.success(), "making a second authority failed");
    let connect = |ssl: String| {
        let url = format!(
            "postgresql://enroll:{}@{ip}:5432/enroll_courses?connect_timeout=5&{ssl}",
            cluster.app_password
        );
        let output = std::process::Command::new("psql")
            .args([url.as_str(), "-tAc", "select 1"])
            .output();
        match output {
            Ok(output) if output.status.success() => (true, "connected".to_owned()),
            Ok(output) => {
                let error = String::from_utf8_lossy(&output.stderr);
                (false, error.lines().last().unwrap_or("refused").trim().to_owned())
            }
            Err(error) => (false, format!("psql did not run: {error}")),
        }
    };
    let ours = cluster.tls_dir.join("ca.crt");
    let (plain_ok, plain) = connect("sslmode=disable".into());
    let (wrong_ok, wrong) = connect(format!(
        "sslmode=verify-full&sslrootcert={}",
        other.path().join("ca.crt").display()
    ));
    let (right_ok, right) = connect(format!("sslmode=verify-full&sslrootcert={}", ours.display()));
    Ok(Row::new(
        FAULT,
        "PostgreSQL refuses an unencrypted connection, and a client verifying against another authority refuses the server",
        !plain_ok && !wrong_ok && right_ok,
        format!("unencrypted: {plain}; another authority: {wrong}; the deployment's: {right}"),
    ))
}
