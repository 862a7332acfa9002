//! Acknowledged token grants survive a crash: the binary, on its embedded
//! SQLite database (tokens committed in groups, `synchronous=normal`), is
//! SIGKILLed while eight clients run `client_credentials` grants; after a
//! restart on the same data every access token a client received works.

use crate::binary::{account_with_token, free_port, serve};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn grant_until_refused(
    base: String,
    id: String,
    secret: String,
    got: Arc<Mutex<Vec<String>>>,
) {
    let client = reqwest::Client::new();
    loop {
        let res = client
            .post(format!("{base}/services/oauth2/v1/token"))
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await;
        let Ok(res) = res else { break };
        assert_eq!(res.status(), StatusCode::OK);
        let Ok(body) = res.json::<Value>().await else {
            break;
        };
        let token = body["access_token"].as_str().unwrap().to_owned();
        got.lock().unwrap().push(token);
    }
}

#[tokio::test]
async fn every_acknowledged_token_works_after_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let admin = account_with_token(dir.path(), "admin.read,admin.write");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let limits = [("SWITCHBOARD_RATE_LIMIT", "1000000")];
    let server = serve(dir.path(), port, &limits).await;
    let client = reqwest::Client::new();
    let app: Value = client
        .post(format!("{base}/services/admin/v1/oauth-apps"))
        .bearer_auth(&admin)
        .json(&json!({
            "name": "crash", "redirectUris": ["https://client.example/cb"],
            "scopes": ["contacts.read"], "visibility": "private",
            "clientType": "confidential", "accessTokenLifetime": "never",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (id, secret) = (
        app["clientId"].as_str().unwrap(),
        app["clientSecret"].as_str().unwrap(),
    );

    let got = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            tokio::spawn(grant_until_refused(
                base.clone(),
                id.to_owned(),
                secret.to_owned(),
                got.clone(),
            ))
        })
        .collect();
    // Kill once enough grants were answered to mean something (a slow,
    // busy machine takes longer to get there), or after 20 s regardless.
    let started = std::time::Instant::now();
    while got.lock().unwrap().len() < 100 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.kill();
    for c in clients {
        c.await.unwrap();
    }

    let _server = serve(dir.path(), port, &limits).await;
    let tokens = std::mem::take(&mut *got.lock().unwrap());
    assert!(
        tokens.len() > 50,
        "too few grants to mean anything: {}",
        tokens.len()
    );
    for token in &tokens {
        let res = client
            .get(format!("{base}/services/ccaas/v1/contacts?limit=1"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "an acknowledged token is lost"
        );
    }
}
