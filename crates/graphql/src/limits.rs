//! Query limits: depth, complexity and aliases, all enforced before execution.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{SchemaBuilder, ServerError, ServerResult, Variables};
use std::sync::Arc;

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
            .extension(AliasLimit(self.max_aliases))
    }
}

/// Refuses documents with more aliases than allowed: aliases multiply the work of one field
/// without adding depth or (for cheap fields) much complexity.
struct AliasLimit(usize);

impl ExtensionFactory for AliasLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AliasLimitExtension(self.0))
    }
}

struct AliasLimitExtension(usize);

#[async_trait::async_trait]
impl Extension for AliasLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let mut aliases = 0;
        for (_, operation) in document.operations.iter() {
            aliases += count_aliases(&operation.node.selection_set.node);
        }
        for fragment in document.fragments.values() {
            aliases += count_aliases(&fragment.node.selection_set.node);
        }
        if aliases > self.0 {
            let mut error = ServerError::new(
                format!(
                    "the query uses {aliases} aliases; at most {} are allowed",
                    self.0
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
        Ok(document)
    }
}

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
