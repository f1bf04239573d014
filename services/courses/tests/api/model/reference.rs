//! The registration rules in plain Rust, over four sections and a handful
//! of students: what the service must answer to each operation, and the
//! state it must leave. Written from the contract (ARCHITECTURE.md's
//! registration invariants and the refusal codes), not from the service's
//! code; where the service settles sections in an order, the model does the
//! same (by id), so that the final states can be compared exactly.

use uuid::Uuid;

/// A weekly meeting: day, start and end in minutes.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub day: &'static str,
    pub starts: u32,
    pub ends: u32,
}

impl Slot {
    fn clashes_with(&self, other: &Slot) -> bool {
        self.day == other.day && self.starts < other.ends && other.starts < self.ends
    }
}

#[derive(Debug, Clone)]
pub struct Section {
    pub id: Uuid,
    /// Sections with one code are sections of one course.
    pub code: String,
    pub credits: i32,
    pub slot: Slot,
    pub capacity: i32,
    pub archived: bool,
    /// Students holding a seat.
    pub roster: Vec<usize>,
    /// Students waiting, in join order.
    pub list: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Student {
    pub id: Uuid,
    /// The student's own limit, or the term's.
    pub limit: Option<i32>,
    /// Credits counted in the term (archived sections' included).
    pub credits: i32,
    /// Active holds on their registration.
    pub holds: usize,
    /// Courses completed (code, grade in tenths), as the registrar last
    /// recorded each.
    pub completed: Vec<(String, i32)>,
}

/// What a course code requires: another code passed with at least
/// `min_tenths`, or (a corequisite) held in the term or so passed.
#[derive(Debug, Clone)]
pub struct Requisite {
    pub of: String,
    pub code: String,
    pub corequisite: bool,
    pub min_tenths: i32,
}

/// One operation of a student or the admin, by index into the model's
/// students and sections.
#[derive(Debug, Clone)]
pub enum Op {
    Enroll(usize, usize),
    Join(usize, usize),
    Drop(usize, usize),
    Leave(usize, usize),
    Override(usize, usize),
    SetCapacity(usize, i32),
    Archive(usize, bool),
    SetLimit(usize, Option<i32>),
    PlaceHold(usize),
    /// Lifts the student's oldest active hold.
    LiftHold(usize),
    /// The registrar records a completion: the student, which of the
    /// model's completable codes, the grade in tenths.
    RecordCompletion(usize, usize, i32),
}

/// What the service answers: a success, or the error code of a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Done,
    Enrolled,
    Waiting(i64),
    Refused(String),
}

#[derive(Debug, Clone)]
pub struct Model {
    pub sections: Vec<Section>,
    pub students: Vec<Student>,
    pub term_limit: i32,
    /// Requisites, each code's in the order the service checks them (by
    /// the code required).
    pub requisites: Vec<Requisite>,
    /// The codes completions are recorded for.
    pub completable: Vec<String>,
}

impl Model {
    fn limit_of(&self, s: usize) -> i32 {
        self.students[s].limit.unwrap_or(self.term_limit)
    }

    /// The sections the student holds, not archived (an archived section
    /// no longer meets), other than `c`.
    fn others_held(&self, s: usize, c: usize) -> impl Iterator<Item = &Section> {
        self.sections
            .iter()
            .enumerate()
            .filter(move |(i, sec)| *i != c && !sec.archived && sec.roster.contains(&s))
            .map(|(_, sec)| sec)
    }

    /// Whether the student holds another section of `c`'s course (an
    /// archived one included: it is still theirs).
    fn holds_other_section(&self, s: usize, c: usize) -> bool {
        let code = &self.sections[c].code;
        self.sections
            .iter()
            .enumerate()
            .any(|(i, other)| i != c && other.code == *code && other.roster.contains(&s))
    }

    /// Whether `s` may take a seat of `c` now, and why not.
    pub fn refusal(&self, s: usize, c: usize) -> Option<&'static str> {
        let section = &self.sections[c];
        if section.archived {
            return Some("course_archived");
        }
        if section.roster.contains(&s) {
            return Some("already_enrolled");
        }
        if section.roster.len() as i32 >= section.capacity {
            return Some("course_full");
        }
        let student = &self.students[s];
        if student.holds > 0 {
            return Some("registration_hold");
        }
        if section.credits > 0 && student.credits + section.credits > self.limit_of(s) {
            return Some("credit_limit");
        }
        if self.holds_other_section(s, c) {
            return Some("already_enrolled");
        }
        if let Some(missing) = self.requisite_missing(s, c) {
            return Some(missing);
        }
        if self
            .others_held(s, c)
            .any(|other| other.slot.clashes_with(&section.slot))
        {
            return Some("schedule_conflict");
        }
        None
    }

    /// The first requisite of `c`'s code the student does not meet, as
    /// its refusal code. A corequisite is met by another section of its
    /// code held (an archived one too) or a completion.
    fn requisite_missing(&self, s: usize, c: usize) -> Option<&'static str> {
        let code = &self.sections[c].code;
        let student = &self.students[s];
        self.requisites
            .iter()
            .filter(|r| r.of == *code)
            .find(|r| {
                let passed = student
                    .completed
                    .iter()
                    .any(|(done, tenths)| *done == r.code && *tenths >= r.min_tenths);
                let held = r.corequisite
                    && self
                        .sections
                        .iter()
                        .enumerate()
                        .any(|(i, other)| i != c && other.code == r.code && other.roster.contains(&s));
                !(passed || held)
            })
            .map(|r| {
                if r.corequisite {
                    "corequisite_missing"
                } else {
                    "prerequisite_missing"
                }
            })
    }

    fn place(&mut self, s: usize, c: usize) {
        self.sections[c].roster.push(s);
        self.students[s].credits += self.sections[c].credits;
        self.sections[c].list.retain(|w| *w != s);
    }

    fn take_place(&mut self, s: usize, c: usize) -> Result<(), &'static str> {
        match self.refusal(s, c) {
            Some(why) => Err(why),
            None => {
                self.place(s, c);
                Ok(())
            }
        }
    }

    /// The settle step on one section: every waiting student examined in
    /// order while a seat is free; the students placed.
    fn settle_section(&mut self, c: usize) -> Vec<usize> {
        let section = &self.sections[c];
        if section.archived || section.list.is_empty() || section.roster.len() as i32 >= section.capacity {
            return Vec::new();
        }
        let mut placed = Vec::new();
        for s in section.list.clone() {
            let section = &self.sections[c];
            if section.roster.len() as i32 >= section.capacity {
                break;
            }
            match self.refusal(s, c) {
                None => {
                    self.place(s, c);
                    placed.push(s);
                }
                Some("already_enrolled") if self.sections[c].roster.contains(&s) => {
                    self.sections[c].list.retain(|w| *w != s);
                }
                Some("course_full" | "course_archived") => break,
                Some(_) => {}
            }
        }
        placed
    }

    /// Section indexes sorted as the service sorts their ids.
    fn by_id(&self, mut sections: Vec<usize>) -> Vec<usize> {
        sections.sort_by_key(|c| self.sections[*c].id.to_string());
        sections
    }

    /// The settle step on every section the student waits for with a seat.
    fn settle_student(&mut self, s: usize) {
        let waiting: Vec<usize> = (0..self.sections.len())
            .filter(|c| {
                let section = &self.sections[*c];
                section.list.contains(&s) && !section.archived && (section.roster.len() as i32) < section.capacity
            })
            .collect();
        for c in self.by_id(waiting) {
            self.settle_section(c);
        }
    }

    /// The sections any student on `c`'s roster waits for with a seat,
    /// settled once each, by id.
    fn settle_roster(&mut self, c: usize) {
        let roster = self.sections[c].roster.clone();
        let waiting: Vec<usize> = (0..self.sections.len())
            .filter(|w| {
                let section = &self.sections[*w];
                roster.iter().any(|s| section.list.contains(s))
                    && !section.archived
                    && (section.roster.len() as i32) < section.capacity
            })
            .collect();
        for w in self.by_id(waiting) {
            self.settle_section(w);
        }
    }

    /// Applies `op` as the service must, and what it must answer.
    pub fn apply(&mut self, op: &Op) -> Answer {
        match *op {
            Op::Enroll(s, c) => {
                if self.settle_section(c).contains(&s) {
                    return Answer::Enrolled;
                }
                match self.take_place(s, c) {
                    Ok(()) => Answer::Enrolled,
                    Err(why) => Answer::Refused(why.to_owned()),
                }
            }
            Op::Join(s, c) => {
                if self.settle_section(c).contains(&s) {
                    return Answer::Enrolled;
                }
                match self.take_place(s, c) {
                    Ok(()) => Answer::Enrolled,
                    Err("course_full") => {
                        let same_course =
                            |other: &Section| other.id != self.sections[c].id && other.code == self.sections[c].code;
                        if self
                            .sections
                            .iter()
                            .any(|other| same_course(other) && other.roster.contains(&s))
                        {
                            return Answer::Refused("already_enrolled".to_owned());
                        }
                        if self.students[s].holds > 0 {
                            return Answer::Refused("registration_hold".to_owned());
                        }
                        if let Some(missing) = self.requisite_missing(s, c) {
                            return Answer::Refused(missing.to_owned());
                        }
                        let list = &mut self.sections[c].list;
                        if list.contains(&s) {
                            return Answer::Refused("already_waitlisted".to_owned());
                        }
                        list.push(s);
                        Answer::Waiting(list.len() as i64)
                    }
                    Err(why) => Answer::Refused(why.to_owned()),
                }
            }
            Op::Drop(s, c) => {
                if self.sections[c].archived {
                    return Answer::Refused("course_archived".to_owned());
                }
                if !self.sections[c].roster.contains(&s) {
                    return Answer::Refused("not_enrolled".to_owned());
                }
                self.sections[c].roster.retain(|r| *r != s);
                self.students[s].credits -= self.sections[c].credits;
                self.settle_section(c);
                self.settle_student(s);
                Answer::Done
            }
            Op::Leave(s, c) => {
                if !self.sections[c].list.contains(&s) {
                    return Answer::Refused("not_waitlisted".to_owned());
                }
                self.sections[c].list.retain(|w| *w != s);
                self.settle_section(c);
                Answer::Done
            }
            Op::Override(s, c) => {
                let section = &self.sections[c];
                if section.archived {
                    return Answer::Refused("course_archived".to_owned());
                }
                if section.roster.contains(&s) {
                    return Answer::Refused("already_enrolled".to_owned());
                }
                if self.holds_other_section(s, c) {
                    return Answer::Refused("already_enrolled".to_owned());
                }
                self.place(s, c);
                self.settle_section(c);
                Answer::Enrolled
            }
            Op::SetCapacity(c, capacity) => {
                if self.sections[c].roster.len() as i32 > capacity {
                    return Answer::Refused("capacity_below_enrolled".to_owned());
                }
                self.sections[c].capacity = capacity;
                self.settle_section(c);
                Answer::Done
            }
            Op::Archive(c, archived) => {
                self.sections[c].archived = archived;
                self.settle_section(c);
                if archived {
                    self.settle_roster(c);
                }
                Answer::Done
            }
            Op::SetLimit(s, limit) => {
                self.students[s].limit = limit;
                self.settle_student(s);
                Answer::Done
            }
            Op::PlaceHold(s) => {
                self.students[s].holds += 1;
                Answer::Done
            }
            Op::LiftHold(s) => {
                if self.students[s].holds == 0 {
                    return Answer::Refused("hold_not_found".to_owned());
                }
                self.students[s].holds -= 1;
                self.settle_student(s);
                Answer::Done
            }
            Op::RecordCompletion(s, which, tenths) => {
                let code = self.completable[which].clone();
                let completed = &mut self.students[s].completed;
                completed.retain(|(done, _)| *done != code);
                completed.push((code, tenths));
                self.settle_student(s);
                Answer::Done
            }
        }
    }

    /// Whether `answer`, though not the model's, is as true of this state
    /// (before `op`): a replica that has just seen a section full refuses
    /// it from memory, so a student who holds a seat of a full section and
    /// asks again may hear `course_full` for `already_enrolled`.
    pub fn also_true(&self, op: &Op, answer: &Answer) -> bool {
        match (op, answer) {
            (Op::Enroll(s, c), Answer::Refused(code)) if code == "course_full" => {
                let section = &self.sections[*c];
                section.roster.contains(s) && section.roster.len() as i32 >= section.capacity
            }
            _ => false,
        }
    }

    /// The invariants that must hold of any state once a request has
    /// answered; what is broken, if anything. `overrides` says whether
    /// admins' overrides may have lifted the seat, credit and clash rules.
    pub fn violations(&self, overrides: bool) -> Vec<String> {
        let mut broken = Vec::new();
        for (c, section) in self.sections.iter().enumerate() {
            let code = &section.code;
            if !overrides && section.roster.len() as i32 > section.capacity {
                broken.push(format!(
                    "{code}/{c}: {} seats held of {}",
                    section.roster.len(),
                    section.capacity
                ));
            }
            for s in &section.list {
                if section.roster.contains(s) {
                    broken.push(format!("{code}/{c}: student {s} enrolled and waiting"));
                }
            }
            let free = !section.archived && (section.roster.len() as i32) < section.capacity;
            if free {
                if let Some(s) = section.list.iter().find(|s| self.refusal(**s, c).is_none()) {
                    broken.push(format!("{code}/{c}: a free seat while student {s}, who fits, waits"));
                }
            }
        }
        for (s, student) in self.students.iter().enumerate() {
            let held: Vec<&Section> = self.sections.iter().filter(|sec| sec.roster.contains(&s)).collect();
            let credits: i32 = held.iter().map(|sec| sec.credits).sum();
            if credits != student.credits {
                broken.push(format!(
                    "student {s}: {} credits counted, {credits} held",
                    student.credits
                ));
            }
            for (i, a) in held.iter().enumerate() {
                for b in &held[i + 1..] {
                    if a.code == b.code {
                        broken.push(format!("student {s}: two sections of {}", a.code));
                    }
                    if !overrides && !a.archived && !b.archived && a.slot.clashes_with(&b.slot) {
                        broken.push(format!("student {s}: {} clashes with {}", a.code, b.code));
                    }
                }
            }
        }
        broken
    }
}
