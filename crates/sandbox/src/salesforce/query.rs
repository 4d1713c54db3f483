//! `GET query?q=…` and `GET query/{locator}`: SOQL run over the org's records. A query is
//! checked first as Salesforce checks it (unknown types, fields and relationships, id fields
//! compared with non-ids), then its rows are filtered, ordered, offset and limited, shaped into
//! the record envelope with parent fields and child subqueries nested, and handed out in
//! batches with a `nextRecordsUrl` while rows remain.

use super::schema::{schema, Schema};
use super::wire::{record_url, Reply};
use super::{soql, Org, Record, Salesforce};
use crate::control::lock;
use axum::http::StatusCode;
use serde_json::{json, Map, Value};
use std::cmp::Ordering;

impl Salesforce {
    /// Runs `soql`, answering its first batch of `batch` rows.
    pub(super) fn query(&self, version: &str, soql: &str, batch: usize) -> Reply {
        let parsed = match soql::parse(soql) {
            Ok(q) => q,
            Err(e) => return Reply::bad_request("MALFORMED_QUERY", &e),
        };
        let Some(schema) = schema(&parsed.object) else {
            return Reply::bad_request(
                "INVALID_TYPE",
                &format!("sObject type '{}' is not supported.", parsed.object),
            );
        };
        if let Err(refused) = check(schema, &parsed) {
            return refused;
        }
        let mut children = Vec::new();
        for child in &parsed.children {
            let Some((name, target, lookup)) = schema.child_relationship(&child.object) else {
                return Reply::bad_request(
                    "INVALID_TYPE",
                    &format!(
                        "Didn't understand relationship '{}' in FROM part of query call.",
                        child.object
                    ),
                );
            };
            if let Err(refused) = check(target, child) {
                return refused;
            }
            children.push((name, target, lookup, child));
        }
        let org = lock(&self.org);
        let rows = self.select(&org, schema, &parsed, |_| true);
        if parsed.count {
            return Reply::json(
                StatusCode::OK,
                json!({ "totalSize": rows.len(), "done": true, "records": [] }),
            );
        }
        let shaped: Vec<Value> = rows
            .iter()
            .map(|r| {
                let mut shaped = self.shape(&org, version, schema, r, &parsed.fields);
                for (name, target, lookup, child) in &children {
                    let parent = r.get("Id");
                    let records: Vec<Value> = self
                        .select(&org, target, child, |c| c.get(*lookup) == parent)
                        .iter()
                        .map(|c| self.shape(&org, version, target, c, &child.fields))
                        .collect();
                    // Salesforce gives a parent without children `null`, not an empty list.
                    shaped[*name] = if records.is_empty() {
                        Value::Null
                    } else {
                        json!({ "totalSize": records.len(), "done": true, "records": records })
                    };
                }
                shaped
            })
            .collect();
        drop(org);
        self.batch_of(version, shaped, 0, batch)
    }

    /// The `schema` records that `among` admits and `q` selects: filtered, ordered, offset and
    /// limited as it says.
    fn select(
        &self,
        org: &Org,
        schema: &Schema,
        q: &soql::Query,
        among: impl Fn(&Record) -> bool,
    ) -> Vec<Record> {
        let all = org.records.get(schema.name).map_or(&[][..], Vec::as_slice);
        // An `IN` on a field (the connector's batch reads) narrows the records to those holding
        // one of its values; the condition then decides as it would over every record.
        let candidates: Vec<&Record> = match q.condition.as_ref().and_then(in_list) {
            Some((field, values)) => {
                let field = schema.field(field).unwrap_or(field);
                org.records
                    .positions(
                        schema.name,
                        field,
                        |r| {
                            r.get(field)
                                .and_then(Value::as_str)
                                .map(soql::id_or_text_key)
                        },
                        values
                            .iter()
                            .filter_map(Value::as_str)
                            .map(soql::id_or_text_key),
                    )
                    .into_iter()
                    .map(|position| &all[position])
                    .collect()
            }
            None => all.iter().collect(),
        };
        let mut rows: Vec<&Record> = candidates
            .into_iter()
            .filter(|r| among(r))
            .filter(|r| {
                q.condition
                    .as_ref()
                    .is_none_or(|c| soql::holds(c, &|f| self.path_value(org, schema, r, f)))
            })
            .collect();
        rows.sort_by(|a, b| {
            for (field, descending, nulls_first) in &q.order {
                let (x, y) = (
                    self.path_value(org, schema, a, field),
                    self.path_value(org, schema, b, field),
                );
                let ord = match (x.is_null(), y.is_null()) {
                    (true, true) => Ordering::Equal,
                    (true, false) if *nulls_first => Ordering::Less,
                    (true, false) => Ordering::Greater,
                    (false, true) if *nulls_first => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    _ if *descending => soql::compare(&y, &x),
                    _ => soql::compare(&x, &y),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            Ordering::Equal
        });
        rows.into_iter()
            .skip(q.offset)
            .take(q.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    /// One batch of rows from `offset`, with a `nextRecordsUrl` when more remain.
    fn batch_of(&self, version: &str, rows: Vec<Value>, offset: usize, batch: usize) -> Reply {
        let total = rows.len();
        let end = (offset + batch).min(total);
        let page: Vec<Value> = rows[offset.min(total)..end].to_vec();
        let mut body = json!({ "totalSize": total, "done": end >= total, "records": page });
        if end < total {
            let mut org = lock(&self.org);
            org.next_id += 1;
            let locator = format!("01gDp{:010}", org.next_id);
            org.locators.insert(locator.clone(), rows);
            body["nextRecordsUrl"] =
                json!(format!("/services/data/{version}/query/{locator}-{end}"));
        }
        Reply::json(StatusCode::OK, body)
    }

    /// The next batch of a query, from the offset its locator carries.
    pub(super) fn query_more(&self, version: &str, locator: &str, batch: usize) -> Reply {
        let Some((id, offset)) = locator
            .rsplit_once('-')
            .and_then(|(id, o)| Some((id, o.parse::<usize>().ok()?)))
        else {
            return invalid_locator();
        };
        let rows = lock(&self.org).locators.get(id).cloned();
        match rows {
            Some(rows) => self.batch_of(version, rows, offset, batch),
            None => invalid_locator(),
        }
    }

    /// The value at a field path of `record` (`Null` where a lookup is empty).
    fn path_value(&self, org: &Org, schema: &Schema, record: &Record, path: &str) -> Value {
        match path.split_once('.') {
            None => schema
                .field(path)
                .and_then(|f| record.get(f).cloned())
                .unwrap_or(Value::Null),
            Some((relationship, rest)) => {
                let Some((lookup, target)) = schema.relationship(relationship) else {
                    return Value::Null;
                };
                let Some(target_schema) = super::schema::schema(target) else {
                    return Value::Null;
                };
                match record
                    .get(lookup)
                    .and_then(Value::as_str)
                    .and_then(|id| org.find(target_schema, id))
                {
                    Some(parent) => self.path_value(org, target_schema, parent, rest),
                    None => Value::Null,
                }
            }
        }
    }

    /// A record as the API shows it: the `attributes` envelope, then the fields asked for,
    /// relationship paths nested as records of their own.
    pub(super) fn shape(
        &self,
        org: &Org,
        version: &str,
        schema: &Schema,
        record: &Record,
        fields: &[String],
    ) -> Value {
        let id = record.get("Id").and_then(Value::as_str).unwrap_or_default();
        let mut out = Map::new();
        out.insert(
            "attributes".to_owned(),
            json!({ "type": schema.name, "url": record_url(version, schema, id) }),
        );
        let mut nested: Vec<(String, Vec<String>)> = Vec::new();
        for field in fields {
            match field.split_once('.') {
                None => {
                    let name = schema.field(field).unwrap_or(field);
                    out.insert(
                        name.to_owned(),
                        record.get(name).cloned().unwrap_or(Value::Null),
                    );
                }
                Some((relationship, rest)) => {
                    match nested
                        .iter_mut()
                        .find(|(r, _)| r.eq_ignore_ascii_case(relationship))
                    {
                        Some((_, paths)) => paths.push(rest.to_owned()),
                        None => nested.push((relationship.to_owned(), vec![rest.to_owned()])),
                    }
                }
            }
        }
        for (relationship, paths) in nested {
            let value = schema
                .relationship(&relationship)
                .and_then(|(lookup, target)| {
                    let target = super::schema::schema(target)?;
                    let id = record.get(lookup)?.as_str()?;
                    let parent = org.find(target, id)?;
                    Some(self.shape(org, version, target, parent, &paths))
                })
                .unwrap_or(Value::Null);
            let name = schema
                .relationship(&relationship)
                .and_then(|(lookup, _)| lookup.strip_suffix("Id"))
                .unwrap_or(&relationship);
            out.insert(name.to_owned(), value);
        }
        Value::Object(out)
    }
}

/// Refuses a query naming a field `schema` lacks or comparing an id field to a non-id.
fn check(schema: &'static Schema, q: &soql::Query) -> Result<(), Reply> {
    let mut named = q.fields.clone();
    if let Some(c) = &q.condition {
        soql::condition_fields(c, &mut named);
    }
    named.extend(q.order.iter().map(|(f, _, _)| f.clone()));
    if let Some(bad) = schema.unknown(&named) {
        return Err(Reply::invalid_field(bad, schema.name));
    }
    if let Some(bad) = q.condition.as_ref().and_then(|c| bad_id_literal(schema, c)) {
        return Err(Reply::bad_request(
            "INVALID_QUERY_FILTER_OPERATOR",
            &format!("invalid ID field: {bad}"),
        ));
    }
    Ok(())
}

/// The first id literal compared with an id field that is not a Salesforce id: Salesforce
/// refuses the whole query for it.
fn bad_id_literal(schema: &Schema, c: &soql::Condition) -> Option<String> {
    use soql::Condition::*;
    let bad = |field: &str, v: &Value| {
        (!field.contains('.') && schema.is_id_field(field))
            .then(|| v.as_str().filter(|s| !soql::is_id(s)).map(str::to_owned))
            .flatten()
    };
    match c {
        And(a, b) | Or(a, b) => bad_id_literal(schema, a).or_else(|| bad_id_literal(schema, b)),
        Not(a) => bad_id_literal(schema, a),
        Compare(f, _, v) => bad(f, v),
        In(f, _, values) => values.iter().find_map(|v| bad(f, v)),
    }
}

/// A `field IN (…)` of text values that `c` requires (itself, or a side of an `AND`), on a field
/// of the record itself: the records it admits have one of those values.
fn in_list(c: &soql::Condition) -> Option<(&str, &[Value])> {
    match c {
        soql::Condition::In(field, false, values)
            if !field.contains('.') && values.iter().all(Value::is_string) =>
        {
            Some((field, values))
        }
        soql::Condition::And(a, b) => in_list(a).or_else(|| in_list(b)),
        _ => None,
    }
}

/// The `400` of a `queryMore` whose locator names no query.
fn invalid_locator() -> Reply {
    Reply::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator")
}

#[cfg(test)]
mod tests {
    use crate::salesforce::{Salesforce, Settings};
    use serde_json::Value;

    fn ids<'a>(records: impl Iterator<Item = &'a Value>) -> Vec<&'a str> {
        records.filter_map(|r| r["Id"].as_str()).collect()
    }

    /// A query that a lookup narrows answers what a scan of every record answers, in order.
    #[test]
    fn lookups_answer_what_scans_answer() {
        let demo = partnergraph_demo::generate_with_load(chrono::Utc::now().date_naive(), 300);
        let org = Salesforce::new(&demo, Settings::default()).expect("starts");
        let accounts: Vec<String> = org
            .records("Account")
            .iter()
            .step_by(3)
            .filter_map(|a| a["Id"].as_str())
            // 15-character ids: ids match on their first 15 characters.
            .map(|id| id[..15].to_owned())
            .collect();
        let list = accounts
            .iter()
            .map(|id| format!("'{id}'"))
            .collect::<Vec<_>>()
            .join(",");
        let reply = org.query(
            "v62.0",
            &format!(
                "SELECT Id, AccountId FROM Case WHERE AccountId IN ({list}) AND IsClosed = false"
            ),
            2000,
        );
        let body = reply.body.expect("a body");
        let found = ids(body["records"].as_array().into_iter().flatten());
        let cases = org.records("Case");
        let scanned = ids(cases.iter().filter(|c| {
            c["IsClosed"] == false
                && c["AccountId"]
                    .as_str()
                    .is_some_and(|a| accounts.iter().any(|id| a.starts_with(id.as_str())))
        }));
        assert!(found.len() > 10);
        assert_eq!(found, scanned);
    }
}
