//! The concrete connectors behind each capability, chosen from the configuration: the one place
//! in the workspace that names them all, so that adding a connector touches this file and the
//! configuration only.

use crate::{Config, ServerError};
use partnergraph_core::traits::Connectors;
use partnergraph_local::LocalStore;
use std::sync::Arc;

/// The connector configured for each capability: the only place that names them all.
///
/// Zuora and Salesforce are guarded ([`partnergraph_upstream`]): a breaker each, and `cache`
/// for both when caching is on.
pub(crate) fn connectors(
    config: &Config,
    store: &LocalStore,
    cache: Option<Arc<partnergraph_upstream::Cache>>,
) -> Result<Connectors, ServerError> {
    use crate::config::{BillingConnector, CatalogConnector, CrmConnector};
    use partnergraph_upstream::{guarded, Upstream};
    let zuora = match (config.billing, config.catalog) {
        (BillingConnector::Local, CatalogConnector::Local) => None,
        _ => {
            let settings = config.zuora.as_ref().ok_or(ServerError::Inconsistent(
                "billing or catalog is \"zuora\" but [zuora] is not configured",
            ))?;
            let client = partnergraph_zuora::ZuoraClient::new(partnergraph_zuora::ZuoraConfig {
                base_url: settings.base_url.clone(),
                client_id: settings.client_id.clone(),
                client_secret: oauth2::ClientSecret::new(settings.client_secret.0.clone()),
                entity_ids: settings.entity_ids.clone(),
                zuora_version: settings.version.clone(),
                timeout: std::time::Duration::from_secs(settings.timeout_secs),
                max_concurrent_requests: settings.resilience.max_concurrent_requests,
            })
            .map_err(|_| ServerError::Inconsistent("zuora.base_url is not a valid URL"))?;
            let upstream = Upstream::new("zuora", &settings.resilience, cache.clone());
            Some((
                Arc::new(partnergraph_zuora::ZuoraBilling::new(client)),
                upstream,
            ))
        }
    };
    let local = Arc::new(store.clone());
    Ok(Connectors {
        directory: local.clone(),
        billing: match (&zuora, config.billing) {
            (Some((z, upstream)), BillingConnector::Zuora) => guarded::billing(z.clone(), upstream),
            _ => local.clone(),
        },
        crm: match config.crm {
            CrmConnector::Local => local.clone(),
            CrmConnector::Salesforce => {
                let (crm, resilience) = salesforce(config)?;
                guarded::crm(crm, &Upstream::new("salesforce", resilience, cache))
            }
        },
        catalog: match (&zuora, config.catalog) {
            (Some((z, upstream)), CatalogConnector::Zuora) => guarded::catalog(z.clone(), upstream),
            _ => local,
        },
    })
}

/// The Salesforce CRM connector `[salesforce]` describes, and how to guard it.
fn salesforce(
    config: &Config,
) -> Result<
    (
        Arc<dyn partnergraph_core::traits::Crm>,
        &partnergraph_upstream::ResilienceConfig,
    ),
    ServerError,
> {
    use partnergraph_salesforce::{Auth, SalesforceClient, SalesforceConfig, SalesforceCrm};
    let settings = config.salesforce.as_ref().ok_or(ServerError::Inconsistent(
        "crm is \"salesforce\" but [salesforce] is not configured",
    ))?;
    let auth = match &settings.auth {
        crate::config::SalesforceAuth::JwtBearer {
            consumer_key,
            username,
            private_key_file,
            audience,
        } => Auth::JwtBearer {
            consumer_key: consumer_key.clone(),
            username: username.clone(),
            private_key_pem: oauth2::ClientSecret::new(
                std::fs::read_to_string(private_key_file).map_err(|_| {
                    ServerError::Inconsistent("salesforce.auth.private_key_file cannot be read")
                })?,
            ),
            audience: audience.clone(),
        },
        crate::config::SalesforceAuth::ClientCredentials {
            client_id,
            client_secret,
        } => Auth::ClientCredentials {
            client_id: client_id.clone(),
            client_secret: oauth2::ClientSecret::new(client_secret.0.clone()),
        },
    };
    let client = SalesforceClient::new(SalesforceConfig {
        login_url: settings.login_url.clone(),
        auth,
        api_version: settings.api_version.clone(),
        timeout: std::time::Duration::from_secs(settings.timeout_secs),
        max_concurrent_requests: settings.resilience.max_concurrent_requests,
    })
    .map_err(|_| {
        ServerError::Inconsistent(
            "salesforce.login_url is not a valid URL or the private key is not an RSA PEM key",
        )
    })?;
    Ok((Arc::new(SalesforceCrm::new(client)), &settings.resilience))
}
