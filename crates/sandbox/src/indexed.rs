//! A sandbox's records by object, with lookups kept beside them for the reads that would
//! otherwise scan every record of a large world on each request (a benchmark's world has
//! hundreds of thousands of invoices, and a page reads fifty accounts' worth).
//!
//! A lookup narrows a read to candidate rows; the read then applies its own conditions to them
//! as it would to every row, so it answers exactly what a scan answers, in the same order. For
//! that a lookup's key must be equal for any two values the read's condition finds equal. Lookups
//! are built on first use and dropped by every mutable access to the records, so a write never
//! leaves one stale.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};

/// Rows by object name.
pub(crate) type Rows<T> = HashMap<&'static str, Vec<T>>;

/// Key → positions of the rows with that key, ascending.
type Lookup = HashMap<String, Vec<usize>>;

/// Records by object, and their lookups.
#[derive(Clone, Default)]
pub(crate) struct Indexed<T> {
    rows: Rows<T>,
    /// (object, lookup name) → the lookup. Built while the records are only read, hence the
    /// cell; the sandboxes hold their records behind a mutex, one reader at a time.
    lookups: RefCell<HashMap<(String, String), Lookup>>,
}

impl<T> Indexed<T> {
    /// `rows`, with no lookup built yet.
    pub(crate) fn new(rows: Rows<T>) -> Self {
        Self {
            rows,
            lookups: RefCell::default(),
        }
    }

    /// Positions, ascending and each once, of the rows of `object` whose `key` is one of
    /// `keys`. `lookup` names `key`: every call with the same object and name must pass the
    /// same function, which gives `None` for rows no key finds.
    pub(crate) fn positions(
        &self,
        object: &str,
        lookup: &str,
        key: impl Fn(&T) -> Option<String>,
        keys: impl IntoIterator<Item = String>,
    ) -> Vec<usize> {
        let mut lookups = self.lookups.borrow_mut();
        let built = lookups
            .entry((object.to_owned(), lookup.to_owned()))
            .or_insert_with(|| {
                let mut built = Lookup::new();
                for (position, row) in self.rows.get(object).into_iter().flatten().enumerate() {
                    if let Some(k) = key(row) {
                        built.entry(k).or_default().push(position);
                    }
                }
                built
            });
        let mut positions: Vec<usize> = keys
            .into_iter()
            .filter_map(|k| built.get(&k))
            .flatten()
            .copied()
            .collect();
        positions.sort_unstable();
        positions.dedup();
        positions
    }
}

impl<T> Deref for Indexed<T> {
    type Target = Rows<T>;

    fn deref(&self) -> &Rows<T> {
        &self.rows
    }
}

impl<T> DerefMut for Indexed<T> {
    /// Whoever may change the records drops every lookup: they are rebuilt on next use.
    fn deref_mut(&mut self) -> &mut Rows<T> {
        self.lookups.get_mut().clear();
        &mut self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_find_what_a_scan_finds_and_writes_drop_them() {
        let mut indexed = Indexed::new(HashMap::from([("n", vec![3, 1, 4, 1, 5, 9, 2, 6])]));
        let parity = |n: &i32| Some((n % 2).to_string());
        let odd = indexed.positions("n", "parity", parity, ["1".to_owned()]);
        assert_eq!(odd, [0, 1, 3, 4, 5]);
        let both = indexed.positions("n", "parity", parity, ["0".to_owned(), "1".to_owned()]);
        assert_eq!(both, (0..8).collect::<Vec<_>>());
        assert!(indexed
            .positions("m", "parity", parity, ["1".to_owned()])
            .is_empty());
        indexed.entry("n").or_default().insert(0, 7);
        let odd = indexed.positions("n", "parity", parity, ["1".to_owned()]);
        assert_eq!(odd, [0, 1, 2, 4, 5, 6]);
    }
}
