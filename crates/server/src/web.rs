//! The browser pages the gateway serves itself: GraphiQL at `/graphiql` and the reference portal
//! (`examples/portal`) at `/portal/`.
//!
//! Their files are compiled into the binary (rust-embed; debug builds read them from the source
//! tree at request time, so a front-end rebuild shows without recompiling), so no page needs any
//! network beyond the gateway: no CDN, and a Content-Security-Policy that allows nothing else.
//! Both sets are built from a lockfile and committed; CI rebuilds them and fails on a difference.
//!
//! Scripts and stylesheets are stored gzipped (`name.gz`, made at build time): browsers get those
//! bytes as they are (`Content-Encoding: gzip`), a quarter of the size and no CPU per request;
//! a client that does not accept gzip gets them unpacked.

use crate::graphiql;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::{EmbeddedFile, RustEmbed};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Read as _;

/// GraphiQL, React and ReactDOM as `crates/server/graphiql/package-lock.json` pins them, and the
/// page's own script and style.
#[derive(RustEmbed)]
#[folder = "graphiql/assets/"]
struct GraphiqlAssets;

/// The reference portal's production build.
#[derive(RustEmbed)]
#[folder = "../../examples/portal/dist/"]
struct PortalFiles;

/// Scripts, styles, fonts and calls from the gateway's own origin only. Styles may be inline
/// because the editors set `style` attributes; fonts and images may be `data:` URLs because
/// GraphiQL's stylesheet carries its fonts that way. Nothing may frame the pages (clickjacking).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; \
     form-action 'self'";

/// How long browsers keep a file whose URL names its content (`?v=` hash, or a hashed name).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The routes of the pages, with GraphiQL's page rendered once.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    // Rendered once; each request shares its bytes.
    let page = Bytes::from(graphiql::page(&asset_url));
    Router::new()
        .route(
            "/graphiql",
            get(move || {
                let page = page.clone();
                async move { respond("text/html; charset=utf-8".to_owned(), "no-cache", page) }
            }),
        )
        .route("/graphiql/assets/{file}", get(graphiql_asset))
        .route("/portal", get(|| async { Redirect::permanent("/portal/") }))
        .route(
            "/portal/",
            get(|headers: HeaderMap| portal_file(Path(String::new()), headers)),
        )
        .route("/portal/{*path}", get(portal_file))
}

/// A file of a set, as stored or gzipped (`name.gz`).
struct Found {
    file: EmbeddedFile,
    gzipped: bool,
}

fn find<E: RustEmbed>(path: &str) -> Option<Found> {
    if let Some(file) = E::get(path) {
        return Some(Found {
            file,
            gzipped: false,
        });
    }
    E::get(&format!("{path}.gz")).map(|file| Found {
        file,
        gzipped: true,
    })
}

/// The URL of a GraphiQL asset, versioned by its content so browsers may keep it for good.
fn asset_url(name: &str) -> String {
    let mut url = format!("/graphiql/assets/{name}");
    if let Some(found) = find::<GraphiqlAssets>(name) {
        url.push_str("?v=");
        for byte in &found.file.metadata.sha256_hash()[..6] {
            let _ = write!(url, "{byte:02x}");
        }
    }
    url
}

async fn graphiql_asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    if !inside(&file) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match find::<GraphiqlAssets>(&file) {
        Some(found) => served(&file, found, &headers, IMMUTABLE),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A portal file, or its `index.html` for any path that names no file (the portal routes in the
/// browser, so `/portal/customers/…` is a page, not a file). A missing file with an extension is
/// a 404, so a stale script reference fails loudly instead of loading HTML as code.
async fn portal_file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    if !inside(&path) {
        return StatusCode::NOT_FOUND.into_response();
    }
    if let Some(found) = find::<PortalFiles>(&path) {
        // Vite names what it builds under `assets/` by content hash.
        let caching = if path.starts_with("assets/") {
            IMMUTABLE
        } else {
            "no-cache"
        };
        return served(&path, found, &headers, caching);
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return StatusCode::NOT_FOUND.into_response();
    }
    match find::<PortalFiles>("index.html") {
        Some(index) => served("index.html", index, &headers, "no-cache"),
        None => (
            StatusCode::NOT_FOUND,
            "the portal is not built: run `npm ci && npm run build` in examples/portal",
        )
            .into_response(),
    }
}

/// Whether a requested path (percent-decoded) stays inside its folder. Release builds only
/// know the files compiled in, but debug builds read the source tree, so a `..` or a
/// backslash is refused before any lookup.
fn inside(path: &str) -> bool {
    !path.contains('\\') && !path.starts_with('/') && path.split('/').all(|part| part != "..")
}

/// Whether the client takes gzip (`Accept-Encoding`, not with a weight of 0).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// `found`, served as `path` names it: gzipped bytes as they are to a client that takes gzip,
/// unpacked to one that does not.
fn served(path: &str, found: Found, headers: &HeaderMap, caching: &'static str) -> Response {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let content_type = if mime.type_() == mime_guess::mime::TEXT {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_owned()
    };
    // Release builds hold the files in the binary: no copy per request.
    let stored = match found.file.data {
        Cow::Borrowed(bytes) => Bytes::from_static(bytes),
        Cow::Owned(bytes) => Bytes::from(bytes),
    };
    if !found.gzipped {
        return respond(content_type, caching, stored);
    }
    let mut response = if accepts_gzip(headers) {
        let mut response = respond(content_type, caching, stored);
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else {
        let mut plain = Vec::new();
        if flate2::read::GzDecoder::new(stored.as_ref())
            .read_to_end(&mut plain)
            .is_err()
        {
            tracing::error!(path, "an embedded file is not valid gzip");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        respond(content_type, caching, Bytes::from(plain))
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// A page or file with the headers every one the gateway serves carries: its type, how long
/// browsers may keep it, the policy, no MIME sniffing, and no `Referer` to other sites (tokens
/// travel in fragments, which browsers never send, but a page's path can still name a
/// customer).
fn respond(content_type: String, caching: &'static str, body: Bytes) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, caching.to_owned()),
        ],
        body,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
