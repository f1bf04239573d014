//! A small world in the real service that the model mirrors: four
//! sections of three courses in the demo term (two sections of one course,
//! one clashing with the first), fresh students, and the requests that
//! carry each operation.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use service_common::demo;
use testkit::status_and_body;
use uuid::Uuid;

use super::reference::{Answer, Model, Op, Requisite, Section, Slot, Student};
use crate::support::TestCourses;
use crate::terms::{admin, demo_term, student, Student as TestStudent};

/// A distinct code for each world a run creates.
static WORLDS: AtomicU32 = AtomicU32::new(0);

pub struct World {
    pub model: Model,
    pub term_id: String,
    pub tokens: Vec<String>,
    /// Each student's active holds in the service, oldest first.
    pub holds: Mutex<Vec<Vec<Uuid>>>,
}

const MON: Slot = Slot {
    day: "mon",
    starts: 9 * 60,
    ends: 10 * 60 + 15,
};
const MON_LATER: Slot = Slot {
    day: "mon",
    starts: 9 * 60 + 30,
    ends: 10 * 60 + 45,
};
const TUE: Slot = Slot {
    day: "tue",
    starts: 9 * 60,
    ends: 10 * 60 + 15,
};
const WED: Slot = Slot {
    day: "wed",
    starts: 9 * 60,
    ends: 10 * 60 + 15,
};

fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

async fn expect(app: &TestCourses, method: Method, path: &str, token: &str, body: Value, status: StatusCode) -> Value {
    let (answered, answer) = status_and_body(app.call(method, path, token, Some(body)).await).await;
    assert_eq!(answered, status, "{path}: {answer}");
    answer
}

impl World {
    /// Creates the sections (with `capacities`) and `students` students.
    pub async fn create(app: &TestCourses, capacities: &[i32], students: usize) -> World {
        let admin = admin(app);
        let term = demo_term(app).await;
        let n = WORLDS.fetch_add(1, Ordering::Relaxed);
        let layout = [
            (format!("MDL{n}-A"), 6, MON),
            (format!("MDL{n}-A"), 6, TUE),
            (format!("MDL{n}-B"), 6, MON_LATER),
            (format!("MDL{n}-C"), 4, WED),
        ];
        let mut sections: Vec<Section> = Vec::new();
        for (i, (code, credits, slot)) in layout.into_iter().enumerate() {
            let capacity = capacities[i];
            let created = match sections.iter().find(|s| s.code == code) {
                Some(first) => {
                    let body = json!({"section": format!("0{}", i + 1), "capacity": capacity,
                                      "teacher_id": demo::TEACHER.id, "teacher_name": demo::TEACHER.name});
                    let path = format!("/courses/{}/sections", first.id);
                    expect(app, Method::POST, &path, &admin, body, StatusCode::CREATED).await
                }
                None => {
                    let body = json!({"code": code, "title": format!("Model {code}"), "capacity": capacity,
                                      "teacher_id": demo::TEACHER.id, "teacher_name": demo::TEACHER.name,
                                      "credits": credits, "term_id": term["id"]});
                    expect(app, Method::POST, "/courses", &admin, body, StatusCode::CREATED).await
                }
            };
            let id: Uuid = created["id"].as_str().unwrap().parse().unwrap();
            let week =
                json!([{"day": slot.day, "starts": clock(slot.starts), "ends": clock(slot.ends), "room": "M-1"}]);
            expect(
                app,
                Method::PUT,
                &format!("/courses/{id}/meetings"),
                &admin,
                week,
                StatusCode::OK,
            )
            .await;
            sections.push(Section {
                id,
                code,
                credits,
                slot,
                capacity,
                archived: false,
                roster: Vec::new(),
                list: Vec::new(),
            });
        }
        // A course outside the model's sections, that section 3's course
        // requires passed (2.0), beside section 2's course held or passed
        // (a corequisite): listed as the service checks them, by code.
        let outside = format!("MDL{n}-P");
        let body = json!({"code": outside, "title": "Model prerequisite", "capacity": 5,
                          "teacher_id": demo::TEACHER.id, "teacher_name": demo::TEACHER.name,
                          "credits": 3, "term_id": term["id"]});
        expect(app, Method::POST, "/courses", &admin, body, StatusCode::CREATED).await;
        let requisites = vec![
            Requisite {
                of: sections[3].code.clone(),
                code: sections[2].code.clone(),
                corequisite: true,
                min_tenths: 10,
            },
            Requisite {
                of: sections[3].code.clone(),
                code: outside.clone(),
                corequisite: false,
                min_tenths: 20,
            },
        ];
        let body = json!([
            {"code": requisites[0].code, "kind": "corequisite", "min_grade": 1.0},
            {"code": requisites[1].code, "kind": "prerequisite", "min_grade": 2.0},
        ]);
        let path = format!("/courses/{}/requisites", sections[3].id);
        expect(app, Method::PUT, &path, &admin, body, StatusCode::OK).await;
        let completable = vec![sections[2].code.clone(), outside];
        let people: Vec<TestStudent> = (0..students)
            .map(|i| student(app, &format!("Model student {i}")))
            .collect();
        World {
            model: Model {
                sections,
                students: people
                    .iter()
                    .map(|p| Student {
                        id: p.id,
                        limit: None,
                        credits: 0,
                        holds: 0,
                        completed: Vec::new(),
                    })
                    .collect(),
                term_limit: term["max_credits"].as_i64().unwrap() as i32,
                requisites,
                completable,
            },
            term_id: term["id"].as_str().unwrap().to_owned(),
            holds: Mutex::new(vec![Vec::new(); people.len()]),
            tokens: people.into_iter().map(|p| p.token).collect(),
        }
    }

    /// Sends `op` to the service: what it answered.
    pub async fn send(&self, app: &TestCourses, op: &Op) -> Answer {
        let admin = admin(app);
        let section = |c: usize| self.model.sections[c].id;
        let (method, path, token, body) = match *op {
            Op::Enroll(s, c) => (
                Method::POST,
                format!("/courses/{}/enrollment", section(c)),
                self.tokens[s].clone(),
                None,
            ),
            Op::Join(s, c) => (
                Method::POST,
                format!("/courses/{}/waitlist", section(c)),
                self.tokens[s].clone(),
                None,
            ),
            Op::Drop(s, c) => (
                Method::DELETE,
                format!("/courses/{}/enrollment", section(c)),
                self.tokens[s].clone(),
                None,
            ),
            Op::Leave(s, c) => (
                Method::DELETE,
                format!("/courses/{}/waitlist", section(c)),
                self.tokens[s].clone(),
                None,
            ),
            Op::Override(s, c) => {
                let who = &self.model.students[s];
                let body = json!({"student_id": who.id, "student_name": format!("Model student {s}"),
                                  "student_email": format!("model{s}@example.edu"), "reason": "Model override"});
                (
                    Method::POST,
                    format!("/courses/{}/enrollments", section(c)),
                    admin,
                    Some(body),
                )
            }
            Op::SetCapacity(c, capacity) => (
                Method::PATCH,
                format!("/courses/{}", section(c)),
                admin,
                Some(json!({ "capacity": capacity })),
            ),
            Op::Archive(c, archived) => (
                Method::PATCH,
                format!("/courses/{}", section(c)),
                admin,
                Some(json!({ "archived": archived })),
            ),
            Op::SetLimit(s, limit) => {
                let path = format!(
                    "/terms/{}/students/{}/credit-limit",
                    self.term_id, self.model.students[s].id
                );
                let body = json!({"max_credits": limit, "reason": "Model limit"});
                (Method::PUT, path, admin, Some(body))
            }
            Op::PlaceHold(s) => (
                Method::POST,
                format!("/students/{}/holds", self.model.students[s].id),
                admin,
                Some(json!({"reason": "Model hold"})),
            ),
            Op::LiftHold(s) => {
                // None active: one that was never placed, refused.
                let hold = self.holds.lock().unwrap()[s]
                    .first()
                    .copied()
                    .unwrap_or_else(Uuid::new_v4);
                let path = format!("/students/{}/holds/{hold}", self.model.students[s].id);
                (Method::DELETE, path, admin, None)
            }
            Op::RecordCompletion(s, which, tenths) => {
                let path = format!(
                    "/students/{}/completions/{}",
                    self.model.students[s].id, self.model.completable[which]
                );
                (
                    Method::PUT,
                    path,
                    admin,
                    Some(json!({"grade": f64::from(tenths) / 10.0})),
                )
            }
        };
        let (status, answer) = status_and_body(app.call(method, &path, &token, body).await).await;
        if status.is_server_error() {
            eprintln!("{op:?}: {status} {answer}");
        }
        if !status.is_success() {
            return Answer::Refused(answer["error"].as_str().unwrap_or("?").to_owned());
        }
        match op {
            Op::PlaceHold(s) => self.holds.lock().unwrap()[*s].push(answer["id"].as_str().unwrap().parse().unwrap()),
            Op::LiftHold(s) => {
                self.holds.lock().unwrap()[*s].remove(0);
            }
            _ => {}
        }
        match (op, answer["status"].as_str()) {
            (Op::Join(..), Some("waitlisted")) => Answer::Waiting(answer["position"].as_i64().unwrap()),
            (Op::Join(..), _) | (Op::Enroll(..) | Op::Override(..), _) => Answer::Enrolled,
            _ => Answer::Done,
        }
    }

    /// The service's state of this world, as a model: seats and lists from
    /// the sections, places from the students' lists, credits and holds
    /// from theirs.
    /// Each counter is checked against its rows on the way.
    pub async fn observe(&self, app: &TestCourses) -> Model {
        let admin = admin(app);
        let mut seen = self.model.clone();
        let ids: Vec<Uuid> = seen.students.iter().map(|s| s.id).collect();
        let index_of = |id: &str| -> usize {
            let id: Uuid = id.parse().unwrap();
            ids.iter().position(|s| *s == id).expect("a student of this world")
        };
        let mut lists: Vec<Vec<(i64, usize)>> = vec![Vec::new(); seen.sections.len()];
        for (s, token) in self.tokens.iter().enumerate() {
            let (status, mine) = status_and_body(app.call(Method::GET, "/waitlists/me", token, None).await).await;
            assert_eq!(status, StatusCode::OK, "{mine}");
            for entry in mine.as_array().unwrap() {
                if let Some(c) = seen.sections.iter().position(|sec| json!(sec.id) == entry["id"]) {
                    lists[c].push((entry["position"].as_i64().unwrap(), s));
                }
            }
            let (status, holds) = status_and_body(app.call(Method::GET, "/holds/me", token, None).await).await;
            assert_eq!(status, StatusCode::OK, "{holds}");
            seen.students[s].holds = holds.as_array().unwrap().len();
            let path = format!("/students/{}/completions", seen.students[s].id);
            let (status, held) = status_and_body(app.call(Method::GET, &path, &admin, None).await).await;
            assert_eq!(status, StatusCode::OK, "{held}");
            seen.students[s].completed = held["completions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    let tenths = (c["grade"].as_f64().unwrap() * 10.0).round() as i32;
                    (c["code"].as_str().unwrap().to_owned(), tenths)
                })
                .collect();
            let path = format!("/terms/{}/credits/me", self.term_id);
            let (status, credits) = status_and_body(app.call(Method::GET, &path, token, None).await).await;
            assert_eq!(status, StatusCode::OK, "{credits}");
            seen.students[s].credits = credits["credits_held"].as_i64().unwrap() as i32;
        }
        for (c, list) in lists.iter_mut().enumerate() {
            let id = seen.sections[c].id;
            let (status, shown) =
                status_and_body(app.call(Method::GET, &format!("/courses/{id}"), &admin, None).await).await;
            assert_eq!(status, StatusCode::OK, "{shown}");
            let (status, roster) = status_and_body(
                app.call(Method::GET, &format!("/courses/{id}/roster"), &admin, None)
                    .await,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{roster}");
            let mut held: Vec<usize> = roster
                .as_array()
                .unwrap()
                .iter()
                .map(|e| index_of(e["student_id"].as_str().unwrap()))
                .collect();
            held.sort();
            list.sort();
            let positions: Vec<i64> = list.iter().map(|(p, _)| *p).collect();
            assert_eq!(
                positions,
                (1..=list.len() as i64).collect::<Vec<_>>(),
                "places on {id}'s list"
            );
            assert_eq!(
                shown["enrolled"].as_i64(),
                Some(held.len() as i64),
                "{id}'s seat count against its roster"
            );
            assert_eq!(
                shown["waitlisted"].as_i64(),
                Some(list.len() as i64),
                "{id}'s list length against its rows"
            );
            let section = &mut seen.sections[c];
            section.capacity = shown["capacity"].as_i64().unwrap() as i32;
            section.archived = shown["archived"].as_bool().unwrap_or(false);
            section.roster = held;
            section.list = list.iter().map(|(_, s)| *s).collect();
        }
        seen
    }

    /// Whether the service's state `seen` is the model's.
    pub fn assert_state_matches(&self, seen: &Model) -> Result<(), String> {
        for (c, (want, got)) in self.model.sections.iter().zip(&seen.sections).enumerate() {
            let mut roster = want.roster.clone();
            roster.sort();
            let want = (want.capacity, want.archived, roster, want.list.clone());
            let got = (got.capacity, got.archived, got.roster.clone(), got.list.clone());
            if want != got {
                return Err(format!(
                    "section {c}: model (capacity, archived, roster, list) {want:?}, service {got:?}"
                ));
            }
        }
        for (s, (want, got)) in self.model.students.iter().zip(&seen.students).enumerate() {
            if want.holds != got.holds {
                return Err(format!(
                    "student {s}: model {} holds, service {}",
                    want.holds, got.holds
                ));
            }
            let (mut wanted, mut found) = (want.completed.clone(), got.completed.clone());
            wanted.sort();
            found.sort();
            if wanted != found {
                return Err(format!("student {s}: model completions {wanted:?}, service {found:?}"));
            }
            if want.credits != got.credits {
                return Err(format!(
                    "student {s}: model {} credits, service {}",
                    want.credits, got.credits
                ));
            }
        }
        Ok(())
    }
}
