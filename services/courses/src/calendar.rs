//! A student's week as an iCalendar file (RFC 5545) for their own calendar
//! application: one weekly event per meeting of each section they hold,
//! from the term's first day to its last.
//!
//! Times are floating (no time zone): a meeting is at 09:00 on the
//! campus's clock, as the catalogue shows it, and the calendar shows it at
//! 09:00 wherever the student is. Each event's UID is made of the section,
//! the day and the start, so importing the file again updates the events
//! instead of adding copies; a meeting moved to another time is another
//! event (the old one is gone from the file).

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, Property};

use crate::db::models::{CourseRow, TermRow};
use crate::domain::meetings::MeetingSlot;

/// One section the student holds, with its term and week.
pub struct HeldSection<'a> {
    pub course: &'a CourseRow,
    pub term: &'a TermRow,
    pub week: &'a [MeetingSlot],
}

/// The file's name for calendar applications that show it.
const CALENDAR_NAME: &str = "My courses";

/// The calendar of `sections`.
pub fn week_calendar(sections: &[HeldSection<'_>]) -> String {
    let mut calendar = Calendar::new();
    calendar.name(CALENDAR_NAME);
    let stamp = Utc::now();
    for held in sections {
        for slot in held.week {
            if let Some(event) = weekly_event(held, slot, stamp) {
                calendar.push(event);
            }
        }
    }
    calendar.done().to_string()
}

/// The first day of the term that falls on the slot's weekday, if the term
/// has one.
fn first_meeting(term: &TermRow, slot: &MeetingSlot) -> Option<NaiveDate> {
    let wanted = u64::try_from(slot.day.number() - 1).ok()?;
    let from = u64::from(term.starts_on.weekday().num_days_from_monday());
    let first = term.starts_on.checked_add_days(Days::new((wanted + 7 - from) % 7))?;
    (first <= term.ends_on).then_some(first)
}

fn at(date: NaiveDate, minutes: i32) -> Option<NaiveDateTime> {
    let minutes = u32::try_from(minutes).ok()?;
    Some(date.and_time(NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0)?))
}

fn weekly_event(held: &HeldSection<'_>, slot: &MeetingSlot, stamp: chrono::DateTime<Utc>) -> Option<Event> {
    let (course, term) = (held.course, held.term);
    let first = first_meeting(term, slot)?;
    let (starts, ends) = (at(first, slot.starts)?, at(first, slot.ends)?);
    // UNTIL is floating like the start (RFC 5545 3.3.10): the term's last
    // day, to its end.
    let until = at(term.ends_on, 23 * 60 + 59)?;
    let mut event = Event::new();
    event
        .uid(&format!(
            "{}-{}-{:04}@course-service",
            course.id,
            slot.day.short_name().to_lowercase(),
            slot.starts
        ))
        .timestamp(stamp)
        .summary(&format!("{} {}", course.code, course.title))
        .starts(starts)
        .ends(ends)
        .description(&format!(
            "Section {} of {}, taught by {} ({}).",
            course.section, course.code, course.teacher_name, term.title
        ))
        .append_property(Property::new(
            "RRULE",
            format!("FREQ=WEEKLY;UNTIL={}", until.format("%Y%m%dT%H%M%S")),
        ));
    if !slot.room.is_empty() {
        event.location(&slot.room);
    }
    Some(event.done())
}
