//! The settings layout every signed-in console page renders inside: the
//! header (account, user, Sign out), the left navigation and the flash
//! message. A page handler takes the [`Console`] extractor and puts
//! `shell: Shell` in its template struct (templates extend
//! `console/layout.html`, which reads `shell`):
//!
//! ```ignore
//! async fn page(c: Console) -> Result<Response, PageError> {
//!     c.admin_only()?;
//!     let page = MyPage { shell: c.shell(Section::Users), .. };
//!     Ok(Html(page.render()?).into_response())
//! }
//! ```

use super::flash::{self, Flash};
use crate::error::PageError;
use crate::extract::RequireSession;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use switchboard_core::account::Role;
use switchboard_core::session::ActiveSession;

/// The sections of the left navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Home,
    PrivateApps,
    OAuthApps,
    ConnectedApps,
    Users,
    AuditLog,
    Webhooks,
    Account,
}

/// (section, href, label, admins only).
const NAV: [(Section, &str, &str, bool); 7] = [
    (
        Section::PrivateApps,
        "/settings/private-apps",
        "Private Apps",
        true,
    ),
    (
        Section::OAuthApps,
        "/settings/oauth-apps",
        "OAuth 2.0 apps",
        true,
    ),
    (
        Section::ConnectedApps,
        "/settings/connected-apps",
        "Connected apps",
        false,
    ),
    (Section::Users, "/settings/users", "Users", true),
    (Section::AuditLog, "/settings/audit-log", "Audit log", true),
    (Section::Webhooks, "/settings/webhooks", "Webhooks", true),
    (Section::Account, "/settings/account", "Account", false),
];

pub(crate) struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What `console/layout.html` shows around a page.
pub(crate) struct Shell {
    pub csrf_token: String,
    pub account_name: String,
    pub user_name: String,
    pub user_email: String,
    pub admin: bool,
    pub nav: Vec<NavItem>,
    pub flash: Option<Flash>,
}

impl Shell {
    pub(crate) fn new(s: &ActiveSession, section: Section, flash: Option<Flash>) -> Shell {
        let admin = s.user.role == Role::Admin;
        Shell {
            csrf_token: s.session.csrf_token.clone(),
            account_name: s.account.name.clone(),
            user_name: s.user.name.clone(),
            user_email: s.user.email.clone(),
            admin,
            nav: NAV
                .iter()
                .filter(|(_, _, _, admins)| admin || !admins)
                .map(|&(sec, href, label, _)| NavItem {
                    href,
                    label,
                    current: sec == section,
                })
                .collect(),
            flash,
        }
    }
}

/// A signed-in console request: the session, the flash message carried
/// across the last redirect (if any), and `now` from the server's clock.
/// Without a session: `303` to the login page (as `RequireSession`).
pub(crate) struct Console {
    pub s: ActiveSession,
    pub flash: Option<Flash>,
    pub now: DateTime<Utc>,
}

impl FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let RequireSession(s) = RequireSession::from_request_parts(parts, state).await?;
        let flash = flash::read(&parts.headers, state, &s);
        Ok(Console {
            s,
            flash,
            now: state.services.clock.now(),
        })
    }
}

impl Console {
    /// The layout for a page of `section`; takes the flash (it shows once).
    pub(crate) fn shell(&mut self, section: Section) -> Shell {
        Shell::new(&self.s, section, self.flash.take())
    }

    pub(crate) fn is_admin(&self) -> bool {
        self.s.user.role == Role::Admin
    }

    /// Pages and actions only account admins may use (SPEC S1).
    pub(crate) fn admin_only(&self) -> Result<(), PageError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(PageError::new(
                StatusCode::FORBIDDEN,
                "Only account admins can use this page.",
            ))
        }
    }

    /// The audit log's actor for this user.
    pub(crate) fn actor(&self) -> String {
        format!("user:{}", self.s.user.id)
    }
}
