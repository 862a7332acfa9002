//! The OAuth part of the storage contract (see [`crate::store_contract`]):
//! apps, consents, grants, codes and tokens. The cases run in order, each on
//! what the ones before it left; they live in one file a subject.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod apps;
mod grants;
mod purge;
mod tokens;

use super::fixtures::{audited, user};
use crate::ids::new_id;
use crate::model::account::{Account, Role, User};
use crate::store::Store;

pub async fn run(store: &dyn Store) {
    let Parties {
        owner,
        owner_admin,
        other,
        member,
    } = parties(store).await;
    let a = apps::apps_round_trip(store, &owner, &other).await;
    grants::consents_are_bound_to_their_session(store, &other, &member, &a).await;
    let g2 = grants::one_grant_per_app_and_subject(store, &owner, &other, &member, &a).await;
    let (c, winner) = tokens::codes_are_redeemed_once(store, &member, &a, &g2).await;
    tokens::refresh_tokens_rotate_once(store, &member, &a, &g2, &c, &winner).await;
    let revived =
        grants::revoking_a_grant_revokes_its_tokens(store, &other, &member, &a, &g2).await;
    let own = grants::an_apps_own_grant_lives_beside_users_grants(
        store,
        &owner,
        &owner_admin,
        &a,
        &revived,
    )
    .await;
    grants::deactivating_a_user_revokes_their_grants(store, member, &a, &revived).await;
    purge::expired_codes_are_purged(store, &owner_admin, &a, &own).await;
    purge::old_oauth_tokens_are_purged(store, &own).await;
    apps::deleting_an_app_takes_the_rest(store, &owner, &a, &own).await;
}

/// An OAuth app's owner account with its admin, and another account with a
/// member who authorizes the app.
struct Parties {
    owner: Account,
    owner_admin: User,
    other: Account,
    member: User,
}

/// App owned by account A, authorized by a member of account B.
async fn parties(store: &dyn Store) -> Parties {
    let owner = super::fixtures::account("Owner");
    let owner_admin = user(&owner, &format!("{}@o.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&owner, &owner_admin, &audited(&owner.id))
        .await
        .unwrap();
    let other = super::fixtures::account("Customer");
    let admin_b = user(&other, &format!("{}@c.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&other, &admin_b, &audited(&other.id))
        .await
        .unwrap();
    let member = user(&other, &format!("{}@c.example", new_id()), Role::Member);
    store
        .insert_user(&member, &audited(&member.account_id))
        .await
        .unwrap();
    Parties {
        owner,
        owner_admin,
        other,
        member,
    }
}
