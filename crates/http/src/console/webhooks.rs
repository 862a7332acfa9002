//! `/settings/webhooks` (admins): the account's webhook subscriptions, each
//! with its recent deliveries (status, latency, attempt), a redeliver
//! button per attempt, and delete after a confirmation step. The same
//! services as the admin API's `webhooks`.

use super::check_form;
use super::confirm::{self, Confirm};
use super::flash::{self, Flash};
use super::format::{when, When};
use super::shell::{Console, Section, Shell};
use crate::error::PageError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::Form;
use serde::Deserialize;
use switchboard_core::webhooks::{DeliveryLogEntry, Owner};

/// Attempts shown per subscription.
const RECENT: usize = 10;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/webhooks", get(page))
        .route(
            "/settings/webhooks/{id}/delete",
            get(ask_delete).post(delete),
        )
        .route(
            "/settings/webhooks/{id}/deliveries/{delivery}/redeliver",
            post(redeliver),
        )
}

struct DeliveryRow {
    id: String,
    event_type: String,
    attempt: u32,
    status: String,
    ok: bool,
    latency_ms: i64,
    at: When,
    next: Next,
    error: Option<String>,
}

/// What a failed attempt's row says about the event's next try.
enum Next {
    /// Delivered, or no more tries.
    Nothing,
    /// A later attempt of the same event is in the log.
    Retried,
    /// Due, or within the minute.
    Soon(When),
    /// Scheduled for later.
    At(When),
}

struct SubscriptionRow {
    id: String,
    target: String,
    /// The target in pieces that a line may break after (`<wbr>`).
    target_parts: Vec<String>,
    events: Vec<String>,
    app: String,
    created: When,
    deliveries: Vec<DeliveryRow>,
}

#[derive(Template)]
#[template(path = "console/webhooks.html")]
struct Page {
    shell: Shell,
    subscriptions: Vec<SubscriptionRow>,
}

async fn page(State(state): State<AppState>, mut c: Console) -> Result<Response, PageError> {
    c.admin_only()?;
    let account = c.s.account.id.clone();
    let subs = state.services.list_account_webhooks(&account).await?;
    let apps = state.services.list_private_apps(&account).await?;
    let now = c.now;
    let mut rows = Vec::with_capacity(subs.len());
    for s in subs {
        let log = state
            .services
            .account_webhook_deliveries(&account, &s.id)
            .await?;
        let app = match &s.owner {
            Owner::PrivateApp(id) => apps
                .iter()
                .find(|a| a.app.id == *id)
                .map_or_else(|| "Private App".to_owned(), |a| a.app.name.clone()),
            Owner::OAuthGrant { .. } => "OAuth app".to_owned(),
        };
        let log: Vec<_> = log.into_iter().take(RECENT).collect();
        // Newest first: a retry of a shown attempt is shown too.
        let retried = |d: &DeliveryLogEntry| {
            log.iter().any(|l| {
                l.event_id == d.event_id
                    && l.attempt == d.attempt + 1
                    && l.created_at >= d.created_at
            })
        };
        let deliveries = log
            .iter()
            .map(|d| DeliveryRow {
                ok: d.status.is_some_and(|s| (200..300).contains(&s)),
                status: d
                    .status
                    .map_or_else(|| "No answer".into(), |s| s.to_string()),
                id: d.id.clone(),
                event_type: d.event_type.clone(),
                attempt: d.attempt,
                latency_ms: d.latency_ms,
                at: when(d.created_at, now),
                next: match d.next_attempt_at {
                    None => Next::Nothing,
                    Some(_) if retried(d) => Next::Retried,
                    Some(t) if t < now + chrono::Duration::minutes(1) => Next::Soon(when(t, now)),
                    Some(t) => Next::At(when(t, now)),
                },
                error: d.error.clone(),
            })
            .collect();
        rows.push(SubscriptionRow {
            id: s.id.clone(),
            target: s.target.as_str().to_owned(),
            target_parts: break_points(s.target.as_str()),
            events: s.events.to_strings(),
            app,
            created: when(s.created_at, now),
            deliveries,
        });
    }
    let page = Page {
        shell: c.shell(Section::Webhooks),
        subscriptions: rows,
    };
    Ok(Html(page.render()?).into_response())
}

/// A URL cut after each `/`, `?` and `&` (not inside `//`), so that a long
/// one wraps at its path's steps rather than mid-word.
fn break_points(url: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut chars = url.chars().peekable();
    while let Some(ch) = chars.next() {
        part.push(ch);
        if matches!(ch, '/' | '?' | '&') && chars.peek() != Some(&'/') && !part.ends_with("//") {
            parts.push(std::mem::take(&mut part));
        }
    }
    if !part.is_empty() {
        parts.push(part);
    }
    parts
}

async fn ask_delete(
    State(state): State<AppState>,
    mut c: Console,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    let sub = state
        .services
        .get_account_webhook(&c.s.account.id, &id)
        .await?;
    confirm::render(
        c.shell(Section::Webhooks),
        Confirm {
            title: "Delete this webhook?".into(),
            message: format!(
                "Nothing more is sent to {}, and events not yet delivered are dropped. \
                 The app that subscribed can subscribe again.",
                sub.target.as_str()
            ),
            action: format!("/settings/webhooks/{id}/delete"),
            button: "Delete webhook",
            cancel: "/settings/webhooks".into(),
            danger: true,
            choice: None,
        },
    )
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf_token: String,
}

async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    check_form(&headers, &state, &c.s, &form.csrf_token)?;
    state
        .services
        .delete_account_webhook(&c.s.account.id, &c.actor(), &id)
        .await?;
    Ok(flash::redirect(
        &state,
        &c.s,
        "/settings/webhooks",
        Flash::success("Webhook deleted. Nothing more is sent to it."),
    ))
}

async fn redeliver(
    State(state): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Path((id, delivery)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    check_form(&headers, &state, &c.s, &form.csrf_token)?;
    state
        .services
        .redeliver_account_webhook(&c.s.account.id, &id, &delivery)
        .await?;
    Ok(flash::redirect(
        &state,
        &c.s,
        "/settings/webhooks",
        Flash::success("The event is queued and will be sent again in a moment."),
    ))
}

#[cfg(test)]
mod tests {
    use super::break_points;

    #[test]
    fn a_url_breaks_after_its_path_steps() {
        assert_eq!(
            break_points("https://hooks.example/catch/42?a=1&b=2"),
            ["https://hooks.example/", "catch/", "42?", "a=1&", "b=2"]
        );
        assert_eq!(break_points("http://x"), ["http://x"]);
        assert_eq!(break_points("").len(), 0);
    }
}
