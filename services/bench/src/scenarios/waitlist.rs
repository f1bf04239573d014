//! Waitlist churn: full sections with a waitlist each; then half of each
//! section's students drop at once, and every drop hands its seat, in its
//! own transaction, to the first student still waiting. Checked from the
//! final rosters and counts: each section holds its stayers and exactly the
//! first students of its list, in the order they joined; the rest still
//! wait; no section over capacity; nobody both enrolled and waiting.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use shared_types::courses::Course as ShownCourse;
use uuid::Uuid;

use crate::dataset::{self, Dataset, SEATS};
use crate::load::{self, Figures};
use crate::nodes::Nodes;

pub const SECTIONS: usize = 20;
/// Students waiting for each section.
pub const WAITING: usize = 30;
/// Students of each section who drop (each frees a seat for one waiting).
pub const DROPS: usize = 20;
const CONNECTIONS: usize = 64;

pub struct ChurnOutcome {
    pub figures: Figures,
    /// Students enrolled from a waitlist by the drops.
    pub promoted: usize,
    pub violations: Vec<String>,
}

struct Section {
    id: Uuid,
    seated: Vec<(Uuid, String)>,
    /// In the order they joined.
    waiting: Vec<(Uuid, String)>,
}

pub async fn waitlist_churn(nodes: &Nodes, data: &Dataset) -> anyhow::Result<ChurnOutcome> {
    let http = load::client();
    let sections: Vec<Section> = dataset::fresh_courses(nodes, data, "W", SECTIONS, SEATS)
        .await?
        .into_iter()
        .enumerate()
        .map(|(n, id)| Section {
            id,
            seated: dataset::fresh_students(nodes, SEATS as usize, &format!("Seated {n}")),
            waiting: dataset::fresh_students(nodes, WAITING, &format!("Waiting {n}")),
        })
        .collect();
    // Full, then each list joined in order (the sections side by side).
    let fills = sections.iter().map(|section| {
        let http = http.clone();
        async move {
            for (_, token) in &section.seated {
                let taken = testkit::api::enroll(&http, &nodes.courses, token, section.id)
                    .send()
                    .await?;
                anyhow::ensure!(taken.status() == StatusCode::CREATED, "filling: {}", taken.status());
            }
            for (_, token) in &section.waiting {
                let joined = http
                    .post(format!("{}/courses/{}/waitlist", nodes.courses, section.id))
                    .bearer_auth(token)
                    .send()
                    .await?;
                anyhow::ensure!(joined.status() == StatusCode::CREATED, "joining: {}", joined.status());
            }
            Ok(())
        }
    });
    for filled in testkit::join_all(fills).await {
        filled?;
    }

    let drops: Arc<Vec<(Uuid, String)>> = Arc::new(
        (0..DROPS)
            .flat_map(|k| sections.iter().map(move |s| (s.id, s.seated[k].1.clone())))
            .collect(),
    );
    let base = nodes.courses.clone();
    let plan = Arc::clone(&drops);
    let figures = load::run(
        &format!("waitlist churn: {} drops, each promoting the next waiting", drops.len()),
        CONNECTIONS,
        Duration::from_secs(120),
        drops.len() as u64,
        move |http, _, n| {
            let (course, token) = plan[n as usize].clone();
            let base = base.clone();
            Box::pin(async move {
                testkit::api::drop_course(&http, &base, &token, course)
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == StatusCode::NO_CONTENT)
            }) as crate::scenarios::Request
        },
    )
    .await;

    let mut violations = Vec::new();
    let mut promoted = 0;
    for section in &sections {
        let roster = testkit::read::roster(&http, &nodes.courses, &data.admin, section.id).await?;
        let listed: HashSet<Uuid> = roster.iter().map(|r| r.student_id).collect();
        let expected: HashSet<Uuid> = section.seated[DROPS..]
            .iter()
            .chain(&section.waiting[..DROPS])
            .map(|(id, _)| *id)
            .collect();
        promoted += section.waiting.iter().filter(|(id, _)| listed.contains(id)).count();
        if listed.len() != roster.len() {
            violations.push(format!("section {} lists a student twice", section.id));
        }
        if listed != expected {
            violations.push(format!(
                "section {}: {} of the roster are not its stayers and its first {DROPS} waiting",
                section.id,
                listed.symmetric_difference(&expected).count()
            ));
        }
        let shown: ShownCourse = http
            .get(format!("{}/courses/{}", nodes.courses, section.id))
            .bearer_auth(&data.admin)
            .send()
            .await?
            .json()
            .await?;
        if i64::from(shown.enrolled) > SEATS || shown.enrolled as usize != roster.len() {
            violations.push(format!(
                "section {} counts {} taken for {} on the roster",
                section.id,
                shown.enrolled,
                roster.len()
            ));
        }
        if shown.waitlisted as usize != WAITING - DROPS {
            violations.push(format!(
                "section {} has {} waiting, not {}",
                section.id,
                shown.waitlisted,
                WAITING - DROPS
            ));
        }
    }
    Ok(ChurnOutcome {
        figures,
        promoted,
        violations,
    })
}
