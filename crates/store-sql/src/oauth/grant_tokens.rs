//! A grant's tokens, the OAuth side of the `tokens` table: issued behind a
//! redeemed code or a rotated refresh token, or on their own, and a refresh
//! token family revoked.

use crate::issuance::Issue;
use crate::tokens::revoke_audited;
use crate::SqlStore;
use chrono::{DateTime, Utc};
use switchboard_core::audit::AuditEntry;
use switchboard_core::store::{StoreResult, TokenRecord};

pub(super) async fn redeem_code(
    store: &SqlStore,
    code_id: &str,
    grant_id: &str,
    now: DateTime<Utc>,
    tokens: &[TokenRecord],
) -> StoreResult<bool> {
    // Issuing changes no cached look-up (see `insert_tokens`); codes are
    // not cached.
    store
        .issue(Issue {
            claim: Some((
                "update oauth_codes set used_at = $1, updated_at = $1 where id = $2 and used_at is null",
                code_id.to_owned(),
            )),
            grant_id: grant_id.to_owned(),
            now,
            tokens: tokens.to_vec(),
        })
        .await
}

pub(super) async fn rotate_refresh_token(
    store: &SqlStore,
    token_id: &str,
    grant_id: &str,
    now: DateTime<Utc>,
    tokens: &[TokenRecord],
) -> StoreResult<bool> {
    store
        .changing_tokens(async {
            store
                .issue(Issue {
                    claim: Some((
                        "update tokens set rotated_at = $1, updated_at = $1 \
                         where id = $2 and rotated_at is null and revoked_at is null",
                        token_id.to_owned(),
                    )),
                    grant_id: grant_id.to_owned(),
                    now,
                    tokens: tokens.to_vec(),
                })
                .await
        })
        .await
}

pub(super) async fn insert(
    store: &SqlStore,
    grant_id: &str,
    now: DateTime<Utc>,
    tokens: &[TokenRecord],
) -> StoreResult<()> {
    // No invalidation: a new token's hash is random, so no cached
    // look-up can be of it (a token not found is never cached), and a
    // grant's last use is not what a look-up is for (a cached grant's may
    // lag, see `GrantCache`). Invalidating here would
    // flush every node's caches (and cost a NOTIFY) at every grant.
    store
        .issue(Issue {
            claim: None,
            grant_id: grant_id.to_owned(),
            now,
            tokens: tokens.to_vec(),
        })
        .await
        .map(|_| ())
}

pub(super) async fn revoke_family(
    store: &SqlStore,
    family_id: &str,
    now: DateTime<Utc>,
    audit: &AuditEntry,
) -> StoreResult<()> {
    revoke_audited(
        store,
        "update tokens set revoked_at = $1, updated_at = $1 where family_id = $2 and revoked_at is null",
        family_id,
        now,
        audit,
    )
    .await
}
