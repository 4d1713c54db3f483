//! The `partnergraph` command: serve the gateway, run migrations, print the schema, mint tokens.

use clap::{Parser, Subcommand};
use partnergraph_server::{telemetry, Config, Gateway, ServerError};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// partnergraph: one GraphQL API over billing, CRM and the portal's own store.
#[derive(Parser)]
#[command(name = "partnergraph", version, about)]
struct Cli {
    /// A TOML configuration file (environment variables `PARTNERGRAPH__…` override it).
    #[arg(long, global = true, env = "PARTNERGRAPH_CONFIG")]
    config: Option<PathBuf>,
    /// The data directory (SQLite store, signing key); overrides the configuration.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// What to do; without a command, serves the demo on the embedded store.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway (runs pending migrations first).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Seed the demo dataset into an empty store and print a token per demo persona.
        #[arg(long)]
        demo: bool,
    },
    /// Run pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Print the JSON schema of the configuration file.
    ConfigSchema,
    /// Print a bearer token for a user.
    Token {
        /// The user's email.
        #[arg(long)]
        email: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("partnergraph: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), ServerError> {
    let command = cli.command.unwrap_or(Command::Serve {
        listen: None,
        demo: true,
    });
    match command {
        Command::Schema => {
            print!("{}", partnergraph_server::schema_sdl());
            return Ok(());
        }
        Command::ConfigSchema => {
            println!("{}", partnergraph_server::config::json_schema());
            return Ok(());
        }
        _ => {}
    }
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(dir) = cli.data_dir {
        config.data_dir = dir;
    }
    // Held to the end of the command, so spans still buffered are sent before exiting.
    let _telemetry = telemetry::init(&config.log, &config.tracing)?;
    match command {
        Command::Serve { listen, demo } => {
            if let Some(listen) = listen {
                config.listen = listen;
            }
            config.demo |= demo;
            serve(config).await
        }
        Command::Migrate => {
            Gateway::builder(config).open().await?.migrate().await?;
            eprintln!("migrations are up to date");
            Ok(())
        }
        Command::Token { email } => {
            println!(
                "{}",
                Gateway::builder(config)
                    .open()
                    .await?
                    .issue_token(&email)
                    .await?
            );
            Ok(())
        }
        Command::Schema | Command::ConfigSchema => Ok(()),
    }
}

async fn serve(config: Config) -> Result<(), ServerError> {
    let started = Instant::now();
    let demo = config.demo;
    let gateway = Gateway::builder(config.clone()).start().await?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, elapsed_ms = started.elapsed().as_millis() as u64, "partnergraph is ready");
    println!(
        "partnergraph listening on http://{addr}  (GraphiQL: http://{addr}/graphiql, portal: http://{addr}/portal/)"
    );
    if demo {
        let password = partnergraph_demo::PERSONA_PASSWORD;
        println!(
            "\nDemo personas — open a link to explore as that user, or sign in to the portal with the email and password {password:?}:"
        );
        for email in partnergraph_demo::PERSONAS {
            gateway.give_password(email, password).await?;
            let token = gateway.issue_token(email).await?;
            println!("  {email:<24} GraphiQL http://{addr}/graphiql#token={token}");
            println!("  {:<24} portal   http://{addr}/portal/#token={token}", "");
        }
        println!();
    }
    gateway.serve(listener, shutdown_signal()).await?;
    tracing::info!("partnergraph stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM, so orchestrators can drain the gateway gracefully.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: draining in-flight requests");
}
