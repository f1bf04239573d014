//! Requisites of course codes and the completions they are checked
//! against: set and read by admins, fed from grade-service, and checked
//! where a place is taken (`placing`).

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use service_common::db::Database;
use service_common::{db_run, db_write};
use shared_types::requisites::{Completion, FedCompletion, Requisite, RequisiteKind};
use shared_types::Grade;
use uuid::Uuid;

use crate::db::models::TermRow;
use crate::db::schema::terms as terms_table;
use crate::db::schema::{completion_feed, completions, course_requisites, courses, enrollments, waitlist_entries};
use crate::db::store;
use crate::domain::requisites::{closes_cycle, first_unmet};
use crate::error::{Error, Result};

/// The origin of a completion the registrar recorded.
pub const REGISTRAR: &str = "registrar";

/// The origin of a completion fed from a graded section.
fn graded_in(section: Uuid) -> String {
    format!("grades:{section}")
}

fn kind_of(text: &str) -> RequisiteKind {
    RequisiteKind::parse(text).unwrap_or(RequisiteKind::Prerequisite)
}

pub trait RequisiteStatements {
    /// Refuses with [`Error::PrerequisiteMissing`] or
    /// [`Error::CorequisiteMissing`] if the student does not meet what the
    /// section's course requires. `held_codes`: the codes of the other
    /// sections they hold in the term, when the caller has read them.
    fn check_requisites(
        &mut self,
        course_id: &str,
        student_id: &str,
        term_id: &str,
        held_codes: Option<Vec<String>>,
    ) -> Result<()>;
}

macro_rules! requisite_statements_for {
    ($connection:ty) => {
        impl RequisiteStatements for $connection {
            fn check_requisites(
                &mut self,
                course_id: &str,
                student_id: &str,
                term_id: &str,
                held_codes: Option<Vec<String>>,
            ) -> Result<()> {
                let conn = self;
                // One read for a course with none, the common case.
                let rows: Vec<(String, String, String, i32)> = course_requisites::table
                    .filter(
                        course_requisites::course_code.eq_any(
                            courses::table
                                .filter(courses::id.eq(course_id))
                                .select(courses::code),
                        ),
                    )
                    .select((
                        course_requisites::course_code,
                        course_requisites::required_code,
                        course_requisites::kind,
                        course_requisites::min_grade_tenths,
                    ))
                    .order(course_requisites::required_code)
                    .load(conn)?;
                let Some(code) = rows.first().map(|row| row.0.clone()) else {
                    return Ok(());
                };
                let required: Vec<Requisite> = rows
                    .into_iter()
                    .map(|(_, code, kind, tenths)| Requisite {
                        code,
                        kind: kind_of(&kind),
                        min_grade: Grade::from_stored_tenths(tenths),
                    })
                    .collect();
                let codes: Vec<&str> = required.iter().map(|r| r.code.as_str()).collect();
                let completed: Vec<(String, Grade)> = completions::table
                    .filter(completions::student_id.eq(student_id))
                    .filter(completions::course_code.eq_any(&codes))
                    .select((completions::course_code, completions::grade_tenths))
                    .load::<(String, i32)>(conn)?
                    .into_iter()
                    .map(|(code, tenths)| (code, Grade::from_stored_tenths(tenths)))
                    .collect();
                let any_corequisite = required.iter().any(|r| r.kind == RequisiteKind::Corequisite);
                let held = match held_codes {
                    Some(held) => held,
                    None if any_corequisite => enrollments::table
                        .inner_join(courses::table)
                        .filter(enrollments::student_id.eq(student_id))
                        .filter(courses::term_id.eq(term_id))
                        .select(courses::code)
                        .load(conn)?,
                    None => Vec::new(),
                };
                match first_unmet(&required, &completed, &held) {
                    None => Ok(()),
                    Some(unmet) => {
                        let (required, min_grade) = (unmet.code.clone(), unmet.min_grade);
                        Err(match unmet.kind {
                            RequisiteKind::Prerequisite => Error::PrerequisiteMissing {
                                code,
                                required,
                                min_grade,
                            },
                            RequisiteKind::Corequisite => Error::CorequisiteMissing {
                                code,
                                required,
                                min_grade,
                            },
                        })
                    }
                }
            }
        }
    };
}

requisite_statements_for!(SqliteConnection);
requisite_statements_for!(PgConnection);

/// The code of the section `course_id`, or [`Error::CourseNotFound`] (a
/// macro: diesel types the read per backend).
macro_rules! code_of {
    ($conn:expr, $course_id:expr) => {
        courses::table
            .find($course_id)
            .select(courses::code)
            .first::<String>($conn)
            .optional()?
            .ok_or(Error::CourseNotFound)?
    };
}

/// The code of a section's course and what it requires.
pub async fn requisites_of(db: &Database, course: Uuid) -> Result<(String, Vec<Requisite>)> {
    let course_id = course.to_string();
    db_run!(db, |conn| {
        let code = code_of!(conn, &course_id);
        let rows: Vec<(String, String, i32)> = course_requisites::table
            .filter(course_requisites::course_code.eq(&code))
            .select((
                course_requisites::required_code,
                course_requisites::kind,
                course_requisites::min_grade_tenths,
            ))
            .order(course_requisites::required_code)
            .load(conn)?;
        let requisites = rows
            .into_iter()
            .map(|(code, kind, tenths)| Requisite {
                code,
                kind: kind_of(&kind),
                min_grade: Grade::from_stored_tenths(tenths),
            })
            .collect();
        Ok::<_, Error>((code, requisites))
    })
}

/// Replaces what the section's course code requires. Each code required
/// must be a course the catalogue has (in any term), named once, not the
/// course itself, and no cycle may close.
pub async fn set_requisites(db: &Database, course: Uuid, requisites: Vec<Requisite>) -> Result<String> {
    let course_id = course.to_string();
    db_write!(db, |conn| {
        let code = code_of!(conn, &course_id);
        // The code's sections locked (a write of nothing): two admins
        // setting one code's requisites at once take turns.
        diesel::update(courses::table.filter(courses::code.eq(&code)))
            .set(courses::code.eq(courses::code))
            .execute(conn)?;
        let mut named: Vec<String> = Vec::new();
        for requisite in &requisites {
            let wanted = requisite.code.trim();
            if wanted.is_empty() || named.iter().any(|n| n == wanted) {
                return Err(Error::InvalidRequisites(format!(
                    "Each requisite names a course code once: `{wanted}` is empty or named twice."
                )));
            }
            let known: i64 = courses::table
                .filter(courses::code.eq(wanted))
                .count()
                .get_result(conn)?;
            if known == 0 {
                return Err(Error::InvalidRequisites(format!(
                    "No course has the code `{wanted}`: requisites name courses of the catalogue."
                )));
            }
            named.push(wanted.to_owned());
        }
        let others: Vec<(String, String)> = course_requisites::table
            .filter(course_requisites::course_code.ne(&code))
            .select((course_requisites::course_code, course_requisites::required_code))
            .load(conn)?;
        if let Some(cycle) = closes_cycle(&code, &named, &others) {
            return Err(Error::RequisiteCycle(cycle));
        }
        diesel::delete(course_requisites::table.filter(course_requisites::course_code.eq(&code))).execute(conn)?;
        for (requisite, wanted) in requisites.iter().zip(&named) {
            diesel::insert_into(course_requisites::table)
                .values((
                    course_requisites::course_code.eq(&code),
                    course_requisites::required_code.eq(wanted),
                    course_requisites::kind.eq(requisite.kind.as_str()),
                    course_requisites::min_grade_tenths.eq(requisite.min_grade.tenths()),
                ))
                .execute(conn)?;
        }
        Ok::<_, Error>(code.clone())
    })
}

/// The student's completions, by code, and when the feed of grades was
/// last read to its end.
pub async fn completions_of(db: &Database, student: Uuid) -> Result<(Vec<Completion>, Option<NaiveDateTime>)> {
    let student_id = student.to_string();
    db_run!(db, |conn| {
        let rows: Vec<(String, String, i32, NaiveDateTime)> = completions::table
            .filter(completions::student_id.eq(&student_id))
            .select((
                completions::course_code,
                completions::origin,
                completions::grade_tenths,
                completions::recorded_at,
            ))
            .order((completions::course_code, completions::origin))
            .load(conn)?;
        let synced: Option<NaiveDateTime> = completion_feed::table
            .select(completion_feed::synced_at)
            .first(conn)
            .optional()?;
        let list = rows
            .into_iter()
            .map(|(code, origin, tenths, at)| Completion {
                code,
                grade: Grade::from_stored_tenths(tenths),
                source: if origin == REGISTRAR {
                    REGISTRAR.into()
                } else {
                    "grades".into()
                },
                recorded_at: at.and_utc(),
            })
            .collect();
        Ok::<_, Error>((list, synced))
    })
}

/// Records a completion by the registrar (transfer credit, an equivalent
/// course): `code` must be a course of the catalogue. The student is then
/// offered the free seats of the lists they wait for.
pub async fn record_completion(db: &Database, student: Uuid, code: &str, grade: Grade) -> Result<()> {
    let (student_id, code) = (student.to_string(), code.trim().to_owned());
    let now = Utc::now().naive_utc();
    db_write!(db, |conn| {
        let known: i64 = courses::table
            .filter(courses::code.eq(&code))
            .count()
            .get_result(conn)?;
        if known == 0 {
            return Err(Error::CourseNotFound);
        }
        diesel::insert_into(completions::table)
            .values((
                completions::student_id.eq(&student_id),
                completions::course_code.eq(&code),
                completions::origin.eq(REGISTRAR),
                completions::grade_tenths.eq(grade.tenths()),
                completions::recorded_at.eq(now),
            ))
            .on_conflict((completions::student_id, completions::course_code, completions::origin))
            .do_update()
            .set((
                completions::grade_tenths.eq(grade.tenths()),
                completions::recorded_at.eq(now),
            ))
            .execute(conn)?;
        Ok::<_, Error>(())
    })?;
    settle_everywhere(db, student, now).await;
    Ok(())
}

/// Offers the student the free seats of every list they wait for: what
/// follows a change that may make them fit (a hold lifted, a completion).
/// The change is committed already: a failure here is logged and left to
/// the next change of the student's lists to settle.
pub async fn settle_everywhere(db: &Database, student: Uuid, now: NaiveDateTime) {
    let student_id = student.to_string();
    let terms = db_run!(db, |conn| waitlist_entries::table
        .inner_join(courses::table.inner_join(terms_table::table))
        .filter(waitlist_entries::student_id.eq(&student_id))
        .select(TermRow::as_select())
        .distinct()
        .load::<TermRow>(conn)
        .map_err(Error::from));
    match terms {
        Ok(terms) => {
            for term in terms {
                store::settle_student(db, student, term, now).await;
            }
        }
        Err(error) => {
            tracing::warn!(%error, %student, "the student's lists are left for their next change to settle");
        }
    }
}

/// How far grade-service's feed has been read (its newest change seen),
/// and whether it ever has been.
pub async fn feed_position(db: &Database) -> Result<Option<NaiveDateTime>> {
    db_run!(db, |conn| completion_feed::table
        .select(completion_feed::read_up_to)
        .first(conn)
        .optional()
        .map_err(Error::from))
}

/// Stores a page of the feed (a grade changed is replaced); the students
/// whose stored grades it changed (new, or another grade), whenever the
/// change was stamped: a grade committed late is news all the same.
pub async fn apply_fed(db: &Database, page: Vec<FedCompletion>) -> Result<Vec<Uuid>> {
    db_write!(db, |conn| {
        let mut changed = Vec::new();
        for fed in &page {
            let (at, tenths) = (fed.updated_at.naive_utc(), fed.grade.tenths());
            let (student, origin) = (fed.student_id.to_string(), graded_in(fed.course_id));
            let stored: Option<i32> = completions::table
                .find((&student, &fed.course_code, &origin))
                .select(completions::grade_tenths)
                .first(conn)
                .optional()?;
            diesel::insert_into(completions::table)
                .values((
                    completions::student_id.eq(&student),
                    completions::course_code.eq(&fed.course_code),
                    completions::origin.eq(&origin),
                    completions::grade_tenths.eq(tenths),
                    completions::recorded_at.eq(at),
                ))
                .on_conflict((completions::student_id, completions::course_code, completions::origin))
                .do_update()
                .set((completions::grade_tenths.eq(tenths), completions::recorded_at.eq(at)))
                .execute(conn)?;
            if stored != Some(tenths) && !changed.contains(&fed.student_id) {
                changed.push(fed.student_id);
            }
        }
        Ok::<_, Error>(changed)
    })
}

/// Notes the feed read to its end, up to its newest change `read_up_to`.
pub async fn feed_read(db: &Database, read_up_to: NaiveDateTime) -> Result<()> {
    let now = Utc::now().naive_utc();
    db_write!(db, |conn| {
        diesel::insert_into(completion_feed::table)
            .values((
                completion_feed::id.eq(1),
                completion_feed::read_up_to.eq(read_up_to),
                completion_feed::synced_at.eq(now),
            ))
            .on_conflict(completion_feed::id)
            .do_update()
            .set((
                completion_feed::read_up_to.eq(read_up_to),
                completion_feed::synced_at.eq(now),
            ))
            .execute(conn)?;
        Ok::<_, Error>(())
    })
}
