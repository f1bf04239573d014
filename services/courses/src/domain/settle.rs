//! The settle step: after any change to a section, while a seat is free
//! and someone on its list fits, the first who fits (in join order) takes
//! it. Every path that moves a seat ends with it (see docs/design.md), so
//! no request answers while a free seat and a fitting waiter sit together.
//!
//! The step is written once, here, over an attempt the caller supplies:
//! the statements take the seat (in a savepoint each), this decides what
//! the attempt's answer means for the list and when to stop.

use crate::error::Error;

/// What an offer of a free seat to one waiting student came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// They took the seat and leave the list.
    Placed,
    /// They do not fit now (credits, a clash, another section of the
    /// course held, a hold, a requisite): they keep their place, and the next one is
    /// offered.
    PassedOver(PassedOver),
    /// They can never take this seat (on its roster already, or made its
    /// teacher since): off the list, so no drop is ever refused for them.
    Leaves,
    /// The seat was not free after all: nothing more to offer.
    NoSeat,
}

/// Why a waiting student was passed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassedOver {
    CreditLimit,
    ScheduleConflict,
    OtherSectionHeld,
    /// A hold on their registration: promoted once it is lifted.
    Hold,
    /// A prerequisite or corequisite they do not meet: promoted once they
    /// do (a grade posted, a completion recorded, the corequisite taken).
    Requisite,
}

/// The verdict on one attempt to place a waiting student; an error that is
/// no verdict on the student (the database failing) ends the step.
pub fn verdict_of(attempt: Result<(), Error>) -> Result<Verdict, Error> {
    match attempt {
        Ok(()) => Ok(Verdict::Placed),
        Err(Error::CreditLimit { .. }) => Ok(Verdict::PassedOver(PassedOver::CreditLimit)),
        Err(Error::ScheduleConflict { .. }) => Ok(Verdict::PassedOver(PassedOver::ScheduleConflict)),
        Err(Error::OtherSectionHeld { .. }) => Ok(Verdict::PassedOver(PassedOver::OtherSectionHeld)),
        Err(Error::RegistrationHold { .. }) => Ok(Verdict::PassedOver(PassedOver::Hold)),
        Err(Error::PrerequisiteMissing { .. } | Error::CorequisiteMissing { .. }) => {
            Ok(Verdict::PassedOver(PassedOver::Requisite))
        }
        Err(Error::AlreadyEnrolled | Error::OwnCourse) => Ok(Verdict::Leaves),
        Err(Error::CourseFull | Error::CourseArchived) => Ok(Verdict::NoSeat),
        Err(other) => Err(other),
    }
}

/// Offers `free_seats` seats to `waiting`, in order, each through `offer`:
/// every candidate is examined (no cap: a cap would leave a seat to an
/// outsider while a fitting student waits further down), until the seats
/// are gone. The candidates placed, in order.
pub fn settle<C, E>(
    free_seats: i64,
    waiting: impl IntoIterator<Item = C>,
    mut offer: impl FnMut(&C) -> Result<Verdict, E>,
) -> Result<Vec<C>, E> {
    let mut free = free_seats;
    let mut placed = Vec::new();
    for candidate in waiting {
        if free <= 0 {
            break;
        }
        match offer(&candidate)? {
            Verdict::Placed => {
                free -= 1;
                placed.push(candidate);
            }
            Verdict::PassedOver(_) | Verdict::Leaves => {}
            Verdict::NoSeat => break,
        }
    }
    Ok(placed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A waiting student who fits or not.
    fn offer_to(fits: &[bool]) -> impl FnMut(&usize) -> Result<Verdict, Error> + '_ {
        |i| {
            Ok(if fits[*i] {
                Verdict::Placed
            } else {
                Verdict::PassedOver(PassedOver::CreditLimit)
            })
        }
    }

    #[test]
    fn the_first_who_fits_takes_the_seat_however_far_down_the_list() {
        let mut fits = vec![false; 60];
        fits[51] = true;
        fits[55] = true;
        let placed = settle(1, 0..60, offer_to(&fits)).unwrap();
        assert_eq!(placed, vec![51]);
    }

    #[test]
    fn as_many_are_placed_as_seats_are_free_in_list_order() {
        let fits = [true, false, true, true, true];
        let placed = settle(3, 0..5, offer_to(&fits)).unwrap();
        assert_eq!(placed, vec![0, 2, 3]);
    }

    #[test]
    fn no_free_seat_offers_nothing() {
        let mut offered = 0;
        let placed = settle(0, 0..5, |_: &usize| -> Result<Verdict, Error> {
            offered += 1;
            Ok(Verdict::Placed)
        })
        .unwrap();
        assert!(placed.is_empty());
        assert_eq!(offered, 0);
    }

    #[test]
    fn a_student_who_can_never_take_the_seat_does_not_use_it_up() {
        let verdicts = [Verdict::Leaves, Verdict::Placed];
        let placed = settle(1, 0..2, |i: &usize| -> Result<Verdict, Error> {
            Ok(verdicts[*i].clone())
        })
        .unwrap();
        assert_eq!(placed, vec![1]);
    }

    #[test]
    fn a_seat_gone_after_all_ends_the_offers() {
        let verdicts = [Verdict::NoSeat, Verdict::Placed];
        let placed = settle(1, 0..2, |i: &usize| -> Result<Verdict, Error> {
            Ok(verdicts[*i].clone())
        })
        .unwrap();
        assert!(placed.is_empty());
    }

    #[test]
    fn refusals_that_are_about_the_student_keep_their_place() {
        let over = Error::CreditLimit {
            held: 18,
            credits: 3,
            limit: 18,
        };
        assert_eq!(
            verdict_of(Err(over)).unwrap(),
            Verdict::PassedOver(PassedOver::CreditLimit)
        );
        assert_eq!(verdict_of(Err(Error::AlreadyEnrolled)).unwrap(), Verdict::Leaves);
        assert_eq!(verdict_of(Ok(())).unwrap(), Verdict::Placed);
        assert!(verdict_of(Err(Error::NotEnrolled)).is_err());
    }
}
