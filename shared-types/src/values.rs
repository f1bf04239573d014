//! Domain values that can only hold valid contents: constructing one is where
//! a 422 comes from. The browser uses the same rules to check a form.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a value was refused: a stable code and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub code: &'static str,
    pub message: String,
}

impl ValueError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ValueError {}

/// A syntactically plausible email address, trimmed and lower-cased so that
/// one mailbox maps to one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// RFC 5321 limit on a path.
    pub const MAX_LEN: usize = 254;

    /// Only printable ASCII is accepted: a look-alike (Cyrillic `е`, the
    /// long `ſ`), an invisible or right-to-left mark, or a control character
    /// cannot make a second account that reads like someone else's.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let email = raw.trim().to_ascii_lowercase();
        let invalid = || ValueError::new("invalid_email", format!("{} is not an email address", shown(raw)));
        if email.is_empty() || email.len() > Self::MAX_LEN || !email.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        // An address written into a CSV file is a cell a spreadsheet would
        // run as a formula if it began with one of these (no mail provider
        // hands such addresses out).
        if local.starts_with(['=', '+', '-']) {
            return Err(ValueError::new(
                "invalid_email",
                format!(
                    "{} cannot be used: an email address may not start with =, + or -",
                    shown(raw)
                ),
            ));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A grade on the 4.0 scale: one of 4.0, 3.5, 3.0, 2.5, 2.0, 1.5, 1.0, 0.0.
///
/// Held as tenths so that equality is exact; shown as a JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Grade(u8);

impl Grade {
    /// Every grade of the scale, best first.
    pub const SCALE_TENTHS: [u8; 8] = [40, 35, 30, 25, 20, 15, 10, 0];

    pub fn all() -> impl Iterator<Item = Grade> {
        Self::SCALE_TENTHS.into_iter().map(Grade)
    }

    pub fn from_tenths(tenths: i32) -> Result<Self, ValueError> {
        u8::try_from(tenths)
            .ok()
            .filter(|t| Self::SCALE_TENTHS.contains(t))
            .map(Grade)
            .ok_or_else(|| Self::invalid(&format!("{:.1}", f64::from(tenths) / 10.0)))
    }

    pub fn from_f64(value: f64) -> Result<Self, ValueError> {
        let tenths = value * 10.0;
        if !value.is_finite() || tenths.fract() != 0.0 || !(0.0..=40.0).contains(&tenths) {
            return Err(Self::invalid(&value.to_string()));
        }
        Self::from_tenths(tenths as i32)
    }

    /// Parses a grade written as text, as in a CSV cell (`3.5`, `4`, `0.0`).
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        text.trim()
            .parse::<f64>()
            .map_err(|_| Self::invalid(text))
            .and_then(Self::from_f64)
    }

    /// Reads a grade from any JSON value: only a number on the scale is one.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, ValueError> {
        value
            .as_f64()
            .ok_or_else(|| Self::invalid(&value.to_string()))
            .and_then(Self::from_f64)
    }

    /// A grade as a service stored it, after checking: an unreadable one is
    /// a corrupted row, read as 0.0 (it shows, and satisfies nothing)
    /// rather than failing the whole read.
    pub fn from_stored_tenths(tenths: i32) -> Self {
        Self::from_tenths(tenths).unwrap_or(Grade(0))
    }

    pub fn tenths(self) -> i32 {
        i32::from(self.0)
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 10.0
    }

    fn invalid(raw: &str) -> ValueError {
        ValueError::new(
            "invalid_grade",
            format!(
                "{} is not a grade: use one of 4.0, 3.5, 3.0, 2.5, 2.0, 1.5, 1.0, 0.0",
                shown(raw)
            ),
        )
    }
}

impl TryFrom<f64> for Grade {
    type Error = ValueError;

    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Self::from_f64(value)
    }
}

impl From<Grade> for f64 {
    fn from(grade: Grade) -> f64 {
        grade.as_f64()
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1}", self.as_f64())
    }
}

/// A whole number within bounds, as a course or a term states it: the type
/// can hold nothing else. `$field` names it in the refusal, `$code` is the
/// refusal's error code.
macro_rules! bounded_count {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $field:literal, $code:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(i32);

        impl $name {
            pub const MIN: i32 = $min;
            pub const MAX: i32 = $max;

            pub fn new(value: i64) -> Result<Self, ValueError> {
                if (i64::from(Self::MIN)..=i64::from(Self::MAX)).contains(&value) {
                    Ok(Self(value as i32))
                } else {
                    Err(ValueError::new(
                        $code,
                        format!("{} must be between {} and {}, not {value}", $field, Self::MIN, Self::MAX),
                    ))
                }
            }

            pub fn get(self) -> i32 {
                self.0
            }
        }
    };
}

bounded_count!(
    /// The number of seats of a course: at least 1, at most 10,000.
    Capacity, 1, 10_000, "capacity", "invalid_capacity"
);

bounded_count!(
    /// The credits a course is worth: 0 (a seminar that counts toward no
    /// limit) to 30.
    Credits, 0, 30, "credits", "invalid_credits"
);

impl Credits {
    /// What a course is worth when its creator does not say.
    pub const DEFAULT: Credits = Credits(3);
}

bounded_count!(
    /// The most credits a student may hold in one term: 0 to 60 (a term's
    /// default, or one student's own limit).
    CreditLimit, 0, 60, "max_credits", "invalid_max_credits"
);

impl CreditLimit {
    /// A term's limit when its creator does not say.
    pub const DEFAULT: CreditLimit = CreditLimit(18);
}

/// Checks a free-text field: trimmed, not empty (unless `allow_empty`), at
/// most `max_chars` characters, no control characters.
/// Input as it may be quoted back in an error message: at most 40
/// characters, with control and invisible characters escaped, so an answer
/// never carries a megabyte or a terminal escape of the caller's.
pub fn shown(raw: &str) -> String {
    let mut out: String = raw
        .chars()
        .take(40)
        .flat_map(|c| {
            if c.is_control() || is_invisible(c) {
                c.escape_unicode().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if raw.chars().count() > 40 {
        out.push('…');
    }
    format!("'{out}'")
}

/// Format characters that print as nothing or reorder what follows:
/// soft hyphen, zero-width spaces and joiners, direction marks and
/// overrides (U+202E), word joiners, the byte-order mark.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// A one-line text field (a name, a title): no line breaks, besides the
/// rules of [`bounded_text`].
pub fn line_text(field: &'static str, raw: &str, max_chars: usize) -> Result<String, ValueError> {
    let text = bounded_text(field, raw, max_chars, false)?;
    if text.contains('\n') {
        return Err(ValueError::new("invalid_field", format!("{field} must be one line")));
    }
    Ok(text)
}

pub fn bounded_text(field: &'static str, raw: &str, max_chars: usize, allow_empty: bool) -> Result<String, ValueError> {
    let text = raw.trim();
    let code = "invalid_field";
    if text.is_empty() && !allow_empty {
        return Err(ValueError::new(code, format!("{field} must not be empty")));
    }
    if text.chars().count() > max_chars {
        return Err(ValueError::new(
            code,
            format!("{field} must be at most {max_chars} characters"),
        ));
    }
    if text.chars().any(|c| (c.is_control() && c != '\n') || is_invisible(c)) {
        return Err(ValueError::new(
            code,
            format!("{field} must not contain control or invisible characters"),
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_on_the_scale_parse_and_others_do_not() {
        for ok in [4.0, 3.5, 3.0, 2.5, 2.0, 1.5, 1.0, 0.0] {
            assert_eq!(Grade::from_f64(ok).unwrap().as_f64(), ok);
        }
        for bad in [0.5, 3.7, 4.5, -1.0, 3.25, f64::NAN, f64::INFINITY, 40.0] {
            assert_eq!(Grade::from_f64(bad).unwrap_err().code, "invalid_grade", "{bad}");
        }
        assert_eq!(Grade::parse(" 3.5 ").unwrap().tenths(), 35);
        assert!(Grade::parse("A").is_err());
        assert!(Grade::from_json(&serde_json::json!("3.5")).is_err());
        assert!(serde_json::from_str::<Grade>("3.7").is_err());
        assert_eq!(serde_json::to_string(&Grade::from_tenths(35).unwrap()).unwrap(), "3.5");
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse(" Ada@Example.EDU ").unwrap().as_str(), "ada@example.edu");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.edu",
            "ada@example",
            "a b@example.edu",
            "ada@example..edu",
            "=1+2@example.edu",
            "+cmd@example.edu",
            "-x@example.edu",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(Email::parse(&format!("{}@example.edu", "a".repeat(300))).is_err());
    }

    #[test]
    fn capacity_is_bounded() {
        assert_eq!(Capacity::new(30).unwrap().get(), 30);
        assert_eq!(Credits::new(0).unwrap().get(), 0);
        assert_eq!(Credits::new(31).unwrap_err().code, "invalid_credits");
        assert_eq!(CreditLimit::new(60).unwrap().get(), 60);
        assert_eq!(CreditLimit::new(-1).unwrap_err().code, "invalid_max_credits");
        for bad in [0, -1, 10_001, i64::MAX] {
            assert_eq!(Capacity::new(bad).unwrap_err().code, "invalid_capacity");
        }
    }

    #[test]
    fn text_is_bounded() {
        assert_eq!(bounded_text("title", "  Algebra ", 10, false).unwrap(), "Algebra");
        assert!(bounded_text("title", "   ", 10, false).is_err());
        assert!(bounded_text("title", &"x".repeat(11), 10, false).is_err());
        assert!(bounded_text("title", "a\u{0}b", 10, false).is_err());
        assert!(bounded_text("title", "a\u{202E}b", 10, false).is_err());
        assert!(bounded_text("title", "a\u{200B}b", 10, false).is_err());
        assert!(bounded_text("description", "two\nlines", 20, false).is_ok());
        assert!(line_text("name", "two\nlines", 20).is_err());
        assert_eq!(line_text("name", "Zoë Ñúñez", 20).unwrap(), "Zoë Ñúñez");
    }

    #[test]
    fn emails_are_printable_ascii_so_look_alikes_cannot_be_made() {
        for bad in [
            "stud\u{0435}nt@example.edu", // Cyrillic е
            "\u{017F}tudent@example.edu", // long s
            "student\u{202E}@example.edu",
            "stu\u{200B}dent@example.edu",
            "student@exa\nmple.edu",
            "stu\u{7}dent@example.edu",
        ] {
            assert_eq!(Email::parse(bad).unwrap_err().code, "invalid_email", "{bad:?}");
        }
        assert_eq!(
            Email::parse(" Student@Example.EDU ").unwrap().as_str(),
            "student@example.edu"
        );
    }

    #[test]
    fn echoed_input_is_short_and_escaped() {
        let message = Email::parse(&"x".repeat(10_000)).unwrap_err().message;
        assert!(message.chars().count() < 80, "{message}");
        let message = Email::parse("a\u{1b}[31m").unwrap_err().message;
        assert!(!message.contains('\u{1b}'), "{message:?}");
    }
}
