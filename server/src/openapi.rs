//! The base of the OpenAPI document: title, version and the OAuth2 password scheme that
//! lets the docs page's "Authorize" button sign in through `/auth/token`.

use utoipa::openapi::security::{Flow, OAuth2, Password, Scopes, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder};

pub fn base() -> OpenApi {
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Comanda API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Accounts, menu and orders of a small order-taking business. \
                     Errors are `{\"detail\": \"…\"}`; validation errors (422) carry a list. \
                     Every path also answers with a trailing slash.",
                ))
                .build(),
        )
        .build();
    let components = doc.components.get_or_insert_with(Default::default);
    // Referenced only from query parameters, which do not register their schemas.
    components.schemas.insert(
        "OrderScope".into(),
        <comanda_common::OrderScope as utoipa::PartialSchema>::schema(),
    );
    components.add_security_scheme(
        "oauth2",
        SecurityScheme::OAuth2(OAuth2::new([Flow::Password(Password::new(
            "/auth/token",
            Scopes::new(),
        ))])),
    );
    doc
}
