//! A student's grades, from grade-service alone.

use std::time::Duration;

use leptos::prelude::*;
use shared_types::grades::MyGrade;

use super::frame::panel;
use super::widgets::{data_table, Column::Shown};
use crate::api::Api;
use crate::loader::Loader;
use crate::service::Service;

#[component]
pub fn MyGrades() -> impl IntoView {
    let api = expect_context::<Api>();
    let loader = Loader::new(move || {
        let api = api.clone();
        async move { api.my_grades().await }
    })
    .refresh_every(Duration::from_secs(10));
    panel("my-grades", "My grades".into(), Service::Grades, loader, grades_table)
}

fn grades_table(grades: Vec<MyGrade>) -> impl IntoView {
    if grades.is_empty() {
        return view! { <p class="muted">"No grades yet."</p> }.into_any();
    }
    let rows = grades
        .into_iter()
        .map(|g| {
            view! {
                <tr data-course-code=g.course_code.clone()>
                    <th scope="row">
                        <span class="code">{g.course_code.clone()}</span>
                        <span class="title">{g.course_title.clone()}</span>
                    </th>
                    <td class="grade" data-testid="grade">
                        {g.grade.to_string()}
                    </td>
                    <td class="muted">{g.updated_at.format("%Y-%m-%d").to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    data_table("table", &[Shown("Course"), Shown("Grade"), Shown("Updated")], rows).into_any()
}
