use std::sync::Arc;

use axum::extract::FromRef;
use service_common::auth::{JwkSet, TokenSigner, TokenVerifier};
use service_common::db::Database;

use crate::password::PasswordHasher;
use crate::signin::{AccountLimits, ClientAddresses, FailureLedger};

/// What every handler of auth-service can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: Database,
    pub verifier: Arc<TokenVerifier>,
    pub signer: Arc<TokenSigner>,
    pub hasher: Arc<PasswordHasher>,
    pub ledger: Arc<FailureLedger>,
    pub account_limits: Arc<AccountLimits>,
    pub client_addresses: Arc<ClientAddresses>,
    pub jwks: Arc<JwkSet>,
}
