//! Relay connections over core's offset pages.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{OutputType, SimpleObject};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use partnergraph_core::paging::{Page, PageRequest, DEFAULT_PAGE_SIZE};
use partnergraph_core::{Error, Result};

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

/// What every connection adds to Relay's edges and page info.
#[derive(SimpleObject)]
pub(crate) struct Totals {
    /// How many items the whole filtered list has, over all pages.
    total_count: u64,
}

/// A Relay connection of `N` with `totalCount`.
pub(crate) type Conn<N> = Connection<Cursor, N, Totals>;

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
    let mut conn = Connection::with_additional_fields(
        page.has_previous(),
        page.has_next(),
        Totals {
            total_count: page.total,
        },
    );
    let offset = page.offset;
    conn.edges.extend(
        page.items
            .into_iter()
            .enumerate()
            .map(|(i, item)| Edge::new(Cursor(offset + i as u64), to_node(item))),
    );
    conn
}

/// Complexity of a connection field: its page size times what is selected per node.
pub(crate) fn cost(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let size = first
        .or(last)
        .map_or(DEFAULT_PAGE_SIZE as usize, |n| n.clamp(0, 100) as usize);
    1 + size.max(1) * child
}
