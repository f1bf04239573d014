//! Passwords and tokens as a type whose `Debug` never shows them, so that a
//! request body or a struct logged with `{:?}` cannot leak one.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A password or a token. On the wire it is the plain string; in a debug
/// print it is `Secret(..)`. [`Secret::expose`] is the one way to read it,
/// easy to find in review.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that needs it (hashing, a
    /// header, a form field).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret_and_the_wire_carries_it_plain() {
        let secret = Secret::new("hunter2-correct-horse");
        assert_eq!(format!("{secret:?}"), "Secret(..)");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"hunter2-correct-horse\"");
        let back: Secret = serde_json::from_str("\"hunter2-correct-horse\"").unwrap();
        assert_eq!(back.expose(), "hunter2-correct-horse");
    }
}
