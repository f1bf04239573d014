//! A student's week: the meetings of the sections they hold, by day and
//! time, as a table a screen reader reads a day at a time.

use leptos::prelude::*;
use shared_types::courses::{Course, Weekday};

/// One meeting in a day's column.
struct Slot {
    starts: String,
    ends: String,
    label: String,
    room: String,
}

/// The week of `courses` (archived ones no longer meet): Monday to Friday,
/// and a weekend day when something meets on it. Nothing when no course
/// has a meeting.
pub fn timetable(courses: &[Course]) -> Option<impl IntoView> {
    let days: Vec<(Weekday, Vec<Slot>)> = Weekday::ALL
        .into_iter()
        .map(|day| {
            let mut slots: Vec<Slot> = courses
                .iter()
                .filter(|course| !course.archived)
                .flat_map(|course| {
                    course.meetings.iter().filter(|m| m.day == day).map(|m| Slot {
                        starts: m.starts.clone(),
                        ends: m.ends.clone(),
                        label: course.label(),
                        room: m.room.clone(),
                    })
                })
                .collect();
            slots.sort_by(|a, b| a.starts.cmp(&b.starts));
            (day, slots)
        })
        .filter(|(day, slots)| !slots.is_empty() || !matches!(day, Weekday::Sat | Weekday::Sun))
        .collect();
    if days.iter().all(|(_, slots)| slots.is_empty()) {
        return None;
    }
    let headers = days
        .iter()
        .map(|(day, _)| view! { <th scope="col">{day.short_name()}</th> })
        .collect_view();
    let cells = days
        .into_iter()
        .map(|(day, slots)| {
            let items = slots
                .into_iter()
                .map(|slot| {
                    view! {
                        <li>
                            <span class="time">{format!("{}–{}", slot.starts, slot.ends)}</span>
                            <span class="code">{slot.label}</span>
                            <span class="muted small">{slot.room}</span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <td data-day=day.short_name()>
                    <ul>{items}</ul>
                </td>
            }
        })
        .collect_view();
    Some(view! {
        <h3 class="timetable-heading">"My week"</h3>
        <table class="timetable" data-testid="timetable">
            <thead>
                <tr>{headers}</tr>
            </thead>
            <tbody>
                <tr>{cells}</tr>
            </tbody>
        </table>
    })
}
