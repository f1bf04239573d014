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
    /// the credits it had when they enrolled.
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
}
