//! `cargo run --release -p partnergraph-bench [-- --quick]`: what batching and caching save.
//!
//! Starts the Zuora and Salesforce sandboxes in a child process (so that their CPU and memory
//! are not counted as the gateway's) with a latency profile, then a gateway with batching and
//! caching on and one with both off, and runs each scenario cold (cache emptied before every
//! iteration) and warm. Prints a table and writes `target/bench/summary.json`. Then it takes
//! Zuora down (every request fails) and shows what a page still gets.

mod measure;
mod scenarios;

use clap::Parser;
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
    /// Internal: run the sandboxes and print their addresses.
    #[arg(long, hide = true)]
    sandboxes: bool,
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), Failure> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if cli.sandboxes {
        runtime.block_on(sandboxes())
    } else {
        runtime.block_on(bench(cli))
    }
}

/// The child process: both sandboxes on free ports, until the parent closes our stdin.
async fn sandboxes() -> Result<(), Failure> {
    use partnergraph_sandbox::salesforce::{self, Salesforce};
    use partnergraph_sandbox::zuora::Zuora;
    let demo = partnergraph_core::demo::generate(chrono::Utc::now().date_naive());
    let zuora = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let org = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("http://{}", zuora.local_addr()?);
    println!("http://{}", org.local_addr()?);
    let zuora_api = Zuora::new(&demo, Duration::from_secs(3600)).router();
    let org_api = Salesforce::new(&demo, salesforce::Settings::default())?.router();
    tokio::spawn(async move { axum::serve(zuora, zuora_api).await });
    tokio::spawn(async move { axum::serve(org, org_api).await });
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

fn start_sandboxes() -> Result<Sandboxes, Failure> {
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .arg("--sandboxes")
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
    use partnergraph_sandbox::{salesforce, zuora};
    let data = tempfile::tempdir()?;
    let key = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/salesforce/sandbox-connected-app.key");
    let mut config = Config {
        data_dir: data.path().to_path_buf(),
        demo: true,
        billing: BillingConnector::Zuora,
        catalog: CatalogConnector::Zuora,
        crm: CrmConnector::Salesforce,
        zuora: Some(ZuoraSettings {
            base_url: sandboxes.zuora.clone(),
            client_id: zuora::DEFAULT_CLIENT_ID.to_owned(),
            client_secret: Secret(zuora::DEFAULT_CLIENT_SECRET.to_owned()),
            entity_ids: None,
            version: "2025-08-12".to_owned(),
            timeout_secs: 20,
            resilience: Default::default(),
        }),
        salesforce: Some(SalesforceSettings {
            login_url: sandboxes.salesforce.clone(),
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
    };
    config.cache.enabled = optimized;
    config.batching.enabled = optimized;
    // The mixed load runs more concurrent pages than the defaults let through.
    config.limits.max_concurrent_requests = 256;
    adjust(&mut config);
    let gateway = Gateway::start(config).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/graphql", listener.local_addr()?);
    tokio::spawn(gateway.clone().serve(listener, std::future::pending()));
    Ok(Running {
        gateway,
        url,
        _data: data,
    })
}

async fn bench(cli: Cli) -> Result<(), Failure> {
    let sandboxes = start_sandboxes()?;
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
    measure::report(&rows, &cli.out)?;
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
