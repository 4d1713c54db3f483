//! Relay connections over core's offset pages.

use crate::inputs::{order, FilterInput, OrderBy, OrderField};
use crate::req::{OrFail, R};
use crate::Req;
use async_graphql::connection::{CursorType, Edge, EmptyFields, PageInfo};
use async_graphql::{Object, OutputType, TypeName};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use partnergraph_core::paging::{Order, Page, PageRequest, DEFAULT_PAGE_SIZE};
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

/// The Relay arguments of a list field, as the client gave them.
pub(crate) type PageArgs = (Option<i32>, Option<String>, Option<i32>, Option<String>);

/// The arguments of a list field declared in [`object!`]: the page, and the filter and order
/// when the field takes them (`()` when it does not).
pub(crate) struct ListArgs<F, O> {
    /// `first`, `after`, `last`, `before`.
    pub page: PageArgs,
    /// `filter`.
    pub filter: Option<F>,
    /// `orderBy`.
    pub order_by: Option<O>,
}

impl ListArgs<(), ()> {
    /// A page without filter or order yet.
    pub fn new(page: PageArgs) -> Self {
        Self {
            page,
            filter: None,
            order_by: None,
        }
    }
}

impl<F, O> ListArgs<F, O> {
    /// With the field's `filter`.
    pub fn filter<G>(self, filter: Option<G>) -> ListArgs<G, O> {
        ListArgs {
            page: self.page,
            filter,
            order_by: self.order_by,
        }
    }

    /// With the field's `orderBy`.
    pub fn order<P>(self, order_by: Option<P>) -> ListArgs<F, P> {
        ListArgs {
            page: self.page,
            filter: self.filter,
            order_by,
        }
    }

    /// The page as core validates it, its cursors decoded.
    pub fn page_request(&self) -> Result<PageRequest> {
        let (first, after, last, before) = &self.page;
        let cursor = |name: &str, value: &Option<String>| -> Result<Option<u64>> {
            value
                .as_deref()
                .map(|v| {
                    Cursor::decode_cursor(v).map(|c| c.0).map_err(|_| {
                        Error::bad_input(name, format!("`{name}` is not a valid cursor"))
                    })
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
}

/// A list's arguments as core applies them: what [`ListArgs::decode`] gives.
pub(crate) struct Criteria<F, O> {
    /// The filter, in core's terms.
    pub filter: F,
    /// The caller's order, or the list's natural one.
    pub order: Order<O>,
    /// The page, validated.
    pub page: PageRequest,
}

impl<F, A, O> Criteria<(F, A), O> {
    /// The criteria of a billing or CRM list without the account the list is narrowed to,
    /// and that account.
    pub fn split(self) -> (Criteria<F, O>, A) {
        let (filter, account) = self.filter;
        let criteria = Criteria {
            filter,
            order: self.order,
            page: self.page,
        };
        (criteria, account)
    }
}

impl<F: FilterInput, O: OrderField> ListArgs<F, OrderBy<O>> {
    /// The filter, order and page in core's terms; a malformed one is the caller's
    /// `BAD_USER_INPUT`. Every list decodes its arguments alike, here.
    pub fn decode(self, r: &Req) -> R<Criteria<F::Core, O::Core>> {
        let page = self.page_request().or_fail(r)?;
        let filter = self.filter.unwrap_or_default().into_core().or_fail(r)?;
        Ok(Criteria {
            filter,
            order: order(self.order_by),
            page,
        })
    }
}

/// The type of a list field's `first` argument, by the complexity function the field uses:
/// [`object!`] picks it by that name, which lets one macro argument select both.
pub(crate) mod cost {
    /// `first`.
    pub(crate) type First = Option<i32>;
}

/// As [`cost`], for root lists.
pub(crate) mod root_cost {
    pub(crate) use super::cost::First;
}

/// An `#[Object(use_type_description)]` impl whose list fields are declared once, without
/// repeating their Relay arguments: a method written
///
/// ```text
/// async fn invoices(&self, ctx: &Context<'_>) -> R<Conn<Invoice>>
/// where list(cost, args, filter: InvoiceFilter, order_by: InvoiceOrderField) { ... }
/// ```
///
/// gets the arguments `first`, `after`, `last`, `before`, then `filter` and `orderBy` when
/// named (each optional, documented as every list documents them), the complexity `cost` or
/// `root_cost` of its page, and `args`, a [`ListArgs`], in its body. Likewise a mutation
/// written `where write(input: PlaceOrderInput)` gets its one `input` argument, documented as
/// every mutation documents it. Every item of the impl is one method, so that the whole impl
/// is one expansion: the complexity expression and the arguments it reads then share their
/// hygiene. Written `node impl`, the impl starts with the `id` field of a `Node`.
macro_rules! object {
    // A `Node`: its `id` first, the global id every node type gives alike.
    (node impl $ty:ident { $($items:tt)* }) => {
        $crate::paging::object! {
        impl $ty {
            /// The global id.
            pub(crate) async fn id(&self) -> async_graphql::ID {
                self.0.id.global().encode().into()
            }
            $($items)*
        }
        }
    };
    (impl $ty:ident { $(
        $(#[$m:meta])*
        $vis:vis async fn $name:ident ($($params:tt)*) -> $ret:ty
        $(where list($kind:ident, $args:ident $(, filter: $filter:ty)? $(, order_by: $order:ty)?))?
        $(where write($input:ident: $input_ty:ty))?
        $body:block
    )* }) => {
        #[async_graphql::Object(use_type_description)]
        impl $ty { $(
            $(#[$m])*
            $(#[graphql(complexity = $crate::paging::$kind(first, last, child_complexity))])?
            $vis async fn $name(
                $($params)*
                $(,
                    #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
                    first: $crate::paging::$kind::First,
                    #[graphql(desc = "Forward paging: start after this cursor.")]
                    after: Option<String>,
                    #[graphql(desc = "Backward paging: how many items, 1 to 100.")]
                    last: Option<i32>,
                    #[graphql(desc = "Backward paging: end before this cursor.")]
                    before: Option<String>,
                    $(
                        #[graphql(desc = "Conditions every item must meet.")]
                        filter: Option<$filter>,
                    )?
                    $(
                        #[graphql(desc = "How to sort the list; without it, the list's natural order applies.")]
                        order_by: Option<$crate::inputs::OrderBy<$order>>,
                    )?
                )?
                $(,
                    #[graphql(desc = "What to do; see the input type.")]
                    $input: $input_ty
                )?
            ) -> $ret {
                $(
                    let $args = $crate::paging::ListArgs::new((first, after, last, before))
                        $(.filter::<$filter>(filter))?
                        $(.order::<$crate::inputs::OrderBy<$order>>(order_by))?;
                )?
                $body
            }
        )* }
    };
}
pub(crate) use object;
