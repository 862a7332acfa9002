//! The HTTP surface: data API, admin API, OAuth endpoints, console pages.
//! Handlers extract, call one service, and map the result; they never touch
//! storage directly.

mod admin;
mod api;
mod audit_context;
mod console;
mod error;
mod extract;
mod health;
mod logos;
mod middleware;
mod oauth;
mod openapi;
mod request_metrics;
mod schemas;
mod state;

pub use state::{AppState, HttpConfig};

// The OAuth endpoints' pure input parsers, public for the fuzz targets (fuzz/).
pub use oauth::client::{basic_credentials, MalformedBasic, OAuthForm, RepeatedParameter};
pub use oauth::token::token_request;

use axum::Router;

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let issuer = state.config.issuer.clone();
    let timeout = state.config.request_timeout;
    let app = Router::new()
        .merge(health::router())
        .merge(api::router())
        .merge(admin::router())
        .merge(oauth::router(&issuer))
        .merge(console::router())
        .merge(logos::router())
        .merge(openapi::router())
        .route_layer(axum::middleware::from_fn(request_metrics::track))
        .route("/metrics", axum::routing::get(request_metrics::scrape))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            console::frame,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            audit_context::client_ip,
        ))
        .with_state(state);
    middleware::apply(app, timeout)
}
