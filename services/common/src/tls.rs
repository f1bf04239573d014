//! TLS between machines: a service's listener serves HTTPS when given a
//! certificate and key (`--tls-cert`, `--tls-key`), and every HTTP client
//! of the project is built here, trusting the deployment's own authority
//! (`--tls-ca`) when one is named.
//!
//! One machine (`make run`, the tests) stays plain HTTP on loopback; the
//! replicated deployment encrypts every connection between its hosts
//! (see docs/deploy.md). rustls with *ring*: pure Rust but for ring's
//! own assembly, and no OpenSSL to link.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Installs *ring* as the process's TLS provider (once; later calls do
/// nothing). Every client and listener needs it first.
pub fn install_provider() {
    // rustls marks *ring* as lacking post-quantum key exchange, which only
    // its aws-lc provider has (a C library built with cmake). Between the
    // deployment's own hosts, classical ECDHE is what every other node
    // (etcd, Patroni, PostgreSQL, nginx) offers anyway.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let _ = provider.install_default();
}

/// The listener's TLS settings: the certificate chain and its key, both
/// PEM (the key PKCS#8, SEC1 or PKCS#1). HTTP/1.1 only, as served.
pub fn server_config(cert: &Path, key: &Path) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    install_provider();
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow::anyhow!("reading the certificate {}: {e}", cert.display()))?;
    anyhow::ensure!(!chain.is_empty(), "no certificate in {}", cert.display());
    let key =
        PrivateKeyDer::from_pem_file(key).map_err(|e| anyhow::anyhow!("reading the key {}: {e}", key.display()))?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the certificate and key do not go together")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A client builder for calls to other nodes: no proxy, idle connections
/// let go before the services' own idle close, and, with `ca`, trusting
/// that authority alone (the deployment's), so that no certificate from
/// any other issuer is taken for one of ours.
pub fn client_builder(ca: Option<&Path>) -> anyhow::Result<reqwest::ClientBuilder> {
    match ca {
        Some(ca) => {
            let pem =
                std::fs::read(ca).with_context(|| format!("reading the certificate authority {}", ca.display()))?;
            client_builder_trusting(Some(&pem)).with_context(|| ca.display().to_string())
        }
        None => client_builder_trusting(None),
    }
}

/// The same, with the authority's certificates given as PEM text.
pub fn client_builder_trusting(ca_pem: Option<&[u8]>) -> anyhow::Result<reqwest::ClientBuilder> {
    install_provider();
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .pool_idle_timeout(crate::server::CLIENT_POOL_IDLE);
    if let Some(pem) = ca_pem {
        let roots = reqwest::Certificate::from_pem_bundle(pem).context("not PEM certificates")?;
        anyhow::ensure!(!roots.is_empty(), "no certificate in the certificate authority's file");
        builder = builder.tls_certs_only(roots);
    }
    Ok(builder)
}

/// A client for calls to other nodes that gives up after `timeout`.
pub fn client(ca: Option<&Path>, timeout: Duration) -> anyhow::Result<reqwest::Client> {
    client_builder(ca)?
        .timeout(timeout)
        .build()
        .context("building an HTTP client")
}
