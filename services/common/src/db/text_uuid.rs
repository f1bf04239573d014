//! Ids as both backends store them: a UUID in a `TEXT` column (SQLite has
//! no UUID type, and one schema serves both). Rows name their id fields
//! `Uuid` and read and write them through [`TextUuid`], so an id that is
//! not a UUID fails the query with its value in the error, instead of
//! turning silently into the nil id.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;
use uuid::Uuid;

/// A UUID read from or written to a `TEXT` column, hyphenated lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct TextUuid(pub Uuid);

impl From<TextUuid> for Uuid {
    fn from(id: TextUuid) -> Self {
        id.0
    }
}

impl From<Uuid> for TextUuid {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl<DB: Backend> FromSql<Text, DB> for TextUuid
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        Uuid::parse_str(&text)
            .map(Self)
            .map_err(|e| format!("a stored id is not a UUID ({text:?}): {e}").into())
    }
}

impl ToSql<Text, Pg> for TextUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        let mut buffer = Uuid::encode_buffer();
        std::io::Write::write_all(out, self.0.hyphenated().encode_lower(&mut buffer).as_bytes())?;
        Ok(IsNull::No)
    }
}

impl ToSql<Text, Sqlite> for TextUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.hyphenated().to_string());
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use diesel::dsl::sql;
    use diesel::sql_types::Text;
    use diesel::{Connection, IntoSql, RunQueryDsl, SqliteConnection};

    use super::*;

    fn read(conn: &mut SqliteConnection, literal: &str) -> diesel::QueryResult<TextUuid> {
        diesel::select(sql::<Text>(literal)).get_result(conn)
    }

    #[test]
    fn an_id_round_trips_and_a_corrupt_one_fails_with_its_value() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let id = Uuid::new_v4();
        let written: String = diesel::select(TextUuid(id).into_sql::<Text>())
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(written, id.hyphenated().to_string());
        assert_eq!(read(&mut conn, &format!("'{id}'")).unwrap(), TextUuid(id));

        let error = read(&mut conn, "'not-a-uuid'").unwrap_err().to_string();
        assert!(error.contains("not-a-uuid"), "{error}");
    }
}
