//! A student's place in a course, inside a transaction of the caller's:
//! taking it (seat, credits, schedule), giving it back, and handing a freed
//! seat to the first waitlisted student who still fits. One body for both
//! backends: the trait is implemented for each connection type by the same
//! macro, since diesel types each statement per backend.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use service_common::db::{DuplicateMeans, TextUuid};
use uuid::Uuid;

use shared_types::audit::AuditAction;

use crate::db::audit_store::{Attempt, Audit};
use crate::db::models::{EnrollmentRow, MeetingRow, TermRow, WaitlistRow};
use crate::db::requisite_store::RequisiteStatements;
use crate::db::schema::{
    course_requisites, courses, enrollments, holds, meeting_times, student_terms, waitlist_entries,
};
use crate::db::seats::{SeatCredits, SeatStatements};
use crate::domain::meetings::{self, MeetingSlot};
use crate::domain::settle::{settle, verdict_of, Verdict};
use crate::error::{Error, Result};

/// A section the student holds in the term, other than the one they are
/// placed in.
pub struct HeldSection {
    pub id: String,
    pub code: String,
    pub section: String,
    /// A section of the course they are placed in.
    pub same_course: bool,
    pub meetings: Vec<MeetingSlot>,
}

/// One meeting of a section the student holds (a section that never
/// meets comes once, without one), as `sections_held` reads it.
#[derive(Queryable)]
struct HeldMeeting {
    course_id: TextUuid,
    code: String,
    section: String,
    term_id: TextUuid,
    archived_at: Option<NaiveDateTime>,
    weekday: Option<i32>,
    starts_at: Option<i32>,
    ends_at: Option<i32>,
    room: Option<String>,
    /// Whether the section's course requires something (asked of every
    /// row, used on the section's own).
    has_requisites: bool,
}

pub trait Placing: SeatStatements + Audit + RequisiteStatements {
    /// Takes the seat, adds the course's credits to the student's in the
    /// term (guarded by the limit), checks the student's schedule, and takes
    /// them off the section's waitlist if they were on it (never enrolled
    /// and waiting at once), or says why not. The caller has checked the
    /// term's window.
    fn take_place(&mut self, row: &EnrollmentRow, term: &TermRow) -> Result<()>;

    /// Removes the enrollment and gives its seat and credits back; false
    /// when there was none to remove (or the course is archived).
    fn give_back_place(&mut self, course_id: Uuid, student_id: Uuid, term: &TermRow) -> Result<bool>;

    /// The settle step ([`settle`]) on one section: locks its row, and
    /// while a seat is free offers it to the list in join order, every
    /// candidate examined; the enrollments made, in order. Only while the
    /// term's window is open (waitlists close with add/drop).
    fn settle_section(&mut self, course_id: Uuid, term: &TermRow, now: NaiveDateTime) -> Result<Vec<EnrollmentRow>>;

    /// The settle step on every section of the term with a free seat and
    /// a list: what follows a change to the term (its window, its limit).
    fn settle_term(&mut self, term: &TermRow, now: NaiveDateTime) -> Result<()>;

    /// The settle step on each of `sections` (ids sorted), their rows all
    /// locked first, in that order: a student placed in one keeps their
    /// term row locked, and an enrollment takes a section's row before a
    /// student's, so no section may be locked after a placement.
    fn settle_sections(&mut self, sections: Vec<Uuid>, term: &TermRow, now: NaiveDateTime) -> Result<()>;

    /// The settle step for every student on a section's roster: their
    /// weeks changed with it (archived, or meeting at other times).
    fn settle_roster(&mut self, course_id: Uuid, term: &TermRow, now: NaiveDateTime) -> Result<()>;

    /// The sections of the term the student waits for that have a free
    /// seat (unlocked: what [`Placing::settle_student`] would settle), by id.
    fn lists_with_free_seats(&mut self, student_id: Uuid, term: &TermRow) -> Result<Vec<Uuid>>;

    /// The settle step on every section of the term the student waits for
    /// that has a free seat: what follows a change to the student's own
    /// standing (a section dropped, a limit raised, a week moved).
    fn settle_student(&mut self, student_id: Uuid, term: &TermRow, now: NaiveDateTime) -> Result<()>;

    /// Puts the student on the course's waitlist if it is full, and
    /// answers the entry as stored; `None` when a seat is free after all.
    /// [`Error::AlreadyWaitlisted`] or [`Error::AlreadyEnrolled`] if they
    /// are.
    fn wait_for_seat(&mut self, entry: &WaitlistRow) -> Result<Option<WaitlistRow>>;

    /// Takes the student off the course's waitlist; whether they were on it.
    fn leave_waitlist(&mut self, course_id: &str, student_id: &str) -> Result<bool>;

    /// [`Placing::leave_waitlist`] for a caller that holds the course row's
    /// lock already (it has taken a seat of it).
    fn remove_from_waitlist(&mut self, course_id: &str, student_id: &str) -> Result<bool>;

    /// The week of `row`'s section, and the student's other sections in the
    /// term with theirs, in one read (their enrollment in `row`'s section
    /// inserted already); which of them are of the same course.
    /// And whether the section's course has requisites to check.
    fn sections_held(
        &mut self,
        row: &EnrollmentRow,
        term: &TermRow,
    ) -> Result<(Vec<MeetingSlot>, Vec<HeldSection>, bool)>;

    /// An admin's enrollment: the seat taken even past capacity, the
    /// credits added even past the limit, no schedule checked, the window
    /// not asked; never a second section of a course, an archived course,
    /// or the teacher's own. `row` carries the reason.
    fn place_by_override(&mut self, row: &EnrollmentRow, term: &TermRow, now: NaiveDateTime) -> Result<()>;

    /// The student's place on the list, from 1: by when they joined, ties
    /// by id.
    fn position_on_waitlist(&mut self, entry: &WaitlistRow) -> Result<i64>;
}

type ActiveHolds<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<holds::table, diesel::dsl::Eq<holds::student_id, &'a str>>,
    diesel::dsl::IsNull<holds::lifted_at>,
>;

/// The student's holds not lifted (on both backends, and inside a
/// statement of another table).
pub fn active_holds(student_id: &str) -> ActiveHolds<'_> {
    holds::table
        .filter(holds::student_id.eq(student_id))
        .filter(holds::lifted_at.is_null())
}

/// Returns [`Error::RegistrationHold`] with the oldest active hold's
/// reason, if the student has one (a macro: diesel types the read per
/// backend).
macro_rules! refuse_if_held {
    ($conn:expr, $student_id:expr) => {
        let hold: Option<String> = active_holds($student_id)
            .select(holds::reason)
            .order(holds::placed_at)
            .first($conn)
            .optional()?;
        if let Some(reason) = hold {
            return Err(Error::RegistrationHold { reason });
        }
    };
}

macro_rules! placing_for {
    ($connection:ty) => {
        impl Placing for $connection {
            fn take_place(&mut self, row: &EnrollmentRow, term: &TermRow) -> Result<()> {
                let conn = self;
                // The course row's lock is taken first, then the student's:
                // a drop takes them in the same order.
                let counted = conn.take_seat(row, term)? == SeatCredits::Counted;
                let (student_id, term_id) = (row.student_id.to_string(), term.id.to_string());
                if !counted {
                    refuse_if_held!(conn, &student_id);
                    // No row yet (PostgreSQL's statement makes it only when it
                    // counts): nothing held, and no limit of their own.
                    let (held, own_limit): (i32, Option<i32>) = student_terms::table
                        .find((&student_id, &term_id))
                        .select((student_terms::credits, student_terms::max_credits))
                        .first(conn)
                        .optional()?
                        .unwrap_or((0, None));
                    return Err(Error::CreditLimit {
                        held,
                        credits: row.credits,
                        limit: own_limit.unwrap_or(term.max_credits),
                    });
                }
                // The student's row is locked now (by the UPDATE above) until
                // the commit, so the courses read here are all the student's
                // others in the term: a concurrent enrollment of theirs waits
                // for the lock, then reads this one, committed.
                let (wanted, others, requisites) = conn.sections_held(row, term)?;
                if let Some(other) = others.iter().find(|other| other.same_course) {
                    return Err(Error::OtherSectionHeld {
                        code: other.code.clone(),
                        section: other.section.clone(),
                    });
                }
                // Read with the week: a course that requires nothing costs
                // no statement more.
                if requisites {
                    let held_codes = others.iter().map(|other| other.code.clone()).collect();
                    conn.check_requisites(
                        &row.course_id.to_string(),
                        &student_id,
                        &term_id,
                        Some(held_codes),
                    )?;
                }
                let held: Vec<(String, MeetingSlot)> = others
                    .iter()
                    .flat_map(|other| {
                        other
                            .meetings
                            .iter()
                            .map(|slot| (other.code.clone(), slot.clone()))
                    })
                    .collect();
                if let Some((code, slot)) = meetings::first_clash(&wanted, &held) {
                    return Err(Error::ScheduleConflict {
                        other: code.clone(),
                        when: slot.to_meeting().describe(),
                    });
                }
                Ok(())
            }

            fn sections_held(
                &mut self,
                row: &EnrollmentRow,
                term: &TermRow,
            ) -> Result<(Vec<MeetingSlot>, Vec<HeldSection>, bool)> {
                let conn = self;
                // One statement: the student's sections in the term with
                // their meetings. This section's own row is among them (its
                // enrollment is inserted already): it gives the week wanted
                // and the code to compare with.
                // Found by the student's index alone and sorted out here: a
                // term (or archived) filter in the statement lets SQLite's
                // planner start from the term's sections instead, and probe
                // the enrollments once for every section of the term.
                let rows: Vec<HeldMeeting> = enrollments::table
                    .inner_join(courses::table.left_join(meeting_times::table))
                    .filter(enrollments::student_id.eq(row.student_id.to_string()))
                    .select((
                        courses::id,
                        courses::code,
                        courses::section,
                        courses::term_id,
                        courses::archived_at,
                        meeting_times::weekday.nullable(),
                        meeting_times::starts_at.nullable(),
                        meeting_times::ends_at.nullable(),
                        meeting_times::room.nullable(),
                        diesel::dsl::exists(
                            course_requisites::table.filter(course_requisites::course_code.eq(courses::code)),
                        ),
                    ))
                    .load(conn)?;
                let rows: Vec<HeldMeeting> = rows
                    .into_iter()
                    .filter(|held| held.term_id.0 == term.id)
                    .collect();
                let own = rows.iter().find(|held| held.course_id.0 == row.course_id);
                let own_code = own.map(|held| held.code.clone());
                // Unknown when the section's own row is not read: asked then.
                let requisites = own.is_none_or(|held| held.has_requisites);
                let mut wanted = Vec::new();
                let mut others: Vec<HeldSection> = Vec::new();
                for held in rows {
                    // An archived course no longer meets, but is still held:
                    // it counts as a section of its course.
                    let slot = match (held.archived_at, held.weekday, held.starts_at, held.ends_at) {
                        (None, Some(weekday), Some(starts_at), Some(ends_at)) => Some(
                            MeetingRow {
                                course_id: held.course_id.0,
                                weekday,
                                starts_at,
                                ends_at,
                                room: held.room.unwrap_or_default(),
                            }
                            .to_slot(),
                        ),
                        _ => None,
                    };
                    if held.course_id.0 == row.course_id {
                        wanted.extend(slot);
                        continue;
                    }
                    let id = held.course_id.0.to_string();
                    match others.iter_mut().find(|other| other.id == id) {
                        Some(other) => other.meetings.extend(slot),
                        None => others.push(HeldSection {
                            same_course: own_code.as_ref() == Some(&held.code),
                            id,
                            code: held.code,
                            section: held.section,
                            meetings: slot.into_iter().collect(),
                        }),
                    }
                }
                Ok((wanted, others, requisites))
            }

            fn place_by_override(&mut self, row: &EnrollmentRow, term: &TermRow, now: NaiveDateTime) -> Result<()> {
                let conn = self;
                let course_id = row.course_id.to_string();
                let student_id = row.student_id.to_string();
                // Past capacity, but never into an archived course or the
                // teacher's own (no rule an admin means to lift).
                let taken = diesel::update(courses::table.find(&course_id))
                    .filter(courses::archived_at.is_null())
                    .filter(courses::teacher_id.ne(&student_id))
                    .set((
                        courses::enrolled.eq(courses::enrolled + 1),
                        courses::seats_changed_at.eq(now),
                    ))
                    .execute(conn)?;
                if taken == 0 {
                    let archived: Option<Option<NaiveDateTime>> = courses::table
                        .find(&course_id)
                        .select(courses::archived_at)
                        .first(conn)
                        .optional()?;
                    return Err(match archived {
                        None => Error::CourseNotFound,
                        Some(Some(_)) => Error::CourseArchived,
                        Some(None) => Error::OwnCourse,
                    });
                }
                diesel::insert_into(enrollments::table)
                    .values(row.clone())
                    .execute(conn)
                    .map_err(Error::from)
                    .duplicate_means(Error::StudentAlreadyEnrolled)?;
                diesel::insert_into(student_terms::table)
                    .values((
                        student_terms::student_id.eq(&student_id),
                        student_terms::term_id.eq(term.id.to_string()),
                        student_terms::credits.eq(row.credits),
                    ))
                    .on_conflict((student_terms::student_id, student_terms::term_id))
                    .do_update()
                    .set(student_terms::credits.eq(student_terms::credits + row.credits))
                    .execute(conn)?;
                // Two sections of one course are no rule to lift: the
                // student would sit in both rooms' rosters for one grade.
                if let Some(other) = conn
                    .sections_held(row, term)?
                    .1
                    .into_iter()
                    .find(|o| o.same_course)
                {
                    return Err(Error::StudentHoldsOtherSection {
                        code: other.code,
                        section: other.section,
                    });
                }
                conn.remove_from_waitlist(&course_id, &student_id)?;
                Ok(())
            }

            fn give_back_place(&mut self, course_id: Uuid, student_id: Uuid, term: &TermRow) -> Result<bool> {
                let conn = self;
                let (course, student) = (course_id.to_string(), student_id.to_string());
                let Some(credits) = conn.give_back_seat(&course, &student)? else {
                    return Ok(false);
                };
                diesel::update(student_terms::table.find((&student, term.id.to_string())))
                    .set(student_terms::credits.eq(student_terms::credits - credits))
                    .execute(conn)?;
                Ok(true)
            }

            fn settle_section(
                &mut self,
                course_id: Uuid,
                term: &TermRow,
                now: NaiveDateTime,
            ) -> Result<Vec<EnrollmentRow>> {
                let conn = self;
                if !term.window().takes_promotions(now) {
                    return Ok(Vec::new());
                }
                let course = course_id.to_string();
                // The course row's lock first, as every seat's statement
                // takes it, and its newest counts with it.
                let Some((capacity, enrolled, waitlisted, archived_at, credits)) =
                    diesel::update(courses::table.find(&course))
                        .set(courses::waitlisted.eq(courses::waitlisted))
                        .returning((
                            courses::capacity,
                            courses::enrolled,
                            courses::waitlisted,
                            courses::archived_at,
                            courses::credits,
                        ))
                        .get_result::<(i32, i32, i32, Option<NaiveDateTime>, i32)>(conn)
                        .optional()?
                else {
                    return Ok(Vec::new());
                };
                if archived_at.is_some() || waitlisted == 0 || enrolled >= capacity {
                    return Ok(Vec::new());
                }
                let waiting: Vec<WaitlistRow> = waitlist_entries::table
                    .filter(waitlist_entries::course_id.eq(&course))
                    .order((waitlist_entries::joined_at, waitlist_entries::student_id))
                    .select(WaitlistRow::as_select())
                    .load(conn)?;
                let candidates = waiting.iter().map(|candidate| {
                    EnrollmentRow::of(&candidate.student(), course_id, credits, Utc::now().naive_utc())
                });
                let placed = settle(i64::from(capacity - enrolled), candidates, |row| {
                    // A savepoint each: a candidate who does not fit is
                    // undone alone, and the next one is offered the seat.
                    let verdict = verdict_of(conn.transaction(|conn| conn.take_place(row, term)))?;
                    // Placed, they left the list with the seat.
                    if verdict == Verdict::Leaves {
                        conn.remove_from_waitlist(&course, &row.student_id.to_string())?;
                    }
                    Ok::<_, Error>(verdict)
                })?;
                let promotions: Vec<_> = placed
                    .iter()
                    .map(|row| {
                        Attempt {
                            actor: None,
                            student: row.student_id,
                            student_name: row.student_name.clone(),
                            course: Some(course_id),
                            action: AuditAction::Promote,
                        }
                        .accepted(
                            "enrolled",
                            "A seat came free: the first on the waitlist who fits takes it.",
                        )
                    })
                    .collect();
                conn.record_all(&promotions)?;
                Ok(placed)
            }

            fn settle_term(&mut self, term: &TermRow, now: NaiveDateTime) -> Result<()> {
                let conn = self;
                if !term.window().takes_promotions(now) {
                    return Ok(());
                }
                let unsettled: Vec<TextUuid> = courses::table
                    .filter(courses::term_id.eq(term.id.to_string()))
                    .filter(courses::archived_at.is_null())
                    .filter(courses::waitlisted.gt(0))
                    .filter(courses::enrolled.lt(courses::capacity))
                    .select(courses::id)
                    .order(courses::id)
                    .load(conn)?;
                conn.settle_sections(unsettled.into_iter().map(|id| id.0).collect(), term, now)
            }

            fn settle_sections(&mut self, sections: Vec<Uuid>, term: &TermRow, now: NaiveDateTime) -> Result<()> {
                let conn = self;
                for section in &sections {
                    diesel::update(courses::table.find(section.to_string()))
                        .set(courses::waitlisted.eq(courses::waitlisted))
                        .execute(conn)?;
                }
                for section in sections {
                    conn.settle_section(section, term, now)?;
                }
                Ok(())
            }

            fn settle_roster(&mut self, course_id: Uuid, term: &TermRow, now: NaiveDateTime) -> Result<()> {
                let conn = self;
                let students: Vec<TextUuid> = enrollments::table
                    .filter(enrollments::course_id.eq(course_id.to_string()))
                    .select(enrollments::student_id)
                    .load(conn)?;
                let mut sections = std::collections::BTreeSet::new();
                for student in students {
                    sections.extend(conn.lists_with_free_seats(student.0, term)?);
                }
                // Sorted as the database sorts the ids' text.
                let mut sections: Vec<Uuid> = sections.into_iter().collect();
                sections.sort_by_key(|id| id.to_string());
                conn.settle_sections(sections, term, now)
            }

            fn settle_student(&mut self, student_id: Uuid, term: &TermRow, now: NaiveDateTime) -> Result<()> {
                let conn = self;
                if !term.window().takes_promotions(now) {
                    return Ok(());
                }
                let sections = conn.lists_with_free_seats(student_id, term)?;
                conn.settle_sections(sections, term, now)
            }

            fn lists_with_free_seats(&mut self, student_id: Uuid, term: &TermRow) -> Result<Vec<Uuid>> {
                let conn = self;
                // Sorted by id, so that two settles lock course rows in one
                // order.
                let waiting_with_seats: Vec<TextUuid> = waitlist_entries::table
                    .inner_join(courses::table)
                    .filter(waitlist_entries::student_id.eq(student_id.to_string()))
                    .filter(courses::term_id.eq(term.id.to_string()))
                    .filter(courses::archived_at.is_null())
                    .filter(courses::enrolled.lt(courses::capacity))
                    .select(courses::id)
                    .order(courses::id)
                    .load(conn)?;
                Ok(waiting_with_seats.into_iter().map(|id| id.0).collect())
            }

            fn wait_for_seat(&mut self, entry: &WaitlistRow) -> Result<Option<WaitlistRow>> {
                let conn = self;
                let course = entry.course_id.to_string();
                // The guard locks the course row, as a drop's seat does: a
                // drop that commits first has offered its seat to the list
                // already (and this sees the count it left); one that comes
                // after sees this student on the list.
                let full = diesel::update(courses::table.find(&course))
                    .filter(courses::enrolled.ge(courses::capacity))
                    .filter(courses::archived_at.is_null())
                    .filter(courses::teacher_id.ne(entry.student_id.to_string()))
                    .set(courses::waitlisted.eq(courses::waitlisted + 1))
                    .execute(conn)?;
                if full == 0 {
                    // A seat is free (or the course changed): the caller
                    // tries the seat again, which says why if it cannot.
                    return Ok(None);
                }
                // With the course row locked, the student's enrollment is
                // read afresh: one that committed while this waited (which
                // the seat's refusal, reading an older snapshot, took for
                // "full") means they hold the seat already.
                let enrolled: i64 = enrollments::table
                    .filter(enrollments::course_id.eq(&course))
                    .filter(enrollments::student_id.eq(entry.student_id.to_string()))
                    .count()
                    .get_result(conn)?;
                if enrolled > 0 {
                    return Err(Error::AlreadyEnrolled);
                }
                // Nor waits for a section of a course they hold: no seat of
                // it could ever be theirs.
                let (code, term_id): (String, String) = courses::table
                    .find(&course)
                    .select((courses::code, courses::term_id))
                    .first(conn)?;
                let other: Option<String> = enrollments::table
                    .inner_join(courses::table)
                    .filter(enrollments::student_id.eq(entry.student_id.to_string()))
                    .filter(courses::term_id.eq(&term_id))
                    .filter(courses::code.eq(&code))
                    .filter(courses::id.ne(&course))
                    .select(courses::section)
                    .first(conn)
                    .optional()?;
                if let Some(section) = other {
                    return Err(Error::OtherSectionHeld { code, section });
                }
                // Nor waits while a hold blocks their registration.
                refuse_if_held!(conn, &entry.student_id.to_string());
                // Nor for a course whose requisites they do not meet.
                conn.check_requisites(&course, &entry.student_id.to_string(), &term_id, None)?;
                // Stamped under the lock: the list's order is the order in
                // which joins took the course row.
                let stored = WaitlistRow {
                    joined_at: Utc::now().naive_utc(),
                    ..entry.clone()
                };
                diesel::insert_into(waitlist_entries::table)
                    .values(stored.clone())
                    .execute(conn)
                    .map_err(Error::from)
                    .duplicate_means(Error::AlreadyWaitlisted)?;
                Ok(Some(stored))
            }

            fn leave_waitlist(&mut self, course_id: &str, student_id: &str) -> Result<bool> {
                let conn = self;
                // The course row first, as a drop and an enrollment take it,
                // then the entry: a leave racing a promotion of the same
                // student waits instead of deadlocking.
                diesel::update(courses::table.find(course_id))
                    .set(courses::waitlisted.eq(courses::waitlisted))
                    .execute(conn)?;
                conn.remove_from_waitlist(course_id, student_id)
            }

            fn remove_from_waitlist(&mut self, course_id: &str, student_id: &str) -> Result<bool> {
                let conn = self;
                let removed = diesel::delete(
                    waitlist_entries::table
                        .filter(waitlist_entries::course_id.eq(course_id))
                        .filter(waitlist_entries::student_id.eq(student_id)),
                )
                .execute(conn)?;
                if removed > 0 {
                    diesel::update(courses::table.find(course_id))
                        .set(courses::waitlisted.eq(courses::waitlisted - 1))
                        .execute(conn)?;
                }
                Ok(removed > 0)
            }

            fn position_on_waitlist(&mut self, entry: &WaitlistRow) -> Result<i64> {
                let conn = self;
                let (course, student) = (entry.course_id.to_string(), entry.student_id.to_string());
                let ahead: i64 = waitlist_entries::table
                    .filter(waitlist_entries::course_id.eq(&course))
                    .filter(
                        waitlist_entries::joined_at
                            .lt(entry.joined_at)
                            .or(waitlist_entries::joined_at
                                .eq(entry.joined_at)
                                .and(waitlist_entries::student_id.lt(&student))),
                    )
                    .count()
                    .get_result(conn)?;
                Ok(ahead + 1)
            }
        }
    };
}

placing_for!(SqliteConnection);
placing_for!(PgConnection);
