//! Concurrent histories: many students at once, each sending a random
//! sequence of enrollments, joins, drops and leaves (one request at a time,
//! so that a student's own history has an order), while the admin changes
//! capacities and places and lifts holds. No model can predict the
//! interleaving; instead, the final state must keep every invariant, every
//! student's last answer on a section must be true of it, and the audit
//! trail must hold each student's attempts, one row each, as answered.

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::{Method, StatusCode};
use serde_json::json;
use testkit::{status_and_body, Backend};
use uuid::Uuid;

use super::reference::{Answer, Op};
use super::world::World;
use super::SECTIONS;
use crate::support::TestCourses;
use crate::terms::admin;

const STUDENTS: usize = 16;
const OPS_PER_STUDENT: usize = 14;
const OWN_LIMIT: i32 = 10;

/// xorshift64: enough randomness for a history, and repeatable from the
/// seed the test prints.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn seed() -> u64 {
    std::env::var("MODEL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 | 1)
}

pub async fn concurrent_histories_keep_every_invariant(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let seed = seed();
    println!("concurrent history seed: MODEL_SEED={seed}");
    let rounds = std::env::var("MODEL_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4u64);
    for round in 0..rounds {
        one_history(&app, seed.wrapping_add(round)).await;
    }
}

async fn one_history(app: &TestCourses, seed: u64) {
    let mut rng = Rng(seed);
    let capacities: Vec<i32> = (0..SECTIONS).map(|_| 1 + rng.below(3) as i32).collect();
    let mut world = World::create(app, &capacities, STUDENTS).await;
    for s in 0..STUDENTS {
        let op = Op::SetLimit(s, Some(OWN_LIMIT));
        world.model.apply(&op);
        assert_eq!(world.send(app, &op).await, Answer::Done);
    }
    let histories: Vec<Vec<Op>> = (0..STUDENTS)
        .map(|s| {
            (0..OPS_PER_STUDENT)
                .map(|_| {
                    let c = rng.below(SECTIONS);
                    match rng.below(10) {
                        0..=2 => Op::Enroll(s, c),
                        3..=5 => Op::Join(s, c),
                        6..=8 => Op::Drop(s, c),
                        _ => Op::Leave(s, c),
                    }
                })
                .collect()
        })
        .collect();
    // The admin changes capacities, places and lifts holds and records
    // completions while the students enroll and wait: a lift or a
    // completion must hand the student the seats their lists passed them
    // over for.
    let admin_ops: Vec<Op> = (0..OPS_PER_STUDENT)
        .map(|_| match rng.below(4) {
            0 => Op::SetCapacity(rng.below(SECTIONS), 1 + rng.below(4) as i32),
            1 => Op::PlaceHold(rng.below(STUDENTS)),
            2 => Op::LiftHold(rng.below(STUDENTS)),
            _ => Op::RecordCompletion(rng.below(STUDENTS), rng.below(2), 10 * rng.below(4) as i32),
        })
        .collect();

    let world_ref = &world;
    let run = |ops: Vec<Op>| async move {
        let mut answered = Vec::new();
        for op in ops {
            let answer = world_ref.send(app, &op).await;
            answered.push((op, answer));
        }
        answered
    };
    let students = testkit::join_all(histories.into_iter().map(run));
    let (answers, _) = tokio::join!(students, run(admin_ops));

    let seen = world.observe(app).await;
    let mut broken = seen.violations(false);
    for (s, student) in seen.students.iter().enumerate() {
        if student.credits > OWN_LIMIT {
            broken.push(format!(
                "student {s}: {} credits above the limit {OWN_LIMIT}",
                student.credits
            ));
        }
    }
    for history in &answers {
        for (op, answer) in history {
            if let Answer::Refused(code) = answer {
                if code.ends_with("_unavailable") || code == "busy" || code == "internal_error" {
                    broken.push(format!("{op:?} answered {code}: a failure of ours"));
                }
            }
        }
        broken.extend(last_answers_hold(history, &seen));
    }
    for (s, history) in answers.iter().enumerate() {
        broken.extend(audit_holds_each_attempt(app, world.model.students[s].id, history).await);
    }
    assert!(broken.is_empty(), "seed {seed}: {broken:#?}");
}

/// The student's own attempts on their audit trail: one row each, in
/// the order they made them, accepted or refused as they were answered,
/// with the code they were answered.
async fn audit_holds_each_attempt(app: &TestCourses, student: Uuid, history: &[(Op, Answer)]) -> Vec<String> {
    let path = format!("/students/{student}/audit");
    let (status, trail) = status_and_body(app.call(Method::GET, &path, &admin(app), None).await).await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    let recorded: Vec<(String, String)> = trail
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .filter(|event| event["actor_id"] == json!(student))
        .map(|event| {
            let field = |name: &str| event[name].as_str().unwrap().to_owned();
            (field("action"), field("code"))
        })
        .collect();
    let expected: Vec<(String, String)> = history
        .iter()
        .map(|(op, answer)| {
            let action = match op {
                Op::Enroll(..) => "enroll",
                Op::Join(..) => "join",
                Op::Drop(..) => "drop",
                _ => "leave",
            };
            let code = match (op, answer) {
                (_, Answer::Refused(code)) => code.as_str(),
                (_, Answer::Enrolled) => "enrolled",
                (_, Answer::Waiting(_)) => "waiting",
                (Op::Drop(..), _) => "dropped",
                _ => "left",
            };
            (action.to_owned(), code.to_owned())
        })
        .collect();
    if recorded == expected {
        Vec::new()
    } else {
        vec![format!(
            "student {student}'s trail {recorded:?} is not their attempts {expected:?}"
        )]
    }
}

/// A student's last successful answer on each section must be true of the
/// final state: enrolled stays enrolled (only they drop), waiting is
/// waiting or promoted, a drop or a leave leaves them neither.
fn last_answers_hold(history: &[(Op, Answer)], seen: &super::reference::Model) -> Vec<String> {
    let mut broken = Vec::new();
    for c in 0..SECTIONS {
        let last = history.iter().rev().find(|(op, answer)| {
            let on_c = matches!(*op, Op::Enroll(_, x) | Op::Join(_, x) | Op::Drop(_, x) | Op::Leave(_, x) if x == c);
            on_c && !matches!(answer, Answer::Refused(_))
        });
        let Some((op, answer)) = last else { continue };
        let s = match *op {
            Op::Enroll(s, _) | Op::Join(s, _) | Op::Drop(s, _) | Op::Leave(s, _) => s,
            _ => unreachable!(),
        };
        let section = &seen.sections[c];
        let (enrolled, waiting) = (section.roster.contains(&s), section.list.contains(&s));
        let holds = match answer {
            Answer::Enrolled => enrolled && !waiting,
            Answer::Waiting(_) => enrolled != waiting,
            _ => !enrolled && !waiting,
        };
        if !holds {
            broken.push(format!(
                "student {s}, section {c}: last answered {answer:?} to {op:?}, but enrolled {enrolled}, waiting {waiting}"
            ));
        }
    }
    broken
}
