//! Running a scenario and reporting what it cost: latency percentiles, throughput, upstream
//! requests (from the sandboxes' own logs), CPU time and peak memory of this process.

use crate::scenarios::{Client, Scenario};
use partnergraph_server::Gateway;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The sandboxes' control APIs.
pub struct Upstreams {
    http: reqwest::Client,
    zuora: String,
    salesforce: String,
}

impl Upstreams {
    pub fn new(zuora: &str, salesforce: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            zuora: zuora.to_owned(),
            salesforce: salesforce.to_owned(),
        }
    }

    fn both(&self) -> [(&'static str, &str); 2] {
        [("zuora", &self.zuora), ("salesforce", &self.salesforce)]
    }

    /// Sets each sandbox's faults (latency, failures).
    pub async fn faults(&self, zuora: Value, salesforce: Value) -> Result<(), crate::Failure> {
        for ((_, url), faults) in self.both().into_iter().zip([zuora, salesforce]) {
            self.http
                .post(format!("{url}/_sandbox/faults"))
                .json(&faults)
                .send()
                .await?
                .error_for_status()?;
        }
        Ok(())
    }

    /// Empties both request logs.
    pub async fn clear(&self) -> Result<(), crate::Failure> {
        for (_, url) in self.both() {
            self.http
                .delete(format!("{url}/_sandbox/requests"))
                .send()
                .await?
                .error_for_status()?;
        }
        Ok(())
    }

    /// Requests each sandbox received since the last [`Upstreams::clear`].
    pub async fn counts(&self) -> Result<BTreeMap<String, usize>, crate::Failure> {
        let mut counts = BTreeMap::new();
        for (name, url) in self.both() {
            let log: Vec<Value> = self
                .http
                .get(format!("{url}/_sandbox/requests"))
                .send()
                .await?
                .json()
                .await?;
            counts.insert(name.to_owned(), log.len());
        }
        Ok(counts)
    }
}

/// How to run a scenario.
pub struct Plan {
    pub batching: bool,
    pub warm: bool,
    pub iterations: usize,
    pub concurrency: usize,
    /// Per page; `None` where no bound applies (a mixed load).
    pub critical_path_ms: Option<u64>,
}

/// One line of the summary.
#[derive(Serialize)]
pub struct Row {
    pub scenario: String,
    pub batching: bool,
    pub cache: &'static str,
    pub requests: usize,
    pub rps: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub upstream_per_request: BTreeMap<String, f64>,
    pub critical_path_ms: Option<f64>,
    pub cpu_ms_per_request: f64,
    pub peak_rss_mb: f64,
    /// GraphQL errors per request (typed upstream errors in the outage rows; zero elsewhere).
    pub errors_per_request: f64,
    /// Responses that carried the `extensions.stale` marker.
    pub stale_responses: usize,
}

impl Row {
    pub fn line(&self) -> String {
        let upstream = self
            .upstream_per_request
            .iter()
            .map(|(name, calls)| format!("{name} {calls:.1}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "| {:<30} | {:<8} | {:<5} | {:>5} | {:>7.1} | {:>8.1} | {:>8.1} | {:>8.1} | {:>8} | {:<26} | {:>6.2} | {:>5.0} | {:>6.2} | {:>5} |",
            self.scenario,
            if self.batching { "on" } else { "off" },
            self.cache,
            self.requests,
            self.rps,
            self.p50_ms,
            self.p95_ms,
            self.p99_ms,
            self.critical_path_ms
                .map(|ms| format!("{ms:.0}"))
                .unwrap_or_else(|| "-".to_owned()),
            upstream,
            self.cpu_ms_per_request,
            self.peak_rss_mb,
            self.errors_per_request,
            self.stale_responses,
        )
    }
}

const HEADER: &str = "| scenario                       | batching | cache | reqs  |   rps   |  p50 ms  |  p95 ms  |  p99 ms  | crit. ms | upstream calls / request   | cpu ms | RSS MB | errors | stale |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

/// Runs `scenario` as `plan` says against a gateway (batching and caching as it was started).
pub async fn run(
    scenario: &'static Scenario,
    client: &Client,
    gateway: &Gateway,
    upstreams: &Upstreams,
    plan: Plan,
) -> Result<Row, crate::Failure> {
    if plan.warm {
        for (i, member) in scenario.members().into_iter().enumerate() {
            member.iterate(client, i).await?;
        }
    } else {
        gateway.clear_cache();
    }
    upstreams.clear().await?;
    let cpu = cpu_ms();
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let worker = || async {
        let mut seen = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= plan.iterations {
                return Ok::<_, crate::Failure>(seen);
            }
            // Sequential cold runs start every page on an empty cache.
            if !plan.warm && plan.concurrency == 1 {
                gateway.clear_cache();
            }
            let began = Instant::now();
            let outcome = scenario.iterate(client, i).await?;
            seen.push((began.elapsed(), outcome));
        }
    };
    let workers =
        futures::future::try_join_all((0..plan.concurrency.max(1)).map(|_| worker())).await?;
    let elapsed = started.elapsed();
    let cpu = cpu_ms() - cpu;
    let counts = upstreams.counts().await?;
    let seen: Vec<_> = workers.into_iter().flatten().collect();
    let n = seen.len().max(1) as f64;
    let mut latencies: Vec<Duration> = seen.iter().map(|(took, _)| *took).collect();
    latencies.sort();
    let pages: usize = seen.iter().map(|(_, o)| o.pages).sum();
    let errors: usize = seen.iter().map(|(_, o)| o.errors).sum();
    Ok(Row {
        scenario: scenario.name.to_owned(),
        batching: plan.batching,
        cache: if plan.warm { "warm" } else { "cold" },
        requests: seen.len(),
        rps: n / elapsed.as_secs_f64(),
        p50_ms: percentile(&latencies, 50.0),
        p95_ms: percentile(&latencies, 95.0),
        p99_ms: percentile(&latencies, 99.0),
        upstream_per_request: counts
            .into_iter()
            .map(|(name, calls)| (name, calls as f64 / n))
            .collect(),
        critical_path_ms: plan
            .critical_path_ms
            .map(|per_page| per_page as f64 * pages as f64 / n),
        cpu_ms_per_request: cpu / n,
        peak_rss_mb: peak_rss_mb(),
        errors_per_request: errors as f64 / n,
        stale_responses: seen.iter().map(|(_, o)| o.stale).sum(),
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

/// CPU time of this process (gateway and benchmark client; the sandboxes run in a child),
/// user plus system, in milliseconds. `/proc` reports it in USER_HZ ticks, 100 a second.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat; 11 and 12 after the name.
    (ticks(11) + ticks(12)) * 10.0
}

/// This process's peak resident set (`VmHWM`), in megabytes.
pub fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// This process's resident set now (`VmRSS`), in megabytes.
pub fn rss_mb() -> f64 {
    status_mb("VmRSS:")
}

/// A size in `/proc/self/status` (reported in kB), in megabytes.
fn status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Resets this process's peak resident set to what it holds now (Linux's `clear_refs` 5), so
/// that the next [`peak_rss_mb`] is the peak of what runs from here on; `false` if the kernel
/// refused.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Prints the table and the targets, and writes the summary.
pub fn report(rows: &[Row], out: &Path) -> Result<(), crate::Failure> {
    println!("\n{HEADER}");
    for row in rows {
        println!("{}", row.line());
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, serde_json::to_vec_pretty(rows)?)?;
    println!("\nwrote {}", out.display());
    let find = |scenario: &str, batching: bool, cache: &str| {
        rows.iter()
            .find(|r| r.scenario == scenario && r.batching == batching && r.cache == cache)
    };
    let calls = |r: &Row| r.upstream_per_request.values().sum::<f64>();
    let dashboard = "partner dashboard";
    if let (Some(cold), Some(off), Some(warm)) = (
        find(dashboard, true, "cold"),
        find(dashboard, false, "cold"),
        find(dashboard, true, "warm"),
    ) {
        println!("\ntargets (partner dashboard):");
        println!(
            "  cold upstream requests: {:.1} ({}) vs {:.1} with batching and caching off: {:.0}x fewer",
            calls(cold),
            cold.upstream_per_request
                .iter()
                .map(|(k, v)| format!("{k} {v:.1}"))
                .collect::<Vec<_>>()
                .join(", "),
            calls(off),
            calls(off) / calls(cold).max(f64::EPSILON)
        );
        if let Some(bound) = cold.critical_path_ms {
            println!(
                "  cold p50 {:.1} ms vs critical path {bound:.0} ms: {:+.0}%",
                cold.p50_ms,
                (cold.p50_ms / bound - 1.0) * 100.0
            );
        }
        println!(
            "  warm: {:.1} upstream requests, p50 {:.2} ms: {:.0}x faster than cold",
            calls(warm),
            warm.p50_ms,
            cold.p50_ms / warm.p50_ms.max(f64::EPSILON)
        );
    }
    for row in rows.iter().filter(|r| r.scenario.contains("Zuora down")) {
        println!(
            "  {} ({}): p50 {:.1} ms, {:.1} typed errors/request, {} of {} responses marked stale",
            row.scenario,
            row.cache,
            row.p50_ms,
            row.errors_per_request,
            row.stale_responses,
            row.requests
        );
    }
    let rss = rows.iter().map(|r| r.peak_rss_mb).fold(0.0, f64::max);
    println!("  peak RSS (gateway + client): {rss:.0} MB");
    Ok(())
}
