//! Bulk import of users from CSV: `email,name,roles`, one user a row.
//!
//! A file has no password column. Each user created gets a one-time setup
//! code, shown once in the import's answer: they sign in with it once and
//! are asked to choose their own password (as after an admin's reset).
//! The codes are 100 random bits, so they are stored as a PBKDF2 hash of
//! the lowest cost the algorithm allows: guessing one is as hopeless as
//! guessing a key, and an import of thousands of users hashes in well
//! under a second instead of minutes on the hashing queue.

use pbkdf2::password_hash::PasswordHasher as _;
use pbkdf2::{Algorithm, Params, Pbkdf2};
use service_common::csv_table::{Columns, CsvRow};
use service_common::import::{KeyedRow, RowProblem};
use shared_types::import::MAX_IMPORT_ROWS;
use shared_types::values::line_text;
use shared_types::{Email, Role, Secret};
use uuid::Uuid;

use crate::domain::parse_roles;

/// The columns of a user import.
pub const USER_COLUMNS: Columns<'static> = Columns {
    required: &["email", "name"],
    optional: &["roles"],
    refused: &[(
        "password",
        "imported users choose their own password at first sign-in, with the one-time setup code the import gives each of them",
    )],
    max_rows: MAX_IMPORT_ROWS,
};

/// PBKDF2 rounds of a setup code's hash: the algorithm's floor (see the
/// module comment). A sign-in compares it at the cost of a password's
/// hash all the same (`PasswordHasher::verify`).
pub const SETUP_CODE_ROUNDS: u32 = Params::MIN_ROUNDS;

/// A row whose values are all valid.
#[derive(Debug, Clone)]
pub struct UserToImport {
    pub email: Email,
    pub name: String,
    pub roles: Vec<Role>,
}

/// Each row checked, in file order: a user to import, by its email, or the
/// report of what is wrong with it. An email twice in the file is wrong the
/// second time (which of the two was meant is not ours to guess).
pub fn check_rows(rows: &[CsvRow]) -> Vec<Result<(KeyedRow, UserToImport), RowProblem>> {
    let mut seen = std::collections::HashMap::new();
    rows.iter()
        .map(|row| {
            let key = row.get("email");
            let invalid = |e| RowProblem::of_value(row.line, key, e);
            let email = Email::parse(key).map_err(invalid)?;
            if let Some(first) = seen.insert(email.as_str().to_owned(), row.line) {
                return Err(RowProblem::new(
                    row.line,
                    key,
                    "duplicate_row",
                    format!("This email is already on line {first} of the file."),
                ));
            }
            let name = line_text("name", row.get("name"), 100).map_err(invalid)?;
            let roles = match row.get("roles") {
                "" => vec![Role::Student],
                cell => parse_roles(&role_names(cell)).map_err(invalid)?,
            };
            let keyed = KeyedRow {
                line: row.line,
                key: email.as_str().to_owned(),
                natural_key: email.as_str().to_owned(),
                new_id: Uuid::new_v4(),
            };
            Ok((keyed, UserToImport { email, name, roles }))
        })
        .collect()
}

/// The role names of a cell: separated by `;`, `|`, spaces or (quoted)
/// commas.
fn role_names(cell: &str) -> Vec<String> {
    cell.split([';', '|', ',', ' '])
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A new setup code: 20 characters of Crockford's base32 (100 random
/// bits), in groups of four for reading aloud.
pub fn new_setup_code() -> anyhow::Result<Secret> {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut random = [0u8; 20];
    getrandom::fill(&mut random).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    let code: String = random
        .iter()
        .enumerate()
        .flat_map(|(i, byte)| {
            let dash = (i > 0 && i % 4 == 0).then_some('-');
            dash.into_iter().chain([ALPHABET[usize::from(byte % 32)] as char])
        })
        .collect();
    Ok(code.into())
}

/// The stored hash of a setup code.
pub fn hash_setup_code(code: &Secret) -> anyhow::Result<String> {
    let params = Params::new(SETUP_CODE_ROUNDS).map_err(|e| anyhow::anyhow!("bad PBKDF2 parameters: {e}"))?;
    Pbkdf2::new(Algorithm::Pbkdf2Sha256, params)
        .hash_password(code.expose().as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use service_common::csv_table::read_csv;

    #[test]
    fn rows_are_checked_one_by_one_and_a_repeated_email_is_refused() {
        let body = b"email,name,roles\nada@example.edu,Ada,\nbad,Bob,student\nADA@example.edu,Ada again,teacher\nc@example.edu,,student\nd@example.edu,Dee,teacher;admin\ne@example.edu,Eve,dean\n";
        let rows = read_csv(body, USER_COLUMNS).unwrap();
        let checked = check_rows(&rows);
        let codes: Vec<&str> = checked
            .iter()
            .map(|c| c.as_ref().map_or_else(|problem| problem.code, |_| "ok"))
            .collect();
        assert_eq!(
            codes,
            [
                "ok",
                "invalid_email",
                "duplicate_row",
                "invalid_field",
                "ok",
                "unknown_role"
            ]
        );
        let (keyed, first) = checked[0].as_ref().unwrap();
        assert_eq!((keyed.line, keyed.natural_key.as_str()), (2, "ada@example.edu"));
        assert_eq!(first.roles, [Role::Student]);
        assert_eq!(checked[4].as_ref().unwrap().1.roles, [Role::Teacher, Role::Admin]);
    }

    #[test]
    fn setup_codes_are_random_readable_and_verify_against_their_hash() {
        use pbkdf2::password_hash::phc::PasswordHash;
        use pbkdf2::password_hash::PasswordVerifier as _;
        let (a, b) = (new_setup_code().unwrap(), new_setup_code().unwrap());
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 24);
        assert!(a.expose().split('-').all(|group| group.len() == 4));
        let stored = hash_setup_code(&a).unwrap();
        let hash = PasswordHash::new(&stored).unwrap();
        let pbkdf2 = Pbkdf2::new(Algorithm::Pbkdf2Sha256, Params::new(600_000).unwrap());
        assert!(pbkdf2.verify_password(a.expose().as_bytes(), &hash).is_ok());
        assert!(pbkdf2.verify_password(b.expose().as_bytes(), &hash).is_err());
    }
}
