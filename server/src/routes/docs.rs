//! `/openapi.json` and the offline docs page at `/docs` (Swagger UI, vendored).

use std::sync::Arc;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::Config;

use crate::error::detail_response;

/// Routes for the document and the docs page (not themselves part of the document).
pub fn router<S: Clone + Send + Sync + 'static>(doc: OpenApi) -> Router<S> {
    let doc = Arc::new(crate::openapi::finish(doc));
    let config = Arc::new(
        Config::new(["/openapi.json"])
            .persist_authorization(true)
            .try_it_out_enabled(true),
    );
    let index_config = config.clone();
    Router::new()
        .route(
            "/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route("/docs", get(move || index(index_config.clone())))
        .route(
            "/docs/{*file}",
            get(move |Path(file): Path<String>| asset(file, config.clone())),
        )
}

/// The Swagger UI page, served at `/docs` and `/docs/` alike: its relative asset links
/// resolve under `/docs/` through a `<base>` element, so no redirect is needed.
async fn index(config: Arc<Config<'static>>) -> Response {
    match utoipa_swagger_ui::serve("index.html", config) {
        Ok(Some(file)) => {
            let html = String::from_utf8_lossy(&file.bytes).replacen(
                "<head>",
                "<head>\n    <base href=\"/docs/\" />",
                1,
            );
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
        }
        _ => detail_response(StatusCode::NOT_FOUND, "Not Found"),
    }
}

async fn asset(file: String, config: Arc<Config<'static>>) -> Response {
    match utoipa_swagger_ui::serve(&file, config) {
        Ok(Some(f)) => ([(header::CONTENT_TYPE, f.content_type)], f.bytes.to_vec()).into_response(),
        Ok(None) => detail_response(StatusCode::NOT_FOUND, "Not Found"),
        Err(e) => {
            tracing::error!(error = %e, "swagger ui asset failed");
            detail_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
    }
}
