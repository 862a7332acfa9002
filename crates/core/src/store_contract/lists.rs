//! List fields (email, phoneNumber, tags): membership filters see every
//! write — single and bulk inserts, updates, deletes — and nothing of
//! another account.

use super::fixtures::new_account;
use crate::ids::new_id;
use crate::records::query::parse_filter;
use crate::records::{FieldValue, Module, Record, RecordQuery};
use crate::store::Store;
use chrono::{Duration, DurationRound, Utc};

fn contact(account_id: &str, n: i64, tags: &[&str], emails: &[&str]) -> Record {
    let at = Utc::now()
        .duration_trunc(Duration::milliseconds(1))
        .unwrap()
        + Duration::seconds(n);
    let list = |items: &[&str]| FieldValue::List(items.iter().map(|s| s.to_string()).collect());
    let mut values = std::collections::BTreeMap::new();
    if !tags.is_empty() {
        values.insert("tags", list(tags));
    }
    if !emails.is_empty() {
        values.insert("email", list(emails));
    }
    Record {
        id: format!("c{n}-{}", new_id()),
        account_id: account_id.to_owned(),
        module: Module::Contacts,
        version: 1,
        created_at: at,
        updated_at: at,
        values,
    }
}

/// The ids (newest first) and the total that `filter` finds.
async fn find(store: &dyn Store, account_id: &str, filter: &str) -> (Vec<String>, i64) {
    let q = RecordQuery {
        skip: 0,
        limit: 50,
        created: None,
        filter: Some(parse_filter(Module::Contacts, filter).unwrap()),
    };
    let (records, total) = store
        .list_records(Module::Contacts, account_id, &q)
        .await
        .unwrap();
    (records.into_iter().map(|r| r.id).collect(), total)
}

pub(super) async fn list_membership_follows_every_write(store: &dyn Store) {
    let a = new_account(store, "Lists").await.id;
    let other = new_account(store, "Lists other").await.id;
    let c1 = contact(&a, 1, &["vip", "x"], &["a@example.com", "b@example.com"]);
    let c2 = contact(&a, 2, &["x", "x"], &[]);
    let c3 = contact(&a, 3, &[], &[]);
    // LIKE's wildcards are data here.
    let c4 = contact(&a, 4, &["50%_off"], &[]);
    for c in [&c1, &c2, &c3, &c4] {
        store.insert_record(c, None).await.unwrap();
    }
    let bulk: Vec<Record> = (10..13).map(|n| contact(&a, n, &["vip"], &[])).collect();
    store.insert_records_bulk(&bulk).await.unwrap();
    store
        .insert_record(&contact(&other, 5, &["vip"], &[]), None)
        .await
        .unwrap();
    let ids = |rs: &[&Record]| rs.iter().map(|r| r.id.clone()).collect::<Vec<_>>();

    let vips = ids(&[&bulk[2], &bulk[1], &bulk[0], &c1]);
    assert_eq!(find(store, &a, "tags = 'vip'").await, (vips, 4));
    assert_eq!(
        find(store, &a, "tags != 'vip'").await,
        (ids(&[&c4, &c3, &c2]), 3)
    );
    assert_eq!(
        find(store, &a, "tags IN ('x', 'nobody')").await,
        (ids(&[&c2, &c1]), 2)
    );
    assert_eq!(find(store, &a, "tags NOT IN ('x', 'vip')").await.1, 2);
    assert_eq!(
        find(store, &a, "email = 'b@example.com'").await,
        (ids(&[&c1]), 1)
    );
    assert_eq!(find(store, &a, "tags = '50%_off'").await.1, 1);
    assert_eq!(find(store, &a, "tags = '50_%off'").await.1, 0);
    assert_eq!(find(store, &a, "tags = 'VIP'").await.1, 0, "exact match");
    assert_eq!(
        find(store, &a, "tags = 'x'").await,
        (ids(&[&c2, &c1]), 2),
        "a list holding an item twice counts its record once"
    );

    // An update replaces the record's items.
    let mut changed = c1.clone();
    changed.version = 2;
    changed
        .values
        .insert("tags", FieldValue::List(vec!["y".into()]));
    store.update_record(&changed, 1).await.unwrap();
    assert_eq!(find(store, &a, "tags = 'vip'").await.1, 3);
    assert_eq!(find(store, &a, "tags = 'y'").await, (ids(&[&c1]), 1));
    assert_eq!(
        find(store, &a, "email = 'a@example.com'").await.1,
        1,
        "untouched lists keep their items"
    );
    // A refused update changes nothing.
    let mut stale = c2.clone();
    stale.values.remove("tags");
    store.update_record(&stale, 7).await.unwrap();
    assert_eq!(find(store, &a, "tags = 'x'").await, (ids(&[&c2]), 1));

    // A delete takes its items along.
    store
        .delete_record(Module::Contacts, &a, &bulk[0].id, None, Utc::now())
        .await
        .unwrap();
    assert_eq!(find(store, &a, "tags = 'vip'").await.1, 2);
    assert_eq!(find(store, &other, "tags = 'vip'").await.1, 1);
    assert_same_totals(store, &a, &["vip", "x", "y", "50%_off"]).await;

    // A refused delete changes nothing; the last holder's delete leaves 0.
    store
        .delete_record(Module::Contacts, &a, &c2.id, Some(7), Utc::now())
        .await
        .unwrap();
    assert_eq!(find(store, &a, "tags = 'x'").await, (ids(&[&c2]), 1));
    store
        .delete_record(Module::Contacts, &a, &c2.id, None, Utc::now())
        .await
        .unwrap();
    assert_eq!(find(store, &a, "tags = 'x'").await, (vec![], 0));
    store.insert_record(&c2, None).await.unwrap();
    assert_eq!(find(store, &a, "tags = 'x'").await, (ids(&[&c2]), 1));
    assert_same_totals(store, &a, &["vip", "x", "y", "50%_off"]).await;
}

/// A membership filter's total (kept with the list items) is what the
/// general filter path counts over the records.
async fn assert_same_totals(store: &dyn Store, account_id: &str, items: &[&str]) {
    for item in items {
        let kept = find(store, account_id, &format!("tags = '{item}'")).await;
        let counted = find(store, account_id, &format!("tags IN ('{item}')")).await;
        assert_eq!(kept, counted, "tags = '{item}'");
    }
}

/// Writers at once, their lists overlapping in different orders: each
/// item's kept count ends as what the records hold (and no writer fails,
/// as two writers locking the same count rows in opposite orders would).
pub(super) async fn concurrent_writes_keep_list_counts(store: &dyn Store) {
    let a = new_account(store, "Lists at once").await.id;
    let writer = |n: i64| {
        let a = a.clone();
        async move {
            let tags: &[&str] = if n % 2 == 0 {
                &["p", "q", "r"]
            } else {
                &["r", "q", "p"]
            };
            let c = contact(&a, n, tags, &[]);
            store.insert_record(&c, None).await.unwrap();
            let mut changed = c.clone();
            changed.version = 2;
            let kept = if n % 2 == 0 { ["q", "s"] } else { ["s", "q"] };
            changed.values.insert(
                "tags",
                FieldValue::List(kept.iter().map(|s| s.to_string()).collect()),
            );
            store.update_record(&changed, 1).await.unwrap();
            if n % 3 == 0 {
                store
                    .delete_record(Module::Contacts, &a, &c.id, None, Utc::now())
                    .await
                    .unwrap();
            }
        }
    };
    tokio::join!(
        writer(0),
        writer(1),
        writer(2),
        writer(3),
        writer(4),
        writer(5),
        writer(6),
        writer(7),
    );
    // Left: 1, 2, 4, 5, 7 (0, 3 and 6 were deleted), each holding q and s.
    for (item, want) in [("p", 0), ("q", 5), ("r", 0), ("s", 5)] {
        assert_eq!(
            find(store, &a, &format!("tags = '{item}'")).await.1,
            want,
            "{item}"
        );
    }
    assert_same_totals(store, &a, &["p", "q", "r", "s"]).await;
}
