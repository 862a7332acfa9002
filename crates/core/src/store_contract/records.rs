//! Records and their change feed: idempotent creates, reads scoped to the
//! account, filters, versioned updates and deletes, a gapless feed, bulk
//! inserts, purging, and the kept unfiltered count.

use super::fixtures::{new_account, now};
use crate::ids::new_id;
use crate::store::Store;
use chrono::{DateTime, Duration, Utc};

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

pub(super) async fn records_and_their_feed(store: &dyn Store) {
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
    // Enough rows to span several of a backend's multi-row statements.
    let (kept, counted) = contact_totals(store, &a.id).await;
    assert_eq!(kept, counted);
    let before = store
        .list_changes(Module::Contacts, &a.id, 0, 10_000)
        .await
        .unwrap();
    let bulk: Vec<Record> = (0..450)
        .map(|i| record("Bulk", t0 + Duration::seconds(10 + i)))
        .collect();
    store.insert_records_bulk(&bulk).await.unwrap();
    assert_eq!(contact_totals(store, &a.id).await, (kept + 450, kept + 450));
    let feed = store
        .list_changes(Module::Contacts, &a.id, 0, 10_000)
        .await
        .unwrap();
    let added = &feed[before.len()..];
    assert_eq!(added.len(), 450);
    assert!(
        feed.windows(2).all(|w| w[1].seq == w[0].seq + 1),
        "bulk changes continue the sequence"
    );
    let ids: Vec<&str> = added.iter().map(|c| c.record_id.as_str()).collect();
    let want: Vec<&str> = bulk.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, want, "one change per record, in order");
}
