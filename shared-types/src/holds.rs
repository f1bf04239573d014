//! Holds on a student's registration: placed by an admin with a reason
//! (unpaid fees, advising required), lifted by an admin. An active hold
//! blocks taking a place (enroll, join a waitlist, promotion from one),
//! never dropping.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `POST /students/{id}/holds` (admin).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceHoldRequest {
    /// Why, and what lifts it (1 to 500 characters, one line): the student
    /// reads it.
    pub reason: String,
}

/// A hold, active until `lifted_at` is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hold {
    pub id: Uuid,
    pub student_id: Uuid,
    pub reason: String,
    /// The admin who placed it.
    pub placed_by: Uuid,
    pub placed_at: DateTime<Utc>,
    /// The admin who lifted it, once lifted.
    pub lifted_by: Option<Uuid>,
    pub lifted_at: Option<DateTime<Utc>>,
}

impl Hold {
    pub fn is_active(&self) -> bool {
        self.lifted_at.is_none()
    }
}
