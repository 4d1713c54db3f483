//! What the fidelity tests share: a Python with a vendor's maintained client installed.

use std::path::PathBuf;

/// A Python that can `import module`: `$env_var` if set, else a virtualenv `target/<venv>`
/// created (with `requirement` installed) on first use.
pub fn python_with(env_var: &str, venv: &str, module: &str, requirement: &str) -> PathBuf {
    if let Ok(python) = std::env::var(env_var) {
        return python.into();
    }
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target")
        .join(venv);
    let python = venv.join("bin/python");
    let ready = std::process::Command::new(&python)
        .args(["-c", &format!("import {module}")])
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
            .args(["install", "--quiet", requirement])
            .status();
        assert!(
            installed.is_ok_and(|s| s.success()),
            "pip install {requirement}"
        );
    }
    python
}
