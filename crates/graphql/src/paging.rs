//! Relay connections over core's offset pages.

use async_graphql::connection::{CursorType, Edge, EmptyFields, PageInfo};
use async_graphql::{Object, OutputType, TypeName};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use partnergraph_core::paging::{Page, PageRequest, DEFAULT_PAGE_SIZE};
use partnergraph_core::{Error, Result};
use std::borrow::Cow;

/// An opaque cursor: the item's position in the filtered, ordered list.
pub(crate) struct Cursor(u64);

impl CursorType for Cursor {
    type Error = &'static str;

    fn decode_cursor(s: &str) -> std::result::Result<Self, Self::Error> {
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| "malformed cursor")?;
        let text = String::from_utf8(bytes).map_err(|_| "malformed cursor")?;
        text.strip_prefix("offset:")
            .and_then(|n| n.parse().ok())
            .map(Cursor)
            .ok_or("malformed cursor")
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("offset:{}", self.0))
    }
}

/// A Relay connection of `N` with `totalCount`, named `<N>Connection`. async-graphql's own
/// connection type has no description, and analysts read one in GraphiQL.
pub(crate) struct Conn<N: OutputType> {
    edges: Vec<Edge<Cursor, N, EmptyFields>>,
    has_previous: bool,
    has_next: bool,
    total_count: u64,
}

impl<N: OutputType> TypeName for Conn<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}

/// One page of a list: its items, with or without Relay edges, where the page sits in the
/// list, and how long the whole filtered list is. Page with `first`/`after` forwards or
/// `last`/`before` backwards, at most 100 items a page.
#[Object(name_type)]
impl<N: OutputType> Conn<N> {
    /// The items of this page with their cursors.
    async fn edges(&self) -> &[Edge<Cursor, N, EmptyFields>] {
        &self.edges
    }

    /// The items of this page, for callers that do not need cursors.
    async fn nodes(&self) -> Vec<&N> {
        self.edges.iter().map(|e| &e.node).collect()
    }

    /// Whether there are items before and after this page, and the cursors to reach them.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous,
            has_next_page: self.has_next,
            start_cursor: self.edges.first().map(|e| e.cursor.encode_cursor()),
            end_cursor: self.edges.last().map(|e| e.cursor.encode_cursor()),
        }
    }

    /// How many items the whole filtered list has, over all pages.
    async fn total_count(&self) -> u64 {
        self.total_count
    }
}

/// Validates the Relay arguments of a connection field.
pub(crate) fn page_request(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<PageRequest> {
    let cursor = |name: &str, value: Option<String>| -> Result<Option<u64>> {
        value
            .map(|v| {
                Cursor::decode_cursor(&v)
                    .map(|c| c.0)
                    .map_err(|_| Error::bad_input(name, format!("`{name}` is not a valid cursor")))
            })
            .transpose()
    };
    PageRequest::new(
        first.map(i64::from),
        cursor("after", after)?,
        last.map(i64::from),
        cursor("before", before)?,
    )
}

/// A page as a connection.
pub(crate) fn connection<T, N: OutputType>(page: Page<T>, to_node: impl Fn(T) -> N) -> Conn<N> {
    let offset = page.offset;
    Conn {
        has_previous: page.has_previous(),
        has_next: page.has_next(),
        total_count: page.total,
        edges: page
            .items
            .into_iter()
            .enumerate()
            .map(|(i, item)| Edge::new(Cursor(offset + i as u64), to_node(item)))
            .collect(),
    }
}

/// Complexity of a connection field whose items come in one batch for every parent on the
/// page (a DataLoader's): its page size times what is selected per node.
pub(crate) fn cost(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let size = first
        .or(last)
        .map_or(DEFAULT_PAGE_SIZE as usize, |n| n.clamp(0, 100) as usize);
    1 + size.max(1) * child
}

/// What a root list costs beyond its page: statements of its own, not shared with any other
/// field (the caller's scope, then the scoped rows, all of them for `totalCount`, or an
/// upstream query), worth the rendering of a thousand fields. Twenty such lists fill the
/// default complexity; a dashboard has one.
const ROOT_LIST_COST: usize = 1_000;

/// Complexity of a root connection field: [`ROOT_LIST_COST`] plus [`cost`].
pub(crate) fn root_cost(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    ROOT_LIST_COST + cost(first, last, child)
}
