//! `cargo run --release -p partnergraph-bench [-- --quick]`: what batching and caching save.
//!
//! Starts the Zuora and Salesforce sandboxes in a child process (so that their CPU and memory
//! are not counted as the gateway's) with a latency profile, then a gateway with batching and
//! caching on and one with both off, and runs each scenario cold (cache emptied before every
//! iteration) and warm. Prints a table and writes `target/bench/summary.json`. Then it takes
//! Zuora down (every request fails) and shows what a page still gets. Last, over a load-test
//! world sized to overfill it, it fills a gateway's read cache to capacity and runs the mixed
//! load against the full cache.

mod measure;
mod scenarios;
mod throughput;

use clap::Parser;
use futures::{StreamExt, TryStreamExt};
use measure::{Row, Upstreams};
use partnergraph_server::config::{
    BillingConnector, CatalogConnector, CrmConnector, SalesforceAuth, SalesforceSettings, Secret,
    ZuoraSettings,
};
use partnergraph_server::{Config, Gateway};
use serde_json::json;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

/// Benchmark of the gateway over latency-profiled sandboxes.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Run every scenario briefly (a smoke test, under a minute in all).
    #[arg(long)]
    quick: bool,
    /// Latency the Zuora sandbox adds to every request, in milliseconds.
    #[arg(long, default_value_t = 120)]
    zuora_latency_ms: u64,
    /// Latency the Salesforce sandbox adds to every request, in milliseconds.
    #[arg(long, default_value_t = 90)]
    salesforce_latency_ms: u64,
    /// Concurrent clients of the mixed portal load.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Where the summary goes.
    #[arg(long, default_value = "target/bench/summary.json")]
    out: PathBuf,
    /// Read cache capacity of the at-capacity phase, in megabytes [default: the gateway's
    /// default, 64; 8 with --quick]. The load-test world is sized to overfill it.
    #[arg(long)]
    cache_mb: Option<u64>,
    /// Run only the throughput table (the gateway binary in its own process under `wrk`).
    #[arg(long)]
    throughput: bool,
    /// The gateway binary of the throughput table [default: `partnergraph` beside this one].
    #[arg(long)]
    gateway: Option<PathBuf>,
    /// Internal: run the sandboxes and print their addresses.
    #[arg(long, hide = true)]
    sandboxes: bool,
    /// Internal: customers of the load-test channel the sandboxes hold.
    #[arg(long, hide = true, default_value_t = 0)]
    load_customers: usize,
    /// Internal: the data directory whose store the sandboxes' process seeds with their world,
    /// for the at-capacity gateway.
    #[arg(long, hide = true)]
    seed_store: Option<PathBuf>,
}

/// The at-capacity phase's cache capacity with `--quick`, in megabytes: small enough that the
/// fill takes seconds, large enough to hold the main table's pages many times over.
const QUICK_CACHE_MB: u64 = 8;

/// What one load-test customer's records weigh in the read cache after a [`scenarios::FILL`]
/// walk, in bytes as the cache weighs entries (decoded size and the cost of each entry):
/// measured, and measured again by every run, which prints its figure next to this one.
const CACHED_BYTES_PER_CUSTOMER: u64 = 6550;

/// How much more than the cache holds the load-test world brings: the walk goes on well past a
/// full cache, so that it surely evicts.
const FILL_MARGIN: f64 = 1.3;

/// Walks of the fill that run at once: one per core of the 2-core machine the table comes from.
/// Every page of the load-test distributor costs the gateway's CPU for its whole world.
const FILL_WALKERS: usize = 2;

/// Customers of a load-test world whose records overfill a `cache_mb` cache by [`FILL_MARGIN`].
fn load_customers(cache_mb: u64) -> usize {
    (cache_mb as f64 * 1024.0 * 1024.0 * FILL_MARGIN / CACHED_BYTES_PER_CUSTOMER as f64).ceil()
        as usize
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), Failure> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if cli.sandboxes {
        runtime.block_on(sandboxes(cli.load_customers, cli.seed_store))
    } else {
        runtime.block_on(bench(cli))
    }
}

/// The child process: both sandboxes on free ports, holding the demo world with a load-test
/// channel of `load_customers`, until the parent closes our stdin. With `seed_store`, it first
/// seeds the at-capacity gateway's store there with the same world: here, so that the
/// benchmark process, whose memory the table reports, never holds that world itself. (The
/// other gateways seed the demo world alone, the world's first part.)
async fn sandboxes(load_customers: usize, seed_store: Option<PathBuf>) -> Result<(), Failure> {
    use partnergraph_sandbox::salesforce::{self, Salesforce};
    use partnergraph_sandbox::zuora::Zuora;
    let demo =
        partnergraph_demo::generate_with_load(chrono::Utc::now().date_naive(), load_customers);
    let zuora = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let org = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let urls = [
        format!("http://{}", zuora.local_addr()?),
        format!("http://{}", org.local_addr()?),
    ];
    let zuora_api = Zuora::new(&demo, Duration::from_secs(3600)).router();
    let org_api = Salesforce::new(&demo, salesforce::Settings::default())?.router();
    tokio::spawn(async move { axum::serve(zuora, zuora_api).await });
    tokio::spawn(async move { axum::serve(org, org_api).await });
    if let Some(dir) = seed_store {
        Gateway::builder(gateway_config(&dir, &urls[0], &urls[1]))
            .demo(demo)
            .start()
            .await?;
    }
    // The parent starts once it reads the addresses: the store is seeded by then.
    for url in urls {
        println!("{url}");
    }
    // The parent holds our stdin; when it ends, so do we.
    tokio::task::spawn_blocking(|| std::io::stdin().lock().lines().count()).await?;
    Ok(())
}

/// The sandboxes' child process and addresses.
struct Sandboxes {
    _child: std::process::Child,
    zuora: String,
    salesforce: String,
}

/// Starts the sandboxes' child with a load-test channel of `load_customers`, seeding the store in
/// `seed_store` with the same world.
fn start_sandboxes(
    load_customers: usize,
    seed_store: &std::path::Path,
) -> Result<Sandboxes, Failure> {
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .arg("--sandboxes")
        .arg(format!("--load-customers={load_customers}"))
        .arg("--seed-store")
        .arg(seed_store)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = std::io::BufReader::new(stdout).lines();
    let zuora = lines.next().ok_or("the sandboxes did not start")??;
    let salesforce = lines.next().ok_or("the sandboxes did not start")??;
    Ok(Sandboxes {
        _child: child,
        zuora,
        salesforce,
    })
}

/// A gateway over the sandboxes, serving on a free port.
struct Running {
    gateway: Gateway,
    url: String,
    _data: tempfile::TempDir,
}

async fn start_gateway(
    sandboxes: &Sandboxes,
    optimized: bool,
    adjust: impl FnOnce(&mut Config),
) -> Result<Running, Failure> {
    start_gateway_in(tempfile::tempdir()?, sandboxes, optimized, adjust).await
}

/// [`start_gateway`] on the store in `data` (the demo world is seeded only if it is empty).
async fn start_gateway_in(
    data: tempfile::TempDir,
    sandboxes: &Sandboxes,
    optimized: bool,
    adjust: impl FnOnce(&mut Config),
) -> Result<Running, Failure> {
    let mut config = gateway_config(data.path(), &sandboxes.zuora, &sandboxes.salesforce);
    config.cache.enabled = optimized;
    config.batching.enabled = optimized;
    // The mixed load runs more concurrent pages than the defaults let through.
    config.limits.max_concurrent_requests = 256;
    adjust(&mut config);
    let gateway = Gateway::builder(config).start().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/graphql", listener.local_addr()?);
    tokio::spawn(gateway.clone().serve(listener, std::future::pending()));
    Ok(Running {
        gateway,
        url,
        _data: data,
    })
}

/// A gateway's configuration: its store in `data_dir`, the demo world, billing and the catalog
/// on the Zuora sandbox at `zuora_url`, the CRM on the Salesforce sandbox at `salesforce_url`.
fn gateway_config(data_dir: &std::path::Path, zuora_url: &str, salesforce_url: &str) -> Config {
    use partnergraph_sandbox::{salesforce, zuora};
    let key = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/salesforce/sandbox-connected-app.key");
    Config {
        data_dir: data_dir.to_path_buf(),
        demo: true,
        billing: BillingConnector::Zuora,
        catalog: CatalogConnector::Zuora,
        crm: CrmConnector::Salesforce,
        zuora: Some(ZuoraSettings {
            base_url: zuora_url.to_owned(),
            client_id: zuora::DEFAULT_CLIENT_ID.to_owned(),
            client_secret: Secret(zuora::DEFAULT_CLIENT_SECRET.to_owned()),
            entity_ids: None,
            version: "2025-08-12".to_owned(),
            timeout_secs: 20,
            resilience: Default::default(),
        }),
        salesforce: Some(SalesforceSettings {
            login_url: salesforce_url.to_owned(),
            api_version: "62.0".to_owned(),
            timeout_secs: 20,
            auth: SalesforceAuth::JwtBearer {
                consumer_key: salesforce::DEFAULT_CONSUMER_KEY.to_owned(),
                username: salesforce::DEFAULT_USERNAME.to_owned(),
                private_key_file: key,
                audience: "https://login.salesforce.com".to_owned(),
            },
            resilience: Default::default(),
        }),
        ..Config::default()
    }
}

async fn bench(cli: Cli) -> Result<(), Failure> {
    let cache_mb = cli.cache_mb.unwrap_or(if cli.quick {
        QUICK_CACHE_MB
    } else {
        partnergraph_upstream::CacheConfig::default().max_size_mb
    });
    let started = std::time::Instant::now();
    let capacity_store = tempfile::tempdir()?;
    let sandboxes = start_sandboxes(load_customers(cache_mb), capacity_store.path())?;
    let setup = started.elapsed();
    let upstreams = Upstreams::new(&sandboxes.zuora, &sandboxes.salesforce);
    upstreams
        .faults(
            json!({ "latencyMs": cli.zuora_latency_ms }),
            json!({ "latencyMs": cli.salesforce_latency_ms }),
        )
        .await?;
    let latency = scenarios::Latency {
        zuora: cli.zuora_latency_ms,
        salesforce: cli.salesforce_latency_ms,
    };
    if cli.throughput {
        return warm_throughput(&sandboxes, &upstreams, &cli).await;
    }
    let iterations = if cli.quick { 3 } else { 20 };
    let mut rows: Vec<Row> = Vec::new();
    for optimized in [true, false] {
        let running = start_gateway(&sandboxes, optimized, |_| {}).await?;
        let client = scenarios::Client::new(&running.url, &running.gateway).await?;
        // The first page of a gateway also fetches tokens and the catalog snapshot.
        scenarios::DASHBOARD.iterate(&client, 0).await?;
        for scenario in scenarios::ALL {
            for warm in [false, true] {
                let n = if scenario.name == "mixed" {
                    iterations * cli.concurrency
                } else {
                    iterations
                };
                let row = measure::run(
                    scenario,
                    &client,
                    &running.gateway,
                    &upstreams,
                    measure::Plan {
                        batching: optimized,
                        warm,
                        iterations: n,
                        concurrency: if scenario.name == "mixed" {
                            cli.concurrency
                        } else {
                            1
                        },
                        critical_path_ms: scenario.critical_path_ms(&latency),
                    },
                )
                .await?;
                println!("{}", row.line());
                rows.push(row);
            }
        }
    }
    rows.extend(zuora_down(&sandboxes, &upstreams, &cli, iterations).await?);
    upstreams
        .faults(
            json!({ "latencyMs": cli.zuora_latency_ms }),
            json!({ "latencyMs": cli.salesforce_latency_ms }),
        )
        .await?;
    let capacity = Capacity {
        cache_mb,
        store: capacity_store,
        setup,
    };
    let (row, fill) = at_capacity(&sandboxes, &upstreams, &cli, iterations, capacity).await?;
    rows.push(row);
    measure::report(&rows, &cli.out)?;
    fill.report();
    warm_throughput(&sandboxes, &upstreams, &cli).await
}

/// The throughput table: printed, and written beside the summary as `throughput.json`.
async fn warm_throughput(
    sandboxes: &Sandboxes,
    upstreams: &Upstreams,
    cli: &Cli,
) -> Result<(), Failure> {
    println!(
        "
warm throughput (the gateway binary in its own process, wrk -t1 in another):
{}",
        throughput::HEADER
    );
    let rows = throughput::run(sandboxes, upstreams, cli.quick, cli.gateway.as_deref()).await?;
    let out = cli.out.with_file_name("throughput.json");
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, serde_json::to_vec_pretty(&rows)?)?;
    println!("\nwrote {}", out.display());
    Ok(())
}

/// Zuora failing every request: a warm page (entries past their freshness) renders from stale
/// entries with the marker; a cold billing page, once the circuit is open, returns the
/// directory's fields and typed errors for Zuora's.
async fn zuora_down(
    sandboxes: &Sandboxes,
    upstreams: &Upstreams,
    cli: &Cli,
    iterations: usize,
) -> Result<Vec<Row>, Failure> {
    let running = start_gateway(sandboxes, true, |config| {
        let ttl = &mut config.cache.ttl_secs;
        ttl.accounts = 1;
        ttl.subscriptions = 1;
        ttl.invoices = 1;
        ttl.payments = 1;
        ttl.payment_methods = 1;
        ttl.offers = 1;
    })
    .await?;
    let client = scenarios::Client::new(&running.url, &running.gateway).await?;
    scenarios::DASHBOARD.iterate(&client, 0).await?;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    upstreams
        .faults(
            json!({ "latencyMs": cli.zuora_latency_ms, "errorPercent": 100, "status": 503 }),
            json!({ "latencyMs": cli.salesforce_latency_ms }),
        )
        .await?;
    let mut rows = Vec::new();
    let plan = |warm| measure::Plan {
        batching: true,
        warm,
        iterations,
        concurrency: 1,
        critical_path_ms: None,
    };
    let stale = measure::run(
        &scenarios::DASHBOARD_ZUORA_DOWN,
        &client,
        &running.gateway,
        upstreams,
        measure::Plan {
            warm: true,
            ..plan(true)
        },
    )
    .await?;
    println!("{}", stale.line());
    rows.push(stale);
    // Trip the breaker with one cold page, then measure cold pages against the open circuit.
    running.gateway.clear_cache();
    scenarios::BILLING_ZUORA_DOWN.iterate(&client, 0).await?;
    let cold = measure::run(
        &scenarios::BILLING_ZUORA_DOWN,
        &client,
        &running.gateway,
        upstreams,
        plan(false),
    )
    .await?;
    println!("{}", cold.line());
    rows.push(cold);
    Ok(rows)
}

/// The at-capacity phase's setting.
struct Capacity {
    /// The cache's capacity, in megabytes.
    cache_mb: u64,
    /// The store the sandboxes' process seeded with the load-test world.
    store: tempfile::TempDir,
    /// How long starting the sandboxes and seeding the store took.
    setup: Duration,
}

/// How the at-capacity phase filled its cache.
struct Fill {
    /// The cache's capacity, in bytes.
    capacity: u64,
    /// Customers of the load-test world.
    customers: usize,
    /// Bytes cached when the walk first found the cache full, and customers walked by then.
    full_at: (u64, usize),
    /// Bytes cached after the walk (all of `customers`) and after the mixed load.
    after_walk: u64,
    after_load: u64,
    setup: Duration,
    walk: Duration,
    /// This process's resident set when the phase started and after the walk, and its peak by
    /// then, in MB.
    rss_mb_at_start: f64,
    rss_mb_after_walk: f64,
    peak_rss_mb_after_walk: f64,
    /// The peak during the mixed load (its row's RSS), in MB.
    peak_rss_mb_load: f64,
    /// Whether the peak was reset before the mixed load, so that its row's RSS is the load's own.
    peak_reset: bool,
}

/// A cache counts as full from this share of its capacity on: entries weigh a few kilobytes,
/// and moka evicts until a newcomer fits.
const FULL: f64 = 0.99;

/// The mixed load against a full cache: a gateway with batching and caching on, its cache
/// `cache_mb` large, over the load-test world, walks every load-test customer (upstream latency
/// off: the walk prepares, it is not measured) and so fills the cache and evicts from it; then,
/// with the latency profile back, the mixed load runs and its renewals pages keep evicting.
async fn at_capacity(
    sandboxes: &Sandboxes,
    upstreams: &Upstreams,
    cli: &Cli,
    iterations: usize,
    setting: Capacity,
) -> Result<(Row, Fill), Failure> {
    let customers = load_customers(setting.cache_mb);
    let capacity = setting.cache_mb * 1024 * 1024;
    let rss_mb_at_start = measure::rss_mb();
    let running = start_gateway_in(setting.store, sandboxes, true, |config| {
        config.cache.max_size_mb = setting.cache_mb
    })
    .await?;
    let gateway = &running.gateway;
    let mut client =
        scenarios::Client::with_personas(&running.url, gateway, &[&scenarios::FILL]).await?;
    let partners = client.read_load_partners().await?;
    upstreams
        .faults(json!({ "latencyMs": 0 }), json!({ "latencyMs": 0 }))
        .await?;
    let started = std::time::Instant::now();
    // (customers walked, when the cache was first full)
    let progress = std::sync::Mutex::new((0, None));
    let client = &client;
    let progress_ref = &progress;
    futures::stream::iter(0..partners)
        .map(|partner| {
            scenarios::FILL.walk(client, partner, move |page| {
                let size = gateway.cache_size_bytes().unwrap_or(0);
                let mut progress = progress_ref
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                progress.0 += page;
                if progress.1.is_none() && size as f64 >= capacity as f64 * FULL {
                    progress.1 = Some((size, progress.0));
                }
            })
        })
        .buffer_unordered(FILL_WALKERS)
        .try_collect::<Vec<_>>()
        .await?;
    let walk = started.elapsed();
    let (walked, full_at) = progress
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let after_walk = gateway.cache_size_bytes().unwrap_or(0);
    // Not full, or full only at the very end of the walk, is no proof of eviction: say so
    // rather than report a cache at capacity that is not.
    let full_at = full_at.ok_or_else(|| {
        format!(
            "the walk of {walked} customers filled {after_walk} of {capacity} cache bytes: \
             lower CACHED_BYTES_PER_CUSTOMER or raise FILL_MARGIN"
        )
    })?;
    if (walked - full_at.1) * 10 < full_at.1 {
        return Err(format!(
            "the cache was full only after {} of {walked} customers: too little left to evict",
            full_at.1
        )
        .into());
    }
    upstreams
        .faults(
            json!({ "latencyMs": cli.zuora_latency_ms }),
            json!({ "latencyMs": cli.salesforce_latency_ms }),
        )
        .await?;
    let rss_mb_after_walk = measure::rss_mb();
    let peak_rss_mb_after_walk = measure::peak_rss_mb();
    let peak_reset = measure::reset_peak_rss();
    let mut row = measure::run(
        &scenarios::MIXED_AT_CAPACITY,
        client,
        gateway,
        upstreams,
        measure::Plan {
            batching: true,
            warm: true,
            iterations: iterations * cli.concurrency,
            concurrency: cli.concurrency,
            critical_path_ms: None,
        },
    )
    .await?;
    // Primed like a warm run, and full.
    row.cache = "full";
    println!("{}", row.line());
    let fill = Fill {
        capacity,
        customers,
        full_at,
        after_walk,
        after_load: gateway.cache_size_bytes().unwrap_or(0),
        setup: setting.setup,
        walk,
        rss_mb_at_start,
        rss_mb_after_walk,
        peak_rss_mb_after_walk,
        peak_rss_mb_load: row.peak_rss_mb,
        peak_reset,
    };
    Ok((row, fill))
}

impl Fill {
    /// Prints how full the cache got, and the memory it took.
    fn report(&self) {
        let mb = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        let share = |bytes: u64| bytes as f64 * 100.0 / self.capacity as f64;
        let (full, by) = self.full_at;
        let per_customer = full / by.max(1) as u64;
        let read = per_customer * self.customers as u64;
        println!(
            "\ncache at capacity ({} load-test customers; sandboxes and store seeded in {:.1} s, walked in {:.1} s):",
            self.customers,
            self.setup.as_secs_f64(),
            self.walk.as_secs_f64()
        );
        println!(
            "  full ({:.1} of {:.1} MB) after {by} customers: {per_customer} bytes each (sized for {CACHED_BYTES_PER_CUSTOMER})",
            mb(full),
            mb(self.capacity)
        );
        println!(
            "  after the walk: {:.1} MB ({:.1}%) of ≈ {:.1} MB read, ≈ {:.1} MB evicted; after the mixed load: {:.1} MB ({:.1}%)",
            mb(self.after_walk),
            share(self.after_walk),
            mb(read),
            mb(read.saturating_sub(self.after_walk)),
            mb(self.after_load),
            share(self.after_load)
        );
        println!(
            "  RSS: {:.0} MB at the start, {:.0} MB after the walk (peak {:.0} MB); mixed load at capacity: peak {:.0} MB{}",
            self.rss_mb_at_start,
            self.rss_mb_after_walk,
            self.peak_rss_mb_after_walk,
            self.peak_rss_mb_load,
            if self.peak_reset {
                " (its own: the peak was reset before it)"
            } else {
                " (the process's: the peak could not be reset)"
            }
        );
    }
}
