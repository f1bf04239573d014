//! grade-service: a student's grades, a class's grades, uploads.

use shared_types::grades::{GradeRecord, MyGrade, StudentGrade, UploadReport, ROSTER_COMPLETE_HEADER};
use shared_types::Grade;
use uuid::Uuid;

use gloo_net::http::Method;

use super::client::Body;
use super::{Api, CallError};
use crate::service::Service;

/// The grades of one class, and whether the roster behind them is complete.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassGrades {
    pub students: Vec<StudentGrade>,
    /// `false` when grade-service could not ask course-service for the
    /// roster: only students who already have a grade are listed.
    pub roster_complete: bool,
}

impl Api {
    pub async fn my_grades(&self) -> Result<Vec<MyGrade>, CallError> {
        self.get_json(Service::Grades, "/grades/me").await
    }

    pub async fn class_grades(&self, course_id: Uuid) -> Result<ClassGrades, CallError> {
        let path = format!("/grades/courses/{course_id}");
        let reply = self
            .authorized(Service::Grades, Method::GET, &path, Body::Empty)
            .await?;
        let roster_complete = reply.headers.get(ROSTER_COMPLETE_HEADER).as_deref() != Some("false");
        let students = self.grades.decode(&reply)?;
        Ok(ClassGrades {
            students,
            roster_complete,
        })
    }

    pub async fn set_grade(&self, course_id: Uuid, student_id: Uuid, grade: Grade) -> Result<GradeRecord, CallError> {
        let path = format!("/grades/courses/{course_id}/students/{student_id}");
        let body = serde_json::json!({ "grade": grade.as_f64() });
        self.send_json(Service::Grades, Method::PUT, &path, &body).await
    }

    /// A class's grade sheet as CSV, for a spreadsheet, and whether it
    /// holds the whole roster (see [`ClassGrades::roster_complete`]).
    pub async fn export_grades(&self, course_id: Uuid) -> Result<(String, bool), CallError> {
        let path = format!("/grades/courses/{course_id}/export");
        let reply = self
            .authorized(Service::Grades, Method::GET, &path, Body::Empty)
            .await?;
        let complete = reply.headers.get(ROSTER_COMPLETE_HEADER).as_deref() != Some("false");
        Ok((reply.text, complete))
    }

    /// Uploads a class's grades as CSV. A 422 that carries a per-row report
    /// is an `Ok`: the report says which rows were wrong and that nothing
    /// was written.
    pub async fn upload_csv(&self, course_id: Uuid, csv: String) -> Result<UploadReport, CallError> {
        let path = format!("/grades/courses/{course_id}");
        let reply = self
            .send_authorized(Service::Grades, Method::POST, &path, Body::Csv(csv))
            .await?;
        if reply.is_success() {
            return self.grades.decode(&reply);
        }
        match serde_json::from_str::<UploadReport>(&reply.text) {
            Ok(report) if reply.status == 422 && !report.rows.is_empty() => Ok(report),
            _ => Err(reply.into_error(Service::Grades)),
        }
    }
}
