//! What the process keeps in memory between requests: the shared catalogue
//! read, the full courses, the seat feed, and bodies prepared once.

pub mod catalogue_cache;
pub mod full_courses;
pub mod prepared_body;
pub mod seat_feed;
