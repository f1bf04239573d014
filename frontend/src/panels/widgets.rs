//! View pieces the panels share: a data table and a labelled text field.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::CallError;
use crate::service::Service;

/// A column heading of [`data_table`].
#[derive(Debug, Clone, Copy)]
pub enum Column {
    Shown(&'static str),
    /// Read by screen readers only (a column of buttons or statuses).
    Hidden(&'static str),
}

/// `rows` under `columns`, scrolling sideways on a narrow screen; `class`
/// is the table's (`table`, `table catalogue`, ...).
pub fn data_table(class: &'static str, columns: &[Column], rows: impl IntoView + 'static) -> impl IntoView {
    let headings = columns
        .iter()
        .map(|column| match *column {
            Column::Shown(text) => view! { <th scope="col">{text}</th> }.into_any(),
            Column::Hidden(text) => view! {
                <th scope="col">
                    <span class="sr-only">{text}</span>
                </th>
            }
            .into_any(),
        })
        .collect_view();
    // Focusable, so a keyboard can scroll a table wider than the screen.
    view! {
        <div class="table-scroll" tabindex="0">
            <table class=class>
                <thead>
                    <tr>{headings}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// A label and its input, bound to `value`, as the form grid lays them out.
#[component]
pub fn TextField(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    /// The input's `type`: `text`, `email`, `password`, `number`.
    #[prop(default = "text")]
    kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] minlength: Option<usize>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input
            id=id
            type=kind
            autocomplete=autocomplete
            placeholder=placeholder
            minlength=minlength.map(|n| n.to_string())
            required=required
            autofocus=autofocus
            bind:value=value
        />
    }
}

/// A field for a password being chosen: the password rule's least length,
/// and the browser's password manager told the password is new.
#[component]
pub fn NewPasswordField(id: &'static str, label: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <TextField
            id=id
            label=label
            value=value
            kind="password"
            autocomplete="new-password"
            required=true
            minlength=shared_types::password::MIN_CHARS
        />
    }
}

/// The CSV files the app offers.
pub const CSV: &str = "text/csv;charset=utf-8";

/// Offers `text` to the person as a file download named `name`, of media
/// type `kind` ([`CSV`], say).
pub fn save_file(name: &str, text: &str, kind: &str) -> Result<(), wasm_bindgen::JsValue> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(kind);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let link: web_sys::HtmlAnchorElement = document().create_element("a")?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // Revoked a moment later: some browsers start reading the file only
    // after the click has returned.
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// Reads the file just chosen in the file input of `ev` into `text`.
pub fn read_chosen_file(ev: &leptos::ev::Event, text: RwSignal<String>) {
    let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
        return;
    };
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return;
    };
    leptos::task::spawn_local(async move {
        if let Ok(content) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
            text.try_set(content.as_string().unwrap_or_default());
        }
    });
}

/// A list read each time its `<details>` is opened (so never stale when
/// looked at): "Loading…", the service's error, `empty`, or `show(items)`.
/// `list` is the caller's, to change what is shown after an action.
pub fn list_on_open<T, Fut, V>(
    class: &'static str,
    summary: String,
    empty: &'static str,
    list: RwSignal<Option<Result<Vec<T>, CallError>>>,
    fetch: impl Fn() -> Fut + 'static,
    show: impl Fn(Vec<T>) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Vec<T>, CallError>> + 'static,
    V: IntoView + 'static,
{
    let open = move |ev: leptos::ev::Event| {
        if !event_target::<web_sys::HtmlDetailsElement>(&ev).open() {
            return;
        }
        let read = fetch();
        leptos::task::spawn_local(async move {
            list.try_set(Some(read.await));
        });
    };
    view! {
        <details class=class on:toggle=open>
            <summary>{summary}</summary>
            {move || match list.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(error)) => {
                    view! {
                        <p class="feedback error" role="alert">
                            {error.to_string()}
                        </p>
                    }
                        .into_any()
                }
                Some(Ok(items)) if items.is_empty() => view! { <p class="muted">{empty}</p> }.into_any(),
                Some(Ok(items)) => show(items).into_any(),
            }}
        </details>
    }
}

/// A file the app fetched for the person to save: its name, its text and
/// its media type.
pub struct Download {
    pub name: String,
    pub text: String,
    pub kind: &'static str,
}

/// A button that fetches a file from `service` and offers it as a
/// download, with the reason under it if the fetch fails.
pub fn download_button<F, Fut>(label: &'static str, service: Service, fetch: F) -> impl IntoView
where
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = Result<Download, CallError>> + 'static,
{
    let download = Action::new_unsync(move |_: &()| {
        let fetched = fetch();
        async move {
            let file = fetched.await?;
            save_file(&file.name, &file.text, file.kind).map_err(|_| CallError::BadAnswer(service))
        }
    });
    let failed = move || {
        download
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| view! { <p class="feedback error">{error.to_string()}</p> })
    };
    view! {
        <div class="export">
            <button
                type="button"
                class="secondary small"
                disabled=move || download.pending().get()
                on:click=move |_| {
                    download.dispatch(());
                }
            >
                {label}
            </button>
            <div role="status" aria-live="polite">
                {failed}
            </div>
        </div>
    }
}
