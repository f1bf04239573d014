use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A course of the catalogue with its live seat count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Course {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub description: String,
    pub teacher_id: Uuid,
    pub teacher_name: String,
    pub capacity: i32,
    pub enrolled: i32,
    /// Whether a seat is free (never on an archived course).
    pub open: bool,
    /// An admin archived the course: it has left the catalogue, and no one
    /// enrolls in it or drops it; its roster and grades stay.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
    /// What the course counts toward the student's credit limit.
    #[serde(default)]
    pub credits: i32,
    /// The term the course is taught in (see `GET /terms`).
    #[serde(default)]
    pub term_id: Uuid,
    /// When and where it meets each week, by day and time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub meetings: Vec<Meeting>,
    /// How many students wait for a seat (`POST /courses/{id}/waitlist`).
    #[serde(default)]
    pub waitlisted: i32,
    /// Which section of the course this is (`01`, `A`): each section of a
    /// code has its own seats, teacher, meetings, roster and waitlist, and
    /// shares the course's title, description and credits.
    #[serde(default = "first_section")]
    pub section: String,
}

impl Course {
    /// How a person names it: its code, and its section when it is not the
    /// first ("CS101", "CS101 section 02"), as buttons and messages say.
    pub fn label(&self) -> String {
        match self.section_shown() {
            Some(section) => format!("{} section {section}", self.code),
            None => self.code.clone(),
        }
    }

    /// Its section, when there is more to say than the first one.
    pub fn section_shown(&self) -> Option<&str> {
        (self.section != FIRST_SECTION).then_some(self.section.as_str())
    }
}

/// The section a course created without naming one is.
pub const FIRST_SECTION: &str = "01";

fn first_section() -> String {
    FIRST_SECTION.to_owned()
}

/// `POST /courses/{id}/sections` (admin): another section of the course,
/// with the course's code, title, description, credits and term.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateSectionRequest {
    /// 1 to 8 letters or digits, stored upper-case (`02`, `B`).
    pub section: String,
    pub capacity: i64,
    pub teacher_id: Uuid,
    pub teacher_name: String,
}

/// `POST /courses/{id}/enrollments` (admin): enrolls a student past what
/// would refuse them (capacity, a schedule conflict, the credit limit, the
/// registration window), for a reason that is kept with the enrollment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverrideEnrollmentRequest {
    pub student_id: Uuid,
    pub student_name: String,
    pub student_email: String,
    /// Why (1 to 500 characters): kept on the roster and logged.
    pub reason: String,
}

/// Answer of `POST /courses/{id}/waitlist`: enrolled at once (a seat was
/// free), or waiting at `position` (1 is next).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum WaitlistAnswer {
    Enrolled,
    Waitlisted { position: i64 },
}

/// One course of `GET /waitlists/me`: the course and the student's place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyWaitlistEntry {
    #[serde(flatten)]
    pub course: Course,
    /// 1 is next.
    pub position: i64,
    pub joined_at: DateTime<Utc>,
}

/// A day of the week a course meets on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// 1 for Monday to 7 for Sunday (ISO 8601), as stored.
    pub fn number(self) -> i32 {
        self as i32 + 1
    }

    pub fn from_number(n: i32) -> Option<Self> {
        Self::ALL.get(usize::try_from(n - 1).ok()?).copied()
    }

    /// "Mon".
    pub fn short_name(self) -> &'static str {
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][self as usize]
    }
}

/// One weekly meeting of a course:
/// `{"day": "mon", "starts": "09:00", "ends": "10:15", "room": "B-201"}`.
/// A meeting that ends at 10:00 and one that starts at 10:00 do not clash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Meeting {
    pub day: Weekday,
    /// "HH:MM", 24-hour clock.
    pub starts: String,
    /// "HH:MM", after `starts`; "24:00" is the end of the day.
    pub ends: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub room: String,
}

impl Meeting {
    /// "Mon 09:00–10:15".
    pub fn describe(&self) -> String {
        format!("{} {}–{}", self.day.short_name(), self.starts, self.ends)
    }

    /// A week as a person types it: meetings apart by commas or
    /// semicolons, each a day, a time span and a room if any:
    /// "Mon 09:00-10:15 B-201, Wed 09:00–10:15 B-201". The times are checked
    /// by course-service; this reads the shape, or says what it could not.
    pub fn parse_week(text: &str) -> Result<Vec<Meeting>, String> {
        text.split([',', ';'])
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                let mut words = part.split_whitespace();
                let (Some(day), Some(span)) = (words.next(), words.next()) else {
                    return Err(format!(
                        "\"{part}\": write a day and a time span, as in \"Mon 09:00-10:15 B-201\"."
                    ));
                };
                let day = Weekday::ALL
                    .into_iter()
                    .find(|d| d.short_name().eq_ignore_ascii_case(day.get(..3).unwrap_or(day)))
                    .ok_or_else(|| format!("\"{day}\" is not a day: use Mon, Tue, Wed, Thu, Fri, Sat or Sun."))?;
                let (starts, ends) = span
                    .split_once(['-', '–'])
                    .ok_or_else(|| format!("\"{span}\" is not a time span: write it as 09:00-10:15."))?;
                Ok(Meeting {
                    day,
                    starts: starts.to_owned(),
                    ends: ends.to_owned(),
                    room: words.collect::<Vec<_>>().join(" "),
                })
            })
            .collect()
    }

    /// A week as [`Meeting::parse_week`] reads it back.
    pub fn write_week(week: &[Meeting]) -> String {
        week.iter()
            .map(|m| {
                format!("{} {}-{} {}", m.day.short_name(), m.starts, m.ends, m.room)
                    .trim_end()
                    .to_owned()
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A course's week in a line: "Mon 09:00–10:15, Wed 09:00–10:15 (B-201)";
    /// each meeting's room follows it where the rooms differ.
    pub fn describe_week(week: &[Meeting]) -> String {
        let one_room = week.windows(2).all(|pair| pair[0].room == pair[1].room);
        let times: Vec<String> = week
            .iter()
            .map(|m| {
                if one_room || m.room.is_empty() {
                    m.describe()
                } else {
                    format!("{} ({})", m.describe(), m.room)
                }
            })
            .collect();
        match week.first() {
            Some(first) if one_room && !first.room.is_empty() => format!("{} ({})", times.join(", "), first.room),
            _ => times.join(", "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_week_is_read_and_written_back() {
        let week = Meeting::parse_week(" mon 09:00-10:15 B-201; Wednesday 9:00–10:15 Main hall, ").unwrap();
        assert_eq!(week.len(), 2);
        assert_eq!(
            (week[0].day, week[0].starts.as_str(), week[0].ends.as_str()),
            (Weekday::Mon, "09:00", "10:15")
        );
        assert_eq!(
            (week[1].day, week[1].starts.as_str(), week[1].room.as_str()),
            (Weekday::Wed, "9:00", "Main hall")
        );
        assert_eq!(
            Meeting::write_week(&week),
            "Mon 09:00-10:15 B-201, Wed 9:00-10:15 Main hall"
        );
        assert_eq!(Meeting::parse_week("").unwrap(), Vec::new());
        for bad in ["Mon", "Xyz 09:00-10:00", "Mon 09:00"] {
            assert!(Meeting::parse_week(bad).is_err(), "{bad}");
        }
    }

    fn meeting(day: Weekday, room: &str) -> Meeting {
        Meeting {
            day,
            starts: "09:00".into(),
            ends: "10:15".into(),
            room: room.into(),
        }
    }

    #[test]
    fn a_week_reads_as_one_line() {
        let same = [meeting(Weekday::Mon, "B-201"), meeting(Weekday::Wed, "B-201")];
        assert_eq!(
            Meeting::describe_week(&same),
            "Mon 09:00–10:15, Wed 09:00–10:15 (B-201)"
        );
        let apart = [meeting(Weekday::Mon, "B-201"), meeting(Weekday::Fri, "Lab 3")];
        assert_eq!(
            Meeting::describe_week(&apart),
            "Mon 09:00–10:15 (B-201), Fri 09:00–10:15 (Lab 3)"
        );
        assert_eq!(Meeting::describe_week(&[meeting(Weekday::Sun, "")]), "Sun 09:00–10:15");
        assert_eq!(Meeting::describe_week(&[]), "");
        assert_eq!(Weekday::from_number(7), Some(Weekday::Sun));
        assert_eq!(Weekday::from_number(0), None);
        assert_eq!(Weekday::Thu.number(), 4);
    }
}

impl Course {
    pub fn seats_left(&self) -> i32 {
        (self.capacity - self.enrolled).max(0)
    }
}

/// On `GET /courses`: when its rows were read (milliseconds since 1970
/// UTC), the `since` of a tab's first `GET /courses/seats`.
pub const SEATS_AS_OF_HEADER: &str = "x-seats-as-of";

/// One course's seats, as `GET /courses/seats` reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatCount {
    pub id: Uuid,
    pub capacity: i32,
    pub enrolled: i32,
    /// The course was archived: a tab that shows it reads the catalogue
    /// again (one it has never seen it ignores).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
}

/// Body of `GET /courses/seats[?since=]`: the courses whose seat count
/// changed since `since` (every course without it). Courses changed just
/// before `since` may be repeated; the counts are absolute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatChanges {
    /// The moment this answer is current at, in milliseconds since
    /// 1970-01-01 UTC: the `since` of the next call.
    pub as_of: i64,
    pub courses: Vec<SeatCount>,
}

/// Body of `POST /courses`. Values are checked by the service (422).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateCourseRequest {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub capacity: i64,
    pub teacher_id: Uuid,
    pub teacher_name: String,
    /// 0 to 30; 3 when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<i64>,
    /// The current term when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_id: Option<Uuid>,
    /// The section (`01` when not given): 1 to 8 letters or digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
}

/// Body of `PATCH /courses/{id}` (admin): only the fields sent change.
/// `teacher_id` and `teacher_name` go together.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateCourseRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Never below the seats already taken (409 `capacity_below_enrolled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teacher_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teacher_name: Option<String>,
    /// `true` archives the course, `false` brings it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    /// Applies to later enrollments: a student who holds the course keeps
    /// the credits it had when they enrolled. Title, description and
    /// credits are the course's: they change on every section of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<i64>,
}

/// Answer of `POST /courses/{id}/enrollment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enrollment {
    pub course_id: Uuid,
    pub student_id: Uuid,
    pub enrolled_at: DateTime<Utc>,
}

/// One course of `GET /enrollments/me`: the course and when the student joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyEnrollment {
    #[serde(flatten)]
    pub course: Course,
    pub enrolled_at: DateTime<Utc>,
}

/// One row of `GET /courses/{id}/roster`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RosterEntry {
    pub student_id: Uuid,
    pub name: String,
    pub email: String,
    pub enrolled_at: DateTime<Utc>,
    /// An admin enrolled this student past a rule: the reason they gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
}
