//! Starts the real auth-service on port 0 with a temporary database.

use auth_service::cli::Cli;
use clap::Parser;
use reqwest::{Client, Response};
use testkit::{Backend, RunningService, TestDb, TestKeys};

pub struct TestAuth {
    pub service: RunningService,
    pub db: TestDb,
    pub keys: TestKeys,
    pub client: Client,
}

impl TestAuth {
    /// auth-service with the demo users and the given extra flags.
    pub async fn spawn(backend: Backend, extra: &[&str]) -> Self {
        let db = TestDb::create(backend);
        let url = db.url.clone();
        Self::spawn_on_url(db, &url, extra).await
    }

    /// auth-service with the demo users on `db`, reached through `url`
    /// (another spelling of its address, such as a multi-host URL).
    pub async fn spawn_on_url(db: TestDb, url: &str, extra: &[&str]) -> Self {
        let keys = TestKeys::generate();
        let mut args = Self::args(&keys, url, true);
        args.push("--max-body-bytes=4096".into());
        args.extend(extra.iter().map(|s| s.to_string()));
        let cli = Cli::parse_from(args);
        let server = auth_service::build(cli.serve).await.expect("auth-service starts");
        Self {
            service: RunningService::spawn(server),
            db,
            keys,
            client: testkit::http_client(),
        }
    }

    pub fn args(keys: &TestKeys, url: &str, seed: bool) -> Vec<String> {
        let mut args = vec![
            "auth-service".to_owned(),
            "--bind=127.0.0.1:0".into(),
            format!("--database-url={url}"),
            format!("--jwt-private-key={}", keys.private_key.display()),
            format!("--jwt-public-key={}", keys.public_dir.display()),
        ];
        if seed {
            args.push("--seed-demo".into());
        }
        args
    }

    /// Builds (migrates, binds) another replica on the same database and
    /// keys, without serving yet.
    pub async fn build_replica(&self) -> anyhow::Result<service_common::server::Server> {
        auth_service::build(Cli::parse_from(Self::args(&self.keys, &self.db.url, false)).serve).await
    }

    /// Another replica of auth-service on the same database and keys.
    pub async fn spawn_replica(&self) -> RunningService {
        RunningService::spawn(self.build_replica().await.expect("a replica starts"))
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.login_at(&self.service, email, password).await
    }

    /// Signs in at the replica `service`.
    pub async fn login_at(&self, service: &RunningService, email: &str, password: &str) -> Response {
        testkit::api::login(&self.client, &service.url, email, password)
            .send()
            .await
            .expect("login request")
    }

    /// Signs in and returns the token.
    pub async fn token(&self, email: &str) -> String {
        let response = self.login(email, service_common::demo::DEMO_PASSWORD).await;
        testkit::api::token_of(response).await.expect("a token")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.get(self.service.at(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("GET request")
    }
}
