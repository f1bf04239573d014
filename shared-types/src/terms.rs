//! Terms: the courses of one term are its catalogue, and its registration
//! window and credit limit govern enrolling in them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One term, as `GET /terms` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Term {
    pub id: Uuid,
    /// Upper case, unique: `2026-FA`.
    pub code: String,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Enrolling opens at this moment.
    pub registration_opens_at: DateTime<Utc>,
    /// The add/drop deadline: enrolling and dropping close at this moment.
    pub add_drop_closes_at: DateTime<Utc>,
    /// The most credits a student may hold in this term, unless an admin
    /// set another limit for them.
    pub max_credits: i32,
    /// The term `GET /courses` shows when no term is asked for.
    pub current: bool,
}

impl Term {
    /// Whether enrolling and dropping are open at `now`.
    pub fn registration_open_at(&self, now: DateTime<Utc>) -> bool {
        self.registration_opens_at <= now && now < self.add_drop_closes_at
    }
}

/// Body of `POST /terms` (admin).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTermRequest {
    pub code: String,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub registration_opens_at: DateTime<Utc>,
    pub add_drop_closes_at: DateTime<Utc>,
    /// 18 when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_credits: Option<i64>,
}

/// Body of `PATCH /terms/{id}` (admin): only the fields sent change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateTermRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_opens_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_drop_closes_at: Option<DateTime<Utc>>,
    /// Applies to later enrollments; credits already held are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_credits: Option<i64>,
}

/// Body of `PUT /terms/{id}/students/{student_id}/credit-limit` (admin):
/// one student's own limit in one term, with the reason it was granted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreditLimitRequest {
    /// `null` takes the override away: the term's limit applies again.
    pub max_credits: Option<i64>,
    /// Why (kept with the limit): required with a limit.
    #[serde(default)]
    pub reason: String,
}

/// A student's credits in one term: `GET /terms/{id}/credits/me` (the
/// student) or `.../students/{student_id}/credit-limit` (an admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudentCredits {
    pub term_id: Uuid,
    pub student_id: Uuid,
    /// The credits of the courses the student holds in the term.
    pub credits_held: i32,
    /// The limit that applies: the student's own, or the term's.
    pub max_credits: i32,
    /// The reason of the student's own limit, when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
    /// The student's time ticket: when they may start registering, in
    /// place of the term's opening. Absent: the term's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_opens_at: Option<DateTime<Utc>>,
}

/// One student's time ticket in `PUT /terms/{id}/time-tickets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeTicket {
    pub student_id: Uuid,
    /// When this student may start enrolling in the term's courses (before
    /// the add/drop deadline); `null` gives them the term's opening again.
    pub opens_at: Option<DateTime<Utc>>,
}

/// Body of `PUT /terms/{id}/time-tickets` (admin): up to 2,000 tickets,
/// set together or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeTicketsRequest {
    pub tickets: Vec<TimeTicket>,
}

/// Answer of `PUT /terms/{id}/time-tickets`: how many students' tickets
/// were set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeTicketsSet {
    pub set: usize,
}
