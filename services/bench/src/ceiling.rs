//! The ceiling: a bare axum route that returns, from memory, the same bytes
//! `GET /courses` returns. It runs as its own process, like the services,
//! so every other figure can be given as a fraction of it, measured in the
//! same run on the same machine.

use std::net::SocketAddr;
use std::path::Path;

use axum::http::header;
use axum::routing::get;
use axum::Router;

/// `enroll-bench ceiling <port> <body-file>`: serves until killed.
pub async fn serve(port: u16, body_file: &Path) -> anyhow::Result<()> {
    let body = axum::body::Bytes::from(std::fs::read(body_file)?);
    let app = Router::new().route(
        "/courses",
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body) }
        }),
    );
    let listener = service_common::server::bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    axum::serve(listener, app).await?;
    Ok(())
}
