//! What the catalogue panel shows of the catalogue: search words, open
//! seats only, the order and the page, kept in the page's address so that
//! a link (or a reload) reopens the same view.
//!
//! The parameters are those of `GET /courses` (`term`, `q`, `open`,
//! `sort`) plus `page`, so a person and a curl user speak of a view the
//! same way.

use leptos::prelude::*;
use shared_types::catalogue::{CatalogueFilter, CourseSort};
use wasm_bindgen::JsValue;
use web_sys::UrlSearchParams;

/// Rows on one page of the catalogue: a phone screen or two, and few
/// enough that drawing a page never holds up typing.
pub const PAGE_SIZE: usize = 25;

#[derive(Clone, Copy)]
pub struct CatalogueQuery {
    pub text: RwSignal<String>,
    pub open_only: RwSignal<bool>,
    pub sort: RwSignal<CourseSort>,
    /// From 0; the address shows it from 1.
    pub page: RwSignal<usize>,
    /// A term's code, or empty for the current term.
    pub term: RwSignal<String>,
}

impl CatalogueQuery {
    /// The view the address names, and from now on the address follows it.
    pub fn from_address() -> Self {
        let params = current_params();
        let get = |name: &str| params.as_ref().and_then(|p| p.get(name));
        let query = Self {
            text: RwSignal::new(get("q").unwrap_or_default()),
            open_only: RwSignal::new(get("open").is_some_and(|v| v == "true")),
            sort: RwSignal::new(get("sort").and_then(|s| CourseSort::parse(&s)).unwrap_or_default()),
            page: RwSignal::new(
                get("page")
                    .and_then(|p| p.parse::<usize>().ok())
                    .map_or(0, |p| p.saturating_sub(1)),
            ),
            term: RwSignal::new(get("term").unwrap_or_default()),
        };
        Effect::new(move |_| query.write_address());
        query
    }

    /// The filter for the search words, open-seats choice and order.
    pub fn filter(&self) -> CatalogueFilter {
        CatalogueFilter::new(&self.text.read(), self.open_only.get(), self.sort.get())
    }

    /// Back to the first page: the list it paged through has changed.
    pub fn changed(&self) {
        self.page.set(0);
    }

    /// Replaces (not pushes) the address: typing a search is not a trail of
    /// pages for the back button.
    fn write_address(&self) {
        let Ok(params) = UrlSearchParams::new() else {
            return;
        };
        let text = self.text.get();
        if !text.trim().is_empty() {
            params.set("q", text.trim());
        }
        if self.open_only.get() {
            params.set("open", "true");
        }
        let sort = self.sort.get();
        if sort != CourseSort::default() {
            params.set("sort", sort.as_str());
        }
        let term = self.term.get();
        if !term.is_empty() {
            params.set("term", &term);
        }
        let page = self.page.get();
        if page > 0 {
            params.set("page", &(page + 1).to_string());
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let location = window.location();
        let search = String::from(params.to_string());
        let path = location.pathname().unwrap_or_else(|_| "/".to_owned());
        let hash = location.hash().unwrap_or_default();
        let address = if search.is_empty() {
            format!("{path}{hash}")
        } else {
            format!("{path}?{search}{hash}")
        };
        if location.search().unwrap_or_default().trim_start_matches('?') != search {
            if let Ok(history) = window.history() {
                let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&address));
            }
        }
    }
}

fn current_params() -> Option<UrlSearchParams> {
    let search = web_sys::window()?.location().search().ok()?;
    UrlSearchParams::new_with_str(&search).ok()
}
