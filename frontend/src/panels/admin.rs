//! Admin: create users (auth-service) and courses (course-service).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared_types::auth::{CreateUserRequest, SetupCodeIssued, User};
use shared_types::courses::CreateCourseRequest;
use shared_types::search::SearchWords;
use shared_types::Role;
use uuid::Uuid;

use super::frame::{feedback_line, panel, Feedback};
use super::widgets::{data_table, Column::Shown, NewPasswordField, TextField};
use super::{on_each_outcome, EnrollmentWrites};
use crate::api::{Api, CallError};
use crate::loader::Loader;
use crate::service::Service;

/// What an admin does to accounts, held by the panel rather than by the
/// rows and the form: those are drawn again when the list reloads, and an
/// outcome still on its way must outlive them.
#[derive(Clone, Copy)]
struct UserWrites {
    create: Action<CreateUserRequest, Result<User, CallError>>,
    /// `(user, disable)`.
    set_disabled: Action<(Uuid, bool), Result<User, CallError>>,
    /// `(user, temporary password)`.
    reset_password: Action<(Uuid, String), Result<User, CallError>>,
    /// A new setup code for a user whose code expired or was lost.
    new_setup_code: Action<Uuid, Result<SetupCodeIssued, CallError>>,
}

impl UserWrites {
    fn new(api: &Api) -> Self {
        let create = {
            let api = api.clone();
            Action::new_unsync(move |request: &CreateUserRequest| {
                let (api, request) = (api.clone(), request.clone());
                async move { api.create_user(&request).await }
            })
        };
        let set_disabled = {
            let api = api.clone();
            Action::new_unsync(move |&(user, disable): &(Uuid, bool)| {
                let api = api.clone();
                async move { api.set_disabled(user, disable).await }
            })
        };
        let reset_password = {
            let api = api.clone();
            Action::new_unsync(move |(user, password): &(Uuid, String)| {
                let (api, user, password) = (api.clone(), *user, password.clone());
                async move { api.reset_password(user, password).await }
            })
        };
        let new_setup_code = {
            let api = api.clone();
            Action::new_unsync(move |&user: &Uuid| {
                let api = api.clone();
                async move { api.issue_setup_code(user).await }
            })
        };
        Self {
            create,
            set_disabled,
            reset_password,
            new_setup_code,
        }
    }

    /// Whether an action on `user`'s account is on its way.
    fn pending_for(self, user: Uuid) -> bool {
        self.set_disabled.input().with(|i| i.is_some_and(|(id, _)| id == user))
            || self
                .reset_password
                .input()
                .with(|i| i.as_ref().is_some_and(|(id, _)| *id == user))
            || self.new_setup_code.input().with(|i| *i == Some(user))
    }
}

/// The users, and a form to create one.
#[component]
pub fn AdminUsers() -> impl IntoView {
    let api = expect_context::<Api>();
    let writes = UserWrites::new(&api);
    let loader = {
        let api = api.clone();
        Loader::new(move || {
            let api = api.clone();
            async move { api.users(None, "").await }
        })
    };
    expect_context::<EnrollmentWrites>().reload_after_user_imports(move || loader.reload());
    // Kept out here: the form and the rows are drawn again when the list
    // reloads after an action, and their lines must outlive that.
    let feedback = RwSignal::new(None::<Feedback>);
    let row_feedback = RwSignal::new(None::<Feedback>);
    on_each_outcome(writes.create, move |result| {
        feedback.set(Some(match result {
            Ok(user) => Feedback::ok(format!("Created {} ({}).", user.name, user.email)),
            Err(error) => Feedback::error(&error),
        }));
        loader.reload();
    });
    on_each_outcome(writes.set_disabled, move |result| {
        row_feedback.set(Some(match result {
            Ok(user) if user.disabled => Feedback::ok(format!(
                "Disabled {} ({}): every session of theirs has ended.",
                user.name, user.email
            )),
            Ok(user) => Feedback::ok(format!("Enabled {} ({}).", user.name, user.email)),
            Err(error) => Feedback::error(&error),
        }));
        loader.reload();
    });
    on_each_outcome(writes.reset_password, move |result| {
        row_feedback.set(Some(match result {
            Ok(user) => Feedback::ok(format!(
                "Reset the password of {} ({}): they choose a new one at their next sign-in.",
                user.name, user.email
            )),
            Err(error) => Feedback::error(&error),
        }));
        loader.reload();
    });
    on_each_outcome(writes.new_setup_code, move |result| {
        row_feedback.set(Some(match result {
            Ok(issued) => Feedback::ok(format!(
                "New setup code for {} ({}): {} (shown only now; it works until {} UTC, once).",
                issued.user.name,
                issued.user.email,
                issued.setup_code.expose(),
                issued
                    .user
                    .temporary_until
                    .map(|at| at.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "it is used".into()),
            )),
            Err(error) => Feedback::error(&error),
        }));
        loader.reload();
    });
    // Whether the list is unfolded, and its search, kept across the reload
    // after an action.
    let list_open = RwSignal::new(false);
    let search = RwSignal::new(String::new());
    let render = move |users: Vec<User>| {
        view! {
            <NewUserForm writes=writes feedback=feedback />
            {users_table(users, list_open, search, row_feedback, writes)}
        }
    };
    panel("admin-users", "Users".into(), Service::Auth, loader, render)
}

/// Every user (or those the search finds), with what an admin can do to an
/// account: disable or enable it, or reset its password (the user then
/// chooses a new one).
fn users_table(
    users: Vec<User>,
    open: RwSignal<bool>,
    search: RwSignal<String>,
    feedback: RwSignal<Option<Feedback>>,
    writes: UserWrites,
) -> impl IntoView {
    let users = StoredValue::new(users);
    let found = Memo::new(move |_| {
        let words = SearchWords::new(&search.read());
        users.with_value(|all| {
            all.iter()
                .filter(|u| words.match_fields(&[&u.name, &u.email]))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let rows = view! {
        <For
            each=move || found.get()
            key=|user| (user.id, user.disabled, user.must_change_password, user.temporary_until)
            children=move |user| view! { <UserRow user=user feedback=feedback writes=writes /> }
        />
    };
    view! {
        <details
            class="user-list"
            prop:open=move || open.get_untracked()
            on:toggle=move |ev| open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())
        >
            <summary>"All users"</summary>
            <label for="user-q">"Find a user"</label>
            <input id="user-q" type="search" placeholder="Name or email" bind:value=search />
            <p class="muted small" aria-live="polite">
                {move || {
                    let (shown, all) = (found.with(Vec::len), users.with_value(Vec::len));
                    format!("{shown} of {all} users")
                }}
            </p>
            {feedback_line("user-action-message", feedback)}
            {data_table("table", &[Shown("Name"), Shown("Email"), Shown("Roles"), Shown("Account")], rows)}
        </details>
    }
}

#[component]
fn UserRow(user: User, feedback: RwSignal<Option<Feedback>>, writes: UserWrites) -> impl IntoView {
    let roles = user.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
    let expired = user
        .temporary_until
        .is_some_and(|until| (until.timestamp_millis() as f64) <= js_sys::Date::now());
    let status = if user.disabled {
        "disabled"
    } else if user.must_change_password && expired {
        "setup code or temporary password expired"
    } else if user.must_change_password {
        "must choose a new password"
    } else {
        "active"
    };
    let temporary = RwSignal::new(String::new());
    let (id, disabled) = (user.id, user.disabled);
    let email = StoredValue::new(user.email.clone());
    let pending = move || writes.pending_for(id);
    let submit_reset = move |ev: SubmitEvent| {
        ev.prevent_default();
        let password = temporary.get_untracked();
        if let Err(weak) = shared_types::password::check_new_password(&password, &email.get_value()) {
            feedback.set(Some(Feedback::problem(weak.message)));
            return;
        }
        writes.reset_password.dispatch((id, password));
    };
    view! {
        <tr data-user-email=user.email.clone() data-account=status>
            <th scope="row">{user.name.clone()}</th>
            <td>{user.email.clone()}</td>
            <td>{roles}</td>
            <td class="account-actions">
                <span class="small">{status}</span>
                <button
                    type="button"
                    class="secondary small"
                    data-testid="toggle-disabled"
                    disabled=pending
                    on:click=move |_| {
                        writes.set_disabled.dispatch((id, !disabled));
                    }
                >
                    {if disabled { "Enable" } else { "Disable" }}
                </button>
                <form class="inline-form" on:submit=submit_reset>
                    <input
                        type="password"
                        autocomplete="new-password"
                        aria-label=format!("Temporary password for {}", user.email)
                        placeholder="Temporary password"
                        required=true
                        bind:value=temporary
                    />
                    <button type="submit" class="secondary small" data-testid="reset-password" disabled=pending>
                        "Reset password"
                    </button>
                </form>
                <button
                    type="button"
                    class="secondary small"
                    data-testid="new-setup-code"
                    disabled=pending
                    on:click=move |_| {
                        writes.new_setup_code.dispatch(id);
                    }
                >
                    "New setup code"
                </button>
            </td>
        </tr>
    }
}

#[component]
fn NewUserForm(writes: UserWrites, feedback: RwSignal<Option<Feedback>>) -> impl IntoView {
    let create = writes.create;
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let roles = Role::ALL.map(|role| (role, RwSignal::new(role == Role::Student)));
    // The panel shows the outcome; the form, if it is still there, empties.
    on_each_outcome(create, move |result| {
        if result.is_ok() {
            name.set(String::new());
            email.set(String::new());
            password.set(String::new());
        }
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let request = CreateUserRequest {
            email: email.get_untracked().trim().to_owned(),
            name: name.get_untracked().trim().to_owned(),
            password: password.get_untracked().into(),
            roles: roles
                .iter()
                .filter(|(_, on)| on.get_untracked())
                .map(|(role, _)| role.as_str().to_owned())
                .collect(),
        };
        // The server's own rule, so the form says at once what it would.
        if let Err(weak) = shared_types::password::check_new_password(request.password.expose(), &request.email) {
            feedback.set(Some(Feedback::problem(weak.message)));
            return;
        }
        feedback.set(None);
        create.dispatch(request);
    };

    let role_boxes = roles
        .map(|(role, on)| {
            view! {
                <label class="check">
                    <input type="checkbox" bind:checked=on />
                    {role.as_str()}
                </label>
            }
        })
        .into_iter()
        .collect_view();

    view! {
        <form class="form-grid" on:submit=submit>
            <h3>"New user"</h3>
            <TextField id="new-user-name" label="Name" value=name required=true />
            <TextField id="new-user-email" label="Email" value=email kind="email" required=true />
            <NewPasswordField id="new-user-password" label="Initial password" value=password />
            <fieldset class="roles">
                <legend>"Roles"</legend>
                {role_boxes}
            </fieldset>
            <button type="submit" class="primary" disabled=move || create.pending().get()>
                "Create user"
            </button>
            {feedback_line("new-user-message", feedback)}
        </form>
    }
}

/// A form to create a course, with the teachers from auth-service to pick from.
#[component]
pub fn AdminCourses() -> impl IntoView {
    let api = expect_context::<Api>();
    let teachers = Loader::new(move || {
        let api = api.clone();
        async move { api.users(Some(Role::Teacher), "").await }
    });
    // Teachers just imported can be picked.
    expect_context::<EnrollmentWrites>().reload_after_user_imports(move || teachers.reload());
    panel(
        "admin-courses",
        "New course".into(),
        Service::Auth,
        teachers,
        |teachers: Vec<User>| {
            view! { <NewCourseForm teachers=teachers /> }
        },
    )
}

#[component]
fn NewCourseForm(teachers: Vec<User>) -> impl IntoView {
    let create = expect_context::<EnrollmentWrites>().create_course;
    let code = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let capacity = RwSignal::new("30".to_owned());
    let teacher = RwSignal::new(teachers.first().map(|t| t.id));
    let feedback = RwSignal::new(None::<Feedback>);
    on_each_outcome(create, move |result| match result {
        Ok(course) => {
            feedback.set(Some(Feedback::ok(format!("Created {} {}.", course.code, course.title))));
            code.set(String::new());
            title.set(String::new());
            description.set(String::new());
        }
        Err(error) => feedback.set(Some(Feedback::error(&error))),
    });
    let names = StoredValue::new(teachers.iter().map(|t| (t.id, t.name.clone())).collect::<Vec<_>>());

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(teacher_id) = teacher.get_untracked() else {
            feedback.set(Some(Feedback::problem("Pick a teacher first.")));
            return;
        };
        let Ok(seats) = capacity.get_untracked().trim().parse::<i64>() else {
            feedback.set(Some(Feedback::problem("Capacity must be a whole number of seats.")));
            return;
        };
        let teacher_name =
            names.with_value(|n| n.iter().find(|(id, _)| *id == teacher_id).map(|(_, name)| name.clone()));
        let request = CreateCourseRequest {
            code: code.get_untracked().trim().to_owned(),
            title: title.get_untracked().trim().to_owned(),
            description: description.get_untracked().trim().to_owned(),
            capacity: seats,
            teacher_id,
            teacher_name: teacher_name.unwrap_or_default(),
            credits: None,
            term_id: None,
            section: None,
        };
        feedback.set(None);
        create.dispatch(request);
    };

    let options = teachers
        .into_iter()
        .map(|t| view! { <option value=t.id.to_string()>{format!("{} ({})", t.name, t.email)}</option> })
        .collect_view();

    view! {
        <form class="form-grid" on:submit=submit>
            <TextField id="new-course-code" label="Code" value=code required=true placeholder="CS301" />
            <TextField id="new-course-title" label="Title" value=title required=true />
            <label for="new-course-description">"Description"</label>
            <textarea id="new-course-description" rows="2" bind:value=description></textarea>
            <label for="new-course-capacity">"Seats"</label>
            <input id="new-course-capacity" type="number" min="1" max="10000" required=true bind:value=capacity />
            <label for="new-course-teacher">"Teacher"</label>
            <select
                id="new-course-teacher"
                on:change=move |ev| teacher.set(Uuid::parse_str(&event_target_value(&ev)).ok())
            >
                {options}
            </select>
            <button type="submit" class="primary" disabled=move || create.pending().get()>
                "Create course"
            </button>
            {feedback_line("new-course-message", feedback)}
        </form>
    }
}
