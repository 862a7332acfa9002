//! The data API (SPEC S6): CRUD, validation, scopes, tenant isolation, lists,
//! ETags, idempotency and the change feed, for contacts, tickets and calls.

use crate::helpers::{json_of, Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    contact_crud_round_trip,
    tickets_and_calls_apply_defaults_and_enums,
    bad_bodies_get_400s_naming_the_field,
    module_scopes_are_enforced,
    other_accounts_records_are_404_everywhere,
    lists_page_count_link_and_project,
    list_parameters_are_checked_not_clamped,
    etags_and_if_match,
    idempotency_keys_replay_and_concurrent_retries_create_one,
    change_feed_is_ordered_and_complete,
    filters_select_the_right_records,
    bad_filters_and_injection_attempts_are_harmless,
);

const ALL_DATA: &[&str] = &[
    "contacts.read",
    "contacts.write",
    "tickets.read",
    "tickets.write",
    "calls.read",
    "calls.write",
];

pub struct Api<'a> {
    pub app: &'a TestApp,
    pub token: String,
}

impl Api<'_> {
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
        let mut req = self
            .app
            .api()
            .request(method, self.app.url(&format!("/services/ccaas/v1{path}")))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    pub async fn create(&self, module: &str, body: Value) -> Value {
        let (status, _, created) = json_of(
            self.call(Method::POST, &format!("/{module}"), Some(body))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created
    }

    pub async fn list(&self, query: &str) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        json_of(self.call(Method::GET, query, None).await).await
    }
}

pub async fn data_api<'a>(app: &'a TestApp, company: &str, scopes: &[&str]) -> Api<'a> {
    let (_, token) = app.account_with_token(company, scopes).await;
    Api { app, token }
}

async fn contact_crud_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = data_api(&app, "Crud Data", ALL_DATA).await;

    let res = api
        .call(
            Method::POST,
            "/contacts",
            Some(json!({"firstName": "Ada", "city": "Hen", "email": ["a@x.example", "b@x.example"], "blockCustomer": 0})),
        )
        .await;
    let (status, headers, created) = json_of(res).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        headers["location"],
        format!("/services/ccaas/v1/contacts/{id}")
    );
    assert_eq!(headers["etag"], "\"v1\"");
    assert_eq!(created["firstName"], "Ada");
    assert_eq!(created["email"], json!(["a@x.example", "b@x.example"]));
    assert_eq!(
        created["lastName"],
        Value::Null,
        "every field is present, null when unset"
    );
    let created_at = created["createdAt"].as_str().unwrap();
    assert!(
        created_at.ends_with('Z') && created_at.len() == 24,
        "RFC 3339 UTC with millis: {created_at}"
    );

    let (status, headers, got) = json_of(
        api.call(Method::GET, &format!("/contacts/{id}"), None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, created);
    assert_eq!(headers["etag"], "\"v1\"");

    // PATCH merges; null clears one field.
    let res = api
        .call(
            Method::PATCH,
            &format!("/contacts/{id}"),
            Some(json!({"lastName": "Lovelace", "city": null})),
        )
        .await;
    let (status, headers, patched) = json_of(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["etag"], "\"v2\"");
    assert_eq!(
        (patched["firstName"].as_str(), patched["lastName"].as_str()),
        (Some("Ada"), Some("Lovelace"))
    );
    assert_eq!(patched["city"], Value::Null);
    assert_eq!(patched["createdAt"], created["createdAt"]);

    // PUT replaces: what is not sent is gone.
    let (status, _, replaced) = json_of(
        api.call(
            Method::PUT,
            &format!("/contacts/{id}"),
            Some(json!({"lastName": "L"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(replaced["firstName"], Value::Null);
    assert_eq!(replaced["email"], Value::Null);
    assert_eq!(replaced["lastName"], "L");

    // The bare Authorization form works on the data API too.
    let res = app
        .api()
        .get(app.url(&format!("/services/ccaas/v1/contacts/{id}")))
        .header("authorization", &api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    assert_eq!(
        api.call(Method::DELETE, &format!("/contacts/{id}"), None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let (status, _, err) = json_of(
        api.call(Method::GET, &format!("/contacts/{id}"), None)
            .await,
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    assert_eq!(
        api.call(Method::DELETE, &format!("/contacts/{id}"), None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let (status, _, err) = json_of(api.call(Method::GET, "/widgets", None).await).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    // Never a redirect, and JSON errors for wrong methods too.
    let (status, _, _) = json_of(api.call(Method::GET, "/contacts/", None).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, err) = json_of(api.call(Method::DELETE, "/contacts", None).await).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
    );
}

async fn tickets_and_calls_apply_defaults_and_enums(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = data_api(&app, "Tickets", ALL_DATA).await;
    let ticket = api
        .create(
            "tickets",
            json!({"subject": "Printer on fire", "channel": "voice"}),
        )
        .await;
    assert_eq!(
        (ticket["status"].as_str(), ticket["priority"].as_str()),
        (Some("open"), Some("normal"))
    );
    let call = api
        .create("calls", json!({"direction": "inbound", "startedAt": "2026-01-31T10:30:00+01:00", "durationSeconds": 42}))
        .await;
    assert_eq!(call["startedAt"], "2026-01-31T09:30:00.000Z");
    assert_eq!(call["durationSeconds"], 42);
    let id = ticket["id"].as_str().unwrap();
    let (status, _, err) = json_of(
        api.call(
            Method::PATCH,
            &format!("/tickets/{id}"),
            Some(json!({"status": "done"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("status"))
    );
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("open, pending, resolved, closed"));
}

async fn bad_bodies_get_400s_naming_the_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = data_api(&app, "Bad Bodies", ALL_DATA).await;
    let cases = [
        ("contacts", json!({"firstName": 1}), "firstName"),
        (
            "contacts",
            json!({"favouriteColour": "red"}),
            "favouriteColour",
        ),
        ("contacts", json!({"tags": "vip"}), "tags"),
        ("contacts", json!({"doNotDisturb": true}), "doNotDisturb"),
        ("contacts", json!({"id": "mine"}), "id"),
        ("tickets", json!({"description": "no subject"}), "subject"),
        (
            "tickets",
            json!({"subject": "s", "priority": "asap"}),
            "priority",
        ),
        ("calls", json!({"direction": "sideways"}), "direction"),
        (
            "calls",
            json!({"direction": "inbound", "recordingUrl": "ftp://x"}),
            "recordingUrl",
        ),
    ];
    for (module, body, field) in cases {
        let (status, _, err) = json_of(
            api.call(Method::POST, &format!("/{module}"), Some(body.clone()))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(err["error"], "invalid_request");
        assert_eq!(err["field"], field, "{body}: {err}");
    }
    let res = app
        .api()
        .post(app.url("/services/ccaas/v1/contacts"))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{\"firstName\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(res).await.2["error"], "invalid_json");
    let big = json!({"notes": "x".repeat(1024 * 1024 + 1), "direction": "inbound"});
    assert_eq!(
        api.call(Method::POST, "/calls", Some(big)).await.status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let (_, headers, _) = api.list("/contacts").await;
    assert_eq!(
        headers["x-total-count"], "0",
        "nothing was written by any bad request"
    );
}

async fn module_scopes_are_enforced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = data_api(&app, "Scoped Data", ALL_DATA).await;
    let id = writer.create("contacts", json!({"firstName": "A"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, token) = app
        .account_with_token("Scoped Reader", &["contacts.read"])
        .await;
    let reader = Api { app: &app, token };
    let write_only = Api {
        app: &app,
        token: app
            .account_with_token("Write Only", &["contacts.write"])
            .await
            .1,
    };

    let (status, headers, err) = json_of(
        reader
            .call(Method::POST, "/contacts", Some(json!({"firstName": "x"})))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        headers["www-authenticate"],
        r#"Bearer error="insufficient_scope", scope="contacts.write""#
    );
    assert_eq!(err["error"], "insufficient_scope");
    for (method, path) in [(Method::GET, "/tickets"), (Method::GET, "/calls/changes")] {
        let res = reader.call(method, path, None).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let res = write_only.call(Method::GET, "/contacts", None).await;
    assert_eq!(
        res.headers()["www-authenticate"],
        r#"Bearer error="insufficient_scope", scope="contacts.read""#,
        "write does not imply read"
    );
    // Scope checks come before existence checks: no probing of ids without the scope.
    assert_eq!(
        reader
            .call(Method::DELETE, &format!("/contacts/{id}"), None)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // No token at all: 401.
    let res = app
        .api()
        .get(app.url("/services/ccaas/v1/contacts"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn other_accounts_records_are_404_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = data_api(&app, "Data A", ALL_DATA).await;
    let b = data_api(&app, "Data B", ALL_DATA).await;
    let id = a
        .create("contacts", json!({"firstName": "Secret", "city": "Hen"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/contacts/{id}");
    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({"firstName": "pwned"}))),
        (Method::PUT, Some(json!({"firstName": "pwned"}))),
        (Method::DELETE, None),
    ] {
        let (status, _, err) = json_of(b.call(method.clone(), &path, body).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method}");
        assert!(!err.to_string().contains("Secret"));
    }
    let (_, headers, list) = b.list("/contacts?filter=city%20%3D%20%22Hen%22").await;
    assert_eq!(
        (headers["x-total-count"].to_str().unwrap(), list),
        ("0", json!([]))
    );
    let (_, _, feed) = b.list("/contacts/changes").await;
    assert_eq!(feed["changes"], json!([]));
    let (_, _, mine) = json_of(a.call(Method::GET, &path, None).await).await;
    assert_eq!(mine["firstName"], "Secret", "untouched by B");
}

async fn lists_page_count_link_and_project(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = data_api(&app, "Lists", ALL_DATA).await;
    let mut ids = Vec::new();
    let start_ms = app.clock_ms();
    for i in 0..5 {
        app.clock.advance(chrono::Duration::seconds(1));
        ids.push(api.create("contacts", json!({"firstName": format!("c{i}"), "city": if i % 2 == 0 { "Even" } else { "Odd" }})).await["id"].clone());
    }
    // Newest first, two per page; offset is a page index.
    let (status, headers, page0) = api.list("/contacts?limit=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-total-count"], "5");
    assert_eq!(
        page0
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].clone())
            .collect::<Vec<_>>(),
        vec![ids[4].clone(), ids[3].clone()]
    );
    assert_eq!(
        headers["link"],
        "</services/ccaas/v1/contacts?limit=2&offset=1>; rel=\"next\""
    );
    let (_, headers, page2) = api.list("/contacts?limit=2&offset=2").await;
    assert_eq!(page2.as_array().unwrap().len(), 1);
    assert_eq!(page2[0]["id"], ids[0]);
    assert!(headers.get("link").is_none(), "no next page after the last");

    // createdDate + condition (epoch ms).
    let third = start_ms + 3_000;
    let (_, headers, _) = api
        .list(&format!("/contacts?createdDate={third}&condition=GTE"))
        .await;
    assert_eq!(headers["x-total-count"], "3");
    let (_, headers, _) = api.list(&format!("/contacts?createdDate={third}")).await;
    assert_eq!(headers["x-total-count"], "1", "EQ by default");
    let (_, headers, _) = api
        .list(&format!("/contacts?createdDate={third}&condition=LT"))
        .await;
    assert_eq!(headers["x-total-count"], "2");

    // Projection: only the named fields, plus id.
    let (_, _, projected) = api.list("/contacts?fields=firstName&limit=1").await;
    assert_eq!(
        projected[0]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>(),
        vec!["firstName".to_owned(), "id".to_owned()]
    );
    let id = ids[0].as_str().unwrap();
    let (_, _, one) = json_of(
        api.call(
            Method::GET,
            &format!("/contacts/{id}?fields=city,createdAt"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(one.as_object().unwrap().len(), 3);

    // A filter keeps its parameters in the next link.
    let (_, headers, odd) = api
        .list("/contacts?limit=1&filter=city%20%3D%20%22Odd%22")
        .await;
    assert_eq!(headers["x-total-count"], "2");
    assert_eq!(odd[0]["id"], ids[3]);
    assert!(
        headers["link"].to_str().unwrap().contains("filter=city"),
        "{:?}",
        headers["link"]
    );
}

async fn list_parameters_are_checked_not_clamped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = data_api(&app, "Params", ALL_DATA).await;
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("createdDate=yesterday", "createdDate"),
        ("createdDate=1&condition=BETWEEN", "condition"),
        ("condition=GT", "condition"),
        ("fields=firstName,password", "fields"),
        ("limit=1&limit=2", "limit"),
        ("sort=name", "sort"),
    ] {
        let (status, _, err) = api.list(&format!("/contacts?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(err["field"], param, "{query}: {err}");
    }
    let (status, _, err) = api.list("/contacts/changes?limit=1001").await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("limit"))
    );
    let (status, _, err) = api.list("/contacts/changes?since=abc").await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("since"))
    );
}

async fn etags_and_if_match(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = data_api(&app, "Etags", ALL_DATA).await;
    let id = api.create("contacts", json!({"firstName": "A"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = app.url(&format!("/services/ccaas/v1/contacts/{id}"));
    let patch = |etag: &'static str, name: &'static str| {
        app.api()
            .patch(&path)
            .bearer_auth(&api.token)
            .header("if-match", etag)
            .json(&json!({"firstName": name}))
            .send()
    };
    assert_eq!(patch("\"v1\"", "B").await.unwrap().status(), StatusCode::OK);
    let (status, _, err) = json_of(patch("\"v1\"", "C").await.unwrap()).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "stale ETag");
    assert_eq!(err["error"], "precondition_failed");
    assert!(err["message"].as_str().unwrap().contains("\"v2\""));
    assert_eq!(
        patch("garbage", "C").await.unwrap().status(),
        StatusCode::PRECONDITION_FAILED
    );
    let (_, _, now) = json_of(
        api.call(Method::GET, &format!("/contacts/{id}"), None)
            .await,
    )
    .await;
    assert_eq!(now["firstName"], "B", "the refused writes changed nothing");
    assert_eq!(patch("*", "D").await.unwrap().status(), StatusCode::OK);
    let del = |etag: &'static str| {
        app.api()
            .delete(&path)
            .bearer_auth(&api.token)
            .header("if-match", etag)
            .send()
    };
    assert_eq!(
        del("\"v2\"").await.unwrap().status(),
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(
        del("\"v3\"").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
}

async fn idempotency_keys_replay_and_concurrent_retries_create_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = data_api(&app, "Idem", ALL_DATA).await;
    let post = |key: &'static str, body: Value| {
        app.api()
            .post(app.url("/services/ccaas/v1/tickets"))
            .bearer_auth(&api.token)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let (status, first_headers, first) =
        json_of(post("k-1", json!({"subject": "once"})).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, headers, replay) =
        json_of(post("k-1", json!({"subject": "once"})).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(replay, first, "the replay is the first answer");
    assert_eq!(headers["location"], first_headers["location"]);
    assert_eq!(headers["idempotent-replayed"], "true");
    let (status, _, err) =
        json_of(post("k-1", json!({"subject": "different"})).await.unwrap()).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::CONFLICT, Some("idempotency_key_reused"))
    );

    // Ten concurrent retries of one request: exactly one record.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let req = app
            .api()
            .post(app.url("/services/ccaas/v1/tickets"))
            .bearer_auth(&api.token)
            .header("idempotency-key", "k-race")
            .json(&json!({"subject": "race"}));
        tasks.spawn(async move { json_of(req.send().await.unwrap()).await });
    }
    let mut ids = std::collections::HashSet::new();
    while let Some(done) = tasks.join_next().await {
        let (status, _, body) = done.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.insert(body["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1, "every retry got the same record");
    let (_, headers, _) = api.list("/tickets").await;
    assert_eq!(headers["x-total-count"], "2");
    // A key older than 24 h is forgotten.
    app.clock.advance(chrono::Duration::hours(25));
    let (_, _, again) = json_of(post("k-1", json!({"subject": "once"})).await.unwrap()).await;
    assert_ne!(again["id"], first["id"]);
}

async fn change_feed_is_ordered_and_complete(backend: Backend) {
    // Many requests on one token: lift the rate limit, which is tested elsewhere.
    let app = TestApp::spawn_with(backend, |c| c.rate_limit_per_10s = 1_000_000).await;
    let api = data_api(&app, "Feed", ALL_DATA).await;
    let a = api.create("contacts", json!({"firstName": "a"})).await;
    let a_id = a["id"].as_str().unwrap();
    api.call(
        Method::PATCH,
        &format!("/contacts/{a_id}"),
        Some(json!({"firstName": "a2"})),
    )
    .await;
    let b = api.create("contacts", json!({"firstName": "b"})).await;
    api.call(Method::DELETE, &format!("/contacts/{a_id}"), None)
        .await;

    let (status, _, feed) = api.list("/contacts/changes").await;
    assert_eq!(status, StatusCode::OK);
    let changes = feed["changes"].as_array().unwrap();
    let summary: Vec<(String, String)> = changes
        .iter()
        .map(|c| {
            (
                c["op"].as_str().unwrap().to_owned(),
                c["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("upsert".into(), a_id.to_owned()),
            ("upsert".into(), a_id.to_owned()),
            ("upsert".into(), b["id"].as_str().unwrap().to_owned()),
            ("delete".into(), a_id.to_owned()),
        ]
    );
    assert_eq!(
        changes[1]["record"]["firstName"], "a2",
        "the record as of that change"
    );
    assert!(changes[3].get("record").is_none(), "no record on deletes");
    assert_eq!(feed["nextCursor"], changes[3]["cursor"]);

    // Following the cursor in small pages sees the same sequence.
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let q = match &cursor {
            Some(c) => format!("/contacts/changes?limit=1&since={c}"),
            None => "/contacts/changes?limit=1".to_owned(),
        };
        let (_, _, page) = api.list(&q).await;
        let items = page["changes"].as_array().unwrap().clone();
        if items.is_empty() {
            assert_eq!(
                page["nextCursor"].as_str(),
                cursor.as_deref(),
                "an empty page keeps the cursor"
            );
            break;
        }
        seen.extend(items);
        cursor = page["nextCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(&seen, changes);

    // Concurrent writers and a reader racing them: the reader sees every change once, in order.
    let writers = 4;
    let per_writer = 15;
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..writers {
        let client = app.api();
        let url = app.url("/services/ccaas/v1/tickets");
        let token = api.token.clone();
        tasks.spawn(async move {
            for i in 0..per_writer {
                let res = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"subject": format!("w{w}-{i}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), StatusCode::CREATED);
            }
        });
    }
    let mut cursor = "c0".to_owned();
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (_, _, page) = api
            .list(&format!("/tickets/changes?since={cursor}&limit=7"))
            .await;
        seen.extend(
            page["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        cursor = page["nextCursor"].as_str().unwrap().to_owned();
        if seen.len() >= writers * per_writer || std::time::Instant::now() > deadline {
            break;
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let (_, _, rest) = api.list(&format!("/tickets/changes?since={cursor}")).await;
    assert_eq!(
        rest["changes"],
        json!([]),
        "nothing after the reader caught up"
    );
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(seen.len(), writers * per_writer, "each change exactly once");
    assert_eq!(unique.len(), seen.len());
    let (_, _, full) = api.list("/tickets/changes?limit=1000").await;
    let full_ids: Vec<String> = full["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, full_ids, "in commit order");
}

async fn filter_ids(api: &Api<'_>, filter: &str) -> Vec<String> {
    let path = format!(
        "/contacts?filter={}",
        url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>()
    );
    let (status, headers, list) = api.list(&path).await;
    assert_eq!(status, StatusCode::OK, "{filter}: {list}");
    let ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["firstName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        headers["x-total-count"].to_str().unwrap(),
        ids.len().to_string()
    );
    ids
}

async fn filters_select_the_right_records(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = data_api(&app, "Filters", ALL_DATA).await;
    let people = [
        json!({"firstName": "p1", "city": "Hen", "primaryPhoneNumber": "7210664812277358", "blockCustomer": 1, "tags": ["vip", "a,b"]}),
        json!({"firstName": "p2", "city": "Hen", "primaryPhoneNumber": "111", "blockCustomer": 0}),
        json!({"firstName": "p3", "city": "Hen", "primaryPhoneNumber": "222", "blockCustomer": 1, "tags": ["vipish"]}),
        json!({"firstName": "p4", "city": "Leeds", "primaryPhoneNumber": "2694499999495", "blockCustomer": 0, "lastName": "O'Hara"}),
        json!({"firstName": "p5", "city": "hen", "blockCustomer": 0, "tags": []}),
    ];
    for (i, body) in people.iter().enumerate() {
        app.clock.advance(chrono::Duration::seconds(1 + i as i64));
        api.create("contacts", body.clone()).await;
    }
    let cases: &[(&str, &[&str])] = &[
        (
            r#"city = "Hen" AND (primaryPhoneNumber IN ("7210664812277358","2694499999495") OR blockCustomer = 0)"#,
            &["p2", "p1"],
        ),
        ("city = 'Hen'", &["p3", "p2", "p1"]),
        ("city != 'Hen'", &["p5", "p4"]),
        ("NOT city = 'Hen' AND blockCustomer = 0", &["p5", "p4"]),
        ("city LIKE 'H%'", &["p3", "p2", "p1"]),
        ("city NOT LIKE 'H%'", &["p5", "p4"]),
        ("lastName IS NULL", &["p5", "p3", "p2", "p1"]),
        ("lastName IS NOT NULL", &["p4"]),
        (r#"lastName = "O'Hara""#, &["p4"]),
        ("blockCustomer >= 1", &["p3", "p1"]),
        ("blockCustomer = '1'", &["p3", "p1"]),
        ("tags = 'vip'", &["p1"]),
        ("tags = 'a,b'", &["p1"]),
        ("tags IN ('vipish', 'nobody')", &["p3"]),
        ("tags != 'vip'", &["p5", "p4", "p3", "p2"]),
        ("primaryPhoneNumber NOT IN ('111', '222')", &["p4", "p1"]),
        (
            "city = 'Hen' OR city = 'Leeds' AND blockCustomer = 1",
            &["p3", "p2", "p1"],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(filter_ids(&api, filter).await, *expected, "{filter}");
    }
    // Timestamps compare as times; id works too.
    let (_, _, all) = api.list("/contacts").await;
    let p3 = &all[2];
    let since = p3["createdAt"].as_str().unwrap();
    assert_eq!(
        filter_ids(&api, &format!("createdAt >= '{since}'")).await,
        ["p5", "p4", "p3"]
    );
    assert_eq!(
        filter_ids(&api, &format!("id = '{}'", p3["id"].as_str().unwrap())).await,
        ["p3"]
    );
}

async fn bad_filters_and_injection_attempts_are_harmless(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = data_api(&app, "Injection", ALL_DATA).await;
    api.create("contacts", json!({"firstName": "only", "city": "Hen"}))
        .await;
    let bad: &[(&str, usize, &str)] = &[
        ("city = ", 7, "expected a value"),
        ("nickname = 'x'", 0, "unknown field"),
        (
            "city = 'Hen'; drop table contacts",
            12,
            "unexpected character",
        ),
        ("city = 'x' OR 1=1", 14, "expected a field name"),
        ("blockCustomer = 'yes'", 0, "whole numbers"),
        ("tags > 'a'", 0, "list"),
        ("blockCustomer LIKE '1%'", 0, "LIKE"),
        ("createdAt > 'yesterday'", 0, "RFC 3339"),
    ];
    for (filter, position, fragment) in bad {
        let path = format!(
            "/contacts?filter={}",
            url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>()
        );
        let (status, _, err) = api.list(&path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{filter}");
        assert_eq!(err["error"], "invalid_filter", "{filter}");
        assert_eq!(err["position"], *position, "{filter}: {err}");
        assert!(
            err["message"].as_str().unwrap().contains(fragment),
            "{filter}: {err}"
        );
    }
    // Values that look like SQL are only ever data.
    for filter in [
        "city = 'x'' OR ''1''=''1'",
        r#"city = "Hen' OR '1'='1""#,
        r#"city = "x\" OR 1=1 --""#,
        "city LIKE '%'' OR 1=1 --'",
        "firstName IN ('a'); DELETE FROM contacts; --')",
    ] {
        let path = format!(
            "/contacts?filter={}",
            url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>()
        );
        let (status, _, body) = api.list(&path).await;
        assert!(
            status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
            "{filter}: {status}"
        );
        if status == StatusCode::OK {
            assert_eq!(body, json!([]), "{filter} matched nothing");
        }
    }
    // Injection through ids, fields and bodies.
    let (status, _, _) = json_of(
        api.call(Method::GET, "/contacts/x'%20OR%20'1'='1", None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, err) = api
        .list("/contacts?fields=firstName,city%20FROM%20users--")
        .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("fields"))
    );
    let evil = api
        .create(
            "contacts",
            json!({"firstName": "'); DROP TABLE contacts; --"}),
        )
        .await;
    assert_eq!(evil["firstName"], "'); DROP TABLE contacts; --");
    let (_, headers, _) = api.list("/contacts").await;
    assert_eq!(headers["x-total-count"], "2", "the table is intact");
}
