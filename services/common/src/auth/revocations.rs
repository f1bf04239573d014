//! Sessions ended before their tokens expire: sign-out, sign-out
//! everywhere, a password change or reset, a disabled account.
//!
//! Tokens are checked locally in every service (that is how sessions
//! survive an auth outage), so an ended session reaches the verifiers as
//! data: each keeps this list, refreshed from auth every few seconds, and
//! keeps it while auth is away. The list names ids by digest only (see
//! [`Revocation`]): [`digest`] makes them, here and at auth.

use std::collections::HashMap;
use std::sync::RwLock;

use sha2::{Digest as _, Sha256};
use shared_types::auth::{Revocation, RevocationList};
use shared_types::Claims;
use uuid::Uuid;

/// The digest of a user or token id, as the list holds it.
type IdDigest = [u8; 16];

fn id_digest(id: &Uuid) -> IdDigest {
    let mut hasher = Sha256::new();
    hasher.update(b"enroll-revocation:");
    hasher.update(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()).as_bytes());
    let full = hasher.finalize();
    let mut digest = [0u8; 16];
    digest.copy_from_slice(&full[..16]);
    digest
}

/// The digest of `id` as [`Revocation`] carries it (lowercase hex).
pub fn digest(id: &Uuid) -> String {
    id_digest(id).iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_digest(hex: &str) -> Option<IdDigest> {
    if hex.len() != 32 || !hex.is_ascii() {
        return None;
    }
    let mut digest = [0u8; 16];
    for (i, byte) in digest.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(digest)
}

/// The revocations that can still refuse a token, with the time of the
/// last refresh.
#[derive(Default)]
pub struct Revocations {
    state: RwLock<State>,
}

#[derive(Default)]
struct State {
    /// Ended tokens by the digest of their `jti`, with when they expire
    /// anyway.
    tokens: HashMap<IdDigest, i64>,
    /// Per user (by the digest of their id): tokens of an epoch below
    /// `epoch` are refused, until `expires_at`.
    users: HashMap<IdDigest, UserCutoff>,
}

#[derive(Clone, Copy)]
struct UserCutoff {
    epoch: i64,
    expires_at: i64,
}

impl Revocations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the session of `claims` was ended.
    pub fn refuses(&self, claims: &Claims) -> bool {
        // A writer that panicked leaves the list as it was: still read it,
        // rather than let every ended session through.
        let state = self.state.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !state.tokens.is_empty() && state.tokens.contains_key(&id_digest(&claims.jti)) {
            return true;
        }
        !state.users.is_empty()
            && state
                .users
                .get(&id_digest(&claims.sub))
                .is_some_and(|cutoff| claims.session_epoch < cutoff.epoch)
    }

    /// Adds one revocation (auth applies its own at once).
    pub fn add(&self, revocation: &Revocation) {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .add(revocation);
    }

    /// Merges a list fetched from auth and forgets entries past their
    /// expiry.
    pub fn apply(&self, list: &RevocationList, now: i64) {
        let mut state = self.state.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        for revocation in &list.revocations {
            state.add(revocation);
        }
        state.tokens.retain(|_, expires_at| *expires_at > now);
        state.users.retain(|_, cutoff| cutoff.expires_at > now);
    }

    /// How many entries are held (for tests and logs).
    pub fn len(&self) -> usize {
        self.state
            .read()
            .map_or(0, |state| state.tokens.len() + state.users.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl State {
    fn add(&mut self, revocation: &Revocation) {
        // An entry that is not a digest could refuse nothing.
        let Some(user) = parse_digest(&revocation.user) else {
            return;
        };
        match revocation.token.as_deref() {
            Some(token) => {
                let Some(jti) = parse_digest(token) else {
                    return;
                };
                let expires_at = self.tokens.entry(jti).or_insert(revocation.expires_at);
                *expires_at = (*expires_at).max(revocation.expires_at);
            }
            None => {
                let cutoff = self.users.entry(user).or_insert(UserCutoff {
                    epoch: revocation.session_epoch,
                    expires_at: revocation.expires_at,
                });
                // The latest cutoff refuses everything an earlier one does.
                cutoff.epoch = cutoff.epoch.max(revocation.session_epoch);
                cutoff.expires_at = cutoff.expires_at.max(revocation.expires_at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(user: Uuid, jti: Uuid, session_epoch: i64) -> Claims {
        Claims {
            sub: user,
            email: "a@example.edu".into(),
            name: "A".into(),
            roles: vec![],
            iat: 0,
            exp: 3600,
            iss: String::new(),
            aud: String::new(),
            jti,
            session_epoch,
        }
    }

    #[test]
    fn a_token_revocation_refuses_that_token_only() {
        let list = Revocations::new();
        let (user, ended, other) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        list.add(&Revocation {
            user: digest(&user),
            token: Some(digest(&ended)),
            session_epoch: 0,
            expires_at: 2000,
        });
        assert!(list.refuses(&claims(user, ended, 100)));
        assert!(!list.refuses(&claims(user, other, 100)));
    }

    #[test]
    fn a_user_cutoff_refuses_tokens_of_earlier_epochs_and_keeps_the_newest() {
        let list = Revocations::new();
        let user = Uuid::new_v4();
        for session_epoch in [2, 1] {
            list.add(&Revocation {
                user: digest(&user),
                token: None,
                session_epoch,
                expires_at: 5000,
            });
        }
        assert!(list.refuses(&claims(user, Uuid::new_v4(), 1)));
        assert!(!list.refuses(&claims(user, Uuid::new_v4(), 2)));
        assert!(!list.refuses(&claims(Uuid::new_v4(), Uuid::new_v4(), 0)));
    }

    #[test]
    fn digests_name_nobody_and_a_malformed_entry_refuses_nothing() {
        let user = Uuid::new_v4();
        let shown = digest(&user);
        assert_eq!(shown.len(), 32);
        assert!(!shown.contains(&user.simple().to_string()[..8]));
        assert_eq!(parse_digest(&shown), Some(id_digest(&user)));
        let list = Revocations::new();
        for bad in [user.to_string(), "zz".repeat(16), String::new()] {
            list.add(&Revocation {
                user: bad,
                token: None,
                session_epoch: 9,
                expires_at: 5000,
            });
        }
        assert!(list.is_empty());
    }

    #[test]
    fn expired_entries_are_forgotten() {
        let list = Revocations::new();
        let user = Uuid::new_v4();
        let entry = |expires_at| Revocation {
            user: digest(&user),
            token: Some(digest(&Uuid::new_v4())),
            session_epoch: 0,
            expires_at,
        };
        list.apply(
            &RevocationList {
                as_of: 50,
                revocations: vec![entry(100), entry(300)],
            },
            10,
        );
        assert_eq!(list.len(), 2);
        list.apply(
            &RevocationList {
                as_of: 40,
                revocations: vec![],
            },
            200,
        );
        assert_eq!(list.len(), 1);
    }
}
