//! `partnergraph-sandbox [--zuora ADDR] [--salesforce ADDR]`: runs the local upstreams for demos
//! and benchmarks. Without flags it runs both on their default addresses.

use clap::Parser;
use partnergraph_sandbox::salesforce::{self, Salesforce};
use partnergraph_sandbox::zuora::{Zuora, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use std::net::SocketAddr;
use std::time::Duration;

/// Local stand-ins for partnergraph's upstreams.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Serve the Zuora sandbox on this address (default 127.0.0.1:8090 when no flag is given).
    #[arg(long, value_name = "ADDR")]
    zuora: Option<SocketAddr>,
    /// Serve the Salesforce sandbox on this address (default 127.0.0.1:8091 when no flag is
    /// given).
    #[arg(long, value_name = "ADDR")]
    salesforce: Option<SocketAddr>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let mut cli = Cli::parse();
    if cli.zuora.is_none() && cli.salesforce.is_none() {
        cli.zuora = Some(SocketAddr::from(([127, 0, 0, 1], 8090)));
        cli.salesforce = Some(SocketAddr::from(([127, 0, 0, 1], 8091)));
    }
    let demo = partnergraph_demo::generate(chrono::Utc::now().date_naive());
    let mut servers = tokio::task::JoinSet::new();
    if let Some(addr) = cli.zuora {
        let zuora = Zuora::new(&demo, Duration::from_secs(3600));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        println!(
            "Zuora sandbox on http://{}  (client id {DEFAULT_CLIENT_ID}, secret {DEFAULT_CLIENT_SECRET})",
            listener.local_addr()?
        );
        servers.spawn(async move { axum::serve(listener, zuora.router()).await });
    }
    if let Some(addr) = cli.salesforce {
        let org = Salesforce::new(&demo, salesforce::Settings::default())?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        println!(
            "Salesforce sandbox on http://{}  (consumer key {}, user {}; JWT key examples/salesforce/sandbox-connected-app.key)",
            listener.local_addr()?,
            salesforce::DEFAULT_CONSUMER_KEY,
            salesforce::DEFAULT_USERNAME,
        );
        servers.spawn(async move { axum::serve(listener, org.router()).await });
    }
    while let Some(done) = servers.join_next().await {
        done??;
    }
    Ok(())
}
