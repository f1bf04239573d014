//! The page: the top bar with the status strip, then sign-in or the panels
//! of the signed-in user's roles.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared_types::auth::User;
use shared_types::Role;

use crate::api::Api;
use crate::config::Config;
use crate::panels::account::Account;
use crate::panels::admin::{AdminCourses, AdminUsers};
use crate::panels::admin_courses::AdminCourseList;
use crate::panels::admin_holds::AdminHolds;
use crate::panels::admin_import::AdminImport;
use crate::panels::admin_terms::AdminTerms;
use crate::panels::catalogue::Catalogue;
use crate::panels::my_courses::MyCourses;
use crate::panels::my_grades::MyGrades;
use crate::panels::registration_day::RegistrationDay;
use crate::panels::signin::SignIn;
use crate::panels::teaching::Teaching;
use crate::panels::{take_focus_if_lost, EnrollmentWrites};
use crate::session::CurrentSession;
use crate::status::StatusStrip;

#[component]
pub fn App() -> impl IntoView {
    let config = RwSignal::new(None::<Config>);
    spawn_local(async move {
        config.set(Some(Config::load().await));
    });
    move || match config.get() {
        Some(config) => view! { <Shell config=config /> }.into_any(),
        None => view! { <p class="boot muted">"Loading…"</p> }.into_any(),
    }
}

#[component]
fn Shell(config: Config) -> impl IntoView {
    let session = CurrentSession::restore();
    let api = Api::new(&config, session);
    provide_context(api.clone());

    let user = Memo::new(move |_| session.user());
    let sign_out = move |_| api.sign_out();

    view! {
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
        <header class="topbar">
            <span class="brand">"Course enrollment"</span>
            <StatusStrip />
            {move || {
                user.get()
                    .map(|u| {
                        view! {
                            <div class="who">
                                <span class="who-name">{u.name.clone()}</span>
                                <span class="muted small">{role_names(&u)}</span>
                                <button type="button" class="secondary" on:click=sign_out.clone()>
                                    "Sign out"
                                </button>
                            </div>
                        }
                    })
            }}
        </header>
        {move || match user.get() {
            None => view! { <SignIn /> }.into_any(),
            Some(user) => view! { <Dashboard user=user /> }.into_any(),
        }}
    }
}

fn role_names(user: &User) -> String {
    user.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
}

#[component]
fn Dashboard(user: User) -> impl IntoView {
    // One set per signed-in user: a new sign-in starts with no outcome shown.
    provide_context(EnrollmentWrites::new(&expect_context::<Api>()));
    let has = |role: Role| user.roles.contains(&role);
    let student = has(Role::Student).then(|| {
        view! {
            <div class="columns">
                <Catalogue can_enroll=true />
                <div class="stack">
                    <MyCourses />
                    <MyGrades />
                </div>
            </div>
        }
    });
    let teacher = has(Role::Teacher).then(|| view! { <Teaching /> });
    let admin = has(Role::Admin).then(|| {
        view! {
            <RegistrationDay />
            <div class="columns">
                <AdminUsers />
                <div class="stack">
                    <AdminCourses />
                    <AdminCourseList />
                </div>
            </div>
            <AdminTerms />
            <AdminHolds />
            <AdminImport />
        }
    });
    // Signed in (the form that had focus is gone): reading starts here.
    let title = NodeRef::<leptos::html::H1>::new();
    take_focus_if_lost(title);
    // Staff see the catalogue read-only; students have it above already.
    let staff_catalogue = (!has(Role::Student)).then(|| view! { <Catalogue can_enroll=false /> });
    view! {
        <main class="dashboard" id="main">
            <h1 class="page-title" tabindex="-1" node_ref=title>
                {format!("Hello, {}", user.name)}
            </h1>
            {student}
            {teacher}
            {admin}
            {staff_catalogue}
            <Account email=user.email.clone() />
        </main>
    }
}
