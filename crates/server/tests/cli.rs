//! The `partnergraph` binary as an operator runs it: `serve --demo` on a fresh data directory,
//! persona links with working tokens, `token`, `migrate`, config errors, and a graceful stop on
//! SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn partnergraph(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_partnergraph"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("PARTNERGRAPH_CONFIG")
        .env("RUST_LOG", "warn");
    command
}

/// Runs `command` to its end; it must succeed (else its stderr is the failure). Its stdout.
fn succeeds(command: &mut Command) -> String {
    let output = command.output().expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// Runs `command` to its end; it must fail. Its stderr.
fn fails(command: &mut Command) -> String {
    let output = command.output().expect("the binary runs");
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Starts `serve --demo` and reads stdout until the persona links are printed.
fn serve_demo(data_dir: &std::path::Path) -> (Child, String, Vec<(String, String)>, Duration) {
    let started = Instant::now();
    let mut child = partnergraph(data_dir)
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut base = String::new();
    let mut personas = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("a line");
        if let Some(rest) = line.strip_prefix("partnergraph listening on ") {
            base = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
        }
        // `  email  GraphiQL http://…/graphiql#token=…`, then `  portal  http://…/portal/#token=…`.
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [email, "GraphiQL", link] => {
                let token = link.split_once("/graphiql#token=").map(|(_, t)| t);
                personas.push((email.to_string(), token.unwrap_or_default().to_owned()));
            }
            ["portal", link] => {
                let (_, graphiql_token) = personas.last().expect("a GraphiQL link first");
                assert_eq!(
                    *link,
                    format!("{base}/portal/#token={graphiql_token}"),
                    "the portal link carries the same token"
                );
                if personas.len() == 6 {
                    break;
                }
            }
            _ => {}
        }
    }
    let elapsed = started.elapsed();
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, base, personas, elapsed)
}

/// POSTs `body` as JSON to `base` + `path`, with `token` if any; the JSON answer.
fn post(base: &str, path: &str, token: Option<&str>, body: serde_json::Value) -> serde_json::Value {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut request = reqwest::Client::new()
            .post(format!("{base}{path}"))
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a JSON body")
    })
}

fn query(base: &str, token: &str, query: &str) -> serde_json::Value {
    post(
        base,
        "/graphql",
        Some(token),
        serde_json::json!({ "query": query }),
    )
}

fn login(base: &str, email: &str, password: &str) -> serde_json::Value {
    let body = serde_json::json!({ "email": email, "password": password });
    post(base, "/auth/login", None, body)
}

#[test]
fn serve_demo_prints_working_persona_links_and_passwords_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (mut child, base, personas, elapsed) = serve_demo(dir.path());
    println!("serve --demo on an empty data directory was ready in {elapsed:?}");
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let emails: Vec<&str> = personas.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(emails, partnergraph_demo::PERSONAS);
    for (email, token) in &personas {
        let body = query(&base, token, "{ viewer { user { email } } }");
        assert_eq!(
            body["data"]["viewer"]["user"]["email"],
            email.as_str(),
            "{body}"
        );
        // The portal's sign-in page works for every persona with the printed password.
        let signed_in = login(&base, email, partnergraph_demo::PERSONA_PASSWORD);
        let token = signed_in["token"].as_str().expect("a token");
        let body = query(&base, token, "{ viewer { user { email } } }");
        assert_eq!(body["data"]["viewer"]["user"]["email"], email.as_str());
    }

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");

    // The store and the signing key persist: `token` works against the same data directory,
    // and a second `serve --demo` does not seed twice.
    let token = succeeds(partnergraph(dir.path()).args(["token", "--email", "paula@acme.example"]));
    let (mut again, base, _, _) = serve_demo(dir.path());
    let body = query(&base, token.trim(), "{ customers { totalCount } }");
    assert_eq!(body["data"]["customers"]["totalCount"], 50, "{body}");
    again.kill().expect("kill");
    let _ = again.wait();
}

#[test]
fn migrate_is_idempotent_and_unknown_config_keys_are_named() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for _ in 0..2 {
        succeeds(partnergraph(dir.path()).arg("migrate"));
    }
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[limits]\nmax_dept = 3\n").expect("write config");
    let stderr = fails(
        partnergraph(dir.path())
            .arg("--config")
            .arg(&config)
            .arg("migrate"),
    );
    assert!(
        stderr.contains("max_dept"),
        "the error names the unknown key: {stderr}"
    );

    let stderr = fails(
        partnergraph(dir.path())
            .env("PARTNERGRAPH__LIMITS__MAX_BODY_BYTEZ", "1")
            .arg("migrate"),
    );
    assert!(stderr.contains("max_body_bytez"));
}

#[test]
fn token_for_an_unknown_user_fails_clearly() {
    let dir = tempfile::tempdir().expect("temporary directory");
    succeeds(partnergraph(dir.path()).arg("migrate"));
    let stderr =
        fails(partnergraph(dir.path()).args(["token", "--email", "nobody@nowhere.example"]));
    assert!(stderr.contains("nobody@nowhere.example"));
}
