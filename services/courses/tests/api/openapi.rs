//! The OpenAPI document generated from the handlers: kept in the
//! repository as `openapi.json`, and every operation it names is routed.

use std::path::Path;

use testkit::{openapi, Backend};

use crate::support::TestCourses;

#[tokio::test]
async fn the_document_is_the_one_kept_and_every_operation_is_routed() {
    let app = TestCourses::spawn(Backend::Sqlite).await;
    let kept = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    openapi::check_service_document(&app.service.url, &kept, 12).await;
}
