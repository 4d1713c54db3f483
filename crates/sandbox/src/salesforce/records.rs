//! Finding the org's stored records as Salesforce does: by id, where a 15-character id and its
//! 18-character form name the same record, or by an external id compared case-insensitively;
//! and minting the ids and timestamps new records get.

use super::schema::Schema;
use super::{soql, Org, Record};
use partnergraph_demo::{crm_id, salesforce_id_suffix};
use serde_json::Value;

/// How the API writes datetimes.
pub(super) const DATETIME: &str = "%Y-%m-%dT%H:%M:%S%.3f%z";

/// Now, as the API writes it.
pub(super) fn now() -> String {
    chrono::Utc::now().format(DATETIME).to_string()
}

/// The 18-character form of a 15- or 18-character id.
pub(super) fn full_id(id: &str) -> String {
    if id.len() == 15 {
        salesforce_id_suffix(id).map_or_else(|| id.to_owned(), |s| format!("{id}{s}"))
    } else {
        id.to_owned()
    }
}

/// Ids match on their first 15 characters, case-sensitively.
fn same_id(a: &str, b: &str) -> bool {
    soql::is_id(a) && soql::is_id(b) && a[..15] == b[..15]
}

/// Whether `record` is the one `id` names.
fn named(record: &Record, id: &str) -> bool {
    record
        .get("Id")
        .and_then(Value::as_str)
        .is_some_and(|rid| same_id(rid, id))
}

impl Org {
    /// A new id of `schema`'s type.
    pub(super) fn new_id(&mut self, schema: &Schema) -> String {
        self.next_id += 1;
        crm_id(
            schema.prefix,
            &format!("sandbox-{}-{}", schema.name, self.next_id),
        )
    }

    /// The record of `schema` that `id` names.
    pub(super) fn find(&self, schema: &Schema, id: &str) -> Option<&Record> {
        self.records.get(schema.name)?.iter().find(|r| named(r, id))
    }

    /// The record of `schema` that `id` names, to change.
    pub(super) fn find_mut(&mut self, schema: &Schema, id: &str) -> Option<&mut Record> {
        self.records
            .get_mut(schema.name)?
            .iter_mut()
            .find(|r| named(r, id))
    }

    /// The records of `schema` whose `field` (an external id) is `value`, case-insensitively.
    pub(super) fn matching(&self, schema: &Schema, field: &str, value: &str) -> Vec<&Record> {
        self.records
            .get(schema.name)
            .into_iter()
            .flatten()
            .filter(|r| {
                schema
                    .field(field)
                    .and_then(|f| r.get(f)?.as_str())
                    .is_some_and(|v| v.eq_ignore_ascii_case(value))
            })
            .collect()
    }
}
