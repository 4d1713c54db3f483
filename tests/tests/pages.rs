//! The pages the gateway serves to browsers, GraphiQL and the reference portal, seen over HTTP:
//! every file they reference is the gateway's own, each carries a Content-Security-Policy that
//! allows nothing else, and no path reaches outside the files compiled in. (What the pages do
//! in a browser is proved by the Playwright suite in `examples/portal/e2e`.)

use partnergraph_tests::{Backend, TestServer};
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    LOCATION, VARY,
};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use std::io::Read as _;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("a client")
}

/// Every `src="…"` and `href="…"` of a page.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            if let Some(end) = rest.find('"') {
                found.push(rest[..end].replace("&amp;", "&"));
            }
        }
    }
    found
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Fetches `path`, a page, and every file it references; asserts that each reference is a path
/// of the gateway's (no other origin, no protocol-relative URL) that answers with content of the
/// type its name says, and that the page and its scripts come with the policy.
async fn assert_page_is_self_contained(s: &TestServer, path: &str) -> String {
    let response = client()
        .get(format!("{}{path}", s.url))
        .send()
        .await
        .expect("the page answers");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert!(header(&response, CONTENT_TYPE).starts_with("text/html"));
    let policy = header(&response, CONTENT_SECURITY_POLICY);
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            policy.contains(directive),
            "{path}: {directive} in {policy}"
        );
    }
    let html = response.text().await.expect("a body");
    let files = references(&html);
    assert!(!files.is_empty(), "{path} references its files: {html}");
    // `data:` URLs (an empty icon, so browsers do not ask for `/favicon.ico`) need no network.
    for file in files.into_iter().filter(|f| !f.starts_with("data:")) {
        assert!(
            file.starts_with('/') && !file.starts_with("//"),
            "{path} references {file}, which is not the gateway's"
        );
        let asset = client()
            .get(format!("{}{file}", s.url))
            .send()
            .await
            .expect("the file answers");
        assert_eq!(asset.status(), StatusCode::OK, "{file}");
        let kind = header(&asset, CONTENT_TYPE);
        let wanted = match file.split('?').next().and_then(|f| f.rsplit('.').next()) {
            Some("js") => "javascript",
            Some("css") => "text/css",
            Some("svg") => "image/svg+xml",
            Some("png") => "image/png",
            Some("ico") => "image/",
            other => panic!("{file}: an unexpected kind of file {other:?}"),
        };
        assert!(kind.contains(wanted), "{file} is served as {kind}");
        if wanted == "javascript" {
            assert!(
                header(&asset, CACHE_CONTROL).contains("immutable"),
                "{file}"
            );
        }
        let plain = asset.bytes().await.expect("a body");
        assert!(!plain.is_empty(), "{file}");
        assert_gzip_is_the_same_file(s, &file, &plain).await;
    }
    html
}

/// A browser that takes gzip may get `file` gzipped, and then unpacks it to the same bytes a
/// client that does not gets.
async fn assert_gzip_is_the_same_file(s: &TestServer, file: &str, plain: &[u8]) {
    let response = client()
        .get(format!("{}{file}", s.url))
        .header(ACCEPT_ENCODING, "gzip, deflate, br")
        .send()
        .await
        .expect("the file answers");
    let gzipped = header(&response, CONTENT_ENCODING) == "gzip";
    if gzipped {
        assert!(
            header(&response, VARY).contains("accept-encoding"),
            "{file}"
        );
    }
    let body = response.bytes().await.expect("a body");
    let unpacked = if gzipped {
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(body.as_ref())
            .read_to_end(&mut unpacked)
            .expect("valid gzip");
        unpacked
    } else {
        body.to_vec()
    };
    assert!(unpacked == plain, "{file}: gzip and plain differ");
}

#[tokio::test]
async fn scripts_and_styles_reach_browsers_gzipped() {
    let s = TestServer::shared(Backend::Sqlite);
    for page in ["/graphiql", "/portal/"] {
        let html = client()
            .get(format!("{}{page}", s.url))
            .send()
            .await
            .expect("answers")
            .text()
            .await
            .expect("a body");
        let script = references(&html)
            .into_iter()
            .find(|r| {
                r.split('?').next().is_some_and(|p| p.ends_with(".js")) && !r.contains("start.js")
            })
            .expect("a script");
        let response = client()
            .get(format!("{}{script}", s.url))
            .header(ACCEPT_ENCODING, "gzip")
            .send()
            .await
            .expect("answers");
        assert_eq!(header(&response, CONTENT_ENCODING), "gzip", "{script}");
    }
}

#[tokio::test]
async fn graphiql_needs_no_network_but_the_gateway_and_keeps_its_example_tabs() {
    let s = TestServer::shared(Backend::Sqlite);
    let html = assert_page_is_self_contained(&s, "/graphiql").await;
    assert!(!html.contains("unpkg") && !html.contains("cdn"), "{html}");
    assert!(
        !html.contains("<script>"),
        "no inline script: the policy would refuse it"
    );
    assert!(html.contains("PartnerDashboard") || html.contains("partner-dashboard"));
}

#[tokio::test]
async fn the_portal_is_served_at_portal_and_every_page_path_loads_the_app() {
    let s = TestServer::shared(Backend::Sqlite);
    let redirect = client()
        .get(format!("{}/portal", s.url))
        .send()
        .await
        .expect("answers");
    assert!(redirect.status().is_redirection());
    assert_eq!(header(&redirect, LOCATION), "/portal/");
    let index = assert_page_is_self_contained(&s, "/portal/").await;
    // Paths the portal routes in the browser get the same page, so a link or a reload works.
    for page in [
        "/portal/customers/Q3VzdG9tZXI6MQ",
        "/portal/account",
        "/portal/sign-in",
    ] {
        assert_eq!(
            assert_page_is_self_contained(&s, page).await,
            index,
            "{page}"
        );
    }
    // A file that is not there is a 404, not the page: a stale script must not load HTML.
    let missing = client()
        .get(format!("{}/portal/assets/missing-0000.js", s.url))
        .send()
        .await
        .expect("answers");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn no_page_path_reaches_outside_the_files_compiled_in() {
    let s = TestServer::shared(Backend::Sqlite);
    for path in [
        "/portal/..%2f..%2f..%2fCargo.toml",
        "/portal/%2e%2e/%2e%2e/%2e%2e/Cargo.toml",
        "/portal/assets/..%2f..%2fpackage.json",
        "/portal/..%5c..%5c..%5cCargo.toml",
        "/graphiql/assets/..%2fpackage.json",
        "/graphiql/assets/..%2f..%2f..%2f..%2fCargo.toml",
        "/graphiql/assets/%2e%2e%2fvendor.mjs",
    ] {
        let response = client()
            .get(format!("{}{path}", s.url))
            .send()
            .await
            .expect("answers");
        let status = response.status();
        let body = response.text().await.expect("a body");
        assert!(
            !body.contains("[package]")
                && !body.contains("[workspace")
                && !body.contains("\"dependencies\"")
                && !body.contains("readFileSync"),
            "{path} ({status}) served a file from outside: {body:.200}"
        );
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
            "{path}: {status}"
        );
    }
}
