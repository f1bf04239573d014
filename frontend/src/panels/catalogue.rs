//! The course catalogue: seats left, full courses, enroll.

use std::time::Duration;

use futures_util::future::{join, join4};
use leptos::prelude::*;
use shared_types::catalogue::CourseSort;
use shared_types::courses::{Course, Meeting};
use shared_types::terms::Term;
use uuid::Uuid;

use super::catalogue_query::{CatalogueQuery, PAGE_SIZE};
use super::frame::{feedback_line, live_panel, Feedback};
use super::live_seats::LiveSeats;
use super::widgets::{data_table, Column::Hidden, Column::Shown};
use super::{outcome_of, EnrollmentWrites};
use crate::api::Api;
use crate::loader::{LoadState, Loader};
use crate::service::Service;

#[derive(Debug, Clone)]
struct CatalogueView {
    /// Every term, for the selector; the one shown is `query.term`'s (the
    /// current one when it is empty).
    terms: Vec<Term>,
    courses: Vec<Course>,
    /// The courses the student is in; empty for staff.
    mine: Vec<Uuid>,
    /// The courses whose waitlist the student is on; empty for staff.
    waiting: Vec<Uuid>,
    /// When the catalogue's seat counts were read (the service's clock).
    seats_as_of: Option<i64>,
}

/// The same courses and enrollments are the same view, whenever they were
/// read: a reload that brings nothing new does not redraw the table.
impl PartialEq for CatalogueView {
    fn eq(&self, other: &Self) -> bool {
        self.courses == other.courses
            && self.mine == other.mine
            && self.waiting == other.waiting
            && self.terms == other.terms
    }
}

/// Kept whole in case seat updates miss something (a course removed by an
/// administrator): seat counts themselves arrive every few seconds from
/// [`LiveSeats`], for a few bytes each.
const FULL_REFRESH_EVERY: Duration = Duration::from_secs(300);

/// `can_enroll`: the viewer is a student (staff see the catalogue read-only).
#[component]
pub fn Catalogue(can_enroll: bool) -> impl IntoView {
    let api = expect_context::<Api>();
    let writes = expect_context::<EnrollmentWrites>();
    let live = LiveSeats::new();
    let query = CatalogueQuery::from_address();
    let loader = {
        let api = api.clone();
        Loader::new(move || {
            let api = api.clone();
            let term = query.term.get_untracked();
            async move {
                let catalogue = async {
                    if term.is_empty() {
                        api.catalogue().await
                    } else {
                        Ok((api.catalogue_of_term(&term).await?, None))
                    }
                };
                let ((courses, as_of), terms, mine, waiting) = if can_enroll {
                    let (catalogue, terms, mine, waiting) =
                        join4(catalogue, api.terms(), api.my_enrollments(), api.my_waitlists()).await;
                    (
                        catalogue?,
                        terms?,
                        mine?.into_iter().map(|e| e.course.id).collect(),
                        waiting?.into_iter().map(|e| e.course.id).collect(),
                    )
                } else {
                    let (catalogue, terms) = join(catalogue, api.terms()).await;
                    (catalogue?, terms?, Vec::new(), Vec::new())
                };
                Ok(CatalogueView {
                    terms,
                    courses,
                    mine,
                    waiting,
                    seats_as_of: as_of,
                })
            }
        })
        .refresh_every(FULL_REFRESH_EVERY)
        .keep_on_failure()
    };
    let state = loader.state();
    let stale = loader.stale();
    // Seat updates start from the catalogue the panel accepted (a load
    // overtaken by a newer one never gets here).
    Effect::new(move |_| {
        state.with(|s| {
            if let LoadState::Ready(view) = s {
                live.restart(&view.courses, view.seats_as_of);
            }
        });
    });
    live.follow(
        api.clone(),
        move || state.with_untracked(|s| matches!(s, LoadState::Ready(_))),
        move || loader.reload(),
    );
    writes.reload_after_each(move || loader.reload());
    let seat_writes = SeatWrites {
        enroll: writes.enroll,
        join_waitlist: writes.join_waitlist,
        last_was_join: RwSignal::new(false),
    };
    let enroll_feedback = outcome_of(writes.enroll, Some);
    let join_feedback = outcome_of(writes.join_waitlist, Some);
    // One message line: the outcome of whichever the student clicked last.
    let feedback = Signal::derive(move || {
        if seat_writes.last_was_join.get() {
            join_feedback.get()
        } else {
            enroll_feedback.get()
        }
    });

    // Another term chosen: its catalogue is read (the first run is the
    // loader's own first load).
    Effect::new(move |first: Option<()>| {
        query.term.track();
        if first.is_some() {
            loader.reload();
        }
    });

    // Made once: a reload (after an enrollment, an admin's change, every
    // few minutes) flows through `data` into the rows that changed, and the
    // search box keeps its focus and caret.
    let render = move |data: Signal<CatalogueView>| {
        // The page on screen: follows the search, the page and, for the
        // filters that depend on them, the live seat counts.
        let shown = Memo::new(move |_| {
            let filter = query.filter();
            data.with(|view| {
                let matching = filter.apply(&view.courses, |course| {
                    let (capacity, taken) = live.seats_of(course);
                    (capacity - taken).max(0)
                });
                let total = matching.len();
                let pages = total.div_ceil(PAGE_SIZE).max(1);
                let page = query.page.get().min(pages - 1);
                let rows: Vec<Course> = matching
                    .into_iter()
                    .skip(page * PAGE_SIZE)
                    .take(PAGE_SIZE)
                    .cloned()
                    .collect();
                ShownPage {
                    rows,
                    total,
                    page,
                    pages,
                }
            })
        });
        let rows = view! {
            <For
                each=move || shown.with(|p| p.rows.clone())
                // A course whose words changed is drawn again; its seats
                // follow on their own.
                key=|course| (
                    course.id,
                    course.code.clone(),
                    course.title.clone(),
                    course.description.clone(),
                    course.teacher_name.clone(),
                    course.credits,
                    course.meetings.clone(),
                    course.waitlisted,
                )
                children=move |course| {
                    let id = course.id;
                    let enrolled = Signal::derive(move || data.with(|view| view.mine.contains(&id)));
                    let waiting = Signal::derive(move || data.with(|view| view.waiting.contains(&id)));
                    let place = Place { enrolled, waiting };
                    course_row(course, place, can_enroll, live, seat_writes)
                }
            />
        };
        let empty = move || data.with(|view| view.courses.is_empty());
        view! {
            <Show when=empty>
                <p class="muted">"No courses yet."</p>
            </Show>
            {feedback_line("catalogue-message", feedback)}
            <Show when=move || stale.get()>
                <p class="muted" data-testid="catalogue-stale">
                    "The course service could not refresh this list just now; it shows the catalogue as last loaded and tries again."
                </p>
            </Show>
            {move || data.with(|view| term_picker(query, &view.terms))}
            {search_bar(query)}
            <p class="muted catalogue-count" role="status" aria-live="polite" data-testid="catalogue-count">
                {move || shown.with(ShownPage::summary)}
            </p>
            {data_table(
                "table catalogue",
                &[Shown("Course"), Shown("Teacher"), Shown("Seats"), Hidden("Action")],
                rows,
            )}
            {pager(query, shown)}
        }
    };
    live_panel("catalogue", "Course catalogue".into(), Service::Courses, loader, render)
}

/// The writes a catalogue row dispatches, and which of the two the student
/// used last (its outcome is the message shown).
#[derive(Clone, Copy)]
struct SeatWrites {
    enroll: Action<Course, Feedback>,
    join_waitlist: Action<Course, Feedback>,
    last_was_join: RwSignal<bool>,
}

/// Where the student stands with a course.
#[derive(Clone, Copy)]
struct Place {
    enrolled: Signal<bool>,
    waiting: Signal<bool>,
}

fn course_row(course: Course, place: Place, can_enroll: bool, live: LiveSeats, writes: SeatWrites) -> impl IntoView {
    let seats_course = course.clone();
    let seats = Memo::new(move |_| live.seats_of(&seats_course));
    let open = move || {
        let (capacity, taken) = seats.get();
        taken < capacity
    };
    let seats_text = move || {
        let (capacity, taken) = seats.get();
        format!("{} of {capacity} seats left", (capacity - taken).max(0))
    };
    let waitlist_text = (course.waitlisted > 0).then(|| format!("{} waiting", course.waitlisted));
    let id = course.id;
    let label = format!("Enroll in {}", course.label());
    // The visible words lead the accessible name (WCAG 2.5.3).
    let join_label = format!("Join waitlist for {}", course.label());
    let target = course.clone();
    let SeatWrites {
        enroll,
        join_waitlist,
        last_was_join,
    } = writes;
    let busy = move || enroll.pending().get() || join_waitlist.pending().get();
    let action = move || {
        if place.enrolled.get() {
            view! { <span class="badge ok">"Enrolled"</span> }.into_any()
        } else if place.waiting.get() {
            view! { <span class="badge">"On the waitlist"</span> }.into_any()
        } else if !open() && can_enroll {
            let target = target.clone();
            let this_one = move || join_waitlist.input().with(|c| c.as_ref().is_some_and(|c| c.id == id));
            view! {
                <span class="badge full">"Full"</span>
                <button
                    type="button"
                    class="secondary"
                    aria-label=join_label.clone()
                    disabled=busy
                    on:click=move |_| {
                        last_was_join.set(true);
                        join_waitlist.dispatch(target.clone());
                    }
                >
                    {move || if this_one() { "Joining…" } else { "Join waitlist" }}
                </button>
            }
            .into_any()
        } else if !open() {
            view! { <span class="badge full">"Full"</span> }.into_any()
        } else if can_enroll {
            let target = target.clone();
            let this_one = move || enroll.input().with(|c| c.as_ref().is_some_and(|c| c.id == id));
            view! {
                <button
                    type="button"
                    class="primary"
                    aria-label=label.clone()
                    disabled=busy
                    on:click=move |_| {
                        last_was_join.set(false);
                        enroll.dispatch(target.clone());
                    }
                >
                    {move || if this_one() { "Enrolling…" } else { "Enroll" }}
                </button>
            }
            .into_any()
        } else {
            ().into_any()
        }
    };
    view! {
        <tr data-course-code=course.code.clone() data-section=course.section.clone() class:full=move || !open()>
            <th scope="row">
                <span class="code">{course.code.clone()}</span>
                {section_badge(&course)}
                <span class="title">{course.title.clone()}</span>
                <span class="credits">{credits_text(course.credits)}</span>
                <span class="meets">{Meeting::describe_week(&course.meetings)}</span>
                <span class="desc">{course.description.clone()}</span>
            </th>
            <td>{course.teacher_name.clone()}</td>
            <td>
                <span data-testid="seats">{seats_text}</span>
                <span class="waitlist-count" data-testid="waitlisted">
                    {waitlist_text}
                </span>
            </td>
            <td class="action">{action}</td>
        </tr>
    }
}

/// "Section 02" beside the code, unless it is the first section.
pub fn section_badge(course: &Course) -> Option<impl IntoView> {
    course
        .section_shown()
        .map(|section| view! { <span class="section">{format!("Section {section}")}</span> })
}

/// "3 credits", "1 credit".
pub fn credits_text(credits: i32) -> String {
    if credits == 1 {
        "1 credit".to_owned()
    } else {
        format!("{credits} credits")
    }
}

/// One page of the catalogue as the search has it.
#[derive(Debug, Clone, PartialEq)]
struct ShownPage {
    rows: Vec<Course>,
    /// Courses matching the search, on every page.
    total: usize,
    /// From 0, within `pages`.
    page: usize,
    pages: usize,
}

impl ShownPage {
    /// "Showing 26–50 of 2,005 courses", read out when it changes.
    fn summary(&self) -> String {
        if self.total == 0 {
            return "No course matches this search.".to_owned();
        }
        let first = self.page * PAGE_SIZE + 1;
        let last = first + self.rows.len() - 1;
        let noun = if self.total == 1 { "course" } else { "courses" };
        format!("Showing {first}–{last} of {} {noun}", thousands(self.total))
    }
}

/// 2005 as "2,005".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Search words, open seats only, and the order.
/// The term whose catalogue is shown; nothing while there is only one.
fn term_picker(query: CatalogueQuery, terms: &[Term]) -> Option<impl IntoView> {
    if terms.len() < 2 {
        return None;
    }
    let chosen = query.term.get_untracked();
    let options = terms
        .iter()
        .map(|term| {
            // The current term is the empty choice: the address stays short.
            let value = if term.current { String::new() } else { term.code.clone() };
            let selected = value.eq_ignore_ascii_case(&chosen);
            let label = if term.current {
                format!("{} {} (current)", term.code, term.title)
            } else {
                format!("{} {}", term.code, term.title)
            };
            view! {
                <option value=value selected=selected>
                    {label}
                </option>
            }
        })
        .collect_view();
    Some(view! {
        <div class="term-picker">
            <label for="catalogue-term">"Term"</label>
            <select
                id="catalogue-term"
                on:change=move |ev| {
                    query.term.set(event_target_value(&ev));
                    query.changed();
                }
            >
                {options}
            </select>
        </div>
    })
}

fn search_bar(query: CatalogueQuery) -> impl IntoView {
    let sorts = CourseSort::ALL
        .into_iter()
        .map(|sort| {
            view! {
                <option value=sort.as_str() selected=move || query.sort.get() == sort>
                    {sort.label()}
                </option>
            }
        })
        .collect_view();
    view! {
        <div class="catalogue-search" role="search">
            <label for="catalogue-q" class="sr-only">
                "Search courses"
            </label>
            <input
                id="catalogue-q"
                type="search"
                placeholder="Search by code, title or teacher"
                autocomplete="off"
                prop:value=move || query.text.get()
                on:input=move |ev| {
                    query.text.set(event_target_value(&ev));
                    query.changed();
                }
            />
            <label class="check">
                <input
                    type="checkbox"
                    prop:checked=move || query.open_only.get()
                    on:change=move |ev| {
                        query.open_only.set(event_target_checked(&ev));
                        query.changed();
                    }
                />
                "Open seats only"
            </label>
            <span class="sort">
                <label for="catalogue-sort">"Sort by"</label>
                <select
                    id="catalogue-sort"
                    on:change=move |ev| {
                        query.sort.set(CourseSort::parse(&event_target_value(&ev)).unwrap_or_default());
                        query.changed();
                    }
                >
                    {sorts}
                </select>
            </span>
        </div>
    }
}

/// Previous and next page, when there is more than one.
fn pager(query: CatalogueQuery, shown: Memo<ShownPage>) -> impl IntoView {
    let page = move || shown.with(|p| p.page);
    let pages = move || shown.with(|p| p.pages);
    view! {
        <Show when=move || { pages() > 1 }>
            <nav class="pager" aria-label="Catalogue pages">
                <button
                    type="button"
                    class="secondary"
                    disabled=move || page() == 0
                    on:click=move |_| {
                        query.page.set(page().saturating_sub(1));
                        back_to_top();
                    }
                >
                    "Previous"
                </button>
                <span data-testid="catalogue-page">{move || format!("Page {} of {}", page() + 1, pages())}</span>
                <button
                    type="button"
                    class="secondary"
                    disabled=move || { page() + 1 >= pages() }
                    on:click=move |_| {
                        query.page.set(page() + 1);
                        back_to_top();
                    }
                >
                    "Next"
                </button>
            </nav>
        </Show>
    }
}

/// A new page starts at its first row: the search bar comes back into
/// view (a pager is pressed at the bottom of the old page).
fn back_to_top() {
    if let Some(search) = document().get_element_by_id("catalogue-q") {
        search.scroll_into_view();
    }
}
