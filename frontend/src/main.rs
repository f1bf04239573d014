//! The enrollment system's browser app: a Leptos client-side app that calls
//! auth, courses and grades directly, each panel on its own.

mod api;
mod app;
mod config;
mod loader;
mod panels;
mod service;
mod session;
mod status;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
