//! Query limits: depth, complexity and aliases, all enforced before execution.

use async_graphql::parser::types::{DocumentOperations, Selection, SelectionSet};
use async_graphql::{Request, SchemaBuilder, ServerError, ServerResult};

/// How big a query may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest selection nesting.
    pub max_depth: usize,
    /// Highest complexity; a connection counts its page size times its selection.
    pub max_complexity: usize,
    /// Most aliased fields in one document.
    pub max_aliases: usize,
}

impl Default for Limits {
    /// A 50-customer dashboard with five nested subscriptions, invoices and cases each costs
    /// about 6,000; the ceiling leaves room for that and refuses pages of pages of pages.
    fn default() -> Self {
        Self {
            max_depth: 15,
            max_complexity: 20_000,
            max_aliases: 50,
        }
    }
}

impl Limits {
    pub(crate) fn apply<Q, M, S>(&self, builder: SchemaBuilder<Q, M, S>) -> SchemaBuilder<Q, M, S> {
        builder
            .limit_depth(self.max_depth)
            .limit_complexity(self.max_complexity)
    }

    /// Parses the request's document (once: execution reuses it) and refuses it when it uses
    /// more aliases than allowed. Returns the name of the operation the document selects, if
    /// it has one, for the request's metrics.
    pub(crate) fn admit(&self, request: &mut Request) -> ServerResult<Option<String>> {
        let wanted = request.operation_name.clone();
        let document = request.parsed_query()?;
        let mut aliases = 0;
        for (_, operation) in document.operations.iter() {
            aliases += count_aliases(&operation.node.selection_set.node);
        }
        for fragment in document.fragments.values() {
            aliases += count_aliases(&fragment.node.selection_set.node);
        }
        if aliases > self.max_aliases {
            let mut error = ServerError::new(
                format!(
                    "the query uses {aliases} aliases; at most {} are allowed",
                    self.max_aliases
                ),
                None,
            );
            error.extensions = Some({
                let mut ext = async_graphql::ErrorExtensionValues::default();
                ext.set("code", "BAD_USER_INPUT");
                ext
            });
            return Err(error);
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

/// Aliases multiply the work of one field without adding depth or (for cheap fields) much
/// complexity, hence their own limit.
fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}
