use std::sync::Arc;

use crate::dataset::Dataset;
use crate::load::{self, Figures};
use crate::nodes::Nodes;
use crate::scenarios::{get_ok, one, WINDOW};

pub const CONNECTIONS: usize = 64;

/// The ceiling (same bytes from memory, no database, no token check) and
/// `GET /courses` with the 300 courses, both at 64 connections.
pub async fn ceiling_and_catalogue(nodes: &mut Nodes, data: &Dataset) -> anyhow::Result<(Figures, Figures)> {
    let body = load::client()
        .get(format!("{}/courses", nodes.courses))
        .bearer_auth(&data.admin)
        .send()
        .await?
        .bytes()
        .await?;
    let ceiling_url = nodes.start_ceiling(&body).await?;
    let ceiling = load::run(
        &format!("ceiling: same {} KB from memory", body.len() / 1024),
        CONNECTIONS,
        WINDOW,
        u64::MAX,
        get_ok(one(format!("{ceiling_url}/courses")), one(String::new())),
    )
    .await;
    let catalogue = load::run(
        "GET /courses (300 courses)",
        CONNECTIONS,
        WINDOW,
        u64::MAX,
        get_ok(
            one(format!("{}/courses", nodes.courses)),
            Arc::new(student_tokens(data, 64)),
        ),
    )
    .await;
    Ok((ceiling, catalogue))
}

pub fn student_tokens(data: &Dataset, count: usize) -> Vec<String> {
    data.students.iter().take(count).map(|s| s.token.clone()).collect()
}
