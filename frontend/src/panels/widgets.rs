//! View pieces the panels share: a data table and a labelled text field.

use leptos::prelude::*;

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
