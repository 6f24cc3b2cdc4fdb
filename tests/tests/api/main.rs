//! The API test binary: every route, status code and `detail` text of API.md, on SQLite
//! and (when `COMANDA_TEST_POSTGRES_URL` is set) on PostgreSQL. All API tests live in this
//! one binary so that it is compiled and linked once.

mod helpers;

mod adversarial;
mod auth;
mod basics;
mod events;
mod idempotency;
mod menu;
mod menu_cache;
mod metrics;
mod openapi_examples;
mod order_lines;
mod orders;
mod orders_search;
mod users;
