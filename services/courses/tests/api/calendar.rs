//! The student's week as iCalendar, read back by an iCalendar parser as a
//! calendar application would: one weekly event per meeting of each
//! section held, over the term's dates, with stable UIDs; waitlists and
//! archived sections left out; students only. On SQLite and PostgreSQL.

use chrono::{Duration, NaiveDate, Utc};
use icalendar::{Calendar, CalendarComponent, Component, EventLike};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use service_common::demo;
use shared_types::Role;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

use crate::holds::enroll;
use crate::support::TestCourses;
use crate::terms::{admin, archive, call, create_course, create_term, student, Student};
use crate::waitlist::join;

on_both_backends!(
    the_week_imports_as_weekly_events_over_the_term_with_stable_uids,
    only_students_read_their_calendar,
);

/// A term open for registration now, meeting from Wednesday 2027-01-06 to
/// Sunday 2027-01-31.
fn january_term() -> Value {
    let now = Utc::now();
    json!({
        "code": "CAL-27", "title": "January 2027",
        "starts_on": "2027-01-06", "ends_on": "2027-01-31",
        "registration_opens_at": now - Duration::hours(1),
        "add_drop_closes_at": now + Duration::days(7),
        "max_credits": 30,
    })
}

async fn set_week(app: &TestCourses, course: Uuid, week: Value) {
    let (status, body) = call(
        app,
        Method::PUT,
        &format!("/courses/{course}/meetings"),
        &admin(app),
        Some(week),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn calendar_of(app: &TestCourses, who: &Student) -> String {
    let response = app
        .call(Method::GET, "/enrollments/me/calendar.ics", &who.token, None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/calendar; charset=utf-8");
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("my-courses.ics"));
    response.text().await.unwrap()
}

/// (uid, summary, location, start, rrule) of each event, by uid.
fn events(text: &str) -> Vec<(String, String, String, String, String)> {
    let calendar: Calendar = text.parse().expect("the file parses as iCalendar");
    let mut found: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|component| match component {
            CalendarComponent::Event(event) => Some(event),
            _ => None,
        })
        .map(|event| {
            let property = |name: &str| event.property_value(name).unwrap_or_default().to_owned();
            (
                event.get_uid().unwrap().to_owned(),
                event.get_summary().unwrap().to_owned(),
                event.get_location().unwrap_or_default().to_owned(),
                property("DTSTART"),
                property("RRULE"),
            )
        })
        .collect();
    found.sort();
    found
}

async fn the_week_imports_as_weekly_events_over_the_term_with_stable_uids(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = create_term(&app, january_term()).await;
    let algebra = create_course(&app, "CAL-ALG", &term, 3, 5).await;
    set_week(
        &app,
        algebra,
        json!([
            {"day": "mon", "starts": "09:00", "ends": "10:15", "room": "B-201"},
            {"day": "wed", "starts": "09:00", "ends": "10:15", "room": "B-201"},
        ]),
    )
    .await;
    let full = create_course(&app, "CAL-FULL", &term, 3, 1).await;
    set_week(
        &app,
        full,
        json!([{"day": "fri", "starts": "13:00", "ends": "15:00", "room": "Library"}]),
    )
    .await;
    let archived = create_course(&app, "CAL-ARC", &term, 3, 5).await;
    set_week(
        &app,
        archived,
        json!([{"day": "tue", "starts": "14:00", "ends": "15:00", "room": "C-1"}]),
    )
    .await;
    let (sam, kim) = (student(&app, "Sam"), student(&app, "Kim"));
    assert_eq!(enroll(&app, algebra, &sam).await.0, StatusCode::CREATED);
    assert_eq!(enroll(&app, archived, &sam).await.0, StatusCode::CREATED);
    assert_eq!(enroll(&app, full, &kim).await.0, StatusCode::CREATED);
    assert_eq!(join(&app, full, &sam).await.0, StatusCode::CREATED);
    archive(&app, archived).await;

    let text = calendar_of(&app, &sam).await;
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    let found = events(&text);
    // The section held, a weekly event per meeting; not the list Sam is
    // on, nor the archived section.
    assert_eq!(found.len(), 2, "{text}");
    let uids: Vec<&str> = found.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        uids,
        [
            format!("{algebra}-mon-0540@course-service"),
            format!("{algebra}-wed-0540@course-service")
        ]
    );
    for (_, summary, location, _, rrule) in &found {
        assert_eq!(summary, "CAL-ALG Course CAL-ALG");
        assert_eq!(location, "B-201");
        assert_eq!(rrule, "FREQ=WEEKLY;UNTIL=20270131T235900");
    }
    // The term starts on a Wednesday: Monday's first meeting is the 11th.
    assert_eq!(found[0].3, "20270111T090000");
    assert_eq!(found[1].3, "20270106T090000");
    // Expanded as a calendar application does: Mondays 11, 18, 25 and
    // Wednesdays 6, 13, 20, 27 of January.
    let calendar: Calendar = text.parse().unwrap();
    let mut dates: Vec<NaiveDate> = Vec::new();
    for component in &calendar.components {
        if let CalendarComponent::Event(event) = component {
            let recurrence = event.get_recurrence().expect("a recurrence");
            dates.extend(recurrence.all(100).dates.iter().map(|d| d.date_naive()));
        }
    }
    dates.sort();
    let day = |d: u32| NaiveDate::from_ymd_opt(2027, 1, d).unwrap();
    assert_eq!(dates, [6, 11, 13, 18, 20, 25, 27].map(day));
    // Fetched again: the same events, so an import updates rather than
    // duplicates.
    assert_eq!(events(&calendar_of(&app, &sam).await), found);
    // Kim holds the Friday section only.
    let kims = events(&calendar_of(&app, &kim).await);
    assert_eq!(kims.len(), 1);
    assert_eq!((kims[0].2.as_str(), kims[0].3.as_str()), ("Library", "20270108T130000"));
    // A student with nothing: a calendar with no event.
    let new = student(&app, "New");
    assert!(events(&calendar_of(&app, &new).await).is_empty());
}

async fn only_students_read_their_calendar(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let teacher = app.token(demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    for token in [teacher, admin(&app)] {
        let (status, body) = call(&app, Method::GET, "/enrollments/me/calendar.ics", &token, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden"))
        );
    }
    let (status, body) = call(&app, Method::GET, "/enrollments/me/calendar.ics", "not-a-token", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_token"))
    );
}
