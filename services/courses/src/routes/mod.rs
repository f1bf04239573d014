//! The routes of course-service, one file per resource.

pub mod audit;
mod calendar;
mod catalogue;
mod enrollment;
mod holds;
mod import;
mod meetings;
mod requisites;
mod roster;
mod seats;
mod sections;
mod terms;
mod waitlist;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(catalogue::list_courses, catalogue::create_course))
        .routes(routes!(seats::seat_changes))
        .routes(routes!(catalogue::archived_courses))
        .routes(routes!(import::import_courses))
        .routes(routes!(catalogue::get_course, catalogue::update_course))
        .routes(routes!(enrollment::enroll, enrollment::drop_course))
        .routes(routes!(meetings::set_meetings))
        .routes(routes!(sections::create_section))
        .routes(routes!(sections::enroll_by_override))
        .routes(routes!(waitlist::join_waitlist, waitlist::leave_waitlist))
        .routes(routes!(waitlist::my_waitlists))
        .routes(routes!(enrollment::my_enrollments))
        .routes(routes!(calendar::my_calendar))
        .routes(routes!(roster::teaching))
        .routes(routes!(roster::roster))
        .routes(routes!(terms::list_terms, terms::create_term))
        .routes(routes!(terms::update_term))
        .routes(routes!(terms::my_credits))
        .routes(routes!(terms::student_credits, terms::set_credit_limit))
        .routes(routes!(terms::set_time_tickets))
        .routes(routes!(holds::my_holds))
        .routes(routes!(holds::student_holds, holds::place_hold))
        .routes(routes!(holds::lift_hold))
        .routes(routes!(
            requisites::course_requisites,
            requisites::set_course_requisites
        ))
        .routes(routes!(requisites::student_completions))
        .routes(routes!(requisites::record_completion))
        .routes(routes!(audit::student_audit))
        .routes(routes!(audit::section_audit))
        .with_state(state)
}
