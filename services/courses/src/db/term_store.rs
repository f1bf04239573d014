//! Queries on terms and on each student's credits in a term, written once
//! for both backends.

use std::collections::HashSet;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use service_common::db::{Database, DuplicateMeans};
use service_common::{db_run, db_write};
use shared_types::terms::{StudentCredits, TimeTicket, UpdateTermRequest};
use shared_types::CreditLimit;
use uuid::Uuid;

use crate::db::models::TermRow;
use crate::db::placing::Placing;
use crate::db::schema::{student_terms, terms};
use crate::db::store;
use crate::domain::terms::{self as term_rules, NewTerm};
use crate::error::{Error, Result};

/// Every term, by start date.
pub async fn list_terms(db: &Database) -> Result<Vec<TermRow>> {
    db_run!(db, |conn| terms::table
        .select(TermRow::as_select())
        .order((terms::starts_on, terms::code))
        .load(conn)
        .map_err(Error::from))
}

pub async fn find_term(db: &Database, id: Uuid) -> Result<TermRow> {
    let id = id.to_string();
    db_run!(db, |conn| terms::table
        .find(&id)
        .select(TermRow::as_select())
        .first(conn)
        .optional()
        .map_err(Error::from))?
    .ok_or(Error::TermNotFound)
}

/// A term by its code, in any case.
pub async fn find_term_by_code(db: &Database, code: &str) -> Result<TermRow> {
    let code = code.trim().to_uppercase();
    db_run!(db, |conn| terms::table
        .filter(terms::code.eq(&code))
        .select(TermRow::as_select())
        .first(conn)
        .optional()
        .map_err(Error::from))?
    .ok_or(Error::TermNotFound)
}

/// The term shown when none is asked for (see `terms::current`).
pub async fn current_term(db: &Database) -> Result<TermRow> {
    let all = list_terms(db).await?;
    term_rules::current(&all, Utc::now().date_naive(), TermRow::span)
        .cloned()
        .ok_or(Error::TermNotFound)
}

pub async fn insert_term(db: &Database, term: NewTerm) -> Result<TermRow> {
    let row = TermRow::new(term, Utc::now().naive_utc());
    let stored = row.clone();
    db_write!(db, |conn| diesel::insert_into(terms::table)
        .values(row.clone())
        .execute(conn)
        .map_err(Error::from))
    .duplicate_means(Error::TermCodeTaken)?;
    Ok(stored)
}

/// Applies an admin's changes to a term in one transaction; the dates are
/// checked together with the ones not changed.
pub async fn update_term(db: &Database, id: Uuid, changes: UpdateTermRequest) -> Result<TermRow> {
    let title = changes
        .title
        .as_deref()
        .map(|t| shared_types::values::line_text("title", t, 200))
        .transpose()?;
    let max_credits = changes.max_credits.map(CreditLimit::new).transpose()?;
    let id = id.to_string();
    db_write!(db, |conn| {
        let term = terms::table.find(&id);
        let before: TermRow = term
            .select(TermRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(Error::TermNotFound)?;
        let dates = before.dates().changed(&changes)?;
        diesel::update(term)
            .set((
                terms::title.eq(title.as_deref().unwrap_or(&before.title)),
                terms::starts_on.eq(dates.starts_on),
                terms::ends_on.eq(dates.ends_on),
                terms::registration_opens_at.eq(dates.registration_opens_at),
                terms::add_drop_closes_at.eq(dates.add_drop_closes_at),
                terms::max_credits.eq(max_credits.map_or(before.max_credits, CreditLimit::get)),
            ))
            .execute(conn)?;
        let changed: TermRow = term.select(TermRow::as_select()).first(conn)?;
        // A window reopened or a raised limit may fit waiting students.
        conn.settle_term(&changed, Utc::now().naive_utc())?;
        Ok(changed)
    })
}

/// A student's credits in `term` and the limit that applies to them.
pub async fn student_credits(db: &Database, term: &TermRow, student: Uuid) -> Result<StudentCredits> {
    let (term_id, student_id) = (term.id.to_string(), student.to_string());
    type Held = (i32, Option<i32>, Option<String>, Option<NaiveDateTime>);
    let held: Option<Held> = db_run!(db, |conn| student_terms::table
        .find((&student_id, &term_id))
        .select((
            student_terms::credits,
            student_terms::max_credits,
            student_terms::max_credits_reason,
            student_terms::registration_opens_at,
        ))
        .first(conn)
        .optional()
        .map_err(Error::from))?;
    let (credits_held, own_limit, reason, ticket) = held.unwrap_or_default();
    Ok(StudentCredits {
        term_id: term.id,
        student_id: student,
        credits_held,
        max_credits: own_limit.unwrap_or(term.max_credits),
        override_reason: own_limit.and(reason),
        registration_opens_at: ticket.map(|at| at.and_utc()),
    })
}

/// Sets (or, with `None`, takes away) one student's own credit limit in a
/// term. Credits already held are kept even above a lowered limit; only
/// later enrollments are held to it.
pub async fn set_credit_limit(
    db: &Database,
    term: &TermRow,
    student: Uuid,
    limit: Option<(CreditLimit, String)>,
) -> Result<StudentCredits> {
    let (term_id, student_id) = (term.id.to_string(), student.to_string());
    let (max_credits, reason) = limit.map_or((None, None), |(limit, reason)| (Some(limit.get()), Some(reason)));
    db_write!(db, |conn| {
        diesel::insert_into(student_terms::table)
            .values((
                student_terms::student_id.eq(&student_id),
                student_terms::term_id.eq(&term_id),
                student_terms::credits.eq(0),
                student_terms::max_credits.eq(max_credits),
                student_terms::max_credits_reason.eq(&reason),
            ))
            .on_conflict((student_terms::student_id, student_terms::term_id))
            .do_update()
            .set((
                student_terms::max_credits.eq(max_credits),
                student_terms::max_credits_reason.eq(&reason),
            ))
            .execute(conn)
            .map_err(Error::from)
    })?;
    // A raised limit may fit the student into a section they wait for.
    store::settle_student(db, student, term.clone(), Utc::now().naive_utc()).await;
    student_credits(db, term, student).await
}

/// The most time tickets one request sets: about 180 KB of JSON, within
/// the services' body limit; a registrar's whole list goes in several.
pub const MAX_TICKETS: usize = 2_000;

/// Rows of one upsert: four bound values each, well under SQLite's limit.
const TICKETS_PER_STATEMENT: usize = 500;

/// Sets students' time tickets for a term, all or none: each opens before
/// the add/drop deadline ([`Error::TicketAfterDeadline`]), each student
/// once ([`Error::TooManyTickets`]). How many were set.
pub async fn set_time_tickets(db: &Database, term: &TermRow, tickets: Vec<TimeTicket>) -> Result<usize> {
    let mut students = HashSet::new();
    if tickets.len() > MAX_TICKETS || !tickets.iter().all(|ticket| students.insert(ticket.student_id)) {
        return Err(Error::TooManyTickets);
    }
    let rows: Vec<(String, Option<NaiveDateTime>)> = tickets
        .iter()
        .map(|ticket| (ticket.student_id.to_string(), ticket.opens_at.map(|at| at.naive_utc())))
        .collect();
    if rows
        .iter()
        .any(|(_, opens)| opens.is_some_and(|opens| opens >= term.add_drop_closes_at))
    {
        return Err(Error::TicketAfterDeadline);
    }
    let (term_id, set) = (term.id.to_string(), rows.len());
    let mut rows = rows;
    // In one order, so that two lists naming the same students never wait
    // on each other; a few statements, not one per student.
    rows.sort();
    let values: Vec<_> = rows
        .iter()
        .map(|(student, opens)| {
            (
                student_terms::student_id.eq(student.clone()),
                student_terms::term_id.eq(term_id.clone()),
                student_terms::credits.eq(0),
                student_terms::registration_opens_at.eq(*opens),
            )
        })
        .collect();
    db_write!(db, |conn| {
        for chunk in values.chunks(TICKETS_PER_STATEMENT) {
            diesel::insert_into(student_terms::table)
                .values(chunk.to_vec())
                .on_conflict((student_terms::student_id, student_terms::term_id))
                .do_update()
                .set(student_terms::registration_opens_at.eq(excluded(student_terms::registration_opens_at)))
                .execute(conn)?;
        }
        Ok::<_, Error>(())
    })?;
    Ok(set)
}

/// Makes the standing term the demo's: under way, its registration open
/// for a year from now, the usual credit limit (see `seed`).
pub async fn make_demo_term(db: &Database) -> Result<()> {
    let now = Utc::now();
    let today = now.date_naive();
    let id = term_rules::STANDING_TERM.to_string();
    db_write!(db, |conn| diesel::update(terms::table.find(&id))
        .set((
            terms::code.eq("DEMO"),
            terms::title.eq("Demo term"),
            terms::starts_on.eq(today - chrono::Days::new(30)),
            terms::ends_on.eq(today + chrono::Days::new(365)),
            terms::registration_opens_at.eq((now - chrono::Duration::days(30)).naive_utc()),
            terms::add_drop_closes_at.eq((now + chrono::Duration::days(365)).naive_utc()),
            terms::max_credits.eq(CreditLimit::DEFAULT.get()),
        ))
        .execute(conn)
        .map_err(Error::from))?;
    Ok(())
}
