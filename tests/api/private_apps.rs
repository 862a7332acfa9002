//! Private Apps through the admin API: create (token once), list, get, patch
//! (immediate), rotate with grace, delete, tenant isolation, validation.

use crate::helpers::Backend;
use crate::helpers::{json_of, TestApp};
use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    create_list_get_patch_delete,
    rotate_without_grace_kills_the_old_token_at_once,
    rotate_with_grace_keeps_the_old_token_until_the_grace_ends,
    another_accounts_apps_are_404_everywhere,
    bad_input_gets_clear_400s_and_writes_nothing,
    logos_are_checked_by_decoding_and_served_safely,
);

async fn create_list_get_patch_delete(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (console, admin_token) = app
        .account_with_token("Crud", &["admin.read", "admin.write"])
        .await;
    let api = app.api();
    let base = app.url("/services/admin/v1/private-apps");

    // Create with a token: 201, Location, token shown once, no-store.
    let res = api
        .post(&base)
        .bearer_auth(&admin_token)
        .json(&json!({"name": "Zapier", "description": "sync", "scopes": ["contacts.read", "contacts.write"]}))
        .send()
        .await
        .unwrap();
    let (status, headers, created) = json_of(res).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(headers["cache-control"], "no-store");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        headers["location"],
        format!("/services/admin/v1/private-apps/{id}")
    );
    for key in [
        "id",
        "name",
        "description",
        "scopes",
        "logoUrl",
        "createdAt",
        "lastUsedAt",
        "expiresAt",
        "token",
    ] {
        assert!(created.get(key).is_some(), "missing {key}: {created}");
    }
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("swb_pat_"));
    assert!(created["createdAt"].as_str().unwrap().ends_with('Z'));

    // List and get never show the token.
    let (_, _, list) = json_of(
        api.get(&base)
            .bearer_auth(&admin_token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a.get("token").is_none()));
    assert_eq!(list[0]["id"], id.as_str(), "newest first");
    let (status, _, one) = json_of(
        api.get(format!("{base}/{id}"))
            .bearer_auth(&admin_token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["name"], "Zapier");
    assert!(one.get("token").is_none());

    // Patch takes effect on the existing token at once.
    assert_eq!(
        json_of(app.me(&token).await).await.2["scopes"],
        json!(["contacts.read", "contacts.write"])
    );
    let res = api
        .patch(format!("{base}/{id}"))
        .bearer_auth(&admin_token)
        .json(&json!({"name": "Zapier 2", "scopes": ["tickets.read"]}))
        .send()
        .await
        .unwrap();
    let (status, _, patched) = json_of(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched["name"], "Zapier 2");
    assert_eq!(patched["description"], "sync", "untouched fields stay");
    let me = json_of(app.me(&token).await).await.2;
    assert_eq!(me["scopes"], json!(["tickets.read"]));
    assert_eq!(me["app"]["name"], "Zapier 2");

    // Delete: 204, the token is dead, the app is gone.
    let res = console
        .admin(Method::DELETE, &format!("/private-apps/{id}"), None)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.me(&token).await.status(), StatusCode::UNAUTHORIZED);
    let res = api
        .get(format!("{base}/{id}"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = console
        .admin(Method::DELETE, &format!("/private-apps/{id}"), None)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

async fn rotate_without_grace_kills_the_old_token_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (console, _) = app.account_with_token("Rotate0", &["admin.read"]).await;
    let created = console.create_private_app("r", &["contacts.read"]).await;
    let (id, old) = (
        created["id"].as_str().unwrap(),
        created["token"].as_str().unwrap(),
    );

    let res = console
        .admin(Method::POST, &format!("/private-apps/{id}/rotate"), None)
        .await;
    let (status, headers, rotated) = json_of(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "no-store");
    let new = rotated["token"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(app.me(old).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.me(new).await.status(), StatusCode::OK);
}

async fn rotate_with_grace_keeps_the_old_token_until_the_grace_ends(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (console, _) = app.account_with_token("Rotate", &["admin.read"]).await;
    let created = console.create_private_app("r", &["contacts.read"]).await;
    let (id, old) = (
        created["id"].as_str().unwrap(),
        created["token"].as_str().unwrap(),
    );

    let res = console
        .admin(
            Method::POST,
            &format!("/private-apps/{id}/rotate"),
            Some(json!({"graceSeconds": 3600})),
        )
        .await;
    let (status, _, rotated) = json_of(res).await;
    assert_eq!(status, StatusCode::OK);
    let new = rotated["token"].as_str().unwrap();

    app.clock.advance(Duration::minutes(59));
    assert_eq!(
        app.me(old).await.status(),
        StatusCode::OK,
        "inside the grace period"
    );
    assert_eq!(app.me(new).await.status(), StatusCode::OK);
    app.clock.advance(Duration::minutes(2));
    let (status, _, body) = json_of(app.me(old).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "after the grace period");
    assert!(body["message"].as_str().unwrap().contains("expired"));
    assert_eq!(app.me(new).await.status(), StatusCode::OK);

    // Grace is bounded: 0..=7 days.
    let res = console
        .admin(
            Method::POST,
            &format!("/private-apps/{id}/rotate"),
            Some(json!({"graceSeconds": 604801})),
        )
        .await;
    let (status, _, body) = json_of(res).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "graceSeconds");
    assert_eq!(
        app.me(new).await.status(),
        StatusCode::OK,
        "a refused rotation changes nothing"
    );
}

async fn another_accounts_apps_are_404_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (console_a, _) = app.account_with_token("Tenant A", &["admin.read"]).await;
    let victim = console_a
        .create_private_app("a-app", &["contacts.read"])
        .await;
    let victim_id = victim["id"].as_str().unwrap();
    let victim_token = victim["token"].as_str().unwrap();
    let (_, token_b) = app
        .account_with_token("Tenant B", &["admin.read", "admin.write"])
        .await;

    let path = format!("/services/admin/v1/private-apps/{victim_id}");
    let api = app.api();
    let attempts = [
        api.get(app.url(&path)),
        api.patch(app.url(&path)).json(&json!({"name": "pwned"})),
        api.delete(app.url(&path)),
        api.post(app.url(&format!("{path}/rotate"))),
    ];
    for req in attempts {
        let (status, _, body) = json_of(req.bearer_auth(&token_b).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(body["error"], "not_found");
    }
    // B's list does not show A's app, and A's token still works untouched.
    let (_, _, list_b) = json_of(
        api.get(app.url("/services/admin/v1/private-apps"))
            .bearer_auth(&token_b)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(list_b
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["id"] != victim_id));
    let me = json_of(app.me(victim_token).await).await.2;
    assert_eq!(me["account"]["name"], "Tenant A");
    assert_eq!(me["app"]["name"], "a-app");
}

async fn bad_input_gets_clear_400s_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (console, token) = app
        .account_with_token("Validation", &["admin.read", "admin.write"])
        .await;
    let url = app.url("/services/admin/v1/private-apps");
    let cases = [
        (json!({"name": "", "scopes": ["contacts.read"]}), "name"),
        (
            json!({"name": "x".repeat(81), "scopes": ["contacts.read"]}),
            "name",
        ),
        (
            json!({"name": "ok", "description": "d".repeat(501), "scopes": ["contacts.read"]}),
            "description",
        ),
        (
            json!({"name": "ok", "scopes": ["contacts.delete"]}),
            "scopes",
        ),
        (json!({"name": "ok", "scopes": []}), "scopes"),
        (
            json!({"name": "ok", "scopes": ["offline_access"]}),
            "scopes",
        ),
        (
            json!({"name": "ok", "scopes": ["contacts.read"], "expiresInDays": 7}),
            "expiresInDays",
        ),
        (
            json!({"name": "ok", "scopes": ["contacts.read"], "colour": "red"}),
            "",
        ),
        (json!({"name": 5, "scopes": ["contacts.read"]}), "name"),
        (json!({"scopes": ["contacts.read"]}), ""),
    ];
    for (body, field) in cases {
        let res = app
            .api()
            .post(&url)
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, _, err) = json_of(res).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(err["error"], "invalid_request", "{body}");
        if !field.is_empty() {
            assert_eq!(err["field"], field, "{body} -> {err}");
        }
        assert!(!err["message"].as_str().unwrap().is_empty());
    }
    let unknown = json_of(
        app.api()
            .post(&url)
            .bearer_auth(&token)
            .json(&json!({"name": "ok", "scopes": ["contacts.read"], "colour": 1}))
            .send()
            .await
            .unwrap(),
    )
    .await
    .2;
    assert!(
        unknown["message"].as_str().unwrap().contains("colour"),
        "{unknown}"
    );

    // Malformed JSON, wrong content type, oversize body.
    let res = app
        .api()
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"name\":")
        .send()
        .await
        .unwrap();
    let (status, _, err) = json_of(res).await;
    assert_eq!(
        (status, err["error"].as_str().unwrap()),
        (StatusCode::BAD_REQUEST, "invalid_json")
    );
    let res = app
        .api()
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = format!(
        "{{\"name\":\"{}\",\"scopes\":[\"contacts.read\"]}}",
        "x".repeat(1024 * 1024 + 10)
    );
    let res = app
        .api()
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    let (status, _, err) = json_of(res).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(err["error"], "payload_too_large");

    // Nothing was created by any of it: only the fixture's app exists.
    let (_, _, list) = json_of(console.admin(Method::GET, "/private-apps", None).await).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(w, h, image::Rgba([200, 30, 30, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn logos_are_checked_by_decoding_and_served_safely(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (console, _) = app.account_with_token("Logos", &["admin.read"]).await;
    let created = console
        .create_private_app("with logo", &["contacts.read"])
        .await;
    let id = created["id"].as_str().unwrap();
    let (_, other_token) = app
        .account_with_token("Other Logos", &["admin.read", "admin.write"])
        .await;
    let put = |body: Vec<u8>, content_type: &'static str| {
        console
            .browser
            .client
            .put(
                console
                    .browser
                    .url(&format!("/services/admin/v1/private-apps/{id}/logo")),
            )
            .header("x-csrf-token", &console.csrf)
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    let (status, _, body) = json_of(put(png(64, 32), "image/png").await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let logo_url = body["logoUrl"].as_str().unwrap().to_owned();
    assert!(logo_url.starts_with("/logos/"));
    let res = app.api().get(app.url(&logo_url)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    assert_eq!(res.bytes().await.unwrap().to_vec(), png(64, 32));
    let (_, _, shown) = json_of(
        console
            .admin(Method::GET, &format!("/private-apps/{id}"), None)
            .await,
    )
    .await;
    assert_eq!(shown["logoUrl"], logo_url.as_str());

    // Refused, whatever the client claims the type is: SVG, HTML, a PNG header on junk, too large, too wide.
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    let mut junk = png(8, 8)[..40].to_vec();
    junk.extend_from_slice(&[7u8; 64]);
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (svg, "image/png", "PNG, JPEG or WebP"),
        (
            b"<html><script>alert(1)</script></html>".to_vec(),
            "image/png",
            "PNG, JPEG or WebP",
        ),
        (junk, "image/png", "valid image"),
        (vec![0u8; 256 * 1024 + 1], "image/png", "256 KiB"),
        (png(1025, 8), "image/png", "1024"),
    ];
    for (bytes, content_type, fragment) in cases {
        let (status, _, err) = json_of(put(bytes, content_type).await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
        assert_eq!(err["field"], "logo");
        assert!(err["message"].as_str().unwrap().contains(fragment), "{err}");
    }
    assert_eq!(
        app.api()
            .get(app.url(&logo_url))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "the refused uploads changed nothing"
    );

    // Another account cannot touch it.
    let res = app
        .api()
        .delete(app.url(&format!("/services/admin/v1/private-apps/{id}/logo")))
        .bearer_auth(&other_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Replacing deletes the old image; removing clears the app's logoUrl.
    let (_, _, second) = json_of(put(png(16, 16), "image/png").await.unwrap()).await;
    assert_ne!(second["logoUrl"], logo_url.as_str());
    assert_eq!(
        app.api()
            .get(app.url(&logo_url))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let res = console
        .admin(Method::DELETE, &format!("/private-apps/{id}/logo"), None)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (_, _, shown) = json_of(
        console
            .admin(Method::GET, &format!("/private-apps/{id}"), None)
            .await,
    )
    .await;
    assert_eq!(shown["logoUrl"], serde_json::Value::Null);
}
