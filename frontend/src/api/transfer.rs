//! One request to one replica, with deadlines that tell a dead service from
//! a slow link.
//!
//! A whole-call deadline cannot tell them apart: a 600 KB catalogue on a
//! 1.6 Mbit/s phone link takes longer than any fail-fast budget while the
//! service is perfectly well. So each phase has its own rule:
//!
//! - **Reaching the service and its first byte:** the fail-fast budget, plus
//!   the link's own round trips ([`link_allowance_ms`]); a dead, hung or
//!   cut-off service is reported within it.
//! - **Sending a body:** as long as it keeps moving (an upload on a slow
//!   uplink is not a dead service); the answer's deadline starts once the
//!   body is sent.
//! - **Receiving the answer:** as long as bytes keep arriving; no bytes for
//!   [`STALL_LIMIT_MS`] ends it.
//!
//! `XMLHttpRequest` is used rather than `fetch` because it alone reports
//! when an upload has been sent, and progress in both directions.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures_util::future::{select, Either};
use gloo_net::http::Headers;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ProgressEvent, XmlHttpRequest};

/// An answer or a body that stops moving for this long is given up.
pub const STALL_LIMIT_MS: f64 = 5_000.0;

/// An answer still arriving this long after its first byte is shown as
/// arriving over a slow connection.
const SLOW_AFTER_MS: f64 = 1_000.0;

/// How often the deadlines are looked at while a request is in flight.
const TICK_MS: u32 = 100;

/// The most the link's own round trips may add to the fail-fast budget.
const MAX_LINK_ALLOWANCE_MS: f64 = 10_000.0;

/// First bytes of this many recent answers make the link's estimate.
const LINK_SAMPLES: usize = 8;

thread_local! {
    static FIRST_BYTE_TIMES: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// What the link itself adds to any answer: the quickest first byte of
/// recent answers. On a wired or campus network this is a few milliseconds
/// and the budget stays as promised; on a link where every answer takes
/// 2 s to come back, no client can tell a dead service from a live one
/// sooner than that. Read afresh at every check, so the first calls after
/// the page loads gain the allowance as soon as the first answers come.
pub fn link_allowance_ms() -> f64 {
    let quickest = FIRST_BYTE_TIMES.with_borrow(|times| times.iter().copied().fold(f64::INFINITY, f64::min));
    if quickest.is_finite() {
        quickest.min(MAX_LINK_ALLOWANCE_MS)
    } else {
        0.0
    }
}

fn record_first_byte(ms: f64) {
    FIRST_BYTE_TIMES.with_borrow_mut(|times| {
        if times.len() == LINK_SAMPLES {
            times.remove(0);
        }
        times.push(ms);
    });
}

/// What the request sends after its headers.
pub struct Outgoing<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<&'a str>,
}

/// How one attempt ended.
pub enum Outcome {
    /// The whole answer, whatever its status.
    Answered {
        status: u16,
        text: String,
        headers: Headers,
    },
    /// No first byte within the deadline, or the connection failed before
    /// one: the replica is dead, hung or cut off.
    NoAnswer,
    /// The body or the answer stopped moving after `received` bytes.
    Stalled { received: u64 },
}

/// Where an attempt is.
#[derive(Clone, Copy, PartialEq)]
enum Phase {
    Sending,
    Waiting,
    Receiving,
}

/// What the request's events have seen so far.
struct Progress {
    phase: Cell<Phase>,
    /// When the current phase began, or the last byte moved.
    moved_at: Cell<f64>,
    /// When the fail-fast budget began: the call's start, or the moment
    /// the body was sent.
    budget_from: Cell<f64>,
    /// Whether any byte of the body has gone yet.
    body_started: Cell<bool>,
    /// When the answer's first byte came.
    first_byte_at: Cell<f64>,
    received: Cell<u64>,
}

/// Sends `out`, reporting bytes of an answer that has been arriving for
/// more than [`SLOW_AFTER_MS`] to `on_bytes` (a slow connection).
/// Reaching the service and its first byte may take `budget_ms` (plus the
/// link's allowance) from `budget_from`, and again from the end of the
/// body's upload.
pub async fn send(out: Outgoing<'_>, budget_from: f64, budget_ms: f64, on_bytes: &dyn Fn(u64)) -> Outcome {
    let Ok(xhr) = XmlHttpRequest::new() else {
        return Outcome::NoAnswer;
    };
    if xhr.open(out.method, out.url).is_err() {
        return Outcome::NoAnswer;
    }
    for (name, value) in &out.headers {
        let _ = xhr.set_request_header(name, value);
    }

    let started = js_sys::Date::now();
    let progress = Rc::new(Progress {
        phase: Cell::new(if out.body.is_some() {
            Phase::Sending
        } else {
            Phase::Waiting
        }),
        moved_at: Cell::new(started),
        budget_from: Cell::new(budget_from),
        body_started: Cell::new(false),
        first_byte_at: Cell::new(0.0),
        received: Cell::new(0),
    });

    let mut resolve_done: Option<js_sys::Function> = None;
    let done = JsFuture::from(js_sys::Promise::new(&mut |resolve, _| resolve_done = Some(resolve)));
    let resolve_done = resolve_done.unwrap_or_else(|| js_sys::Function::new_no_args(""));

    let on_headers = {
        let progress = progress.clone();
        let xhr = xhr.clone();
        Closure::<dyn FnMut()>::new(move || {
            // Status 0 is a failed connection, not an answer: it says
            // nothing of how long the link takes to answer.
            let answered = xhr.status().is_ok_and(|status| status > 0);
            if xhr.ready_state() >= XmlHttpRequest::HEADERS_RECEIVED
                && progress.phase.get() != Phase::Receiving
                && answered
            {
                let now = js_sys::Date::now();
                record_first_byte(now - progress.budget_from.get().max(started));
                progress.phase.set(Phase::Receiving);
                progress.moved_at.set(now);
                progress.first_byte_at.set(now);
            }
        })
    };
    let on_download = {
        let progress = progress.clone();
        Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
            progress.received.set(event.loaded() as u64);
            progress.moved_at.set(js_sys::Date::now());
        })
    };
    let on_upload = {
        let progress = progress.clone();
        Closure::<dyn FnMut(ProgressEvent)>::new(move |_| {
            progress.body_started.set(true);
            progress.moved_at.set(js_sys::Date::now());
        })
    };
    let on_uploaded = {
        let progress = progress.clone();
        Closure::<dyn FnMut()>::new(move || {
            if progress.phase.get() == Phase::Sending {
                let now = js_sys::Date::now();
                progress.phase.set(Phase::Waiting);
                progress.moved_at.set(now);
                progress.budget_from.set(now);
            }
        })
    };
    let on_end = Closure::<dyn FnMut()>::new(move || {
        let _ = resolve_done.call0(&wasm_bindgen::JsValue::NULL);
    });

    xhr.set_onreadystatechange(Some(on_headers.as_ref().unchecked_ref()));
    xhr.set_onprogress(Some(on_download.as_ref().unchecked_ref()));
    xhr.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
    let upload = out.body.and_then(|_| xhr.upload().ok());
    if let Some(upload) = &upload {
        // Listening to the upload is what makes the browser report it.
        upload.set_onprogress(Some(on_upload.as_ref().unchecked_ref()));
        upload.set_onloadend(Some(on_uploaded.as_ref().unchecked_ref()));
    }

    let sent = match out.body {
        Some(body) => xhr.send_with_opt_str(Some(body)),
        None => xhr.send(),
    };
    let mut outcome = None;
    if sent.is_ok() {
        let mut done = done;
        let mut reported = 0;
        loop {
            match select(&mut done, TimeoutFuture::new(TICK_MS)).await {
                Either::Left(_) => break,
                Either::Right(_) => {
                    let received = progress.received.get();
                    let slow = progress.phase.get() == Phase::Receiving
                        && js_sys::Date::now() - progress.first_byte_at.get() > SLOW_AFTER_MS;
                    if slow && received != reported {
                        reported = received;
                        on_bytes(received);
                    }
                    if let Some(gave_up) = overdue(&progress, budget_ms) {
                        outcome = Some(gave_up);
                        break;
                    }
                }
            }
        }
    } else {
        outcome = Some(Outcome::NoAnswer);
    }

    // Nothing may call the closures once they are dropped below.
    xhr.set_onreadystatechange(None);
    xhr.set_onprogress(None);
    xhr.set_onloadend(None);
    if let Some(upload) = &upload {
        upload.set_onprogress(None);
        upload.set_onloadend(None);
    }
    if let Some(outcome) = outcome {
        // Stop the browser's request too, so it does not hold a connection.
        let _ = xhr.abort();
        return outcome;
    }
    match xhr.status() {
        // Status 0: the connection failed, or CORS refused the answer.
        Ok(0) | Err(_) => Outcome::NoAnswer,
        Ok(status) => Outcome::Answered {
            status,
            text: xhr.response_text().ok().flatten().unwrap_or_default(),
            headers: headers_of(&xhr),
        },
    }
}

/// The outcome to give up with, if a phase has run past its limit.
fn overdue(progress: &Progress, budget_ms: f64) -> Option<Outcome> {
    let now = js_sys::Date::now();
    let since_moved = now - progress.moved_at.get();
    let budget_spent = now - progress.budget_from.get() > budget_ms + link_allowance_ms();
    match progress.phase.get() {
        // Before any byte of the body has gone, the service has not been
        // reached: the fail-fast budget holds.
        Phase::Sending if !progress.body_started.get() => budget_spent.then_some(Outcome::NoAnswer),
        Phase::Sending => (since_moved > STALL_LIMIT_MS).then_some(Outcome::Stalled { received: 0 }),
        Phase::Waiting => budget_spent.then_some(Outcome::NoAnswer),
        Phase::Receiving => (since_moved > STALL_LIMIT_MS).then_some(Outcome::Stalled {
            received: progress.received.get(),
        }),
    }
}

fn headers_of(xhr: &XmlHttpRequest) -> Headers {
    let headers = Headers::new();
    for line in xhr.get_all_response_headers().unwrap_or_default().split("\r\n") {
        if let Some((name, value)) = line.split_once(':') {
            headers.append(name.trim(), value.trim());
        }
    }
    headers
}
