//! Query limits: depth, complexity, aliases and fields, all enforced before execution; and the
//! fair share of the store one request and one caller may take while executing.

use async_graphql::parser::types::{DocumentOperations, Selection, SelectionSet};
use async_graphql::{Request, SchemaBuilder, ServerError, ServerResult};
use partnergraph_core::ids::UserId;
use partnergraph_core::ErrorCode;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// How big a query may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest selection nesting.
    pub max_depth: usize,
    /// Highest complexity; a connection counts its page size times its selection, and a root
    /// list also the scoped statement (and count) it runs.
    pub max_complexity: usize,
    /// Most aliased fields in one document.
    pub max_aliases: usize,
    /// Longest document, in bytes, checked before anything parses it: parsing takes time in
    /// proportion to length (a 350 KB document costs tens of milliseconds even when it is one
    /// comment), and no page a person writes comes near the default.
    pub max_document_bytes: usize,
    /// Most field selections in one document, counted before validation, whose checks of
    /// same-named fields grow with the square of their number.
    pub max_fields: usize,
    /// Store statements one request runs at once (its batches and root lists); the rest wait
    /// for them. Upstream batches hold no store connection and are not counted.
    pub max_loads_per_request: usize,
    /// Requests one user may have executing at once; more are refused as RATE_LIMITED.
    pub max_requests_per_principal: usize,
}

impl Default for Limits {
    /// A 50-customer dashboard with five nested subscriptions, invoices and cases each costs
    /// about 7,000; the ceiling leaves room for that and refuses pages of pages of pages, and
    /// more than about twenty root lists in one document. The dashboard selects about 60
    /// fields; 1,500 leave room for large hand-written documents and refuse a field repeated
    /// 10,000 times (4-6 s of validation) at once. Four statements at a time leave half of a
    /// SQLite store's eight connections to other requests.
    fn default() -> Self {
        Self {
            max_depth: 15,
            max_complexity: 20_000,
            max_aliases: 50,
            max_document_bytes: 64 * 1024,
            max_fields: 1_500,
            max_loads_per_request: 4,
            max_requests_per_principal: 8,
        }
    }
}

impl Limits {
    pub(crate) fn apply<Q, M, S>(&self, builder: SchemaBuilder<Q, M, S>) -> SchemaBuilder<Q, M, S> {
        builder
            .limit_depth(self.max_depth)
            .limit_complexity(self.max_complexity)
    }

    /// Refuses a document longer than `max_document_bytes`; call it before the document is
    /// parsed, which is what it saves.
    pub(crate) fn check_length(&self, query: &str) -> ServerResult<()> {
        if query.len() > self.max_document_bytes {
            return Err(refusal(
                ErrorCode::BadUserInput,
                format!(
                    "the query is {} bytes long; at most {} are allowed (limits.max_document_bytes)",
                    query.len(),
                    self.max_document_bytes
                ),
            ));
        }
        Ok(())
    }

    /// Parses the request's document (once: execution reuses it) and refuses it when it uses
    /// more aliases than allowed. Returns the name of the operation the document selects, if
    /// it has one, for the request's metrics.
    pub(crate) fn admit(&self, request: &mut Request) -> ServerResult<Option<String>> {
        let wanted = request.operation_name.clone();
        self.check_length(&request.query)?;
        let document = request.parsed_query()?;
        let sets = document
            .operations
            .iter()
            .map(|(_, operation)| &operation.node.selection_set.node)
            .chain(
                document
                    .fragments
                    .values()
                    .map(|fragment| &fragment.node.selection_set.node),
            );
        let mut count = Count::default();
        for set in sets {
            count.add(set);
        }
        // (found, allowed, what the query does, the setting to name, if any)
        let checks = [
            (count.aliases, self.max_aliases, "uses", "aliases", ""),
            (
                count.fields,
                self.max_fields,
                "selects",
                "fields",
                " (limits.max_fields)",
            ),
        ];
        for (found, allowed, verb, what, setting) in checks {
            if found > allowed {
                return Err(refusal(
                    ErrorCode::BadUserInput,
                    format!(
                        "the query {verb} {found} {what}; at most {allowed} are allowed{setting}"
                    ),
                ));
            }
        }
        Ok(match (&document.operations, wanted) {
            (DocumentOperations::Multiple(named), Some(wanted)) => {
                named.contains_key(wanted.as_str()).then_some(wanted)
            }
            (DocumentOperations::Multiple(named), None) if named.len() == 1 => {
                named.keys().next().map(ToString::to_string)
            }
            _ => None,
        })
    }
}

/// A request refused by a limit before execution, with its `extensions.code`.
fn refusal(code: ErrorCode, message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
    error
}

/// The fields and aliases of a document's selection sets. Aliases multiply the work of one
/// field without adding depth or (for cheap fields) much complexity, hence their own limit;
/// fields, aliased or not, cost validation time before complexity is even computed.
#[derive(Default)]
struct Count {
    fields: usize,
    aliases: usize,
}

impl Count {
    fn add(&mut self, set: &SelectionSet) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    self.fields += 1;
                    self.aliases += usize::from(field.node.alias.is_some());
                    self.add(&field.node.selection_set.node);
                }
                Selection::InlineFragment(fragment) => self.add(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
}

/// The requests each user has executing, against [`Limits::max_requests_per_principal`].
#[derive(Default)]
pub(crate) struct InFlight(Arc<Mutex<HashMap<UserId, usize>>>);

/// One admitted request of a user; the user's count drops when it ends, however it ends.
pub(crate) struct Slot {
    user: UserId,
    counts: Arc<Mutex<HashMap<UserId, usize>>>,
}

/// How long a caller turned away by [`InFlight::admit`] is told to wait, in seconds: about
/// the time a large page takes, after which one of its requests has likely finished.
const RETRY_AFTER_SECS: u64 = 1;

impl InFlight {
    /// Counts a request of `user`, or refuses it as RATE_LIMITED (with
    /// `extensions.retryAfter`, for the HTTP layer's `Retry-After`) when the user already has
    /// `max` executing.
    pub(crate) fn admit(&self, user: &UserId, max: usize) -> ServerResult<Slot> {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(user.clone()).or_default();
        if *count >= max {
            let mut error = refusal(
                ErrorCode::RateLimited,
                format!(
                    "too many requests at once: at most {max} per user may execute together; \
                     retry after {RETRY_AFTER_SECS} s"
                ),
            );
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("retryAfter", RETRY_AFTER_SECS);
            return Err(error);
        }
        *count += 1;
        Ok(Slot {
            user: user.clone(),
            counts: self.0.clone(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.user);
            }
        }
    }
}
