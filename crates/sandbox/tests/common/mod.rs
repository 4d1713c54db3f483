//! What the sandbox tests share: serving a sandbox on a free port, and running a vendor's
//! maintained Python client against it (the fidelity tests).

use std::ffi::OsString;
use std::path::PathBuf;

/// Serves `router` on a free local port, in the background; its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

/// A vendor's Python client, as a fidelity test needs it installed.
#[derive(Clone, Copy)]
pub struct Client {
    /// Names a Python that has the client, overriding the virtualenv.
    pub env_var: &'static str,
    /// The virtualenv under `target/` the client is installed in on first use.
    pub venv: &'static str,
    /// What the Python imports to prove the client is there.
    pub module: &'static str,
    /// What pip installs.
    pub requirement: &'static str,
}

/// Runs `tests/fidelity/<script>` with `args` in a Python that has `client`, and fails the
/// test with the script's output unless it succeeds.
pub async fn run_flows(client: Client, script: &str, args: Vec<OsString>) {
    let python = tokio::task::spawn_blocking(move || python_with(&client))
        .await
        .expect("venv");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fidelity")
        .join(script);
    let output = tokio::process::Command::new(python)
        .arg(&script)
        .args(args)
        .output()
        .await
        .expect("run the client's flows");
    assert!(
        output.status.success(),
        "{} rejected the sandbox:\n{}\n{}",
        client.requirement,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A Python that can `import module`: `$env_var` if set, else a virtualenv `target/<venv>`
/// created (with `requirement` installed) on first use.
fn python_with(client: &Client) -> PathBuf {
    if let Ok(python) = std::env::var(client.env_var) {
        return python.into();
    }
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target")
        .join(client.venv);
    let python = venv.join("bin/python");
    let ready = std::process::Command::new(&python)
        .args(["-c", &format!("import {}", client.module)])
        .status()
        .is_ok_and(|s| s.success());
    if !ready {
        let made = std::process::Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status();
        assert!(
            made.is_ok_and(|s| s.success()),
            "python3 -m venv (the fidelity tests need Python 3)"
        );
        let installed = std::process::Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", client.requirement])
            .status();
        assert!(
            installed.is_ok_and(|s| s.success()),
            "pip install {}",
            client.requirement
        );
    }
    python
}
