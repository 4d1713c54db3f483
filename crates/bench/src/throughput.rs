//! The warm path as users feel it: the real gateway binary in a process of its own, `wrk` in
//! another, pages served from memory at concurrency 8 and 32. Throughput and latency are
//! `wrk`'s; CPU per request is the gateway process's alone (`/proc/<pid>/stat`), so neither the
//! load generator nor the sandboxes count; the gateway's peak resident set is its own too.
//!
//! Three configurations: everything on the embedded store (`serve --demo`'s default); the same
//! with the response cache off, so that every request is executed (what a page costs when its
//! document or its data differ from the last time); and billing on the Zuora sandbox, the CRM on
//! the Salesforce sandbox, with the read cache (the benchmark's main table's). Before each measurement the page is loaded once and checked for errors, then
//! loaded for a second under the same concurrency, so that what is measured is warm.

use crate::measure::Upstreams;
use crate::scenarios;
use crate::{Failure, Sandboxes};
use partnergraph_server::Config;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The pages of the throughput table: who loads them and what.
const PAGES: [(&str, &str, &str); 3] = [
    (
        "partner dashboard",
        scenarios::DASHBOARD.email,
        scenarios::DASHBOARD.query,
    ),
    (
        "customer detail",
        scenarios::DETAIL.email,
        scenarios::DETAIL.query,
    ),
    (
        "viewer",
        scenarios::DASHBOARD.email,
        "{ viewer { user { email } } }",
    ),
];

/// Concurrent connections of each measurement.
const CONCURRENCY: [usize; 2] = [8, 32];

/// Kernel clock ticks per second, the unit of `/proc/<pid>/stat`'s CPU times (`USER_HZ`, 100 on
/// every Linux the gateway runs on).
const TICKS_PER_SECOND: f64 = 100.0;

/// One measurement.
#[derive(Debug, Serialize)]
pub struct Throughput {
    pub setup: &'static str,
    pub page: &'static str,
    pub concurrency: usize,
    pub requests: u64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Gateway CPU (user and system) per request, in milliseconds.
    pub cpu_ms: f64,
    /// Responses other than 200.
    pub failed: u64,
    /// Upstream requests the whole measurement caused.
    pub upstream_calls: usize,
    /// The gateway process's peak resident set after the measurement, in MB.
    pub gateway_rss_mb: f64,
}

/// Where the gateway binary is: beside the benchmark's own (`cargo build -p partnergraph-server`
/// with the same profile puts it there).
fn gateway_binary(chosen: Option<&Path>) -> Result<PathBuf, Failure> {
    let path = match chosen {
        Some(path) => path.to_path_buf(),
        None => std::env::current_exe()?.with_file_name("partnergraph"),
    };
    if !path.exists() {
        return Err(format!(
            "{} is missing: build the gateway with the benchmark's profile \
             (cargo build --release -p partnergraph-server -p partnergraph-bench)",
            path.display()
        )
        .into());
    }
    Ok(path)
}

/// The gateway in its own process, and a token per demo persona from what it printed.
struct Process {
    child: Child,
    pid: u32,
    url: String,
    tokens: HashMap<String, String>,
    _data: tempfile::TempDir,
}

impl Drop for Process {
    fn drop(&mut self) {
        // A benchmark's gateway has nothing to drain.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    /// Starts `partnergraph serve --demo` on `config` (its data directory a new one, its port
    /// free) and reads its address and the personas' tokens from its output.
    fn start(mut config: Config, binary: &Path) -> Result<Self, Failure> {
        let data = tempfile::tempdir()?;
        config.data_dir = data.path().to_path_buf();
        config.listen = "127.0.0.1:0".parse()?;
        config.demo = true;
        let file = data.path().join("partnergraph.toml");
        let written = differences(
            toml::Table::try_from(&config)?,
            &toml::Table::try_from(Config::default())?,
        );
        std::fs::write(&file, toml::to_string(&written)?)?;
        let log = std::fs::File::create(data.path().join("gateway.log"))?;
        let mut child = Command::new(binary)
            .arg("--config")
            .arg(&file)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()?;
        let pid = child.id();
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut url = None;
        let mut tokens = HashMap::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line?;
            if let Some(rest) = line.strip_prefix("partnergraph listening on ") {
                url = rest
                    .split_whitespace()
                    .next()
                    .map(|u| format!("{u}/graphql"));
            } else if let Some((email, token)) = line
                .split_once("/graphiql#token=")
                .and_then(|(head, token)| Some((head.split_whitespace().next()?, token)))
            {
                tokens.insert(email.to_owned(), token.trim().to_owned());
            } else if line.is_empty() && !tokens.is_empty() {
                break;
            }
        }
        let url = url.ok_or("the gateway did not say where it listens")?;
        Ok(Self {
            child,
            pid,
            url,
            tokens,
            _data: data,
        })
    }

    /// CPU time the process has used, in seconds (user and system, every thread).
    fn cpu_seconds(&self) -> Result<f64, Failure> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))?;
        // The fields after the command name, which is in parentheses and may hold spaces:
        // utime and stime are the 12th and 13th of them.
        let rest = stat.rsplit_once(')').ok_or("unreadable stat")?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| -> Result<f64, Failure> {
            Ok(fields.get(i).ok_or("short stat")?.parse::<f64>()?)
        };
        Ok((ticks(11)? + ticks(12)?) / TICKS_PER_SECOND)
    }

    /// The process's peak resident set, in MB.
    fn peak_rss_mb(&self) -> Result<f64, Failure> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        let kb = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .ok_or("no VmHWM")?
            .parse::<f64>()?;
        Ok(kb / 1024.0)
    }
}

/// What of `config` differs from `default`: the file a user would write, which also runs a
/// gateway of another version (for a before-and-after) as long as it knows those settings.
fn differences(config: toml::Table, default: &toml::Table) -> toml::Table {
    config
        .into_iter()
        .filter_map(|(key, value)| match (value, default.get(&key)) {
            (toml::Value::Table(table), Some(toml::Value::Table(default))) => {
                let table = differences(table, default);
                (!table.is_empty()).then_some((key, toml::Value::Table(table)))
            }
            (value, Some(default)) if &value == default => None,
            (value, _) => Some((key, value)),
        })
        .collect()
}

/// What `wrk` reported.
struct Wrk {
    requests: u64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    failed: u64,
}

/// Runs `wrk` with `connections` for `seconds` against `url`, POSTing `body` with `token`.
fn wrk(
    url: &str,
    token: &str,
    body: &str,
    connections: usize,
    seconds: u64,
    dir: &Path,
) -> Result<Wrk, Failure> {
    let script = dir.join("page.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\n\
             wrk.headers[\"Content-Type\"] = \"application/json\"\n\
             wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n\
             wrk.body = {}\n",
            lua_string(body)
        ),
    )?;
    let output = Command::new("wrk")
        .arg("-t1")
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("--latency")
        // An unoptimised build (CI's smoke run) answers slower than wrk's 2 s default allows.
        .arg("--timeout")
        .arg("30s")
        .arg("-s")
        .arg(&script)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run wrk (install Debian's wrk package): {e}"))?;
    if !output.status.success() {
        return Err(format!("wrk failed: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    parse_wrk(&String::from_utf8_lossy(&output.stdout))
}

/// `text` as a Lua long string, whatever brackets it holds.
fn lua_string(text: &str) -> String {
    let mut level = String::new();
    while text.contains(&format!("]{level}]")) {
        level.push('=');
    }
    format!("[{level}[{text}]{level}]")
}

/// Reads `wrk --latency`'s report.
fn parse_wrk(out: &str) -> Result<Wrk, Failure> {
    let duration_ms = |v: &str| -> Option<f64> {
        let (number, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic())?);
        let number: f64 = number.parse().ok()?;
        Some(match unit {
            "us" => number / 1000.0,
            "ms" => number,
            "s" => number * 1000.0,
            "m" => number * 60_000.0,
            _ => return None,
        })
    };
    let percentile = |p: &str| {
        out.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(p))
            .and_then(|v| duration_ms(v.trim()))
            .ok_or_else(|| format!("wrk printed no {p} latency:\n{out}"))
    };
    let requests = out
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .ok_or_else(|| format!("wrk printed no request count:\n{out}"))?;
    let rps = out
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("wrk printed no rate:\n{out}"))?;
    let failed = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
        + out
            .lines()
            .find_map(|l| l.trim().strip_prefix("Socket errors:"))
            .map_or(0, |v| {
                v.split(',')
                    .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                    .sum()
            });
    Ok(Wrk {
        requests,
        rps,
        p50_ms: percentile("50%")?,
        p99_ms: percentile("99%")?,
        failed,
    })
}

/// Loads `query` once as `token` and fails unless the answer is data without errors.
async fn check(url: &str, token: &str, body: &str) -> Result<(), Failure> {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await?
        .json()
        .await?;
    if answer.get("errors").is_some() || answer.get("data").is_none_or(|d| d.is_null()) {
        return Err(format!("the page failed: {answer}").into());
    }
    Ok(())
}

/// Measures every page at every concurrency on the two configurations.
pub async fn run(
    sandboxes: &Sandboxes,
    upstreams: &Upstreams,
    quick: bool,
    binary: Option<&Path>,
) -> Result<Vec<Throughput>, Failure> {
    let binary = gateway_binary(binary)?;
    let seconds = if quick { 1 } else { 5 };
    let local = Config::default();
    // What executing a warm page costs: the same, with every request executed.
    let mut executed = Config::default();
    executed.response_cache.max_size_mb = 0;
    let upstream = crate::gateway_config(Path::new(""), &sandboxes.zuora, &sandboxes.salesforce);
    let setups = [
        ("local store", local),
        ("local store, no response cache", executed),
        ("Zuora + Salesforce, cached", upstream),
    ];
    let mut rows = Vec::new();
    for (setup, mut config) in setups {
        // One persona loads each page, 32 requests at a time: more than the 8 a user may have
        // executing at once, which would refuse the rest. The limit protects others from one
        // user; here there are no others.
        config.limits.max_requests_per_principal = CONCURRENCY[1];
        let process = Process::start(config, &binary)?;
        let dir = tempfile::tempdir()?;
        for (page, email, query) in PAGES {
            let token = process
                .tokens
                .get(email)
                .ok_or_else(|| format!("the gateway printed no token for {email}"))?;
            let body = json!({ "query": query }).to_string();
            let load = |concurrency, seconds| {
                tokio::task::block_in_place(|| {
                    wrk(&process.url, token, &body, concurrency, seconds, dir.path())
                })
            };
            check(&process.url, token, &body).await?;
            load(CONCURRENCY[0], 1)?;
            for concurrency in CONCURRENCY {
                upstreams.clear().await?;
                let cpu = process.cpu_seconds()?;
                let load = load(concurrency, seconds)?;
                let cpu = process.cpu_seconds()? - cpu;
                let row = Throughput {
                    setup,
                    page,
                    concurrency,
                    requests: load.requests,
                    rps: load.rps,
                    p50_ms: load.p50_ms,
                    p99_ms: load.p99_ms,
                    cpu_ms: cpu * 1000.0 / load.requests.max(1) as f64,
                    failed: load.failed,
                    upstream_calls: upstreams.counts().await?.values().sum(),
                    gateway_rss_mb: process.peak_rss_mb()?,
                };
                println!("{}", row.line());
                if row.failed > 0 {
                    return Err(format!("{} of the {page} requests failed", row.failed).into());
                }
                rows.push(row);
            }
        }
    }
    Ok(rows)
}

/// The table's heading.
pub const HEADER: &str = "| configuration | page | conc. | requests | req/s | p50 ms | p99 ms | gateway cpu ms/req | upstream calls | gateway RSS MB |\n|---|---|---|---|---|---|---|---|---|---|";

impl Throughput {
    /// The measurement as a row of [`HEADER`]'s table.
    pub fn line(&self) -> String {
        format!(
            "| {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.3} | {} | {:.0} |",
            self.setup,
            self.page,
            self.concurrency,
            self.requests,
            self.rps,
            self.p50_ms,
            self.p99_ms,
            self.cpu_ms,
            self.upstream_calls,
            self.gateway_rss_mb
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_reports_are_read_with_their_units() {
        let out = "Running 1s test @ http://127.0.0.1:1/graphql
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   650.00us  100.00us   2.00ms   90.00%
  Latency Distribution
     50%  635.91us
     75%  712.63us
     90%  800.00us
     99%    1.20ms
  12345 requests in 1.00s, 1.23MB read
  Non-2xx or 3xx responses: 2
  Socket errors: connect 0, read 1, write 0, timeout 3
Requests/sec:  12345.67
Transfer/sec:      1.23MB
";
        let wrk = parse_wrk(out).expect("parsed");
        assert_eq!(wrk.requests, 12345);
        assert!((wrk.p50_ms - 0.63591).abs() < 1e-9);
        assert!((wrk.p99_ms - 1.2).abs() < 1e-9);
        assert!((wrk.rps - 12345.67).abs() < 1e-9);
        assert_eq!(wrk.failed, 6);
    }

    #[test]
    fn bodies_become_lua_long_strings_whatever_they_hold() {
        assert_eq!(lua_string("a]]b"), "[=[a]]b]=]");
        assert_eq!(lua_string("{}"), "[[{}]]");
    }
}
