//! Logs, and traces exported over OTLP when configured.

use crate::config::{LogConfig, LogFormat, TracingConfig};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Why telemetry could not start.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The OTLP exporter refused its configuration (a malformed endpoint).
    #[error("the OTLP trace exporter could not be built: {0}")]
    Exporter(String),
    /// `sample_ratio` outside 0–1.
    #[error("tracing.sample_ratio must be between 0 and 1")]
    SampleRatio,
}

/// Keeps the trace exporter running; dropping it sends what is still buffered.
#[must_use = "dropping the guard stops trace export"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans leave the process (OTLP is configured).
    pub fn exporting(&self) -> bool {
        self.provider.is_some()
    }

    /// Sends every finished span now rather than at the next batch: before exiting, and in
    /// tests that read what a collector received.
    pub fn flush(&self) {
        if let Some(provider) = &self.provider {
            if let Err(err) = provider.force_flush() {
                tracing::warn!(error = %err, "trace export failed");
            }
        }
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            // Shutdown flushes; an unreachable collector is no reason to fail the exit.
            drop(provider.shutdown());
        }
    }
}

/// Installs the global tracing subscriber (`RUST_LOG` overrides the configured filter) and, when
/// `tracing.otlp_endpoint` is set, the OTLP exporter and the W3C `traceparent` propagator.
pub fn init(log: &LogConfig, tracing: &TracingConfig) -> Result<Telemetry, TelemetryError> {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&log.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt = match log.format {
        LogFormat::Json => fmt.json().with_filter(filter).boxed(),
        LogFormat::Text => fmt.with_filter(filter).boxed(),
    };
    let provider = tracing
        .otlp_endpoint
        .as_deref()
        .map(|endpoint| provider(endpoint, tracing))
        .transpose()?;
    // The log filter applies to log lines only: spans are exported at every level the
    // instrumentation emits, whatever the console shows.
    let otel = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("partnergraph"))
            .with_filter(tracing_subscriber::filter::LevelFilter::INFO)
    });
    if provider.is_some() {
        opentelemetry::global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
    }
    // A subscriber already installed (tests, embedding) is fine.
    drop(
        tracing_subscriber::registry()
            .with(fmt)
            .with(otel)
            .try_init(),
    );
    Ok(Telemetry { provider })
}

fn provider(endpoint: &str, config: &TracingConfig) -> Result<SdkTracerProvider, TelemetryError> {
    if !(0.0..=1.0).contains(&config.sample_ratio) {
        return Err(TelemetryError::SampleRatio);
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint)
        .build()
        .map_err(|err| TelemetryError::Exporter(err.to_string()))?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            config.sample_ratio,
        ))))
        .with_resource(
            Resource::builder()
                .with_service_name(config.service_name.clone())
                .build(),
        )
        .build())
}
