//! Grades: bulk upload of a 500-row CSV, a student's grades, and a
//! teacher's view of a 500-student course (which asks course-service for
//! the roster on every request).

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use shared_types::Grade;
use uuid::Uuid;

use crate::dataset::{create_course, Dataset};
use crate::load::{self, Figures};
use crate::nodes::Nodes;
use crate::scenarios::{get_ok, one, Request, WINDOW};

const CLASS: usize = 500;
const UPLOADS: u64 = 10;

pub struct GradeFigures {
    pub upload: Figures,
    pub rows_per_second: f64,
}

pub async fn grades(nodes: &Nodes, data: &Dataset, figures: &mut Vec<Figures>) -> anyhow::Result<GradeFigures> {
    let http = load::client();
    let teacher = (data.teacher_ids[0], "Teacher 0");
    let course = create_course(&http, nodes, &data.admin, "BULK500", CLASS as i64, teacher).await?;
    let class: Arc<Vec<String>> = Arc::new(data.students.iter().take(CLASS).map(|s| s.token.clone()).collect());
    let courses_url = nodes.courses.clone();
    let seats = Arc::clone(&class);
    let enrolled = load::run(
        "enroll the class",
        32,
        Duration::from_secs(60),
        CLASS as u64,
        move |http, _, n| {
            let (base, token) = (courses_url.clone(), seats[n as usize].clone());
            Box::pin(async move {
                testkit::api::enroll(&http, &base, &token, course)
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == StatusCode::CREATED)
            }) as Request
        },
    )
    .await;
    anyhow::ensure!(
        enrolled.errors == 0,
        "enrolling the class failed {} times",
        enrolled.errors
    );

    // Each upload changes every grade, so each row is a real write with a
    // history entry.
    let sheets: Arc<Vec<Vec<(Uuid, Grade)>>> = Arc::new(
        [40, 25]
            .into_iter()
            .map(|tenths| {
                let grade = Grade::from_tenths(tenths).expect("a grade of the scale");
                data.students.iter().take(CLASS).map(|s| (s.id, grade)).collect()
            })
            .collect(),
    );
    let grades_url = nodes.grades.clone();
    let teacher_token = data.teacher_tokens[0].clone();
    let upload = load::run(
        "POST 500-row CSV upload",
        1,
        Duration::from_secs(120),
        UPLOADS,
        move |http, _, n| {
            let (base, token, sheets) = (grades_url.clone(), teacher_token.clone(), Arc::clone(&sheets));
            Box::pin(async move {
                testkit::api::upload_csv(&http, &base, &token, course, &sheets[n as usize % 2])
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == StatusCode::OK)
            }) as Request
        },
    )
    .await;
    anyhow::ensure!(upload.errors == 0, "uploads failed {} times", upload.errors);
    let rows_per_second = upload.requests_per_second * CLASS as f64;
    figures.push(upload.clone());

    figures.push(
        load::run(
            "GET /grades/me",
            64,
            WINDOW,
            u64::MAX,
            get_ok(one(format!("{}/grades/me", nodes.grades)), class),
        )
        .await,
    );
    figures.push(
        load::run(
            "GET /grades/courses/{id} (500 students)",
            16,
            WINDOW,
            u64::MAX,
            get_ok(
                one(format!("{}/grades/courses/{course}", nodes.grades)),
                one(data.teacher_tokens[0].clone()),
            ),
        )
        .await,
    );
    Ok(GradeFigures {
        upload,
        rows_per_second,
    })
}
