//! Every request runs with its client's address in scope, so that the audit
//! entries the services write while serving it record where it came from.

use crate::extract::ClientIp;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

pub async fn client_ip(
    State(_): State<AppState>,
    ClientIp(ip): ClientIp,
    request: Request,
    next: Next,
) -> Response {
    match ip.parse() {
        Ok(ip) => switchboard_core::audit::with_client_ip(ip, next.run(request)).await,
        // No peer address (a request that did not come through a socket).
        Err(_) => next.run(request).await,
    }
}
