//! The storage contract: behaviour every `Store` backend must show. Each
//! backend's tests call [`run_all`] on a fresh, migrated store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod lists;

use crate::account::{Account, Role, User};
use crate::audit::{AuditEntry, AuditQuery};
use crate::ids::new_id;
use crate::private_app::PrivateApp;
use crate::scope::{Scope, ScopeSet};
use crate::session::Session;
use crate::store::{Constraint, OldTokens, Store, StoreError, TokenLookup, TokenRecord};
use crate::token::{PlainToken, TokenHash, TokenKind};
use chrono::{DateTime, Duration, DurationRound, Utc};

/// Times as the store keeps them: millisecond precision.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(Duration::milliseconds(1))
        .unwrap()
}

/// The audit entry a contract write carries (the store commits it with the write).
pub(crate) fn audited(account_id: &str) -> AuditEntry {
    AuditEntry::new(account_id, "cli", "contract.write", None, now())
}

pub(crate) fn account(name: &str) -> Account {
    Account {
        id: new_id(),
        name: name.into(),
        created_at: now(),
    }
}

pub(crate) fn user(account: &Account, email: &str, role: Role) -> User {
    User {
        id: new_id(),
        account_id: account.id.clone(),
        email: email.into(),
        name: "Someone".into(),
        password_hash: "$argon2id$v=19$not-a-real-hash".into(),
        role,
        active: true,
        created_at: now(),
        updated_at: now(),
    }
}

pub(crate) fn app_with_token(
    account: &Account,
    expires_at: Option<DateTime<Utc>>,
) -> (PrivateApp, TokenRecord, PlainToken) {
    let plain = PlainToken::generate(TokenKind::PrivateApp);
    let app_id = new_id();
    let token = TokenRecord {
        id: new_id(),
        account_id: account.id.clone(),
        kind: TokenKind::PrivateApp,
        hash: plain.hash(),
        private_app_id: Some(app_id.clone()),
        user_id: None,
        created_at: now(),
        last_used_at: None,
        expires_at,
        revoked_at: None,
        grant_id: None,
        family_id: None,
        scopes: None,
        rotated_at: None,
        family_started_at: None,
    };
    let app = PrivateApp {
        id: app_id,
        account_id: account.id.clone(),
        name: "app".into(),
        description: String::new(),
        scopes: [Scope::ContactsRead, Scope::AdminWrite]
            .into_iter()
            .collect(),
        logo_id: None,
        expires_in_days: None,
        current_token_id: token.id.clone(),
        created_by: "test".into(),
        created_at: now(),
        updated_at: now(),
    };
    (app, token, plain)
}

/// A fresh account with an admin of a unique email.
pub(crate) async fn new_account(store: &dyn Store, name: &str) -> Account {
    let a = account(name);
    let admin = user(&a, &format!("{}@contract.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&a, &admin, &audited(&a.id))
        .await
        .unwrap();
    a
}

pub async fn run_all(store: &dyn Store) {
    accounts_and_unique_emails(store).await;
    users_are_scoped_to_their_account(store).await;
    deactivation_ends_sessions(store).await;
    private_app_lifecycle(store).await;
    rotation_never_extends_a_token(store).await;
    token_touch_is_throttled(store).await;
    audit_log_filters(store).await;
    audit_entries_commit_with_their_change(store).await;
    records_and_their_feed(store).await;
    lists::list_membership_follows_every_write(store).await;
    crate::store_contract_settings::run(store).await;
    crate::oauth::store_contract::run(store).await;
    crate::console_reveal::contract(store).await;
    store.ping().await.unwrap();
}

async fn accounts_and_unique_emails(store: &dyn Store) {
    let a = account("A");
    store
        .create_account_with_admin(
            &a,
            &user(&a, "Dup@Example.com", Role::Admin),
            &audited(&a.id),
        )
        .await
        .unwrap();
    assert_eq!(store.get_account(&a.id).await.unwrap().unwrap().name, "A");
    assert!(store
        .list_accounts()
        .await
        .unwrap()
        .iter()
        .any(|listed| listed.id == a.id && listed.name == "A"));

    // The same email in another case, in a new account: refused, and the
    // account of the failed sign-up is not left behind.
    let b = account("B");
    let err = store
        .create_account_with_admin(
            &b,
            &user(&b, "dup@example.COM", Role::Admin),
            &audited(&b.id),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Unique(Constraint::UserEmail)),
        "{err:?}"
    );
    assert!(
        store.get_account(&b.id).await.unwrap().is_none(),
        "no half-written sign-up"
    );
    assert!(store
        .find_user_by_email("dup@example.com")
        .await
        .unwrap()
        .is_some());
}

async fn users_are_scoped_to_their_account(store: &dyn Store) {
    let a = account("Scoped A");
    let admin = user(&a, &format!("{}@a.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&a, &admin, &audited(&a.id))
        .await
        .unwrap();
    let b = new_account(store, "Scoped B").await;

    assert!(store.get_user(&a.id, &admin.id).await.unwrap().is_some());
    assert!(
        store.get_user(&b.id, &admin.id).await.unwrap().is_none(),
        "another account's user is invisible"
    );
    let member = user(&a, &format!("{}@a.example", new_id()), Role::Member);
    store
        .insert_user(&member, &audited(&member.account_id))
        .await
        .unwrap();
    let listed: Vec<String> = store
        .list_users(&a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(listed, vec![admin.id.clone(), member.id.clone()]);
    assert_eq!(store.count_active_admins(&a.id).await.unwrap(), 1);
}

async fn deactivation_ends_sessions(store: &dyn Store) {
    let a = account("Deactivate");
    let admin = user(&a, &format!("{}@d.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&a, &admin, &audited(&a.id))
        .await
        .unwrap();
    let mut member = user(&a, &format!("{}@d.example", new_id()), Role::Member);
    store
        .insert_user(&member, &audited(&member.account_id))
        .await
        .unwrap();
    let session = Session {
        id_hash: TokenHash::of(&new_id()),
        user_id: member.id.clone(),
        account_id: a.id.clone(),
        csrf_token: "csrf".into(),
        created_at: now(),
        last_seen_at: now(),
    };
    store.insert_session(&session).await.unwrap();
    let (found, u, acc) = store.find_session(&session.id_hash).await.unwrap().unwrap();
    assert_eq!(
        (found.csrf_token.as_str(), u.id.as_str(), acc.name.as_str()),
        ("csrf", member.id.as_str(), "Deactivate")
    );
    let later = now() + Duration::minutes(5);
    store.touch_session(&session.id_hash, later).await.unwrap();
    assert_eq!(
        store
            .find_session(&session.id_hash)
            .await
            .unwrap()
            .unwrap()
            .0
            .last_seen_at,
        later
    );

    member.active = false;
    store
        .update_user(&member, now(), &audited(&member.account_id))
        .await
        .unwrap();
    assert!(
        store
            .find_session(&session.id_hash)
            .await
            .unwrap()
            .is_none(),
        "sessions end with deactivation"
    );
    assert!(
        !store
            .get_user(&a.id, &member.id)
            .await
            .unwrap()
            .unwrap()
            .active
    );

    let admin_session = Session {
        id_hash: TokenHash::of(&new_id()),
        user_id: admin.id.clone(),
        ..session
    };
    store.insert_session(&admin_session).await.unwrap();
    store.delete_session(&admin_session.id_hash).await.unwrap();
    assert!(store
        .find_session(&admin_session.id_hash)
        .await
        .unwrap()
        .is_none());
}

async fn private_app_lifecycle(store: &dyn Store) {
    let a = new_account(store, "Apps").await;
    let other = new_account(store, "Other").await;
    let (mut app, token, plain) = app_with_token(&a, None);
    store
        .insert_private_app(&app, &token, &audited(&app.account_id))
        .await
        .unwrap();
    let (app2, token2, _) = app_with_token(&a, None);
    store
        .insert_private_app(&app2, &token2, &audited(&app2.account_id))
        .await
        .unwrap();

    let found = store.find_token(&plain.hash()).await.unwrap().unwrap();
    assert_eq!(found.token.id, token.id);
    assert!(found.token.hash.ct_eq(&plain.hash()));
    assert_eq!(found.account_name, "Apps");
    assert_eq!(found.scopes, app.scopes);
    assert!(store
        .find_token(&PlainToken::generate(TokenKind::PrivateApp).hash())
        .await
        .unwrap()
        .is_none());

    let listed: Vec<String> = store
        .list_private_apps(&a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.app.id)
        .collect();
    assert_eq!(listed.len(), 2);
    assert!(store.list_private_apps(&other.id).await.unwrap().is_empty());
    assert!(
        store
            .get_private_app(&other.id, &app.id)
            .await
            .unwrap()
            .is_none(),
        "scoped to the account"
    );

    app.name = "renamed".into();
    app.scopes = ScopeSet::parse_spaced("tickets.read").unwrap();
    store
        .update_private_app(&app, &audited(&app.account_id))
        .await
        .unwrap();
    assert_eq!(
        store
            .find_token(&plain.hash())
            .await
            .unwrap()
            .unwrap()
            .scopes,
        app.scopes,
        "scopes apply at once"
    );
    assert_eq!(
        store
            .get_private_app(&a.id, &app.id)
            .await
            .unwrap()
            .unwrap()
            .app
            .name,
        "renamed"
    );

    // Rotation that revokes now.
    let (_, mut fresh, fresh_plain) = app_with_token(&a, None);
    fresh.private_app_id = Some(app.id.clone());
    app.current_token_id = fresh.id.clone();
    store
        .rotate_private_app(
            &app,
            &fresh,
            OldTokens::RevokeNow,
            &audited(&app.account_id),
        )
        .await
        .unwrap();
    assert!(store
        .find_token(&plain.hash())
        .await
        .unwrap()
        .unwrap()
        .token
        .revoked_at
        .is_some());
    assert!(store
        .find_token(&fresh_plain.hash())
        .await
        .unwrap()
        .unwrap()
        .token
        .revoked_at
        .is_none());

    // Delete removes the app and its tokens; a second delete finds nothing;
    // another account cannot delete.
    assert!(!store
        .delete_private_app(&other.id, &app2.id, &audited(&other.id))
        .await
        .unwrap());
    assert!(store
        .delete_private_app(&a.id, &app.id, &audited(&a.id))
        .await
        .unwrap());
    assert!(!store
        .delete_private_app(&a.id, &app.id, &audited(&a.id))
        .await
        .unwrap());
    assert!(store
        .find_token(&fresh_plain.hash())
        .await
        .unwrap()
        .is_none());
    assert!(store
        .get_private_app(&a.id, &app2.id)
        .await
        .unwrap()
        .is_some());
}

async fn rotation_never_extends_a_token(store: &dyn Store) {
    let a = new_account(store, "Grace").await;
    let soon = now() + Duration::minutes(10);
    let (mut app, token, plain) = app_with_token(&a, Some(soon));
    store
        .insert_private_app(&app, &token, &audited(&app.account_id))
        .await
        .unwrap();
    let (_, mut fresh, _) = app_with_token(&a, None);
    fresh.private_app_id = Some(app.id.clone());
    app.current_token_id = fresh.id.clone();
    store
        .rotate_private_app(
            &app,
            &fresh,
            OldTokens::ExpireAt(now() + Duration::days(1)),
            &audited(&app.account_id),
        )
        .await
        .unwrap();
    let old = store
        .find_token(&plain.hash())
        .await
        .unwrap()
        .unwrap()
        .token;
    assert_eq!(old.expires_at, Some(soon), "the earlier expiry stays");
    assert!(old.revoked_at.is_none());
    let view = store
        .get_private_app(&a.id, &app.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.app.current_token_id, fresh.id);
}

async fn token_touch_is_throttled(store: &dyn Store) {
    let a = new_account(store, "Touch").await;
    let (app, token, plain) = app_with_token(&a, None);
    store
        .insert_private_app(&app, &token, &audited(&app.account_id))
        .await
        .unwrap();
    let t0 = now();
    store.touch_token(&token.id, t0, 60_000).await.unwrap();
    store
        .touch_token(&token.id, t0 + Duration::seconds(30), 60_000)
        .await
        .unwrap();
    assert_eq!(
        store
            .find_token(&plain.hash())
            .await
            .unwrap()
            .unwrap()
            .token
            .last_used_at,
        Some(t0)
    );
    store
        .touch_token(&token.id, t0 + Duration::seconds(61), 60_000)
        .await
        .unwrap();
    assert_eq!(
        store
            .find_token(&plain.hash())
            .await
            .unwrap()
            .unwrap()
            .token
            .last_used_at,
        Some(t0 + Duration::seconds(61))
    );
    store
        .revoke_token(&token.id, t0, &audited(&token.account_id))
        .await
        .unwrap();
    assert_eq!(
        store
            .find_token(&plain.hash())
            .await
            .unwrap()
            .unwrap()
            .token
            .revoked_at,
        Some(t0)
    );
}

async fn audit_log_filters(store: &dyn Store) {
    let a = new_account(store, "Audit").await;
    let t0 = now();
    for (i, action) in ["x.created", "x.deleted", "x.created"].iter().enumerate() {
        let at = t0 + Duration::seconds(i as i64);
        store
            .insert_audit(&AuditEntry::new(
                &a.id,
                if i == 0 { "user:1" } else { "cli" },
                action,
                None,
                at,
            ))
            .await
            .unwrap();
    }
    let all = store
        .list_audit(
            &a.id,
            &AuditQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 4, "three entries and the account's creation");
    assert!(all[0].created_at >= all[2].created_at, "newest first");
    let created = AuditQuery {
        action: Some("x.created".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(store.list_audit(&a.id, &created).await.unwrap().len(), 2);
    let by_actor = AuditQuery {
        actor: Some("user:1".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(store.list_audit(&a.id, &by_actor).await.unwrap().len(), 1);
    let window = AuditQuery {
        since: Some(t0 + Duration::seconds(1)),
        until: Some(t0 + Duration::seconds(2)),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(store.list_audit(&a.id, &window).await.unwrap().len(), 1);
    assert_eq!(
        store
            .list_audit(
                &a.id,
                &AuditQuery {
                    limit: 1,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store
        .list_audit(
            "someone-else",
            &AuditQuery {
                limit: 10,
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .is_empty());
}

/// An account's contacts as the unfiltered list counts them (the kept
/// count) and as a filter that matches every row counts them.
async fn contact_totals(store: &dyn Store, account_id: &str) -> (i64, i64) {
    use crate::records::query::parse_filter;
    use crate::records::{Module, RecordQuery};
    let query = |filter: Option<&str>| RecordQuery {
        skip: 0,
        limit: 1,
        created: None,
        filter: filter.map(|f| parse_filter(Module::Contacts, f).unwrap()),
    };
    let every = query(Some("city = 'none' OR NOT city = 'none' OR city IS NULL"));
    let all = query(None);
    let unfiltered = store.list_records(Module::Contacts, account_id, &all);
    let counted = store.list_records(Module::Contacts, account_id, &every);
    (unfiltered.await.unwrap().1, counted.await.unwrap().1)
}

async fn records_and_their_feed(store: &dyn Store) {
    use crate::records::query::parse_filter;
    use crate::records::{
        ChangeOp, FieldValue, IdempotencyClaim, InsertOutcome, Module, Record, RecordQuery,
        WriteOutcome,
    };

    let a = new_account(store, "Records").await;
    let other = new_account(store, "Records other").await;
    let record = |city: &str, at: DateTime<Utc>| Record {
        id: new_id(),
        account_id: a.id.clone(),
        module: Module::Contacts,
        version: 1,
        created_at: at,
        updated_at: at,
        values: [
            ("city", FieldValue::Text(city.into())),
            ("tags", FieldValue::List(vec!["x".into()])),
        ]
        .into_iter()
        .collect(),
    };
    let t0 = now();
    let first = record("Hen", t0);
    let claim = IdempotencyClaim {
        key: "k".into(),
        request_hash: "h1".into(),
        response: "{}".into(),
        created_at: t0,
        expired_before: t0 - Duration::hours(24),
    };
    assert!(matches!(
        store.insert_record(&first, Some(&claim)).await.unwrap(),
        InsertOutcome::Created
    ));
    let retry = record("Hen", t0);
    match store.insert_record(&retry, Some(&claim)).await.unwrap() {
        InsertOutcome::Replayed { request_hash, .. } => assert_eq!(request_hash, "h1"),
        other => panic!("expected a replay, got {other:?}"),
    }
    assert!(
        store
            .get_record(Module::Contacts, &a.id, &retry.id)
            .await
            .unwrap()
            .is_none(),
        "a replay inserts nothing"
    );
    let second = record("Leeds", t0 + Duration::seconds(1));
    store.insert_record(&second, None).await.unwrap();

    assert_eq!(
        store
            .get_record(Module::Contacts, &a.id, &first.id)
            .await
            .unwrap()
            .as_ref(),
        Some(&first)
    );
    assert!(store
        .get_record(Module::Contacts, &other.id, &first.id)
        .await
        .unwrap()
        .is_none());

    let query = |filter: Option<&str>| RecordQuery {
        skip: 0,
        limit: 10,
        created: None,
        filter: filter.map(|f| parse_filter(Module::Contacts, f).unwrap()),
    };
    let (all, total) = store
        .list_records(Module::Contacts, &a.id, &query(None))
        .await
        .unwrap();
    assert_eq!(
        (all.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), total),
        (vec![second.id.clone(), first.id.clone()], 2)
    );
    let (hen, total) = store
        .list_records(
            Module::Contacts,
            &a.id,
            &query(Some("city = 'Hen' AND tags = 'x'")),
        )
        .await
        .unwrap();
    assert_eq!((hen.len(), total), (1, 1));
    assert_eq!(
        store
            .list_records(Module::Contacts, &other.id, &query(None))
            .await
            .unwrap()
            .1,
        0
    );

    let mut changed = first.clone();
    changed.version = 2;
    changed.values.remove("city");
    assert_eq!(
        store.update_record(&changed, 1).await.unwrap(),
        WriteOutcome::Done
    );
    assert_eq!(
        store.update_record(&changed, 1).await.unwrap(),
        WriteOutcome::VersionMismatch
    );
    assert_eq!(
        store
            .get_record(Module::Contacts, &a.id, &first.id)
            .await
            .unwrap()
            .unwrap()
            .values
            .get("city"),
        None
    );
    assert_eq!(
        store
            .delete_record(Module::Contacts, &a.id, &first.id, Some(1), t0)
            .await
            .unwrap(),
        WriteOutcome::VersionMismatch
    );
    assert_eq!(
        store
            .delete_record(Module::Contacts, &other.id, &first.id, None, t0)
            .await
            .unwrap(),
        WriteOutcome::NotFound
    );
    assert_eq!(
        store
            .delete_record(Module::Contacts, &a.id, &first.id, Some(2), t0)
            .await
            .unwrap(),
        WriteOutcome::Done
    );

    let feed = store
        .list_changes(Module::Contacts, &a.id, 0, 100)
        .await
        .unwrap();
    let ops: Vec<(ChangeOp, &str)> = feed.iter().map(|c| (c.op, c.record_id.as_str())).collect();
    assert_eq!(
        ops,
        vec![
            (ChangeOp::Upsert, first.id.as_str()),
            (ChangeOp::Upsert, second.id.as_str()),
            (ChangeOp::Upsert, first.id.as_str()),
            (ChangeOp::Delete, first.id.as_str()),
        ]
    );
    assert!(feed.windows(2).all(|w| w[1].seq == w[0].seq + 1), "no gaps");
    assert_eq!(
        store
            .list_changes(Module::Contacts, &a.id, feed[1].seq, 1)
            .await
            .unwrap()[0]
            .seq,
        feed[2].seq
    );
    assert!(store
        .list_changes(Module::Tickets, &a.id, 0, 100)
        .await
        .unwrap()
        .is_empty());

    let bulk: Vec<Record> = (0..3)
        .map(|i| record("Bulk", t0 + Duration::seconds(10 + i)))
        .collect();
    store.insert_records_bulk(&bulk).await.unwrap();
    let feed = store
        .list_changes(Module::Contacts, &a.id, 0, 100)
        .await
        .unwrap();
    assert_eq!(feed.len(), 7);
    assert!(
        feed.windows(2).all(|w| w[1].seq == w[0].seq + 1),
        "bulk changes continue the sequence"
    );
    store.refresh_statistics(true).await.unwrap();
    store.refresh_statistics(false).await.unwrap();

    // Purging: the idempotency key (created at t0) goes once its day is over.
    let purged = store
        .purge_expired(
            t0 - Duration::days(365),
            t0 - Duration::days(365),
            t0 + Duration::seconds(1),
            t0 - Duration::days(365),
            t0,
        )
        .await
        .unwrap();
    assert!(purged >= 1);
    let again = record("Hen", t0);
    assert!(
        matches!(
            store.insert_record(&again, Some(&claim)).await.unwrap(),
            InsertOutcome::Created
        ),
        "the key was forgotten"
    );

    // The unfiltered total is kept with every write (replays, updates and
    // refused deletes leave it alone): it equals a count over the rows, and
    // a bulk insert moves it too.
    let (kept, counted) = contact_totals(store, &a.id).await;
    assert_eq!(kept, counted);
    let bulk: Vec<Record> = (0..3)
        .map(|i| record("Bulk", t0 + Duration::seconds(10 + i)))
        .collect();
    store.insert_records_bulk(&bulk).await.unwrap();
    assert_eq!(contact_totals(store, &a.id).await, (kept + 3, kept + 3));
}

/// Two nodes on one database: what `writer` changes, `reader` sees within
/// SPEC S3's one second, although `reader` had the token's look-up cached.
pub async fn changes_reach_other_nodes(writer: &dyn Store, reader: &dyn Store) {
    use std::time::{Duration as StdDuration, Instant};
    // Poll `reader` until `done` holds of its look-up; return how long it took.
    async fn within_a_second(
        reader: &dyn Store,
        plain: &PlainToken,
        done: impl Fn(Option<&TokenLookup>) -> bool,
    ) -> StdDuration {
        let started = Instant::now();
        loop {
            let found = reader.find_token(&plain.hash()).await.unwrap();
            if done(found.as_ref()) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < StdDuration::from_secs(1),
                "the change did not reach the other node within 1 s"
            );
            tokio::time::sleep(StdDuration::from_millis(10)).await;
        }
    }

    let a = new_account(writer, "Nodes").await;
    let (mut app, token, plain) = app_with_token(&a, None);
    writer
        .insert_private_app(&app, &token, &audited(&app.account_id))
        .await
        .unwrap();
    for _ in 0..3 {
        // Cached on the reader from here on.
        assert!(reader.find_token(&plain.hash()).await.unwrap().is_some());
    }

    app.scopes = ScopeSet::parse_spaced("calls.read").unwrap();
    writer
        .update_private_app(&app, &audited(&app.account_id))
        .await
        .unwrap();
    let want = app.scopes.clone();
    within_a_second(reader, &plain, |f| f.is_some_and(|f| f.scopes == want)).await;

    writer
        .revoke_token(&token.id, now(), &audited(&token.account_id))
        .await
        .unwrap();
    within_a_second(reader, &plain, |f| {
        f.is_some_and(|f| f.token.revoked_at.is_some())
    })
    .await;

    assert!(writer
        .delete_private_app(&a.id, &app.id, &audited(&a.id))
        .await
        .unwrap());
    within_a_second(reader, &plain, |f| f.is_none()).await;
}

/// A write and its audit entry commit together: when the entry cannot be
/// written (here: it names an account that does not exist), the change is
/// not made either; when it succeeds, the entry is there, with its address.
async fn audit_entries_commit_with_their_change(store: &dyn Store) {
    let a = new_account(store, "Audited").await;
    let nowhere = audited("no-such-account");
    let (app, token, _) = app_with_token(&a, None);
    assert!(store
        .insert_private_app(&app, &token, &nowhere)
        .await
        .is_err());
    assert!(store.list_private_apps(&a.id).await.unwrap().is_empty());

    let mut entry = AuditEntry::new(&a.id, "user:1", "private_app.created", Some(&app.id), now());
    entry.ip = Some("203.0.113.9".into());
    store
        .insert_private_app(&app, &token, &entry)
        .await
        .unwrap();
    let mut renamed = app.clone();
    renamed.name = "renamed".into();
    assert!(store.update_private_app(&renamed, &nowhere).await.is_err());
    let kept = store
        .get_private_app(&a.id, &app.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        kept.app.name, app.name,
        "the update rolled back with its entry"
    );
    assert!(store
        .revoke_token(&token.id, now(), &nowhere)
        .await
        .is_err());
    assert!(store
        .find_token(&token.hash)
        .await
        .unwrap()
        .unwrap()
        .token
        .revoked_at
        .is_none());

    let log = store
        .list_audit(
            &a.id,
            &AuditQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let seen: Vec<(&str, Option<&str>)> = log
        .iter()
        .filter(|e| e.action != "contract.write")
        .map(|e| (e.action.as_str(), e.ip.as_deref()))
        .collect();
    assert_eq!(seen, vec![("private_app.created", Some("203.0.113.9"))]);
}
