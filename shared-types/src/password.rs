//! The rule for a new password, the same in auth-service and in the
//! browser's forms (NIST SP 800-63B 3.1.1.2, OWASP ASVS V2.1): long enough,
//! not absurdly long, not one of the most common breached passwords, not a
//! few characters repeated, not the account's own email name.

use crate::values::ValueError;

/// The fewest characters a new password may have.
pub const MIN_CHARS: usize = 12;
/// The most: only stops absurd bodies (PBKDF2 takes any length).
pub const MAX_CHARS: usize = 256;

/// The breached passwords of at least [`MIN_CHARS`] characters, lowercased,
/// one per line (see `build.rs` and `data/README.md`).
const BREACHED_LONG: &str = include_str!(concat!(env!("OUT_DIR"), "/breached-long.txt"));

/// Whether `password` is one of the most common breached passwords (in any
/// letter case). The list is ASCII, so ASCII case folding is exact here, and
/// it keeps Unicode's case tables out of the browser app.
pub fn is_breached(password: &str) -> bool {
    BREACHED_LONG.lines().any(|known| known.eq_ignore_ascii_case(password))
}

/// Whether `text` holds at least `wanted` different characters.
fn has_distinct_chars(text: &str, wanted: usize) -> bool {
    let mut seen: Vec<char> = Vec::with_capacity(wanted);
    for c in text.chars() {
        if !seen.contains(&c) {
            seen.push(c);
            if seen.len() >= wanted {
                return true;
            }
        }
    }
    false
}

/// Checks a password chosen for the account of `email`; the error says
/// what to change.
pub fn check_new_password(password: &str, email: &str) -> Result<(), ValueError> {
    let weak = |message: String| ValueError {
        code: "weak_password",
        message,
    };
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(weak(format!("The password must have at least {MIN_CHARS} characters.")));
    }
    if chars > MAX_CHARS {
        return Err(weak(format!("The password must have at most {MAX_CHARS} characters.")));
    }
    if is_breached(password) {
        return Err(weak(
            "This password is one of the most common in published breaches; choose another.".into(),
        ));
    }
    if !has_distinct_chars(password, 4) {
        return Err(weak("The password repeats too few characters to be safe.".into()));
    }
    // Emails are ASCII (see `Email`), so ASCII case folding finds the name.
    let name = email.split('@').next().unwrap_or_default().to_ascii_lowercase();
    if name.len() >= 3 && password.to_ascii_lowercase().contains(&name) {
        return Err(weak("The password must not contain the email's name.".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL_LIST: &str = include_str!("../data/breached-passwords.txt");

    #[test]
    fn the_list_holds_at_least_the_ten_thousand_most_common() {
        assert!(FULL_LIST.lines().count() >= 10_000);
        // What is compiled in is every entry long enough to matter, so the
        // build script and this module agree on the minimum.
        let long = FULL_LIST
            .lines()
            .filter(|l| l.chars().count() >= MIN_CHARS)
            .map(str::to_lowercase)
            .collect::<std::collections::BTreeSet<_>>();
        assert_eq!(BREACHED_LONG.lines().count(), long.len());
        assert!(FULL_LIST.is_ascii(), "is_breached folds ASCII case only");
    }

    #[test]
    fn common_and_short_passwords_are_refused() {
        let email = "sam.rivera@example.edu";
        for weak in [
            "1234567890",
            "password12",
            "letmein123",
            "qwerty123456",
            "1qaz2wsx3edc",
            "QWERTY123456",
            "123456789qwe",
            "aaaaaaaaaaaaaa",
            "ababababababab",
            "sam.rivera-2026!",
        ] {
            let refused = check_new_password(weak, email).expect_err(weak);
            assert_eq!(refused.code, "weak_password", "{weak}");
        }
        assert!(check_new_password(&"x1y2".repeat(65), email).is_err(), "over 256");
    }

    #[test]
    fn a_long_uncommon_passphrase_is_taken() {
        for good in [
            "correct horse battery",
            "a long pass phrase",
            "demo-password-1",
            "Tåg över älven 7",
        ] {
            assert!(check_new_password(good, "sam.rivera@example.edu").is_ok(), "{good}");
        }
    }
}
