//! The frame every panel shares: its title, its state for people and for
//! tests (`data-state`), and the error that names the service that is away.

use leptos::prelude::*;

use crate::api::{kilobytes, Api, CallError};
use crate::loader::{LoadState, Loader};
use crate::service::Service;

/// A panel around `loader`'s data from `service`. The content is rebuilt
/// only when the data changes, so a refresh that brings nothing new leaves
/// forms alone.
pub fn panel<T, V, R>(
    name: &'static str,
    title: String,
    service: Service,
    loader: Loader<T>,
    render: R,
) -> impl IntoView
where
    T: Clone + PartialEq + Send + Sync + 'static,
    V: IntoView + 'static,
    R: Fn(T) -> V + Send + Sync + 'static,
{
    let state = loader.state();
    let shown = Memo::new(move |_| state.get());
    let phase = Signal::derive(move || shown.with(|s| s.name()));
    let loading = loading_view(service);
    frame(name, title, phase, move || match shown.get() {
        LoadState::Loading => loading(),
        LoadState::Failed(error) => panel_error(error, move || loader.reload()).into_any(),
        LoadState::Ready(data) => render(data).into_any(),
    })
}

/// Like [`panel`], but the view is made once, when the data first arrives
/// (and again after an error), and follows each newer answer through the
/// signal it is given: what the person is doing in it (typing in a search
/// box, a focused button) survives a refresh.
pub fn live_panel<T, V, R>(
    name: &'static str,
    title: String,
    service: Service,
    loader: Loader<T>,
    render: R,
) -> impl IntoView
where
    T: Clone + PartialEq + Send + Sync + 'static,
    V: IntoView + 'static,
    R: Fn(Signal<T>) -> V + Send + Sync + 'static,
{
    let state = loader.state();
    let phase = Memo::new(move |_| state.with(|s| s.name()));
    // The newest data, kept while a refresh fails or runs.
    let latest = Memo::new(move |previous: Option<&Option<T>>| {
        state.with(|s| match s {
            LoadState::Ready(data) => Some(data.clone()),
            _ => previous.cloned().flatten(),
        })
    });
    let data = Signal::derive(move || latest.get().expect("rendered only once loaded"));
    let loading = loading_view(service);
    frame(name, title, phase.into(), move || match phase.get() {
        "ready" => render(data).into_any(),
        "error" => (move || {
            state
                .with(|s| match s {
                    LoadState::Failed(error) => Some(error.clone()),
                    _ => None,
                })
                .map(|error| panel_error(error, move || loader.reload()))
        })
        .into_any(),
        _ => loading(),
    })
}

/// The section every panel is: its title, and `content` as `phase`
/// (`loading`, `ready`, `error`) has it.
fn frame(
    name: &'static str,
    title: String,
    phase: Signal<&'static str>,
    content: impl Fn() -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <section
            class="panel"
            data-panel=name
            data-state=move || phase.get()
            aria-busy=move || (phase.get() == "loading").to_string()
        >
            <h2>{title}</h2>
            {content}
        </section>
    }
}

/// What a panel shows while its data is on the way.
fn loading_view(service: Service) -> impl Fn() -> AnyView + Send + Sync + 'static {
    let arriving = expect_context::<Api>().client(service).arriving();
    move || {
        let arriving = arriving.clone();
        view! {
            <p class="muted" data-testid="panel-loading">
                {move || loading_text(arriving.get())}
            </p>
        }
        .into_any()
    }
}

/// What a loading panel says: a slow answer says it is on its way, so
/// nobody takes a slow link for a service that is down.
fn loading_text(arriving: Option<u64>) -> String {
    match arriving {
        Some(bytes) => format!("Loading over a slow connection: {} received so far…", kilobytes(bytes)),
        None => "Loading…".to_owned(),
    }
}

/// What a panel shows instead of its data when its service fails it.
pub fn panel_error(error: CallError, retry: impl Fn() + 'static) -> impl IntoView {
    let hint = match error {
        CallError::Unavailable(_) => {
            "The rest of the page works without it. This panel comes back by itself when the service returns."
        }
        CallError::Stalled { .. } => "The service is up; the connection is too slow or was interrupted.",
        _ => "",
    };
    view! {
        <div class="panel-error" role="alert" data-testid="panel-error">
            <p class="panel-error-title">{error.to_string()}</p>
            <p class="muted">{hint}</p>
            <button type="button" class="secondary" on:click=move |_| retry()>
                "Retry now"
            </button>
        </div>
    }
}

/// The outcome of an action (enroll, save, create), shown beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    pub ok: bool,
    pub text: String,
}

impl Feedback {
    pub fn ok(text: impl Into<String>) -> Self {
        Self {
            ok: true,
            text: text.into(),
        }
    }

    pub fn error(error: &CallError) -> Self {
        Self {
            ok: false,
            text: error.to_string(),
        }
    }

    pub fn problem(text: impl Into<String>) -> Self {
        Self {
            ok: false,
            text: text.into(),
        }
    }
}

/// The feedback line under an action; `test_id` names it for tests.
pub fn feedback_line(test_id: &'static str, feedback: impl Into<Signal<Option<Feedback>>>) -> impl IntoView {
    let feedback = feedback.into();
    // A region that stays on the page, so a screen reader reads out each
    // outcome put into it (a region inserted with its text is often missed).
    view! {
        <div class="feedback-region" aria-live="polite">
            {move || {
                feedback
                    .get()
                    .map(|f| {
                        let line = NodeRef::<leptos::html::P>::new();
                        take_focus_if_lost(line);
                        view! {
                            <p
                                node_ref=line
                                tabindex="-1"
                                class=if f.ok { "feedback ok" } else { "feedback error" }
                                data-testid=test_id
                                data-kind=if f.ok { "ok" } else { "error" }
                                role=if f.ok { "status" } else { "alert" }
                            >
                                {f.text}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// Focuses `element` once it is on the page, if focus was lost: the button
/// a person pressed has gone (an Enroll that became "Enrolled", a dropped
/// course), so focus goes to what the action answered rather than to the
/// top of the page. Focus a person put somewhere is never taken.
///
/// The pressed button often goes only when the panel reloads after the
/// action, a moment after its answer is shown: focus is watched for
/// [`FOCUS_WATCH`] while the answer is on the page.
pub fn take_focus_if_lost<E>(element: NodeRef<E>)
where
    E: leptos::html::ElementType + 'static,
    E::Output: wasm_bindgen::JsCast + Clone + 'static,
{
    Effect::new(move |_| {
        let Some(target) = element.get() else {
            return;
        };
        let Ok(target) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(target) else {
            return;
        };
        if focus_is_lost() {
            let _ = target.focus();
            return;
        }
        leptos::task::spawn_local(async move {
            let step = std::time::Duration::from_millis(100);
            let mut waited = std::time::Duration::ZERO;
            while waited < FOCUS_WATCH && target.is_connected() {
                gloo_timers::future::sleep(step).await;
                waited += step;
                if focus_is_lost() && target.is_connected() {
                    let _ = target.focus();
                    return;
                }
            }
        });
    });
}

/// How long an action's answer waits for the pressed button to go.
const FOCUS_WATCH: std::time::Duration = std::time::Duration::from_secs(3);

/// Whether nothing has focus (the page itself has it).
fn focus_is_lost() -> bool {
    document()
        .active_element()
        .is_none_or(|active| document().body().is_some_and(|body| active == *body.as_ref()))
}
