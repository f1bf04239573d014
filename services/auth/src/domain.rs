//! The checked values of a new user: constructing them is where a 422 comes
//! from.

use shared_types::auth::CreateUserRequest;
use shared_types::values::line_text;
use shared_types::{Email, Role, Secret, ValueError};
use uuid::Uuid;

/// Everything needed to create a user, each value checked.
#[derive(Debug, Clone)]
pub struct NewUserValues {
    pub id: Uuid,
    pub email: Email,
    pub name: String,
    pub password: Secret,
    pub roles: Vec<Role>,
}

pub fn parse_roles(names: &[String]) -> Result<Vec<Role>, ValueError> {
    let mut roles = names
        .iter()
        .map(|name| {
            name.trim().parse::<Role>().map_err(|e| ValueError {
                code: "unknown_role",
                message: e.to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err(ValueError {
            code: "unknown_role",
            message: "A user needs at least one role: student, teacher or admin.".into(),
        });
    }
    Ok(roles)
}

impl NewUserValues {
    pub fn parse(request: &CreateUserRequest) -> Result<Self, ValueError> {
        let email = Email::parse(&request.email)?;
        let name = line_text("name", &request.name, 100)?;
        shared_types::password::check_new_password(request.password.expose(), email.as_str())?;
        Ok(Self {
            id: Uuid::new_v4(),
            email,
            name,
            password: request.password.clone(),
            roles: parse_roles(&request.roles)?,
        })
    }
}

/// The `role` query parameter of the user list: absent or empty is "all".
pub fn parse_role_filter(raw: Option<&str>) -> Result<Option<Role>, ValueError> {
    raw.filter(|r| !r.is_empty())
        .map(|r| parse_roles(&[r.to_owned()]).map(|roles| roles[0]))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(password: &str, roles: &[&str]) -> CreateUserRequest {
        CreateUserRequest {
            email: "new.person@example.edu".into(),
            name: "New Person".into(),
            password: password.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn weak_passwords_and_unknown_roles_are_refused() {
        assert!(NewUserValues::parse(&request("correct horse battery", &["student"])).is_ok());
        for weak in ["short", "aaaaaaaaaaaa", "new.person-2024!"] {
            assert_eq!(
                NewUserValues::parse(&request(weak, &["student"])).unwrap_err().code,
                "weak_password"
            );
        }
        assert_eq!(
            NewUserValues::parse(&request("correct horse battery", &["dean"]))
                .unwrap_err()
                .code,
            "unknown_role"
        );
        assert_eq!(
            NewUserValues::parse(&request("correct horse battery", &[]))
                .unwrap_err()
                .code,
            "unknown_role"
        );
    }
}
