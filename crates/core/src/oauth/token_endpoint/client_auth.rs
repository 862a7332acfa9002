//! Client authentication at the token, revocation and introspection
//! endpoints: `client_secret_basic`, `client_secret_post`, or `none` for
//! public clients.

use crate::model::oauth::ClientType;
use crate::model::oauth::OAuthApp;
use crate::oauth::error::OAuthError;
use crate::services::Services;
use crate::token::{PlainToken, TokenKind};

/// The credentials a request presented.
#[derive(Debug, Default)]
pub struct ClientAuth<'a> {
    pub client_id: Option<&'a str>,
    pub secret: Option<&'a str>,
}

impl Services {
    /// `client_secret_basic`, `client_secret_post`, or `none` for public clients.
    pub async fn authenticate_client(&self, auth: &ClientAuth<'_>) -> Result<OAuthApp, OAuthError> {
        let client_id = auth.client_id.ok_or_else(|| {
            OAuthError::invalid_client(
                "client authentication is missing: send HTTP Basic credentials or client_id (and client_secret)",
            )
        })?;
        let unknown = || OAuthError::invalid_client("unknown client or wrong client secret");
        let (app, _) = self
            .store
            .find_oauth_app_by_client_id(client_id)
            .await?
            .ok_or_else(unknown)?;
        match (app.client_type, auth.secret) {
            (ClientType::Public, None) => Ok(app),
            (ClientType::Public, Some(_)) => Err(OAuthError::invalid_client(
                "this is a public client: it has no secret and must not send one",
            )),
            (ClientType::Confidential, None) => Err(OAuthError::invalid_client(
                "this client must authenticate with its client secret",
            )),
            (ClientType::Confidential, Some(secret)) => {
                let presented = PlainToken::parse(secret).map_err(|_| unknown())?;
                match &app.secret_hash {
                    Some(h)
                        if presented.kind() == TokenKind::ClientSecret
                            && h.ct_eq(&presented.hash()) =>
                    {
                        Ok(app)
                    }
                    _ => Err(unknown()),
                }
            }
        }
    }
}
