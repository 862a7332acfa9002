//! Webhook subscriptions through the data API (SPEC S9) and the admin API
//! (S8 `webhooks`). Subscribing needs the read scope of every module named
//! (and `admin.read` for security events), whoever holds the token.

use super::events::EventSet;
use super::model::{DeliveryLogEntry, Owner, Subscription};
use super::ssrf::{resolve_checked, GuardError};
use super::target::TargetUrl;
use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::model::audit::AuditEntry;
use crate::principal::{Actor, Principal};
use crate::services::Services;
use rand::distributions::Alphanumeric;
use rand::Rng;

/// Signing secrets start with this, so they are recognisable in a config.
pub const SECRET_PREFIX: &str = "whsec_";

/// Delivered (and given-up) events and their log are kept this many days,
/// then purged by the periodic maintenance; redelivery needs them.
pub const HISTORY_DAYS: i64 = 7;

/// The newest this many attempts are listed.
pub const DELIVERY_LOG_LIMIT: i64 = 100;

impl Services {
    /// Check that `target` may be delivered to under the operator's settings.
    pub async fn check_webhook_target(&self, target: &TargetUrl) -> Result<()> {
        resolve_checked(target, self.webhooks.allow_private)
            .await
            .map(|_| ())
            .map_err(|e| {
                Error::invalid(
                    "targetUrl",
                    match e {
                        GuardError::Unresolvable => "the host does not resolve".to_owned(),
                        GuardError::Forbidden(_) => "the URL resolves to a loopback, private, \
                             link-local, multicast or metadata address, which webhooks may \
                             not reach"
                            .to_owned(),
                    },
                )
            })
    }

    /// Subscribe the token's app (and grant) to `events` at `target_url`;
    /// returns the subscription and its signing secret (shown only here).
    pub async fn create_webhook(
        &self,
        p: &Principal,
        target_url: &str,
        events: &[String],
    ) -> Result<(Subscription, String)> {
        let target = TargetUrl::parse(target_url)?;
        let events = EventSet::parse(events)?;
        for pattern in events.patterns() {
            p.require(pattern.required_scope())?;
        }
        let owner = owner_of(p)?;
        self.check_webhook_target(&target).await?;
        let id = new_id();
        let random: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(40)
            .map(char::from)
            .collect();
        let secret = format!("{SECRET_PREFIX}{random}");
        let sealed_secret = self
            .server_key
            .as_ref()
            .ok_or_else(|| Error::internal("no server key to seal the webhook secret"))?
            .seal(&secret, &id)
            .map_err(|e| Error::internal(e.to_string()))?;
        let sub = Subscription {
            id,
            account_id: p.account_id.clone(),
            owner,
            target,
            events,
            sealed_secret,
            created_at: self.clock.now(),
        };
        let audit = AuditEntry::new(
            &p.account_id,
            &p.actor_ref(),
            "webhook.created",
            Some(&sub.id),
            sub.created_at,
        );
        self.store.insert_subscription(&sub, &audit).await?;
        Ok((sub, secret))
    }

    /// The subscriptions of the token's app and grant.
    pub async fn list_webhooks(&self, p: &Principal) -> Result<Vec<Subscription>> {
        let owner = owner_of(p)?;
        Ok(self
            .store
            .list_subscriptions(&p.account_id, Some(&owner))
            .await?)
    }

    /// One of the token's subscriptions; another app's or account's is not found.
    pub async fn get_webhook(&self, p: &Principal, id: &str) -> Result<Subscription> {
        let owner = owner_of(p)?;
        match self.store.get_subscription(&p.account_id, id).await? {
            Some(s) if s.owner == owner => Ok(s),
            _ => Err(Error::NotFound("webhook")),
        }
    }

    pub async fn delete_webhook(&self, p: &Principal, id: &str) -> Result<()> {
        self.get_webhook(p, id).await?;
        self.delete_account_webhook(&p.account_id, &p.actor_ref(), id)
            .await
    }

    pub async fn webhook_deliveries(
        &self,
        p: &Principal,
        id: &str,
    ) -> Result<Vec<DeliveryLogEntry>> {
        self.get_webhook(p, id).await?;
        self.account_webhook_deliveries(&p.account_id, id).await
    }

    pub async fn redeliver_webhook(&self, p: &Principal, id: &str, delivery: &str) -> Result<()> {
        self.get_webhook(p, id).await?;
        self.redeliver_account_webhook(&p.account_id, id, delivery)
            .await
    }

    /// Admins: every subscription of the account.
    pub async fn list_account_webhooks(&self, account_id: &str) -> Result<Vec<Subscription>> {
        Ok(self.store.list_subscriptions(account_id, None).await?)
    }

    pub async fn get_account_webhook(&self, account_id: &str, id: &str) -> Result<Subscription> {
        self.store
            .get_subscription(account_id, id)
            .await?
            .ok_or(Error::NotFound("webhook"))
    }

    /// Delete one of the account's subscriptions; `actor` is audited.
    pub async fn delete_account_webhook(
        &self,
        account_id: &str,
        actor: &str,
        id: &str,
    ) -> Result<()> {
        let audit = AuditEntry::new(
            account_id,
            actor,
            "webhook.deleted",
            Some(id),
            self.clock.now(),
        );
        if self
            .store
            .delete_subscription(account_id, id, &audit)
            .await?
        {
            Ok(())
        } else {
            Err(Error::NotFound("webhook"))
        }
    }

    pub async fn account_webhook_deliveries(
        &self,
        account_id: &str,
        id: &str,
    ) -> Result<Vec<DeliveryLogEntry>> {
        Ok(self
            .store
            .list_deliveries(account_id, id, DELIVERY_LOG_LIMIT)
            .await?)
    }

    pub async fn redeliver_account_webhook(
        &self,
        account_id: &str,
        id: &str,
        delivery: &str,
    ) -> Result<()> {
        let now = self.clock.now();
        if self.store.redeliver(account_id, id, delivery, now).await? {
            Ok(())
        } else {
            Err(Error::NotFound("delivery"))
        }
    }

    /// A subscription's signing secret, unsealed for signing.
    pub fn webhook_secret(&self, subscription_id: &str, sealed: &str) -> Result<String> {
        self.server_key
            .as_ref()
            .ok_or_else(|| Error::internal("no server key"))?
            .open(sealed, subscription_id)
            .map_err(|e| Error::internal(e.to_string()))
    }
}

/// The app and grant a token belongs to.
fn owner_of(p: &Principal) -> Result<Owner> {
    match &p.actor {
        Actor::PrivateApp { app_id, .. } => Ok(Owner::PrivateApp(app_id.clone())),
        Actor::OAuth {
            app_id,
            grant_id: Some(grant_id),
            ..
        } => Ok(Owner::OAuthGrant {
            app_id: app_id.clone(),
            grant_id: grant_id.clone(),
        }),
        _ => Err(Error::Forbidden(
            "webhooks belong to an app: call with a Private App or OAuth token".into(),
        )),
    }
}
