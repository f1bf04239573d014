//! A course's weekly meetings as checked values, and when two clash.

use shared_types::courses::{Meeting, Weekday};
use shared_types::values::{bounded_text, shown};
use shared_types::ValueError;

/// The most meetings a course has in a week.
pub const MAX_MEETINGS: usize = 14;

/// One weekly meeting, its times in minutes after midnight: it can only hold
/// a meeting that starts before it ends, within one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingSlot {
    pub day: Weekday,
    pub starts: i32,
    pub ends: i32,
    pub room: String,
}

impl MeetingSlot {
    pub fn parse(meeting: &Meeting) -> Result<Self, ValueError> {
        let starts = minutes_of(&meeting.starts)?;
        let ends = minutes_of(&meeting.ends)?;
        if starts >= ends {
            return Err(invalid(format!(
                "a meeting must end after it starts, not {}",
                meeting.describe()
            )));
        }
        // A room is optional (an online seminar has none).
        let room = bounded_text("room", &meeting.room, 40, true)?;
        if room.contains('\n') {
            return Err(ValueError::new("invalid_field", "room must be one line"));
        }
        Ok(Self {
            day: meeting.day,
            starts,
            ends,
            room,
        })
    }

    /// Whether the two share a minute: back to back (one ends at 10:00,
    /// the other starts at 10:00) is no clash.
    pub fn clashes_with(&self, other: &MeetingSlot) -> bool {
        self.day == other.day && self.starts < other.ends && other.starts < self.ends
    }

    pub fn to_meeting(&self) -> Meeting {
        Meeting {
            day: self.day,
            starts: clock(self.starts),
            ends: clock(self.ends),
            room: self.room.clone(),
        }
    }
}

/// A course's whole week: at most [`MAX_MEETINGS`], none clashing with
/// another, in day and time order.
pub fn parse_week(meetings: &[Meeting]) -> Result<Vec<MeetingSlot>, ValueError> {
    if meetings.len() > MAX_MEETINGS {
        return Err(invalid(format!(
            "a course meets at most {MAX_MEETINGS} times a week, not {}",
            meetings.len()
        )));
    }
    let mut week = meetings.iter().map(MeetingSlot::parse).collect::<Result<Vec<_>, _>>()?;
    week.sort_by_key(|slot| (slot.day, slot.starts));
    for pair in week.windows(2) {
        if pair[0].clashes_with(&pair[1]) {
            return Err(invalid(format!(
                "the course's own meetings overlap: {} and {}",
                pair[0].to_meeting().describe(),
                pair[1].to_meeting().describe()
            )));
        }
    }
    Ok(week)
}

/// The first meeting of `held` (with the code of its course) that clashes
/// with one of `wanted`.
pub fn first_clash<'a>(wanted: &[MeetingSlot], held: &'a [(String, MeetingSlot)]) -> Option<&'a (String, MeetingSlot)> {
    held.iter()
        .find(|(_, slot)| wanted.iter().any(|want| want.clashes_with(slot)))
}

/// "09:30" as 570 minutes; "24:00" is the end of the day.
fn minutes_of(text: &str) -> Result<i32, ValueError> {
    let parsed = text.split_once(':').and_then(|(h, m)| {
        let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
        (two_digits(h) && two_digits(m)).then(|| (h.parse::<i32>().ok(), m.parse::<i32>().ok()))
    });
    match parsed {
        Some((Some(h), Some(m))) if (h < 24 && m < 60) || (h == 24 && m == 0) => Ok(h * 60 + m),
        _ => Err(invalid(format!(
            "{} is not a time of day: use HH:MM on the 24-hour clock",
            shown(text)
        ))),
    }
}

fn clock(minutes: i32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn invalid(message: String) -> ValueError {
    ValueError::new("invalid_meetings", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting(day: Weekday, starts: &str, ends: &str) -> Meeting {
        Meeting {
            day,
            starts: starts.into(),
            ends: ends.into(),
            room: String::new(),
        }
    }

    fn slot(day: Weekday, starts: &str, ends: &str) -> MeetingSlot {
        MeetingSlot::parse(&meeting(day, starts, ends)).unwrap()
    }

    #[test]
    fn times_are_read_on_the_24_hour_clock() {
        let s = slot(Weekday::Mon, "00:00", "24:00");
        assert_eq!((s.starts, s.ends), (0, 1440));
        assert_eq!(
            slot(Weekday::Tue, "09:30", "10:45").to_meeting().describe(),
            "Tue 09:30–10:45"
        );
        for bad in ["9:30", "24:01", "12:60", "ab:cd", "", "12:3", "-1:00", "12:30:00"] {
            let refused = MeetingSlot::parse(&meeting(Weekday::Mon, bad, "23:00"));
            assert_eq!(refused.unwrap_err().code, "invalid_meetings", "{bad}");
        }
        let backwards = MeetingSlot::parse(&meeting(Weekday::Mon, "10:00", "09:00"));
        assert_eq!(backwards.unwrap_err().code, "invalid_meetings");
        let empty = MeetingSlot::parse(&meeting(Weekday::Mon, "10:00", "10:00"));
        assert_eq!(empty.unwrap_err().code, "invalid_meetings");
    }

    #[test]
    fn overlapping_meetings_clash_and_back_to_back_ones_do_not() {
        let nine = slot(Weekday::Mon, "09:00", "10:00");
        assert!(nine.clashes_with(&slot(Weekday::Mon, "09:59", "11:00")));
        assert!(nine.clashes_with(&slot(Weekday::Mon, "09:15", "09:45")));
        assert!(nine.clashes_with(&slot(Weekday::Mon, "08:00", "12:00")));
        assert!(!nine.clashes_with(&slot(Weekday::Mon, "10:00", "11:00")));
        assert!(!nine.clashes_with(&slot(Weekday::Mon, "08:00", "09:00")));
        assert!(!nine.clashes_with(&slot(Weekday::Tue, "09:00", "10:00")));
    }

    #[test]
    fn a_week_is_checked_whole() {
        let week = parse_week(&[
            meeting(Weekday::Wed, "09:00", "10:15"),
            meeting(Weekday::Mon, "09:00", "10:15"),
        ])
        .unwrap();
        assert_eq!(week[0].day, Weekday::Mon);
        let overlapping = parse_week(&[
            meeting(Weekday::Mon, "09:00", "10:15"),
            meeting(Weekday::Mon, "10:00", "11:00"),
        ]);
        assert_eq!(overlapping.unwrap_err().code, "invalid_meetings");
        let too_many: Vec<Meeting> = (0..15)
            .map(|h| meeting(Weekday::Sat, &format!("{h:02}:00"), &format!("{h:02}:30")))
            .collect();
        assert!(parse_week(&too_many).is_err());
        let held = vec![("CS101".to_owned(), slot(Weekday::Mon, "09:00", "10:15"))];
        assert_eq!(first_clash(&week, &held).map(|(code, _)| code.as_str()), Some("CS101"));
        assert!(first_clash(&[slot(Weekday::Mon, "10:15", "11:00")], &held).is_none());
    }
}
