//! Console form bodies: `multipart/form-data` (forms with a logo upload) or
//! `application/x-www-form-urlencoded`, read into one shape; and field-level
//! error messages written for people ("Name must be at most 80 characters").

use crate::error::PageError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, StatusCode};
use switchboard_core::Error;

/// A submitted form: text fields in order (repeated names kept) and at most
/// one uploaded file per field name.
#[derive(Default)]
pub(crate) struct FormData {
    fields: Vec<(String, String)>,
    files: Vec<(String, Vec<u8>)>,
}

impl FormData {
    /// The first value of `name`, or "".
    pub(crate) fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name` (checkbox groups).
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == name)
    }

    /// The bytes of the file chosen for `name`; None when none was chosen.
    pub(crate) fn take_file(&mut self, name: &str) -> Option<Vec<u8>> {
        let i = self.files.iter().position(|(k, _)| k == name)?;
        Some(self.files.swap_remove(i).1)
    }
}

fn too_large() -> PageError {
    PageError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "The form is larger than 1 MiB. A logo must be a PNG, JPEG or WebP image of at most 256 KiB.",
    )
}

impl FromRequest<AppState> for FormData {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let mut out = FormData::default();
        if multipart {
            let mut parts = Multipart::from_request(req, state).await.map_err(|_| {
                PageError::new(StatusCode::BAD_REQUEST, "The form could not be read.")
            })?;
            while let Some(field) = parts.next_field().await.map_err(|_| too_large())? {
                let name = field.name().unwrap_or_default().to_owned();
                let is_file = field.file_name().is_some();
                let bytes = field.bytes().await.map_err(|_| too_large())?;
                if is_file {
                    // A file input left empty still sends a part, with no bytes.
                    if !bytes.is_empty() {
                        out.files.push((name, bytes.to_vec()));
                    }
                } else {
                    out.fields
                        .push((name, String::from_utf8_lossy(&bytes).into_owned()));
                }
            }
        } else {
            let body = Bytes::from_request(req, state)
                .await
                .map_err(|_| too_large())?;
            out.fields = url::form_urlencoded::parse(&body).into_owned().collect();
        }
        Ok(out)
    }
}

/// Errors shown beside the fields they concern.
#[derive(Default)]
pub(crate) struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_owned(), message.into()));
    }

    /// The message for `field` (for `{% if let Some(e) = errors.get("name") %}`).
    pub(crate) fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Record a validation error from the services under the form's own
    /// field name and label; any other error is passed on.
    pub(crate) fn take(&mut self, e: Error, fields: &[(&str, &str, &str)]) -> Result<(), Error> {
        match e {
            Error::Invalid { field, message } => {
                let (name, label) = fields
                    .iter()
                    .find(|(api, _, _)| field == *api || field.starts_with(&format!("{api}[")))
                    .map_or(("form", "This"), |(_, name, label)| (*name, *label));
                self.add(name, human(label, &message));
                Ok(())
            }
            other => Err(other),
        }
    }
}

/// "Name" + "must be at most 80 characters" → "Name must be at most 80 characters."
pub(crate) fn human(label: &str, message: &str) -> String {
    let m = message.trim_end_matches('.');
    let starts_lower = m.chars().next().is_some_and(char::is_lowercase);
    let sentence = if m.starts_with("must") || m.starts_with("is ") || m.starts_with("cannot") {
        format!("{label} {m}")
    } else if starts_lower {
        let mut c = m.chars();
        let first = c.next().map(|f| f.to_uppercase().collect::<String>());
        format!("{}{}", first.unwrap_or_default(), c.as_str())
    } else {
        m.to_owned()
    };
    format!("{sentence}.")
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn messages_read_as_sentences() {
        assert_eq!(
            human("Name", "must be at most 80 characters"),
            "Name must be at most 80 characters."
        );
        assert_eq!(
            human("Redirect URIs", "add at least one redirect URI"),
            "Add at least one redirect URI."
        );
    }
}
