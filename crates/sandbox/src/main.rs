//! `partnergraph-sandbox --zuora ADDR`: runs the local Zuora for demos and benchmarks.

use clap::Parser;
use partnergraph_sandbox::zuora::{Zuora, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use std::net::SocketAddr;
use std::time::Duration;

/// Local stand-ins for partnergraph's upstreams.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Serve the Zuora sandbox on this address.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8090")]
    zuora: SocketAddr,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let cli = Cli::parse();
    let demo = partnergraph_core::demo::generate(chrono::Utc::now().date_naive());
    let zuora = Zuora::new(&demo, Duration::from_secs(3600));
    let listener = tokio::net::TcpListener::bind(cli.zuora).await?;
    println!(
        "Zuora sandbox on http://{}  (client id {DEFAULT_CLIENT_ID}, secret {DEFAULT_CLIENT_SECRET})",
        listener.local_addr()?
    );
    axum::serve(listener, zuora.router()).await
}
