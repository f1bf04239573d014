//! Model-based tests of the registration rules: random sequences of
//! operations from several students and an admin, applied to the reference
//! model and to the real service (SQLite and PostgreSQL); every answer and
//! the final state must agree, and the invariants hold after each step.
//! A concurrent variant fires random operations from many students at once
//! and checks every invariant and every answer against the final state.
//!
//! `MODEL_CASES` sets the number of sequences (150 by default, as CI runs
//! it: a rule taken out of one path is found within about 300) and
//! `MODEL_ROUNDS` the concurrent histories (4); a longer run:
//! `MODEL_CASES=2000 MODEL_ROUNDS=40 cargo test -p course-service model`.

mod concurrent;
mod reference;
mod world;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use testkit::{on_both_backends, Backend};

use crate::support::TestCourses;
use concurrent::concurrent_histories_keep_every_invariant;
use reference::Op;
use world::World;

on_both_backends!(
    random_sequences_agree_with_the_reference_model,
    concurrent_histories_keep_every_invariant,
);

const STUDENTS: usize = 4;
const SECTIONS: usize = 4;

fn cases() -> u32 {
    std::env::var("MODEL_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(150)
}

fn an_op() -> impl Strategy<Value = Op> {
    let s = 0..STUDENTS;
    let c = 0..SECTIONS;
    prop_oneof![
        4 => (s.clone(), c.clone()).prop_map(|(s, c)| Op::Enroll(s, c)),
        4 => (s.clone(), c.clone()).prop_map(|(s, c)| Op::Join(s, c)),
        3 => (s.clone(), c.clone()).prop_map(|(s, c)| Op::Drop(s, c)),
        1 => (s.clone(), c.clone()).prop_map(|(s, c)| Op::Leave(s, c)),
        1 => (s.clone(), c.clone()).prop_map(|(s, c)| Op::Override(s, c)),
        1 => (c.clone(), 1..4i32).prop_map(|(c, n)| Op::SetCapacity(c, n)),
        1 => (c, any::<bool>()).prop_map(|(c, archived)| Op::Archive(c, archived)),
        1 => (s.clone(), prop_oneof![Just(None), Just(Some(0)), Just(Some(6)), Just(Some(10))])
            .prop_map(|(s, limit)| Op::SetLimit(s, limit)),
        2 => s.clone().prop_map(Op::PlaceHold),
        2 => s.clone().prop_map(Op::LiftHold),
        2 => (s, 0..2usize, prop_oneof![Just(0), Just(10), Just(20), Just(30)])
            .prop_map(|(s, which, tenths)| Op::RecordCompletion(s, which, tenths)),
    ]
}

async fn random_sequences_agree_with_the_reference_model(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        proptest::collection::vec(1..3i32, SECTIONS),
        proptest::collection::vec(an_op(), 1..30),
    );
    let outcome = tokio::task::block_in_place(|| {
        runner.run(&strategy, |(capacities, ops)| {
            handle.block_on(agree_on(&app, &capacities, &ops))
        })
    });
    if let Err(failure) = outcome {
        panic!("the service and the model disagree: {failure}");
    }
}

/// Applies `ops` to a fresh world of `capacities` in the service and in
/// the model; the first disagreement or broken invariant fails the case.
async fn agree_on(app: &TestCourses, capacities: &[i32], ops: &[Op]) -> Result<(), TestCaseError> {
    let mut world = World::create(app, capacities, STUDENTS).await;
    for (step, op) in ops.iter().enumerate() {
        let before = world.model.clone();
        let expected = world.model.apply(op);
        let answered = world.send(app, op).await;
        if answered != expected && !before.also_true(op, &answered) {
            prop_assert_eq!(&answered, &expected, "step {} {:?}", step, op);
        }
        let broken = world.model.violations(true);
        prop_assert!(
            broken.is_empty(),
            "step {} {:?}: the model itself breaks {:?}",
            step,
            op,
            broken
        );
    }
    let seen = world.observe(app).await;
    world.assert_state_matches(&seen).map_err(TestCaseError::fail)?;
    Ok(())
}
