//! The data API (SPEC S6) for contacts, tickets and calls: the client the
//! data-API tests share, CRUD, defaults and enums, and bodies refused with a
//! 400 that names the field.

use crate::helpers::{json_of, Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    contact_crud_round_trip,
    tickets_and_calls_apply_defaults_and_enums,
    bad_bodies_get_400s_naming_the_field,
);

pub(crate) const ALL_DATA: &[&str] = &[
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
