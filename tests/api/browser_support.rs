//! Helpers for console tests in headless Chromium: screenshots at the two
//! widths we design for, the no-horizontal-overflow check, and the axe-core
//! accessibility check. Screenshots land in `target/screenshots/` (CI keeps
//! them). axe-core comes from npm: `npm ci --prefix tests/browser`.

use fantoccini::{Client, Locator};
use serde_json::Value;
use std::path::PathBuf;

/// Desktop and phone widths (CSS px).
pub const WIDTHS: [u32; 2] = [1280, 390];

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Click what `selector` finds, waiting for it to appear.
pub async fn click(c: &Client, selector: &str) {
    c.wait()
        .for_element(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("no {selector}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Click what submits a form (or follows a link) and wait until the page
/// it was on has gone: a click returns before the next page may have
/// loaded, and on a loaded machine the old page would still be read.
pub async fn submit(c: &Client, selector: &str) {
    let old = c.find(Locator::Css("html")).await.unwrap();
    click(c, selector).await;
    let started = std::time::Instant::now();
    while old.tag_name().await.is_ok() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{selector} did not lead to another page"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The page's width in CSS px and the viewport's.
async fn widths(c: &Client) -> (i64, i64) {
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    (v[0].as_i64().unwrap(), v[1].as_i64().unwrap())
}

/// The viewport's height in CSS px.
async fn inner_height(c: &Client) -> i64 {
    c.execute("return window.innerHeight;", vec![])
        .await
        .unwrap()
        .as_i64()
        .unwrap()
}

/// Resize so the viewport is `width` CSS px wide and `height` high.
async fn viewport(c: &Client, width: u32, height: u32) {
    c.set_window_size(width, height).await.unwrap();
    // Window chrome (headless Chromium keeps some above the page) takes
    // some of the size: correct once, else a screenshot loses the page's end.
    let (_, inner) = widths(c).await;
    let extra_w = (i64::from(width) - inner).max(0) as u32;
    let extra_h = (i64::from(height) - inner_height(c).await).max(0) as u32;
    if extra_w > 0 || extra_h > 0 {
        c.set_window_size(width + extra_w, height + extra_h)
            .await
            .unwrap();
    }
}

/// Save the current page at each width as `target/screenshots/<name>-<w>.png`
/// (the whole page), asserting that it never scrolls sideways.
pub async fn screenshots(c: &Client, name: &str) {
    for width in WIDTHS {
        viewport(c, width, 900).await;
        let (scroll, inner) = widths(c).await;
        assert!(
            scroll <= inner,
            "{name} at {width} px overflows sideways: scrollWidth {scroll} > innerWidth {inner}"
        );
        let height = c
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(900)
            .clamp(400, 4000) as u32;
        viewport(c, width, height).await;
        let png = c.screenshot().await.unwrap();
        std::fs::write(screenshot_dir().join(format!("{name}-{width}.png")), png).unwrap();
    }
    viewport(c, WIDTHS[0], 900).await;
}

fn axe_source() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(path).ok()
}

/// Run axe-core on the current page; fail on any serious or critical
/// violation. Without `npm ci --prefix tests/browser` the check is skipped
/// (SKIPPED on stderr) unless `SWITCHBOARD_TEST_BROWSER=require`.
pub async fn assert_accessible(c: &Client, name: &str) {
    let Some(source) = axe_source() else {
        let required = std::env::var("SWITCHBOARD_TEST_BROWSER").as_deref() == Ok("require");
        assert!(
            !required,
            "axe-core is missing: run `npm ci --prefix tests/browser`"
        );
        eprintln!("SKIPPED: axe check of {name}: run `npm ci --prefix tests/browser`");
        return;
    };
    // WebDriver scripts run outside the page's CSP.
    c.execute(&format!("{source}\nwindow.axe = axe; return true;"), vec![])
        .await
        .unwrap();
    let result = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']})
               .then(r => done(r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => ({id: v.id, impact: v.impact, help: v.help,
                             nodes: v.nodes.map(n => n.html).slice(0, 3)}))))
               .catch(e => done([{id: 'axe-error', help: String(e)}]));",
            vec![],
        )
        .await
        .unwrap();
    let violations = result.as_array().cloned().unwrap_or_default();
    assert!(
        violations.is_empty(),
        "{name}: axe-core found serious or critical violations:\n{}",
        serde_json::to_string_pretty(&Value::Array(violations)).unwrap()
    );
}

/// Screenshots, overflow and axe for the page the browser is on.
pub async fn check_page(c: &Client, name: &str) {
    assert_accessible(c, name).await;
    screenshots(c, name).await;
}

/// A 64 × 64 PNG logo on disk (for `<input type=file>`), and a file that is
/// not an image.
pub fn logo_files() -> (PathBuf, PathBuf) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser-uploads");
    std::fs::create_dir_all(&dir).unwrap();
    let img = image::RgbImage::from_fn(64, 64, |x, y| {
        image::Rgb([40 + (x * 3) as u8, 90, 220 - (y * 2) as u8])
    });
    let png = dir.join("logo.png");
    img.save_with_format(&png, image::ImageFormat::Png).unwrap();
    let svg = dir.join("logo.svg");
    std::fs::write(
        &svg,
        "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    )
    .unwrap();
    (png, svg)
}

/// Wait until the browser is at `path` (any query), or fail after 10 s.
pub async fn wait_for_path(c: &Client, path: &str) -> url::Url {
    let started = std::time::Instant::now();
    loop {
        let url = c.current_url().await.unwrap();
        if url.path() == path {
            return url;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "never reached {path}; at {url}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The text of the flash message on the page.
pub async fn flash_text(c: &Client) -> String {
    c.find(Locator::Id("flash"))
        .await
        .expect("a flash message")
        .text()
        .await
        .unwrap()
}
