//! The audit trail of registration: who tried what, for whom, when, and
//! what came of it. Read by admins per student and per section, and by a
//! section's teacher for their own.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What was attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A student asked for a seat.
    Enroll,
    /// A student asked for a seat or a place on the waitlist.
    Join,
    /// A student left a waitlist.
    Leave,
    /// A student gave a seat back.
    Drop,
    /// The settle step gave a waiting student a freed seat (no actor).
    Promote,
    /// An admin enrolled a student past the rules.
    Override,
    /// An admin placed a hold on a student.
    HoldPlaced,
    /// An admin lifted a hold.
    HoldLifted,
}

impl AuditAction {
    pub const ALL: [AuditAction; 8] = [
        AuditAction::Enroll,
        AuditAction::Join,
        AuditAction::Leave,
        AuditAction::Drop,
        AuditAction::Promote,
        AuditAction::Override,
        AuditAction::HoldPlaced,
        AuditAction::HoldLifted,
    ];

    /// The name stored and sent (`hold_placed`).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Enroll => "enroll",
            AuditAction::Join => "join",
            AuditAction::Leave => "leave",
            AuditAction::Drop => "drop",
            AuditAction::Promote => "promote",
            AuditAction::Override => "override",
            AuditAction::HoldPlaced => "hold_placed",
            AuditAction::HoldLifted => "hold_lifted",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == name)
    }
}

/// Whether the attempt changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Accepted,
    Refused,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Accepted => "accepted",
            AuditOutcome::Refused => "refused",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [AuditOutcome::Accepted, AuditOutcome::Refused]
            .into_iter()
            .find(|outcome| outcome.as_str() == name)
    }
}

/// One row of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// Sorts by time: the cursor of `before`.
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// Who acted: the student themselves, an admin, or none for the
    /// settle step.
    pub actor_id: Option<Uuid>,
    /// For whom.
    pub student_id: Uuid,
    /// Their name as the attempt gave it (empty where it did not: a hold is
    /// placed by id).
    pub student_name: String,
    /// The section, when the attempt was about one.
    pub course_id: Option<Uuid>,
    /// The section's course code and section name, when it exists.
    pub course_code: Option<String>,
    pub section: Option<String>,
    pub action: AuditAction,
    pub outcome: AuditOutcome,
    /// For a refusal, the error code answered (`course_full`); for an
    /// acceptance, what came of it (`enrolled`, `waiting`, `dropped`,
    /// `left`, `placed`, `lifted`).
    pub code: String,
    /// The reason in words: the refusal's message, an override's or a
    /// hold's reason, a place on the list.
    pub detail: String,
}

/// The columns of the trail as CSV, in order.
pub const AUDIT_CSV_HEADER: [&str; 11] = [
    "id",
    "at",
    "actor_id",
    "student_id",
    "student_name",
    "course_id",
    "course",
    "action",
    "outcome",
    "code",
    "detail",
];
