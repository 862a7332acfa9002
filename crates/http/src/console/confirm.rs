//! "Delete X? [Delete] [Cancel]": the confirmation step before every
//! destructive action, without JavaScript. The action's `GET` renders this
//! page; its form `POST`s to the same URL, which does the work. Use:
//!
//! ```ignore
//! async fn ask(mut c: Console, Path(id): Path<String>) -> Result<Response, PageError> {
//!     confirm::render(c.shell(Section::Users), Confirm {
//!         title: format!("Deactivate {name}?"),
//!         message: "They are signed out and their apps lose access.".into(),
//!         action: format!("/settings/users/{id}/deactivate"),
//!         button: "Deactivate",
//!         cancel: format!("/settings/users/{id}"),
//!         danger: true,
//!         choice: None,
//!     })
//! }
//! ```

use super::shell::Shell;
use crate::error::PageError;
use askama::Template;
use axum::response::{Html, IntoResponse, Response};

/// What to confirm.
pub(crate) struct Confirm {
    /// The question, e.g. `Delete the Private App "Zapier"?`.
    pub title: String,
    /// What will happen, in one or two sentences.
    pub message: String,
    /// Where the confirming form posts.
    pub action: String,
    /// The confirming button's label ("Delete").
    pub button: &'static str,
    /// Where Cancel leads.
    pub cancel: String,
    /// Red confirming button for actions that cannot be undone.
    pub danger: bool,
    /// An optional choice sent with the form (e.g. a rotation's grace period).
    pub choice: Option<Choice>,
}

/// A `<select>` on the confirmation form.
pub(crate) struct Choice {
    pub name: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    /// (value, label); the first is selected.
    pub options: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "console/confirm.html")]
struct ConfirmPage {
    shell: Shell,
    c: Confirm,
}

pub(crate) fn render(shell: Shell, c: Confirm) -> Result<Response, PageError> {
    Ok(Html(ConfirmPage { shell, c }.render()?).into_response())
}
