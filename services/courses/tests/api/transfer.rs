//! What the catalogue and the other lists cost on the wire: compressed as
//! the client accepts, tagged, and a 304 with no body for a client whose
//! copy is current.

use std::io::Read;

use crate::support::TestCourses;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, ETAG, IF_NONE_MATCH};
use reqwest::{Method, StatusCode};
use service_common::demo;
use shared_types::Role;
use testkit::Backend;

testkit::on_both_backends!(
    the_catalogue_travels_compressed_and_a_current_copy_costs_a_304,
    every_json_list_is_tagged_and_large_answers_are_compressed,
);

/// Extra courses, so that the catalogue is a list of a realistic size.
const COURSES: usize = 120;

async fn get(
    app: &TestCourses,
    path: &str,
    token: &str,
    encoding: Option<&str>,
    etag: Option<&str>,
) -> reqwest::Response {
    let mut request = app.client.get(app.service.at(path)).bearer_auth(token);
    if let Some(encoding) = encoding {
        request = request.header(ACCEPT_ENCODING, encoding);
    }
    if let Some(etag) = etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    request.send().await.unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096).read_to_end(&mut out).unwrap();
    out
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_owned())
}

async fn the_catalogue_travels_compressed_and_a_current_copy_costs_a_304(backend: Backend) {
    // No catalogue cache: each request reads the database, so the 304 must
    // come from the content, not from a cached entry.
    let app = TestCourses::spawn_with(backend, &["--catalogue-cache-ms=0"]).await;
    let admin = app.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let http = testkit::http_client();
    for n in 0..COURSES {
        testkit::write::create_course(
            &http,
            &app.service.url,
            &admin,
            &format!("T{n:03}"),
            30,
            (demo::TEACHER.id, demo::TEACHER.name),
        )
        .await
        .unwrap();
    }
    let student = app.token(demo::STUDENT.id, demo::STUDENT.name, Role::Student);

    let plain = get(&app, "/courses", &student, None, None).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(
        header(&plain, CONTENT_ENCODING),
        None,
        "not compressed for a client that did not ask"
    );
    let etag = header(&plain, ETAG).expect("the catalogue is tagged");
    assert_eq!(header(&plain, CACHE_CONTROL).as_deref(), Some("private, no-cache"));
    let json = plain.bytes().await.unwrap();
    let courses: Vec<serde_json::Value> = serde_json::from_slice(&json).unwrap();
    assert!(courses.len() > COURSES);

    let zipped = get(&app, "/courses", &student, Some("gzip"), None).await;
    assert_eq!(header(&zipped, CONTENT_ENCODING).as_deref(), Some("gzip"));
    assert_eq!(
        header(&zipped, ETAG).as_ref(),
        Some(&etag),
        "one tag for every encoding"
    );
    let zipped = zipped.bytes().await.unwrap();
    assert_eq!(gunzip(&zipped), json);
    let brotli = get(&app, "/courses", &student, Some("gzip, deflate, br"), None).await;
    assert_eq!(header(&brotli, CONTENT_ENCODING).as_deref(), Some("br"));
    let brotli = brotli.bytes().await.unwrap();
    assert_eq!(unbrotli(&brotli), json);
    println!(
        "catalogue of {} courses: {} bytes, gzip {} ({:.1}%), brotli {} ({:.1}%)",
        courses.len(),
        json.len(),
        zipped.len(),
        100.0 * zipped.len() as f64 / json.len() as f64,
        brotli.len(),
        100.0 * brotli.len() as f64 / json.len() as f64
    );
    assert!(
        zipped.len() * 100 <= json.len() * 15,
        "gzip at most 15% of the catalogue"
    );
    assert!(brotli.len() <= zipped.len());

    let unchanged = get(&app, "/courses", &student, Some("gzip"), Some(&etag)).await;
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&unchanged, ETAG).as_ref(), Some(&etag));
    assert_eq!(
        header(&unchanged, CACHE_CONTROL).as_deref(),
        Some("private, no-cache"),
        "a 304 keeps the caching of the 200, which the browser merges into its copy"
    );
    assert!(unchanged.bytes().await.unwrap().is_empty(), "a 304 has no body");

    // A seat taken: the catalogue changed, so the old tag gets it in full.
    assert_eq!(
        app.enroll(demo::PHYS101.id, &student).await.status(),
        StatusCode::CREATED
    );
    let changed = get(&app, "/courses", &student, None, Some(&etag)).await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(header(&changed, ETAG), Some(etag.clone()));

    // A 304 is still only for the signed in.
    for tag in [etag.as_str(), "*"] {
        let anonymous = app
            .client
            .get(app.service.at("/courses"))
            .header(IF_NONE_MATCH, tag)
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{tag}");
    }
}

async fn every_json_list_is_tagged_and_large_answers_are_compressed(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let student = app.token(demo::STUDENT.id, demo::STUDENT.name, Role::Student);
    assert_eq!(
        app.enroll(demo::PHYS101.id, &student).await.status(),
        StatusCode::CREATED
    );

    let mine = get(&app, "/enrollments/me", &student, None, None).await;
    assert_eq!(mine.status(), StatusCode::OK);
    let etag = header(&mine, ETAG).expect("a student's own list is tagged");
    assert_eq!(
        header(&mine, CACHE_CONTROL).as_deref(),
        Some("no-store"),
        "and never stored"
    );
    let again = get(&app, "/enrollments/me", &student, None, Some(&etag)).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
    app.call(
        Method::DELETE,
        &format!("/courses/{}/enrollment", demo::PHYS101.id),
        &student,
        None,
    )
    .await;
    let after_drop = get(&app, "/enrollments/me", &student, None, Some(&etag)).await;
    assert_eq!(after_drop.status(), StatusCode::OK, "a changed list comes in full");

    // The OpenAPI document is large: compressed by the shared layer.
    let document = get(&app, "/openapi.json", &student, Some("gzip"), None).await;
    assert_eq!(header(&document, CONTENT_ENCODING).as_deref(), Some("gzip"));
    let document = gunzip(&document.bytes().await.unwrap());
    assert!(serde_json::from_slice::<serde_json::Value>(&document).is_ok());

    // An error is not tagged, and a write never answers 304.
    let missing = get(&app, "/courses/not-a-uuid", &student, None, None).await;
    assert_eq!(header(&missing, ETAG), None);
    let enroll = app
        .client
        .post(app.service.at(&format!("/courses/{}/enrollment", demo::PHYS101.id)))
        .bearer_auth(&student)
        .header(IF_NONE_MATCH, "*")
        .send()
        .await
        .unwrap();
    assert_eq!(enroll.status(), StatusCode::CREATED);
}
