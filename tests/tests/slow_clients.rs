//! Slow and greedy clients: uploads trickling in hold a connection each, never the capacity
//! other clients need; a body or headers that do not arrive in time are cut off; connections
//! beyond `max_connections` wait to be accepted; shutting down drains what is in flight.
//!
//! Each test has a gateway of its own, so that the connections it hoards disturb no other test.

use partnergraph_tests::{Backend, TestServer};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PAULA: &str = "paula@acme.example";
/// More than the default `max_concurrent_requests` (512): before the body was read ahead of
/// the concurrency limit, this many trickling uploads held every slot.
const TRICKLES: usize = 600;
/// What each trickling upload declares; it never sends more than a few hundred bytes of it.
const DECLARED_BODY: usize = 100_000;
/// How long a health check or a query may take while the uploads trickle.
const PROMPT: Duration = Duration::from_secs(1);

/// The host and port of the gateway, for raw connections.
fn address(s: &TestServer) -> String {
    s.url.trim_start_matches("http://").to_owned()
}

/// Client and gateway share this process, so every connection costs it two descriptors.
/// Raises the soft limit on open files to `needed` (within the hard limit) with `prlimit`
/// when it is lower, as it is by default on many Linux systems (1024); elsewhere, or when the
/// limit cannot be read, the test goes on and fails on its own if descriptors run out.
fn ensure_open_files(needed: u64) {
    let soft_limit = || {
        std::fs::read_to_string("/proc/self/limits")
            .ok()?
            .lines()
            .find(|line| line.starts_with("Max open files"))?
            .split_whitespace()
            .nth(3)?
            .parse::<u64>()
            .ok()
    };
    let Some(soft) = soft_limit() else { return };
    if soft >= needed {
        return;
    }
    let raised = std::process::Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg(format!("--nofile={needed}:"))
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        raised && soft_limit().is_some_and(|soft| soft >= needed),
        "this test needs {needed} open files and `ulimit -n` is {soft}: raise it (`ulimit -n {needed}`)"
    );
}

/// Starts an upload to `/graphql` that declares `DECLARED_BODY` bytes and sends none yet.
async fn start_upload(addr: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Content-Length: {DECLARED_BODY}\r\n\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("send headers");
    stream
}

/// Reads one HTTP response (head and `Content-Length` body) from `stream`, or what arrived
/// before the connection closed; `None` when nothing did within `within`.
async fn read_response(stream: &mut TcpStream, within: Duration) -> Option<(u16, Value)> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            received.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&received);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_lowercase()
                            .strip_prefix("content-length:")
                            .map(str::to_owned)
                    })
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if body.len() >= length {
                    return;
                }
            }
        }
    });
    if read.await.is_err() || received.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(&received);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_hundred_trickling_uploads_do_not_delay_health_checks_or_queries() {
    ensure_open_files(2 * TRICKLES as u64 + 400);
    // A body timeout longer than the test, so that the uploads trickle throughout it.
    let s = TestServer::dedicated_with_config(
        Backend::Sqlite,
        Box::new(|c| c.limits.body_read_timeout_secs = 120),
    );
    let token = s.token(PAULA).await;
    let addr = address(&s);
    let mut uploads = Vec::with_capacity(TRICKLES);
    for _ in 0..TRICKLES {
        uploads.push(start_upload(&addr).await);
    }
    // Ten bytes per upload every half second, for as long as the test runs; ends (with the
    // bytes it sent) only if the gateway drops an upload.
    let trickle = tokio::spawn(async move {
        let mut sent = 0usize;
        loop {
            for upload in &mut uploads {
                if upload.write_all(b"          ").await.is_err() {
                    return sent;
                }
                sent += 10;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;

    let query = json!({ "query": "{ viewer { user { email } } }" });
    let (mut health, mut queries) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        // A new client each round: accepting a connection is part of answering promptly.
        let client = reqwest::Client::new();
        let started = Instant::now();
        let response =
            tokio::time::timeout(PROMPT, client.get(format!("{}/healthz", s.url)).send())
                .await
                .expect("/healthz answers within a second while 600 uploads trickle")
                .expect("/healthz answers");
        assert_eq!(response.status(), 200);
        health.push(started.elapsed());

        let started = Instant::now();
        let request = client
            .post(format!("{}/graphql", s.url))
            .bearer_auth(&token)
            .json(&query)
            .send();
        let response = tokio::time::timeout(PROMPT, request)
            .await
            .expect("a query is answered within a second while 600 uploads trickle")
            .expect("the query is answered");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(body["data"]["viewer"]["user"]["email"], PAULA);
        queries.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        !trickle.is_finished(),
        "the gateway dropped a trickling upload after {:?} bytes in all",
        trickle.await
    );
    trickle.abort();
    let max = |v: &[Duration]| v.iter().max().copied().unwrap_or_default();
    println!(
        "under {TRICKLES} trickling uploads: /healthz {:?} (max {:?}), query {:?} (max {:?})",
        health,
        max(&health),
        queries,
        max(&queries)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_arrive_in_time_is_refused_with_408_and_a_coded_error() {
    let s = TestServer::dedicated_with_config(
        Backend::Sqlite,
        Box::new(|c| c.limits.body_read_timeout_secs = 1),
    );
    let mut upload = start_upload(&address(&s)).await;
    let started = Instant::now();
    let mut answer = None;
    // Keep trickling, as a slow client would, until the gateway answers.
    while answer.is_none() && started.elapsed() < Duration::from_secs(5) {
        let _ = upload.write_all(b"          ").await;
        answer = read_response(&mut upload, Duration::from_millis(200)).await;
    }
    let (status, body) = answer.expect("the gateway answers a body that never ends");
    let waited = started.elapsed();
    assert_eq!(status, 408, "{body}");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "cut off at the 1 s body timeout, not after {waited:?}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
        "{body}"
    );
    assert!(
        body["errors"][0]["extensions"]["requestId"].is_string(),
        "{body}"
    );
    assert!(body.get("data").is_none(), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_that_do_not_arrive_in_time_close_the_connection() {
    let s = TestServer::dedicated_with_config(
        Backend::Sqlite,
        Box::new(|c| c.limits.header_read_timeout_secs = 1),
    );
    let mut stream = TcpStream::connect(address(&s)).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: te")
        .await
        .expect("send part of the headers");
    let started = Instant::now();
    let mut buf = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("the gateway closes the connection");
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "closed without an answer, got {read:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "closed at the 1 s header timeout, not after {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_max_connections_wait_until_one_closes() {
    let s = TestServer::dedicated_with_config(
        Backend::Sqlite,
        Box::new(|c| c.limits.max_connections = 4),
    );
    let addr = address(&s);
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(start_upload(&addr).await);
    }
    // Let the gateway accept all four before the fifth arrives.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let health = || async {
        let mut stream = TcpStream::connect(&addr).await.expect("the kernel accepts");
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            .await
            .expect("send");
        read_response(&mut stream, Duration::from_secs(1)).await
    };
    assert_eq!(
        health().await,
        None,
        "a fifth connection is not served while four are open"
    );
    held.pop();
    let (status, body) = health().await.expect("served once a connection closed");
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutting_down_stops_accepting_and_answers_the_request_in_flight_first() {
    let data_dir = tempfile::tempdir().expect("a data directory");
    let config = partnergraph_server::Config {
        data_dir: data_dir.path().to_path_buf(),
        ..partnergraph_server::Config::default()
    };
    let gateway = partnergraph_server::Gateway::builder(config)
        .start()
        .await
        .expect("the gateway starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("an address").to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(gateway.serve(listener, async {
        let _ = stopped.await;
    }));

    let body = br#"{"query":"{ __typename }"}"#;
    let mut upload = TcpStream::connect(&addr).await.expect("connect");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    upload
        .write_all(head.as_bytes())
        .await
        .expect("send headers");
    upload.write_all(&body[..10]).await.expect("send a part");
    tokio::time::sleep(Duration::from_millis(200)).await;

    stop.send(()).expect("the gateway listens for shutdown");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        TcpStream::connect(&addr).await.is_err(),
        "no new connection is accepted once shutting down"
    );
    assert!(
        !serving.is_finished(),
        "the request in flight is waited for"
    );

    upload.write_all(&body[10..]).await.expect("send the rest");
    let (status, answer) = read_response(&mut upload, Duration::from_secs(5))
        .await
        .expect("the request in flight is answered");
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    tokio::time::timeout(Duration::from_secs(5), serving)
        .await
        .expect("serving ends once its last connection is done")
        .expect("the serving task")
        .expect("serving ends cleanly");
}
