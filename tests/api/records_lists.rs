//! Record lists on the data API (SPEC S6): pages, counts, Link headers, the
//! createdDate condition and projection; bad list parameters are refused,
//! not clamped.

use crate::helpers::{json_of, Backend, TestApp};
use crate::records::{data_api, ALL_DATA};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    lists_page_count_link_and_project,
    list_parameters_are_checked_not_clamped,
);

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
