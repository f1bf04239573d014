//! The one place the suite builds its HTTP clients: they trust the
//! replicated deployment's own certificate authority once it has made one
//! (its nodes serve HTTPS), and the system's roots before (plain HTTP on
//! one machine needs none).

use std::sync::RwLock;

static AUTHORITY: RwLock<Option<Vec<u8>>> = RwLock::new(None);

/// From now on, clients trust this authority alone (PEM).
pub fn trust(ca_pem: Vec<u8>) {
    *AUTHORITY.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(ca_pem);
}

/// A client builder: no proxy, and the trusted authority if there is one.
pub fn client_builder() -> reqwest::ClientBuilder {
    let authority = AUTHORITY
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    service_common::tls::client_builder_trusting(authority.as_deref()).expect("an HTTP client builder")
}
