//! How the domain values with their own serde show in the services' OpenAPI
//! documents (the DTOs derive theirs). Only with the `openapi` feature: the
//! browser app never links utoipa.

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::{Grade, Secret};

impl PartialSchema for Secret {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
            .description(Some("A password or token: sent as plain text, never logged."))
            .into()
    }
}

impl ToSchema for Secret {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Secret")
    }
}

impl PartialSchema for Grade {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .enum_values(Some(Grade::all().map(Grade::as_f64)))
            .description(Some(
                "A grade on the 4.0 scale; any other number is 422 `invalid_grade`.",
            ))
            .into()
    }
}

impl ToSchema for Grade {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Grade")
    }
}
