//! Relay-style paging, reduced to offsets.
//!
//! The GraphQL layer turns `first/after/last/before` into a [`PageRequest`] of offsets; connectors
//! turn it into `OFFSET/LIMIT` (or an upstream cursor) once they know the total; nested lists that
//! were batch-loaded are paged in memory with [`select`]. One rule for all three.

use crate::error::{Error, Result};
use chrono::NaiveDate;
use std::cmp::Ordering;

/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The page size when a client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// A validated page request: positions are 0-based offsets into the ordered, filtered list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    first: Option<u64>,
    after: Option<u64>,
    last: Option<u64>,
    before: Option<u64>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            first: Some(DEFAULT_PAGE_SIZE),
            after: None,
            last: None,
            before: None,
        }
    }
}

impl PageRequest {
    /// Validates client paging arguments: sizes from 0 to [`MAX_PAGE_SIZE`], not both `first` and
    /// `last` (their combination is legal in Relay but never what a client means).
    pub fn new(
        first: Option<i64>,
        after: Option<u64>,
        last: Option<i64>,
        before: Option<u64>,
    ) -> Result<Self> {
        let size = |name: &str, v: Option<i64>| -> Result<Option<u64>> {
            match v {
                None => Ok(None),
                Some(n) if (0..=MAX_PAGE_SIZE as i64).contains(&n) => Ok(Some(n as u64)),
                Some(n) => Err(Error::bad_input(
                    name,
                    format!("`{name}` must be between 0 and {MAX_PAGE_SIZE}, got {n}"),
                )),
            }
        };
        let first = size("first", first)?;
        let last = size("last", last)?;
        if first.is_some() && last.is_some() {
            return Err(Error::bad_input(
                "last",
                "pass either `first` or `last`, not both",
            ));
        }
        let first = if first.is_none() && last.is_none() {
            Some(DEFAULT_PAGE_SIZE)
        } else {
            first
        };
        Ok(Self {
            first,
            after,
            last,
            before,
        })
    }

    /// The first `n` items.
    pub fn first(n: u64) -> Self {
        Self {
            first: Some(n.min(MAX_PAGE_SIZE)),
            ..Self::default()
        }
    }

    /// The slice of a list of `total` items this request selects.
    pub fn window(&self, total: u64) -> Window {
        let mut start = self.after.map_or(0, |a| a.saturating_add(1)).min(total);
        let mut end = self.before.map_or(total, |b| b.min(total)).max(start);
        if let Some(first) = self.first {
            end = end.min(start + first);
        }
        if let Some(last) = self.last {
            start = start.max(end.saturating_sub(last));
        }
        Window {
            offset: start,
            limit: end - start,
        }
    }
}

/// An `OFFSET/LIMIT` pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Items to skip.
    pub offset: u64,
    /// Items to take.
    pub limit: u64,
}

/// One page of a list, with what a Relay connection needs to describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of the page, in order.
    pub items: Vec<T>,
    /// The position of the first item in the whole list.
    pub offset: u64,
    /// How many items the whole (filtered) list has.
    pub total: u64,
}

impl<T> Page<T> {
    /// Whether items follow this page.
    pub fn has_next(&self) -> bool {
        self.offset + (self.items.len() as u64) < self.total
    }

    /// Whether items precede this page.
    pub fn has_previous(&self) -> bool {
        self.offset > 0
    }

    /// Converts the items, keeping the position.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            offset: self.offset,
            total: self.total,
        }
    }
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// A sort order on field type `F`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order<F> {
    /// The field sorted by.
    pub field: F,
    /// The direction.
    pub direction: Direction,
}

/// A record type that lists can filter and sort in memory with the same meaning connectors give
/// the filter when they push it down.
pub trait Listable {
    /// The fields a list of these can be sorted by.
    type Field: Copy;
    /// The filter a list of these accepts.
    type Filter;

    /// Whether the record passes the filter; `today` decides date-relative tests like "overdue".
    fn matches(&self, filter: &Self::Filter, today: NaiveDate) -> bool;
    /// Compares two records by one field, ascending.
    fn compare(&self, other: &Self, field: Self::Field) -> Ordering;
    /// A unique key that makes the order total, so pages never overlap or skip.
    fn tie_break(&self) -> &str;
}

/// Filters, sorts and pages records in memory: how connectors page what they read whole.
pub fn select<T: Listable>(
    items: Vec<T>,
    filter: &T::Filter,
    order: Order<T::Field>,
    page: &PageRequest,
    today: NaiveDate,
) -> Page<T> {
    let (picked, offset, total) = pick(&items, filter, order, page, today);
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    Page {
        items: picked.into_iter().filter_map(|i| slots[i].take()).collect(),
        offset,
        total,
    }
}

/// [`select`] over records shared with others (a request's batch-loaded nested lists): only
/// the page's records are copied, not the whole list.
pub fn select_from<T: Listable + Clone>(
    items: &[T],
    filter: &T::Filter,
    order: Order<T::Field>,
    page: &PageRequest,
    today: NaiveDate,
) -> Page<T> {
    let (picked, offset, total) = pick(items, filter, order, page, today);
    Page {
        items: picked.into_iter().map(|i| items[i].clone()).collect(),
        offset,
        total,
    }
}

/// The positions of the page's records in `items`, in order, with the page's offset and the
/// number of matching records.
fn pick<T: Listable>(
    items: &[T],
    filter: &T::Filter,
    order: Order<T::Field>,
    page: &PageRequest,
    today: NaiveDate,
) -> (Vec<usize>, u64, u64) {
    let mut matching: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].matches(filter, today))
        .collect();
    matching.sort_by(|&a, &b| {
        let (a, b) = (&items[a], &items[b]);
        let by_field = a.compare(b, order.field);
        let by_field = match order.direction {
            Direction::Asc => by_field,
            Direction::Desc => by_field.reverse(),
        };
        by_field.then_with(|| a.tie_break().cmp(b.tie_break()))
    });
    let total = matching.len() as u64;
    let w = page.window(total);
    let picked = matching
        .into_iter()
        .skip(w.offset as usize)
        .take(w.limit as usize)
        .collect();
    (picked, w.offset, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(first: Option<i64>, after: Option<u64>, last: Option<i64>, before: Option<u64>) -> Window {
        PageRequest::new(first, after, last, before)
            .expect("valid")
            .window(10)
    }

    #[test]
    fn windows_follow_relay_semantics() {
        assert_eq!(
            w(Some(3), None, None, None),
            Window {
                offset: 0,
                limit: 3
            }
        );
        assert_eq!(
            w(Some(3), Some(2), None, None),
            Window {
                offset: 3,
                limit: 3
            }
        );
        assert_eq!(
            w(Some(30), Some(8), None, None),
            Window {
                offset: 9,
                limit: 1
            }
        );
        assert_eq!(
            w(None, None, Some(3), None),
            Window {
                offset: 7,
                limit: 3
            }
        );
        assert_eq!(
            w(None, None, Some(3), Some(5)),
            Window {
                offset: 2,
                limit: 3
            }
        );
        assert_eq!(
            w(None, Some(9), None, None),
            Window {
                offset: 10,
                limit: 0
            }
        );
        assert_eq!(
            w(None, Some(6), None, Some(4)),
            Window {
                offset: 7,
                limit: 0
            }
        );
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert!(PageRequest::new(Some(101), None, None, None).is_err());
        assert!(PageRequest::new(Some(-1), None, None, None).is_err());
        assert!(PageRequest::new(Some(1), None, Some(1), None).is_err());
        assert!(PageRequest::new(Some(100), None, None, None).is_ok());
    }
}
