//! The `filter` parameter of record lists (SPEC S6): what each operator
//! selects, and bad filters and injection attempts are harmless.

use crate::helpers::{json_of, Backend, TestApp};
use crate::records::{data_api, Api, ALL_DATA};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    filters_select_the_right_records,
    bad_filters_and_injection_attempts_are_harmless,
);

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
