//! The OpenAPI schemas of the validated fields, built from the same constants as the
//! validators in [`crate::validate`], so the document cannot state a rule the server does
//! not enforce (or the other way round). Used through `#[schema(schema_with = …)]` on the
//! request types.

use serde_json::json;
use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, SchemaType, Type};

use crate::validate::{Email, Flavor, Password, PriceCents, Quantity, Username};

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn integer(min: i64, max: i64) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(min))
        .maximum(Some(max))
}

/// `schema` that also accepts `null` (an optional field: `null` counts as absent).
fn or_null(b: ObjectBuilder, ty: Type) -> Object {
    b.schema_type(SchemaType::from_iter([ty, Type::Null]))
        .build()
}

fn username_b() -> ObjectBuilder {
    string()
        .min_length(Some(Username::MIN))
        .max_length(Some(Username::MAX))
        .pattern(Some(Username::PATTERN))
        .description(Some(
            "3 to 32 ASCII letters, digits, '_', '.' or '-'; unique case-insensitively.",
        ))
        .examples([json!("ana")])
}
pub fn username() -> Object {
    username_b().build()
}
pub fn username_opt() -> Object {
    or_null(username_b(), Type::String)
}

fn email_b() -> ObjectBuilder {
    string()
        .max_length(Some(Email::MAX))
        .pattern(Some(Email::PATTERN))
        .description(Some(
            "An email address (stored lower-cased, unique): one '@', a local part of at most \
             64 characters, a domain of dot-separated labels with at least one dot.",
        ))
        .examples([json!("ana@example.com")])
}
pub fn email() -> Object {
    email_b().build()
}
pub fn email_opt() -> Object {
    or_null(email_b(), Type::String)
}

fn password_b() -> ObjectBuilder {
    string()
        .min_length(Some(Password::MIN))
        .max_length(Some(Password::MAX))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        .description(Some("8 to 128 characters."))
        .examples([json!("pizza-lover-1")])
}
pub fn password() -> Object {
    password_b().build()
}
pub fn password_opt() -> Object {
    or_null(password_b(), Type::String)
}

/// A flavor as the server accepts it.
pub fn flavor() -> Object {
    string()
        .min_length(Some(1))
        .max_length(Some(Flavor::MAX))
        .pattern(Some(Flavor::PATTERN))
        .description(Some(
            "1 to 64 characters, no control characters, not only spaces (leading and \
             trailing spaces are removed).",
        ))
        .examples([json!("Margherita")])
        .build()
}

pub fn quantity() -> Object {
    integer(1, Quantity::MAX)
        .description(Some("1 to 99."))
        .examples([json!(2)])
        .build()
}

fn price_b() -> ObjectBuilder {
    integer(1, PriceCents::MAX)
        .description(Some("Price in cents, 1 to 1,000,000."))
        .examples([json!(3500)])
}
pub fn price_cents() -> Object {
    price_b().build()
}
pub fn price_cents_opt() -> Object {
    or_null(price_b(), Type::Integer)
}

/// A positive 64-bit id.
pub fn id() -> Object {
    integer(1, i64::MAX).examples([json!(1)]).build()
}

/// `offset` of a list: 0 or more.
pub fn offset() -> Object {
    integer(0, i64::MAX).examples([json!(0)]).build()
}

/// `limit` of a list: 1 to 100.
pub fn limit() -> Object {
    integer(1, crate::paging::MAX_LIMIT)
        .examples([json!(20)])
        .build()
}
