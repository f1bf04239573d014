use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use service_common::db::TextUuid;
use shared_types::courses::{Course, RosterEntry, Weekday};
use shared_types::holds::Hold;
use shared_types::terms::Term;
use uuid::Uuid;

use crate::db::schema::{courses, enrollments, holds, meeting_times, terms, waitlist_entries};
use crate::domain::meetings::MeetingSlot;
use crate::domain::terms::{NewTerm, TermDates, TermSpan, Window};
use crate::domain::EnrollingStudent;

/// A row of `courses`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = courses)]
pub struct CourseRow {
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub description: String,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub teacher_id: Uuid,
    pub teacher_name: String,
    pub capacity: i32,
    pub enrolled: i32,
    pub created_at: NaiveDateTime,
    /// When `enrolled` last changed (or the course was created).
    pub seats_changed_at: NaiveDateTime,
    /// When an admin archived the course (see `store::list_courses`).
    pub archived_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub term_id: Uuid,
    pub credits: i32,
    /// How many students wait for a seat.
    pub waitlisted: i32,
    /// Which section of the course (its code in its term) the row is.
    pub section: String,
}

/// A row of `enrollments`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = enrollments)]
pub struct EnrollmentRow {
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub course_id: Uuid,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub student_id: Uuid,
    pub student_name: String,
    pub student_email: String,
    pub enrolled_at: NaiveDateTime,
    /// The course's credits when the student enrolled.
    pub credits: i32,
    /// Why an admin enrolled the student past a rule, if one did.
    pub override_reason: Option<String>,
}

/// A row of `waitlist_entries`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = waitlist_entries)]
pub struct WaitlistRow {
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub course_id: Uuid,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub student_id: Uuid,
    pub student_name: String,
    pub student_email: String,
    pub joined_at: NaiveDateTime,
}

impl WaitlistRow {
    /// `student` waiting for a seat of the course from `now`.
    pub fn of(student: &EnrollingStudent, course_id: Uuid, now: NaiveDateTime) -> Self {
        Self {
            course_id,
            student_id: student.id,
            student_name: student.name.clone(),
            student_email: student.email.clone(),
            joined_at: now,
        }
    }

    /// The student waiting, as an enrolling one.
    pub fn student(&self) -> EnrollingStudent {
        EnrollingStudent {
            id: self.student_id,
            name: self.student_name.clone(),
            email: self.student_email.clone(),
        }
    }
}

/// A row of `holds`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = holds)]
pub struct HoldRow {
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub id: Uuid,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub student_id: Uuid,
    pub reason: String,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub placed_by: Uuid,
    pub placed_at: NaiveDateTime,
    pub lifted_by: Option<String>,
    pub lifted_at: Option<NaiveDateTime>,
}

impl HoldRow {
    pub fn to_hold(&self) -> Hold {
        Hold {
            id: self.id,
            student_id: self.student_id,
            reason: self.reason.clone(),
            placed_by: self.placed_by,
            placed_at: self.placed_at.and_utc(),
            lifted_by: self.lifted_by.as_deref().and_then(|id| Uuid::parse_str(id).ok()),
            lifted_at: self.lifted_at.map(|at| at.and_utc()),
        }
    }
}

/// A row of `meeting_times`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = meeting_times)]
pub struct MeetingRow {
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub course_id: Uuid,
    pub weekday: i32,
    pub starts_at: i32,
    pub ends_at: i32,
    pub room: String,
}

impl MeetingRow {
    pub fn of(course_id: Uuid, slot: &MeetingSlot) -> Self {
        Self {
            course_id,
            weekday: slot.day.number(),
            starts_at: slot.starts,
            ends_at: slot.ends,
            room: slot.room.clone(),
        }
    }

    /// The slot it stores; a weekday out of range (which the table's CHECK
    /// refuses) reads as Monday rather than failing a catalogue.
    pub fn to_slot(&self) -> MeetingSlot {
        MeetingSlot {
            day: Weekday::from_number(self.weekday).unwrap_or(Weekday::Mon),
            starts: self.starts_at,
            ends: self.ends_at,
            room: self.room.clone(),
        }
    }
}

/// A row of `terms`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = terms)]
pub struct TermRow {
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub registration_opens_at: NaiveDateTime,
    pub add_drop_closes_at: NaiveDateTime,
    pub max_credits: i32,
    pub created_at: NaiveDateTime,
}

impl CourseRow {
    /// The course as the wire shows it, with its weekly meetings.
    pub fn to_course_with(&self, meetings: &[MeetingSlot]) -> Course {
        Course {
            meetings: meetings.iter().map(MeetingSlot::to_meeting).collect(),
            ..self.to_course()
        }
    }

    /// The course as the wire shows it, without meetings: one just created
    /// has none.
    pub fn to_course(&self) -> Course {
        Course {
            id: self.id,
            code: self.code.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            teacher_id: self.teacher_id,
            teacher_name: self.teacher_name.clone(),
            capacity: self.capacity,
            enrolled: self.enrolled,
            open: self.enrolled < self.capacity && self.archived_at.is_none(),
            archived: self.archived_at.is_some(),
            credits: self.credits,
            term_id: self.term_id,
            meetings: Vec::new(),
            waitlisted: self.waitlisted,
            section: self.section.clone(),
        }
    }
}

impl EnrollmentRow {
    /// The enrollment of `student` in a course worth `credits`, at `now`.
    pub fn of(student: &EnrollingStudent, course_id: Uuid, credits: i32, now: NaiveDateTime) -> Self {
        Self {
            course_id,
            student_id: student.id,
            student_name: student.name.clone(),
            student_email: student.email.clone(),
            enrolled_at: now,
            credits,
            override_reason: None,
        }
    }

    pub fn to_roster_entry(&self) -> RosterEntry {
        RosterEntry {
            student_id: self.student_id,
            name: self.student_name.clone(),
            email: self.student_email.clone(),
            enrolled_at: self.enrolled_at.and_utc(),
            override_reason: self.override_reason.clone(),
        }
    }
}

impl TermRow {
    /// A new term's row, created at `now`.
    pub fn new(term: NewTerm, now: NaiveDateTime) -> Self {
        TermRow {
            id: term.id,
            code: term.code.into_string(),
            title: term.title,
            starts_on: term.dates.starts_on,
            ends_on: term.dates.ends_on,
            registration_opens_at: term.dates.registration_opens_at,
            add_drop_closes_at: term.dates.add_drop_closes_at,
            max_credits: term.max_credits.get(),
            created_at: now,
        }
    }

    pub fn dates(&self) -> TermDates {
        TermDates {
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            registration_opens_at: self.registration_opens_at,
            add_drop_closes_at: self.add_drop_closes_at,
        }
    }

    pub fn span(&self) -> TermSpan {
        TermSpan {
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            created_at: self.created_at,
        }
    }

    /// The term's registration window.
    pub fn window(&self) -> Window<'_> {
        Window {
            term: &self.code,
            opens: self.registration_opens_at,
            closes: self.add_drop_closes_at,
        }
    }

    /// The term as the wire shows it; `current` is the caller's to say (see
    /// `terms::current`).
    pub fn to_term(&self, current: bool) -> Term {
        Term {
            id: self.id,
            code: self.code.clone(),
            title: self.title.clone(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            registration_opens_at: self.registration_opens_at.and_utc(),
            add_drop_closes_at: self.add_drop_closes_at.and_utc(),
            max_credits: self.max_credits,
            current,
        }
    }
}
