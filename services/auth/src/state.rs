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
    pub lifetimes: TemporaryLifetimes,
}

/// How long a password its user did not choose works: a setup code from
/// an import (or issued anew), a temporary password an admin set.
#[derive(Debug, Clone, Copy)]
pub struct TemporaryLifetimes {
    pub setup_code: chrono::TimeDelta,
    pub reset: chrono::TimeDelta,
}

impl TemporaryLifetimes {
    /// From hours (fractions allowed; negative or not finite is refused).
    pub fn from_hours(setup_code: f64, reset: f64) -> anyhow::Result<Self> {
        let delta = |hours: f64, flag: &str| {
            anyhow::ensure!(
                (0.0..24.0 * 3650.0).contains(&hours),
                "{flag} must be a number of hours from 0 to ten years"
            );
            Ok(chrono::TimeDelta::milliseconds((hours * 3_600_000.0) as i64))
        };
        Ok(Self {
            setup_code: delta(setup_code, "--setup-code-hours")?,
            reset: delta(reset, "--temporary-password-hours")?,
        })
    }
}
