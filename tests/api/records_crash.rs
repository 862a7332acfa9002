//! Acknowledged writes survive a crash: the binary, on its embedded SQLite
//! database with the default `synchronous=normal`, is SIGKILLed while eight
//! clients create, update and delete contacts; after a restart on the same
//! data every acknowledged write is there, and the maintained count agrees.

use crate::binary::{account_with_token, free_port, serve};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the clients were told, by contact id.
#[derive(Default)]
struct Acknowledged {
    created: HashSet<String>,
    updated: HashSet<String>,
    deleted: HashSet<String>,
    /// Requests with no answer (in flight at the kill): either outcome is right.
    unanswered: usize,
    /// Contacts whose update or delete had no answer: either state is right.
    in_doubt: HashSet<String>,
}

async fn write_until_refused(
    base: String,
    token: String,
    n: usize,
    acks: Arc<Mutex<Acknowledged>>,
) {
    let client = reqwest::Client::new();
    let contacts = format!("{base}/services/ccaas/v1/contacts");
    for i in 0.. {
        let res = client
            .post(&contacts)
            .bearer_auth(&token)
            .json(&json!({
                "firstName": format!("w{n}-{i}"),
                "email": [format!("w{n}.{i}@crash.example")],
                "tags": ["crash", format!("writer-{n}")],
            }))
            .send()
            .await;
        let Ok(res) = res else { break };
        assert_eq!(res.status(), StatusCode::CREATED);
        let Ok(body) = res.json::<Value>().await else {
            break;
        };
        let id = body["id"].as_str().unwrap().to_owned();
        acks.lock().unwrap().created.insert(id.clone());
        let (method, field) = match i % 4 {
            1 => (reqwest::Method::PATCH, "updated"),
            3 => (reqwest::Method::DELETE, "deleted"),
            _ => continue,
        };
        let mut req = client
            .request(method.clone(), format!("{contacts}/{id}"))
            .bearer_auth(&token);
        if method == reqwest::Method::PATCH {
            req = req.json(&json!({"firstName": "updated"}));
        }
        match req.send().await {
            Ok(r) if r.status().is_success() => {
                let mut a = acks.lock().unwrap();
                if field == "updated" {
                    a.updated.insert(id);
                } else {
                    a.deleted.insert(id);
                }
            }
            Ok(r) => panic!(
                "{method} answered {}: {}",
                r.status(),
                r.text().await.unwrap_or_default()
            ),
            Err(_) => {
                acks.lock().unwrap().in_doubt.insert(id);
                break;
            }
        }
    }
    acks.lock().unwrap().unanswered += 1;
}

#[tokio::test]
async fn every_acknowledged_write_is_there_after_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let token = account_with_token(dir.path(), "contacts.read,contacts.write");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let limits = [("SWITCHBOARD_RATE_LIMIT", "1000000")];
    let server = serve(dir.path(), port, &limits).await;

    let acks = Arc::new(Mutex::new(Acknowledged::default()));
    let writers: Vec<_> = (0..8)
        .map(|n| {
            tokio::spawn(write_until_refused(
                base.clone(),
                token.clone(),
                n,
                acks.clone(),
            ))
        })
        .collect();
    // Kill once enough writes were acknowledged to mean something (a slow,
    // busy machine takes longer to get there), or after 20 s regardless.
    let started = std::time::Instant::now();
    while acks.lock().unwrap().created.len() < 100 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.kill();
    for w in writers {
        w.await.unwrap();
    }

    let _server = serve(dir.path(), port, &limits).await;
    let acks = std::mem::take(&mut *acks.lock().unwrap());
    assert!(
        acks.created.len() > 50,
        "too few writes to mean anything: {}",
        acks.created.len()
    );
    let client = reqwest::Client::new();
    let mut names = HashMap::new();
    let mut total = None;
    for page in 0.. {
        let url = format!("{base}/services/ccaas/v1/contacts?limit=100&offset={page}");
        let res = client.get(url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let count: usize = res.headers()["x-total-count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        total.get_or_insert(count);
        let rows: Value = res.json().await.unwrap();
        let rows = rows.as_array().unwrap();
        if rows.is_empty() {
            break;
        }
        for r in rows {
            names.insert(
                r["id"].as_str().unwrap().to_owned(),
                r["firstName"].as_str().unwrap().to_owned(),
            );
        }
    }
    for id in acks.created.difference(&acks.in_doubt) {
        if acks.deleted.contains(id) {
            assert!(!names.contains_key(id), "{id} was deleted, and is back");
        } else {
            assert!(names.contains_key(id), "{id} was acknowledged, and is gone");
        }
    }
    for id in acks.updated.difference(&acks.in_doubt) {
        if !acks.deleted.contains(id) {
            assert_eq!(names[id], "updated", "{id}'s acknowledged update is lost");
        }
    }
    // A create in flight at the kill may or may not have committed; so may
    // a delete.
    let alive = acks.created.len() - acks.deleted.len();
    assert!(
        (alive - acks.in_doubt.len()..=alive + acks.unanswered).contains(&names.len()),
        "{} contacts listed, {alive} acknowledged alive",
        names.len()
    );
    assert_eq!(
        total,
        Some(names.len()),
        "the maintained count agrees with the rows"
    );
}
