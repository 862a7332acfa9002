//! OAuth apps an admin registers (SPEC S5.1, S8.1). The client secret is
//! kept twice: sealed under the server key, so admins can view it again, and
//! as a SHA-256 hash, which is what authentication compares against.

use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::model::audit::AuditEntry;
pub use crate::model::oauth::{AccessTokenLifetime, ClientType, OAuthApp, Visibility};
use crate::oauth::redirect;
use crate::scope::{Scope, ScopeSet};
use crate::services::Services;
use crate::token::{random_secret, PlainToken, TokenKind};

macro_rules! string_enum {
    ($t:ty, $field:literal, $($variant:path => $s:literal),+) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $($variant => $s),+ }
            }

            pub fn parse(s: &str) -> Result<Self> {
                match s {
                    $($s => Ok($variant),)+
                    other => Err(Error::invalid(
                        $field,
                        format!("{other:?} is not one of: {}", [$($s),+].join(", ")),
                    )),
                }
            }
        }
    };
}

string_enum!(Visibility, "visibility", Visibility::Private => "private", Visibility::Public => "public");
string_enum!(ClientType, "clientType", ClientType::Confidential => "confidential", ClientType::Public => "public");
string_enum!(AccessTokenLifetime, "accessTokenLifetime",
    AccessTokenLifetime::Never => "never", AccessTokenLifetime::OneHour => "1h", AccessTokenLifetime::OneDay => "24h");

/// An app as admins see it: with its secret opened.
#[derive(Debug, Clone)]
pub struct OAuthAppView {
    pub app: OAuthApp,
    pub client_secret: Option<String>,
}

/// Parsed input for a new app.
pub struct NewOAuthApp {
    pub name: String,
    pub description: String,
    pub redirect_uris: Vec<String>,
    pub scopes: ScopeSet,
    pub visibility: Visibility,
    pub client_type: ClientType,
    pub require_pkce: bool,
    pub access_token_lifetime: AccessTokenLifetime,
}

#[derive(Default)]
pub struct OAuthAppPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub scopes: Option<ScopeSet>,
    pub visibility: Option<Visibility>,
    pub require_pkce: Option<bool>,
    pub access_token_lifetime: Option<AccessTokenLifetime>,
}

/// Scopes an app may register: known, grantable to OAuth apps, at least one.
pub fn parse_scopes<S: AsRef<str>>(names: &[S]) -> Result<ScopeSet> {
    let known = || {
        Scope::ALL
            .iter()
            .filter(|s| s.grantable_to_oauth_app())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let set = ScopeSet::parse_list(names).map_err(|bad| {
        Error::invalid(
            "scopes",
            format!("unknown scope {bad:?}; known scopes: {}", known()),
        )
    })?;
    if let Some(s) = set.iter().find(|s| !s.grantable_to_oauth_app()) {
        return Err(Error::invalid(
            "scopes",
            format!(
                "{s} can be granted to Private Apps only, not to OAuth apps; OAuth apps may register: {}",
                known()
            ),
        ));
    }
    if set.is_empty() {
        return Err(Error::invalid("scopes", "choose at least one scope"));
    }
    Ok(set)
}

impl Services {
    fn server_key(&self) -> Result<&crate::secret_box::ServerKey> {
        self.server_key
            .as_ref()
            .ok_or_else(|| Error::internal("no server key is configured"))
    }

    /// A new secret for `app`: sealed and hashed into the app; returned in clear.
    fn new_client_secret(&self, app: &mut OAuthApp) -> Result<PlainToken> {
        let secret = PlainToken::generate(TokenKind::ClientSecret);
        app.secret_sealed = Some(
            self.server_key()?
                .seal(secret.expose(), &app.id)
                .map_err(|e| Error::internal(e.to_string()))?,
        );
        app.secret_hash = Some(secret.hash());
        Ok(secret)
    }

    fn view(&self, app: OAuthApp) -> Result<OAuthAppView> {
        let client_secret = match &app.secret_sealed {
            Some(sealed) => Some(
                self.server_key()?
                    .open(sealed, &app.id)
                    .map_err(|e| Error::internal(e.to_string()))?,
            ),
            None => None,
        };
        Ok(OAuthAppView { app, client_secret })
    }

    pub async fn create_oauth_app(
        &self,
        account_id: &str,
        actor: &str,
        input: NewOAuthApp,
    ) -> Result<OAuthAppView> {
        let now = self.clock.now();
        let public = input.client_type == ClientType::Public;
        let mut app = OAuthApp {
            id: new_id(),
            account_id: account_id.to_owned(),
            client_id: random_secret(),
            name: input.name,
            description: input.description,
            redirect_uris: input.redirect_uris,
            scopes: input.scopes,
            visibility: input.visibility,
            client_type: input.client_type,
            // Always on for public clients (SPEC S5.2).
            require_pkce: input.require_pkce || public,
            access_token_lifetime: input.access_token_lifetime,
            secret_sealed: None,
            secret_hash: None,
            logo_id: None,
            created_by: actor.to_owned(),
            created_at: now,
            updated_at: now,
        };
        if !public {
            self.new_client_secret(&mut app)?;
        }
        let audit = AuditEntry::new(account_id, actor, "oauth_app.created", Some(&app.id), now);
        self.store.insert_oauth_app(&app, &audit).await?;
        self.view(app)
    }

    pub async fn list_oauth_apps(&self, account_id: &str) -> Result<Vec<OAuthAppView>> {
        let apps = self.store.list_oauth_apps(account_id).await?;
        apps.into_iter().map(|a| self.view(a)).collect()
    }

    pub async fn get_oauth_app(&self, account_id: &str, id: &str) -> Result<OAuthAppView> {
        let app = self
            .store
            .get_oauth_app(account_id, id)
            .await?
            .ok_or(Error::NotFound("oauth app"))?;
        self.view(app)
    }

    pub async fn update_oauth_app(
        &self,
        account_id: &str,
        actor: &str,
        id: &str,
        patch: OAuthAppPatch,
    ) -> Result<OAuthAppView> {
        let mut app = self.get_oauth_app(account_id, id).await?.app;
        if let Some(v) = patch.name {
            app.name = v;
        }
        if let Some(v) = patch.description {
            app.description = v;
        }
        if let Some(v) = patch.redirect_uris {
            app.redirect_uris = v;
        }
        if let Some(v) = patch.scopes {
            app.scopes = v;
        }
        if let Some(v) = patch.visibility {
            app.visibility = v;
        }
        if let Some(v) = patch.require_pkce {
            if !v && app.client_type == ClientType::Public {
                return Err(Error::invalid(
                    "requirePkce",
                    "public clients always require PKCE",
                ));
            }
            app.require_pkce = v;
        }
        if let Some(v) = patch.access_token_lifetime {
            app.access_token_lifetime = v;
        }
        let now = self.clock.now();
        app.updated_at = now;
        let audit = AuditEntry::new(account_id, actor, "oauth_app.updated", Some(id), now);
        self.store.update_oauth_app(&app, &audit).await?;
        self.view(app)
    }

    /// A new client secret; the old one stops working at once.
    pub async fn rotate_oauth_app_secret(
        &self,
        account_id: &str,
        actor: &str,
        id: &str,
    ) -> Result<OAuthAppView> {
        let app = self.get_oauth_app(account_id, id).await?.app;
        self.replace_client_secret(app, actor, "oauth_app.secret_rotated")
            .await
    }

    /// A leak report named this app's current client secret (SPEC S3): it
    /// stops working at once; an admin views the new one in the console.
    /// Returns whether the secret was live.
    pub async fn revoke_leaked_client_secret(&self, secret: &PlainToken) -> Result<bool> {
        let hash = secret.hash();
        let Some(app) = self.store.find_oauth_app_by_secret_hash(&hash).await? else {
            return Ok(false);
        };
        if !app.secret_hash.as_ref().is_some_and(|h| h.ct_eq(&hash)) {
            return Ok(false);
        }
        tracing::warn!(app_id = %app.id, account_id = %app.account_id, "leaked client secret reported; secret rotated");
        self.replace_client_secret(app, "anonymous", "oauth_app.secret_leak_reported_rotated")
            .await?;
        Ok(true)
    }

    async fn replace_client_secret(
        &self,
        mut app: OAuthApp,
        actor: &str,
        action: &'static str,
    ) -> Result<OAuthAppView> {
        if app.client_type == ClientType::Public {
            return Err(Error::Conflict {
                code: "public_client",
                message: "a public client has no secret to rotate".into(),
            });
        }
        self.new_client_secret(&mut app)?;
        let now = self.clock.now();
        app.updated_at = now;
        let audit = AuditEntry::new(&app.account_id, actor, action, Some(&app.id), now);
        self.store.update_oauth_app(&app, &audit).await?;
        self.view(app)
    }

    /// Delete the app: its grants, codes and tokens go with it.
    pub async fn delete_oauth_app(&self, account_id: &str, actor: &str, id: &str) -> Result<()> {
        let now = self.clock.now();
        let audit = AuditEntry::new(account_id, actor, "oauth_app.deleted", Some(id), now);
        if !self.store.delete_oauth_app(account_id, id, &audit).await? {
            return Err(Error::NotFound("oauth app"));
        }
        Ok(())
    }
}

pub fn parse_redirect_uris<S: AsRef<str>>(uris: &[S]) -> Result<Vec<String>> {
    redirect::validate_list(uris)
}

/// A registration as submitted (admin API or console form), before checks.
pub struct Registration<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub redirect_uris: &'a [String],
    pub scopes: &'a [String],
    pub visibility: Option<&'a str>,
    pub client_type: Option<&'a str>,
    pub require_pkce: bool,
    pub access_token_lifetime: Option<&'a str>,
}

impl Registration<'_> {
    /// Check every field; errors name the admin API's field.
    pub fn parse(self) -> Result<NewOAuthApp> {
        Ok(NewOAuthApp {
            name: crate::private_app::parse_app_name(self.name)?,
            description: crate::private_app::parse_description(self.description)?,
            redirect_uris: parse_redirect_uris(self.redirect_uris)?,
            scopes: parse_scopes(self.scopes)?,
            visibility: self
                .visibility
                .map_or(Ok(Visibility::Private), Visibility::parse)?,
            client_type: self
                .client_type
                .map_or(Ok(ClientType::Confidential), ClientType::parse)?,
            require_pkce: self.require_pkce,
            access_token_lifetime: self
                .access_token_lifetime
                .map_or(Ok(AccessTokenLifetime::Never), AccessTokenLifetime::parse)?,
        })
    }
}
