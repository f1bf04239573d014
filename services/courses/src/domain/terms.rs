//! Terms as checked values, which term is the current one, and a term's
//! registration window (with a student's time ticket) as a value.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use shared_types::terms::{CreateTermRequest, UpdateTermRequest};
use shared_types::values::line_text;
use shared_types::{CreditLimit, ValueError};
use uuid::Uuid;

use crate::domain::TermCode;
use crate::error::Error;

/// The term the courses created before terms existed belong to (see the
/// terms migration); the demo seed makes it the demo term.
pub const STANDING_TERM: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0001);

/// Everything needed to create a term, each value checked.
#[derive(Debug, Clone)]
pub struct NewTerm {
    pub id: Uuid,
    pub code: TermCode,
    pub title: String,
    pub dates: TermDates,
    pub max_credits: CreditLimit,
}

/// A term's dates, in an order that makes sense: it starts before it ends,
/// and registration opens before add/drop closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermDates {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub registration_opens_at: NaiveDateTime,
    pub add_drop_closes_at: NaiveDateTime,
}

impl TermDates {
    pub fn new(
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        registration_opens_at: DateTime<Utc>,
        add_drop_closes_at: DateTime<Utc>,
    ) -> Result<Self, ValueError> {
        let years = 1970..=9999;
        let dates = [
            starts_on,
            ends_on,
            registration_opens_at.date_naive(),
            add_drop_closes_at.date_naive(),
        ];
        if let Some(outside) = dates.iter().find(|d| !years.contains(&d.year())) {
            return Err(ValueError::new(
                "invalid_term_dates",
                format!("{outside} is outside the years 1970 to 9999"),
            ));
        }
        if starts_on > ends_on {
            return Err(ValueError::new(
                "invalid_term_dates",
                format!("the term cannot end ({ends_on}) before it starts ({starts_on})"),
            ));
        }
        if registration_opens_at >= add_drop_closes_at {
            return Err(ValueError::new(
                "invalid_term_dates",
                format!(
                    "registration must open ({}) before add/drop closes ({})",
                    registration_opens_at.to_rfc3339(),
                    add_drop_closes_at.to_rfc3339()
                ),
            ));
        }
        Ok(Self {
            starts_on,
            ends_on,
            registration_opens_at: registration_opens_at.naive_utc(),
            add_drop_closes_at: add_drop_closes_at.naive_utc(),
        })
    }

    /// These dates with the changes of a `PATCH`, checked together.
    pub fn changed(self, request: &UpdateTermRequest) -> Result<Self, ValueError> {
        Self::new(
            request.starts_on.unwrap_or(self.starts_on),
            request.ends_on.unwrap_or(self.ends_on),
            request
                .registration_opens_at
                .unwrap_or(self.registration_opens_at.and_utc()),
            request.add_drop_closes_at.unwrap_or(self.add_drop_closes_at.and_utc()),
        )
    }
}

impl NewTerm {
    pub fn parse(request: &CreateTermRequest) -> Result<Self, ValueError> {
        Ok(Self {
            id: Uuid::new_v4(),
            code: TermCode::parse(&request.code)?,
            title: line_text("title", &request.title, 200)?,
            dates: TermDates::new(
                request.starts_on,
                request.ends_on,
                request.registration_opens_at,
                request.add_drop_closes_at,
            )?,
            max_credits: request.max_credits.map_or(Ok(CreditLimit::DEFAULT), CreditLimit::new)?,
        })
    }
}

/// The term a catalogue shows when none is asked for: of the terms under
/// way on `today`, the one that started last; else the next to start; else
/// the last to end.
pub fn current<T>(terms: &[T], today: NaiveDate, span: impl Fn(&T) -> TermSpan) -> Option<&T> {
    let under_way = terms
        .iter()
        .filter(|t| span(t).starts_on <= today && today <= span(t).ends_on)
        .max_by_key(|t| (span(t).starts_on, span(t).created_at));
    let next = || {
        terms
            .iter()
            .filter(|t| span(t).starts_on > today)
            .min_by_key(|t| (span(t).starts_on, span(t).created_at))
    };
    let last = || terms.iter().max_by_key(|t| (span(t).ends_on, span(t).created_at));
    under_way.or_else(next).or_else(last)
}

/// When a term runs, and when it was made (the tie-break between two
/// terms that start together).
#[derive(Debug, Clone, Copy)]
pub struct TermSpan {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

/// A term's registration window: from its opening (or a student's time
/// ticket) to the add/drop deadline.
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    /// The term's code, for the refusal.
    pub term: &'a str,
    pub opens: NaiveDateTime,
    pub closes: NaiveDateTime,
}

impl Window<'_> {
    /// Whether the window is open at `now`: refused with
    /// [`Error::RegistrationClosed`] (saying when it opens, if it has not).
    pub fn check(&self, now: NaiveDateTime) -> Result<(), Error> {
        self.check_with_ticket(None, now)
    }

    /// Whether the window is open at `now` for a student who may hold a
    /// time ticket: it opens the window for them in place of the term's
    /// opening (later to spread a rush, or earlier for priority
    /// registration); the deadline is the term's.
    pub fn check_with_ticket(&self, ticket: Option<NaiveDateTime>, now: NaiveDateTime) -> Result<(), Error> {
        let opens = ticket.unwrap_or(self.opens);
        if now < opens {
            return Err(Error::RegistrationClosed {
                term: self.term.to_owned(),
                opens_at: Some(opens.and_utc()),
            });
        }
        if now >= self.closes {
            return Err(Error::RegistrationClosed {
                term: self.term.to_owned(),
                opens_at: None,
            });
        }
        Ok(())
    }

    /// Whether a waiting student may still be given a seat: until the
    /// add/drop deadline (waitlists close with it). Before the term's own
    /// opening too: students with an early ticket join lists then.
    pub fn takes_promotions(&self, now: NaiveDateTime) -> bool {
        now < self.closes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A term as the tests need it: a code and its span.
    fn term(code: &'static str, starts: &str, ends: &str) -> (&'static str, TermSpan) {
        let date = |d: &str| d.parse::<NaiveDate>().unwrap();
        let span = TermSpan {
            starts_on: date(starts),
            ends_on: date(ends),
            created_at: NaiveDateTime::default(),
        };
        (code, span)
    }

    fn span_of(term: &(&'static str, TermSpan)) -> TermSpan {
        term.1
    }

    #[test]
    fn the_current_term_is_the_latest_under_way_then_the_next_then_the_last() {
        let standing = term("STANDING", "1970-01-01", "9999-12-31");
        let fall = term("2026-FA", "2026-09-01", "2026-12-20");
        let spring = term("2027-SP", "2027-01-15", "2027-05-30");
        let terms = [standing, fall, spring];
        let on = |d: &str| current(&terms, d.parse().unwrap(), span_of).map(|t| t.0);
        assert_eq!(on("2026-11-29"), Some("2026-FA"));
        assert_eq!(on("2026-12-25"), Some("STANDING"));
        assert_eq!(on("2027-02-01"), Some("2027-SP"));
        let real = [fall, spring];
        let on = |d: &str| current(&real, d.parse().unwrap(), span_of).map(|t| t.0);
        assert_eq!(on("2026-12-25"), Some("2027-SP"));
        assert_eq!(on("2028-01-01"), Some("2027-SP"));
        assert_eq!(on("2020-01-01"), Some("2026-FA"));
        assert_eq!(current(&[], "2026-01-01".parse().unwrap(), span_of).map(|t| t.0), None);
    }

    #[test]
    fn the_window_opens_at_its_first_moment_and_closes_at_the_deadline() {
        let at = |s: &str| s.parse::<NaiveDateTime>().unwrap();
        let fall = Window {
            term: "2026-FA",
            opens: at("2026-09-01T00:00:00"),
            closes: at("2026-12-20T00:00:00"),
        };
        assert!(matches!(
            fall.check(at("2026-08-31T23:59:59")),
            Err(Error::RegistrationClosed { opens_at: Some(_), .. })
        ));
        assert!(fall.check(at("2026-09-01T00:00:00")).is_ok());
        assert!(fall.check(at("2026-12-19T23:59:59")).is_ok());
        assert!(matches!(
            fall.check(at("2026-12-20T00:00:00")),
            Err(Error::RegistrationClosed { opens_at: None, .. })
        ));
        let late_ticket = Some(at("2026-09-02T09:00:00"));
        assert!(fall.check_with_ticket(late_ticket, at("2026-09-01T12:00:00")).is_err());
        assert!(fall.check_with_ticket(late_ticket, at("2026-09-02T09:00:00")).is_ok());
        assert!(!fall.takes_promotions(at("2026-12-20T00:00:00")));
        assert!(fall.takes_promotions(at("2026-08-31T00:00:00")));
    }

    #[test]
    fn term_dates_must_be_in_order() {
        let date = |d: &str| d.parse::<NaiveDate>().unwrap();
        let moment = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let opens = moment("2026-08-01T00:00:00Z");
        let closes = moment("2026-09-15T00:00:00Z");
        assert!(TermDates::new(date("2026-09-01"), date("2026-12-20"), opens, closes).is_ok());
        let backwards = TermDates::new(date("2026-12-20"), date("2026-09-01"), opens, closes);
        assert_eq!(backwards.unwrap_err().code, "invalid_term_dates");
        let closed_first = TermDates::new(date("2026-09-01"), date("2026-12-20"), closes, opens);
        assert_eq!(closed_first.unwrap_err().code, "invalid_term_dates");
        let far_future = NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap();
        let far = TermDates::new(date("2026-09-01"), far_future, opens, closes);
        assert_eq!(far.unwrap_err().code, "invalid_term_dates");
        let early = TermDates::new(date("1969-12-31"), date("2026-12-20"), opens, closes);
        assert_eq!(early.unwrap_err().code, "invalid_term_dates");
    }
}
