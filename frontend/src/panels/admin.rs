//! Admin: create users (auth-service) and courses (course-service).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared_types::auth::{CreateUserRequest, User};
use shared_types::courses::CreateCourseRequest;
use shared_types::Role;
use uuid::Uuid;

use super::frame::{feedback_line, panel, Feedback};
use super::EnrollmentChanges;
use crate::api::Api;
use crate::loader::Loader;
use crate::service::Service;

/// The users, and a form to create one.
#[component]
pub fn AdminUsers() -> impl IntoView {
    let api = expect_context::<Api>();
    let loader = {
        let api = api.clone();
        Loader::new(move || {
            let api = api.clone();
            async move { api.users(None).await }
        })
    };
    // Kept out here: the form is drawn again when the list reloads after a
    // creation, and its "Created ..." line must outlive that.
    let feedback = RwSignal::new(None::<Feedback>);
    let row_feedback = RwSignal::new(None::<Feedback>);
    // Whether the list is unfolded, kept across the reload after an action.
    let list_open = RwSignal::new(false);
    let render = move |users: Vec<User>| {
        view! {
            <NewUserForm feedback=feedback on_created=move || loader.reload() />
            {users_table(users, list_open, row_feedback, move || loader.reload())}
        }
    };
    panel("admin-users", "Users".into(), Service::Auth, loader, render)
}

/// Every user, with what an admin can do to an account: disable or enable
/// it, or reset its password (the user then chooses a new one).
fn users_table(
    users: Vec<User>,
    open: RwSignal<bool>,
    feedback: RwSignal<Option<Feedback>>,
    reload: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let rows = users
        .into_iter()
        .map(|user| view! { <UserRow user=user feedback=feedback reload=reload.clone() /> })
        .collect_view();
    view! {
        <details
            class="user-list"
            prop:open=move || open.get_untracked()
            on:toggle=move |ev| open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())
        >
            <summary>"All users"</summary>
            {feedback_line("user-action-message", feedback)}
            <div class="table-scroll">
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Roles"</th>
                            <th scope="col">"Account"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </details>
    }
}

#[component]
fn UserRow(
    user: User,
    feedback: RwSignal<Option<Feedback>>,
    reload: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let api = expect_context::<Api>();
    let roles = user.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
    let status = if user.disabled {
        "disabled"
    } else if user.must_change_password {
        "must choose a new password"
    } else {
        "active"
    };
    let temporary = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let (id, disabled) = (user.id, user.disabled);
    let who = StoredValue::new(format!("{} ({})", user.name, user.email));
    let email = StoredValue::new(user.email.clone());

    let toggle = {
        let (api, reload) = (api.clone(), reload.clone());
        move |_| {
            let (api, reload) = (api.clone(), reload.clone());
            pending.set(true);
            spawn_local(async move {
                let result = api.set_disabled(id, !disabled).await;
                pending.try_set(false);
                feedback.try_set(Some(match result {
                    Ok(user) if user.disabled => Feedback::ok(format!(
                        "Disabled {}: every session of theirs has ended.",
                        who.get_value()
                    )),
                    Ok(_) => Feedback::ok(format!("Enabled {}.", who.get_value())),
                    Err(error) => Feedback::error(&error),
                }));
                reload();
            });
        }
    };
    let reset = move |ev: SubmitEvent| {
        ev.prevent_default();
        let password = temporary.get_untracked();
        if let Err(weak) = shared_types::password::check_new_password(&password, &email.get_value()) {
            feedback.set(Some(Feedback::problem(weak.message)));
            return;
        }
        let (api, reload) = (api.clone(), reload.clone());
        pending.set(true);
        spawn_local(async move {
            let result = api.reset_password(id, password).await;
            pending.try_set(false);
            feedback.try_set(Some(match result {
                Ok(_) => Feedback::ok(format!(
                    "Reset the password of {}: they choose a new one at their next sign-in.",
                    who.get_value()
                )),
                Err(error) => Feedback::error(&error),
            }));
            reload();
        });
    };
    view! {
        <tr data-user-email=user.email.clone() data-account=status>
            <th scope="row">{user.name.clone()}</th>
            <td>{user.email.clone()}</td>
            <td>{roles}</td>
            <td class="account-actions">
                <span class="small">{status}</span>
                <button type="button" class="secondary small" data-testid="toggle-disabled" disabled=move || pending.get() on:click=toggle>
                    {if disabled { "Enable" } else { "Disable" }}
                </button>
                <form class="inline-form" on:submit=reset>
                    <input
                        type="password"
                        autocomplete="new-password"
                        aria-label=format!("Temporary password for {}", user.email)
                        placeholder="Temporary password"
                        required=true
                        prop:value=move || temporary.get()
                        on:input=move |ev| temporary.set(event_target_value(&ev))
                    />
                    <button type="submit" class="secondary small" data-testid="reset-password" disabled=move || pending.get()>
                        "Reset password"
                    </button>
                </form>
            </td>
        </tr>
    }
}

#[component]
fn NewUserForm(feedback: RwSignal<Option<Feedback>>, on_created: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let api = expect_context::<Api>();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let roles = Role::ALL.map(|role| (role, RwSignal::new(role == Role::Student)));
    let pending = RwSignal::new(false);
    let on_created = std::sync::Arc::new(on_created);

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
        let api = api.clone();
        let on_created = on_created.clone();
        pending.set(true);
        feedback.set(None);
        spawn_local(async move {
            let result = api.create_user(&request).await;
            pending.try_set(false);
            match result {
                Ok(user) => {
                    feedback.try_set(Some(Feedback::ok(format!("Created {} ({}).", user.name, user.email))));
                    name.try_set(String::new());
                    email.try_set(String::new());
                    password.try_set(String::new());
                    on_created();
                }
                Err(error) => {
                    feedback.try_set(Some(Feedback::error(&error)));
                }
            }
        });
    };

    let role_boxes = roles
        .map(|(role, on)| {
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=move || on.get()
                        on:change=move |ev| on.set(event_target_checked(&ev))
                    />
                    {role.as_str()}
                </label>
            }
        })
        .into_iter()
        .collect_view();

    view! {
        <form class="form-grid" on:submit=submit>
            <h3>"New user"</h3>
            <label for="new-user-name">"Name"</label>
            <input id="new-user-name" required=true prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <label for="new-user-email">"Email"</label>
            <input id="new-user-email" type="email" required=true prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) />
            <label for="new-user-password">"Initial password"</label>
            <input id="new-user-password" type="password" autocomplete="new-password" required=true minlength=shared_types::password::MIN_CHARS.to_string() prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
            <fieldset class="roles">
                <legend>"Roles"</legend>
                {role_boxes}
            </fieldset>
            <button type="submit" class="primary" disabled=move || pending.get()>"Create user"</button>
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
        async move { api.users(Some(Role::Teacher)).await }
    });
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
    let api = expect_context::<Api>();
    let changes = expect_context::<EnrollmentChanges>();
    let code = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let capacity = RwSignal::new("30".to_owned());
    let teacher = RwSignal::new(teachers.first().map(|t| t.id));
    let feedback = RwSignal::new(None::<Feedback>);
    let pending = RwSignal::new(false);
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
        };
        let api = api.clone();
        pending.set(true);
        feedback.set(None);
        spawn_local(async move {
            let result = api.create_course(&request).await;
            pending.try_set(false);
            match result {
                Ok(course) => {
                    feedback.try_set(Some(Feedback::ok(format!("Created {} {}.", course.code, course.title))));
                    code.try_set(String::new());
                    title.try_set(String::new());
                    description.try_set(String::new());
                    changes.bump();
                }
                Err(error) => {
                    feedback.try_set(Some(Feedback::error(&error)));
                }
            }
        });
    };

    let options = teachers
        .into_iter()
        .map(|t| view! { <option value=t.id.to_string()>{format!("{} ({})", t.name, t.email)}</option> })
        .collect_view();

    view! {
        <form class="form-grid" on:submit=submit>
            <label for="new-course-code">"Code"</label>
            <input id="new-course-code" required=true placeholder="CS301" prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev)) />
            <label for="new-course-title">"Title"</label>
            <input id="new-course-title" required=true prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
            <label for="new-course-description">"Description"</label>
            <textarea id="new-course-description" rows="2" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            <label for="new-course-capacity">"Seats"</label>
            <input id="new-course-capacity" type="number" min="1" max="10000" required=true prop:value=move || capacity.get() on:input=move |ev| capacity.set(event_target_value(&ev)) />
            <label for="new-course-teacher">"Teacher"</label>
            <select id="new-course-teacher" on:change=move |ev| teacher.set(Uuid::parse_str(&event_target_value(&ev)).ok())>
                {options}
            </select>
            <button type="submit" class="primary" disabled=move || pending.get()>"Create course"</button>
            {feedback_line("new-course-message", feedback)}
        </form>
    }
}
