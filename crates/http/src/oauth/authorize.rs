//! `GET /authorize` and the consent form (SPEC S5.2).

use super::BASE;
use crate::console::check_form;
use crate::error::PageError;
use crate::extract::MaybeSession;
use crate::middleware::console_csp;
use crate::state::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use switchboard_core::oauth::authorize::{
    AuthorizationRequest, AuthorizeFailure, AuthorizeStep, Prompt,
};
use switchboard_core::oauth::{OAuthError, Visibility};
use switchboard_core::session::ActiveSession;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/authorize"), get(authorize))
        .route(&format!("{BASE}/authorize/decision"), post(decide))
}

#[derive(Template)]
#[template(path = "oauth/consent.html")]
struct ConsentPage {
    csrf_token: String,
    consent_id: String,
    app_name: String,
    initial: String,
    logo_url: Option<String>,
    owner_account_name: String,
    description: String,
    account_name: String,
    user_email: String,
    scopes: Vec<(&'static str, &'static str)>,
    redirect_host: String,
}

#[derive(Template)]
#[template(path = "oauth/error.html")]
struct ErrorPage {
    message: String,
    back_link: Option<String>,
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `302 Found` to the client (RFC 6749 §4.1.2).
fn found(url: &str) -> Response {
    match HeaderValue::from_str(url) {
        Ok(v) => no_store((StatusCode::FOUND, [(header::LOCATION, v)]).into_response()),
        Err(_) => error_page("the redirect URI cannot be used".into(), None),
    }
}

fn error_page(message: String, back_link: Option<String>) -> Response {
    let page = ErrorPage { message, back_link };
    match page.render() {
        Ok(html) => no_store((StatusCode::BAD_REQUEST, Html(html)).into_response()),
        Err(e) => PageError::from(e).into_response(),
    }
}

/// Send a failure to the user agent: a page when the client or redirect URI
/// is not trusted; otherwise a redirect — except that a public app's error
/// before sign-in gets a page with a link, so nobody can use this server as
/// an open redirector (RFC 9700 §4.11.2).
fn failure(state: &AppState, f: AuthorizeFailure, signed_in: bool) -> Response {
    match f {
        AuthorizeFailure::Page(message) => error_page(message, None),
        AuthorizeFailure::Redirect {
            app,
            redirect_uri,
            state: client_state,
            error,
        } => {
            let url = state
                .services
                .error_redirect(&redirect_uri, client_state.as_deref(), &error);
            if app.visibility == Visibility::Public && !signed_in {
                error_page(format!("{}: {}", error.code, error.description), Some(url))
            } else {
                found(&url)
            }
        }
    }
}

/// The authorization endpoint (RFC 6749 §4.1.1) for a browser: the consent
/// page, or a redirect back to the client.
#[utoipa::path(
    get,
    path = "/services/oauth2/v1/authorize",
    operation_id = "authorize",
    tag = "oauth",
    params(
        ("client_id" = String, Query, description = "The app's client id."),
        ("response_type" = String, Query, description = "`code`."),
        ("redirect_uri" = Option<String>, Query,
            description = "A registered redirect URI (alias `redirect_url`); required unless the app has exactly one."),
        ("redirect_url" = Option<String>, Query, description = "Alias of `redirect_uri`."),
        ("scope" = Option<String>, Query,
            description = "Space-separated scopes; default: all the app registered."),
        ("state" = Option<String>, Query, description = "Returned verbatim."),
        ("code_challenge" = Option<String>, Query, description = "PKCE (RFC 7636)."),
        ("code_challenge_method" = Option<String>, Query, description = "`S256` (`plain` is refused)."),
        ("prompt" = Option<String>, Query, description = "`consent` or `none`."),
    ),
    responses(
        (status = 200, description = "The consent page.", content_type = "text/html", body = String),
        (status = 302, description = "Back to the client: `code`, `state` and `iss`, or `error`, \
            `error_description`, `state` and `iss` (RFC 6749 §4.1.2, RFC 9207).",
            headers(("Location" = String, description = "The redirect URI with the answer."))),
        (status = 303, description = "Not signed in: to `/login?next=…`.",
            headers(("Location" = String, description = "The sign-in page."))),
        (status = 400, description = "An error page: unknown client, a redirect URI that is not \
            registered, or an error that is not safe to redirect.", content_type = "text/html", body = String),
    ),
    security(("consoleSession" = []), ())
)]
pub(crate) async fn authorize(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> Response {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let request = match state.services.check_authorization(&pairs).await {
        Ok(r) => r,
        Err(f) => return failure(&state, f, session.is_some()),
    };
    let Some(session) = session else {
        if request.prompt == Prompt::None {
            let f = AuthorizeFailure::Redirect {
                app: Box::new(request.app),
                redirect_uri: request.redirect_uri,
                state: request.state,
                error: OAuthError::new("login_required", "the user is not signed in (prompt=none)"),
            };
            return failure(&state, f, false);
        }
        let next = uri.path_and_query().map_or("/", |p| p.as_str());
        let target = format!(
            "/login?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        );
        return no_store(Redirect::to(&target).into_response());
    };
    match state.services.authorize_signed_in(request, &session).await {
        Ok(AuthorizeStep::Redirect(url)) => found(&url),
        Ok(AuthorizeStep::Consent {
            consent_id,
            request,
        }) => consent_page(&session, consent_id, *request),
        Err(f) => failure(&state, f, true),
    }
}

fn consent_page(s: &ActiveSession, consent_id: String, req: AuthorizationRequest) -> Response {
    let redirect = url::Url::parse(&req.redirect_uri).ok();
    let redirect_host = redirect
        .as_ref()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    let page = ConsentPage {
        csrf_token: s.session.csrf_token.clone(),
        consent_id,
        app_name: req.app.name.clone(),
        initial: req
            .app
            .name
            .chars()
            .next()
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_default(),
        logo_url: req.app.logo_id.as_ref().map(|l| format!("/logos/{l}")),
        owner_account_name: req.owner_account_name.clone(),
        description: req.app.description.clone(),
        account_name: s.account.name.clone(),
        user_email: s.user.email.clone(),
        scopes: req
            .scopes
            .iter()
            .map(|s| (s.as_str(), s.describe()))
            .collect(),
        redirect_host,
    };
    let html = match page.render() {
        Ok(h) => h,
        Err(e) => return PageError::from(e).into_response(),
    };
    let mut res = no_store(Html(html).into_response());
    // The form's answer redirects to the app: let the browser follow it.
    let origin = redirect
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    res.headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, console_csp(&origin));
    res
}

/// The consent page's form.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    consent_id: String,
    #[serde(default)]
    decision: String,
}

/// The consent page's answer (a form post from the page).
#[utoipa::path(
    post,
    path = "/services/oauth2/v1/authorize/decision",
    operation_id = "authorize_decision",
    tag = "oauth",
    request_body(content = DecisionForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 302, description = "Back to the client with a code or `error=access_denied`.",
            headers(("Location" = String, description = "The redirect URI with the answer."))),
        (status = 400, description = "An error page (signed out, no such consent, no decision).",
            content_type = "text/html", body = String),
        (status = 403, description = "The CSRF check failed (an error page).",
            content_type = "text/html", body = String),
        (status = 415, description = "Not a form body.", content_type = "text/plain", body = String),
        (status = 422, description = "The form could not be read (e.g. a field sent twice).",
            content_type = "text/plain", body = String),
    ),
    security(("consoleSession" = []), ())
)]
pub(crate) async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybeSession(session): MaybeSession,
    Form(form): Form<DecisionForm>,
) -> Response {
    let Some(session) = session else {
        return error_page(
            "You are no longer signed in. Start again from the app.".into(),
            None,
        );
    };
    if let Err(e) = check_form(&headers, &state, &session, &form.csrf_token) {
        return e.into_response();
    }
    let allow = match form.decision.as_str() {
        "allow" => true,
        "deny" => false,
        _ => return error_page("Choose Allow or Deny.".into(), None),
    };
    match state
        .services
        .decide_consent(&form.consent_id, &session, allow)
        .await
    {
        Ok(url) => found(&url),
        Err(f) => failure(&state, f, true),
    }
}
