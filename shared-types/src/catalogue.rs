//! Searching, filtering, sorting and paging the catalogue: one meaning for
//! `GET /courses?q=…` (curl users, scripts) and for the browser app's
//! search box, which filters the catalogue it already holds.

use serde::{Deserialize, Serialize};

use crate::courses::Course;
use crate::search::SearchWords;

/// The most rows one page of `GET /courses` may ask for.
pub const MAX_PAGE_SIZE: usize = 500;

/// On a searched or paged `GET /courses`: how many courses matched, before
/// paging.
pub const TOTAL_COUNT_HEADER: &str = "x-total-count";

/// The order of a catalogue view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CourseSort {
    /// By course code (the catalogue's own order).
    #[default]
    Code,
    Title,
    /// By the teacher's name.
    Teacher,
    /// Most seats left first.
    SeatsLeft,
}

impl CourseSort {
    pub const ALL: [CourseSort; 4] = [Self::Code, Self::Title, Self::Teacher, Self::SeatsLeft];

    /// Its name in a query string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Title => "title",
            Self::Teacher => "teacher",
            Self::SeatsLeft => "seats_left",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|sort| sort.as_str() == text)
    }

    /// How a person reads it in a sort menu.
    pub fn label(self) -> &'static str {
        match self {
            Self::Code => "Course code",
            Self::Title => "Title",
            Self::Teacher => "Teacher",
            Self::SeatsLeft => "Most seats left",
        }
    }
}

/// What a person looks for in the catalogue: words, open seats only, an
/// order. Paging is the caller's (an API page, a screen's page).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueFilter {
    /// A course matches when each word is in its code, title or teacher's
    /// name.
    words: SearchWords,
    pub open_only: bool,
    pub sort: CourseSort,
}

impl CatalogueFilter {
    pub fn new(text: &str, open_only: bool, sort: CourseSort) -> Self {
        Self {
            words: SearchWords::new(text),
            open_only,
            sort,
        }
    }

    /// Whether this filter shows every course in the catalogue's own order.
    pub fn is_everything(&self) -> bool {
        self.words.is_empty() && !self.open_only && self.sort == CourseSort::Code
    }

    fn matches_words(&self, course: &Course) -> bool {
        self.words
            .match_fields(&[&course.code, &course.title, &course.teacher_name])
    }

    /// The courses this filter shows, in its order. `seats_left` gives a
    /// course's free seats: as read, or as a live view has them now.
    pub fn apply<'a>(&self, courses: &'a [Course], seats_left: impl Fn(&Course) -> i32) -> Vec<&'a Course> {
        let mut shown: Vec<(&Course, i32)> = courses
            .iter()
            .filter(|course| self.matches_words(course))
            .map(|course| (course, seats_left(course)))
            .filter(|(_, left)| !self.open_only || *left > 0)
            .collect();
        // Stable, and by code within equals, so a page boundary never moves
        // between two reads of the same catalogue.
        shown.sort_by(|(a, a_left), (b, b_left)| {
            let primary = match self.sort {
                CourseSort::Code => std::cmp::Ordering::Equal,
                CourseSort::Title => a.title.to_lowercase().cmp(&b.title.to_lowercase()),
                CourseSort::Teacher => a.teacher_name.to_lowercase().cmp(&b.teacher_name.to_lowercase()),
                CourseSort::SeatsLeft => b_left.cmp(a_left),
            };
            primary.then_with(|| a.code.cmp(&b.code))
        });
        shown.into_iter().map(|(course, _)| course).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn course(code: &str, title: &str, teacher: &str, capacity: i32, enrolled: i32) -> Course {
        Course {
            id: Uuid::from_u128(code.len() as u128 + capacity as u128 * 1000),
            code: code.into(),
            title: title.into(),
            description: String::new(),
            teacher_id: Uuid::nil(),
            teacher_name: teacher.into(),
            capacity,
            enrolled,
            open: enrolled < capacity,
            archived: false,
            credits: 3,
            term_id: Uuid::nil(),
            meetings: Vec::new(),
            waitlisted: 0,
            section: "01".into(),
        }
    }

    fn codes(shown: Vec<&Course>) -> Vec<&str> {
        shown.into_iter().map(|c| c.code.as_str()).collect()
    }

    fn catalogue() -> Vec<Course> {
        vec![
            course("MATH120", "Linear Algebra", "Grace Hopper", 30, 30),
            course("CS101", "Intro to Programming", "Ada Lovelace", 30, 10),
            course("HIST210", "Modern History", "Ada Lovelace", 2, 1),
        ]
    }

    #[test]
    fn every_word_must_match_code_title_or_teacher_in_any_case() {
        let all = catalogue();
        let left = |c: &Course| c.seats_left();
        assert_eq!(
            codes(CatalogueFilter::new("ada", false, CourseSort::Code).apply(&all, left)),
            ["CS101", "HIST210"]
        );
        assert_eq!(
            codes(CatalogueFilter::new("ADA history", false, CourseSort::Code).apply(&all, left)),
            ["HIST210"]
        );
        assert_eq!(
            codes(CatalogueFilter::new("math1", false, CourseSort::Code).apply(&all, left)),
            ["MATH120"]
        );
        assert!(CatalogueFilter::new("chemistry", false, CourseSort::Code)
            .apply(&all, left)
            .is_empty());
    }

    #[test]
    fn open_only_uses_the_seats_it_is_given() {
        let all = catalogue();
        let shown = CatalogueFilter::new("", true, CourseSort::Code).apply(&all, |c| c.seats_left());
        assert_eq!(codes(shown), ["CS101", "HIST210"]);
        // A live view where HIST210 just filled up.
        let live = |c: &Course| if c.code == "HIST210" { 0 } else { c.seats_left() };
        assert_eq!(
            codes(CatalogueFilter::new("", true, CourseSort::Code).apply(&all, live)),
            ["CS101"]
        );
    }

    #[test]
    fn sorts_with_code_breaking_ties() {
        let all = catalogue();
        let left = |c: &Course| c.seats_left();
        assert_eq!(
            codes(CatalogueFilter::new("", false, CourseSort::Code).apply(&all, left)),
            ["CS101", "HIST210", "MATH120"]
        );
        assert_eq!(
            codes(CatalogueFilter::new("", false, CourseSort::Title).apply(&all, left)),
            ["CS101", "MATH120", "HIST210"]
        );
        assert_eq!(
            codes(CatalogueFilter::new("", false, CourseSort::Teacher).apply(&all, left)),
            ["CS101", "HIST210", "MATH120"]
        );
        assert_eq!(
            codes(CatalogueFilter::new("", false, CourseSort::SeatsLeft).apply(&all, left)),
            ["CS101", "HIST210", "MATH120"]
        );
    }

    #[test]
    fn sort_names_round_trip() {
        for sort in CourseSort::ALL {
            assert_eq!(CourseSort::parse(sort.as_str()), Some(sort));
        }
        assert_eq!(CourseSort::parse("price"), None);
    }
}
