//! ZOQL, the subset a connector uses: `select F1, F2 from Object where A = 'x' or A = 'y' and …`.
//!
//! Faithful to Zuora's rules where a client can trip: lower-case keywords, one object, no `*`,
//! no `IN`, no parentheses, no `order by`, at most 200 conditions, `and` binding tighter than
//! `or`, single-quoted strings with `\'` escapes, PascalCase field names (matched
//! case-insensitively), null fields left out of records.
//!
//! `POST /v1/action/query` runs a query and answers its first batch (`conf.batchSize`, at
//! most 2,000); `POST /v1/action/queryMore` answers the next one for its `queryLocator`.

use super::wire::{error, Write};
use super::Zuora;
use crate::control::lock;
use crate::indexed::Indexed;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Records per ZOQL batch unless the query asks for fewer (Zuora's default and maximum).
const ZOQL_BATCH: usize = 2000;

/// The rows from `offset` on, at most `batch`, as a ZOQL answer; the rest is kept under a
/// `queryLocator`.
fn batch_of(z: &Zuora, rows: Vec<Value>, offset: usize, batch: usize) -> Response {
    let size = rows.len();
    let end = (offset + batch).min(size);
    let mut body = json!({ "records": rows[offset..end], "size": size, "done": end == size });
    if end < size {
        let locator = format!("{}-{end}", uuid::Uuid::new_v4().simple());
        body["queryLocator"] = json!(locator);
        lock(&z.locators).insert(locator, (rows, end));
    }
    Json(body).into_response()
}

/// `POST /v1/action/query`: a ZOQL query, answered in batches of `conf.batchSize`.
pub(super) async fn query(State(z): State<Arc<Zuora>>, Write { body, .. }: Write) -> Response {
    let batch = body["conf"]["batchSize"]
        .as_u64()
        .map_or(ZOQL_BATCH, |b| b as usize);
    if !(1..=ZOQL_BATCH).contains(&batch) {
        return error(
            StatusCode::BAD_REQUEST,
            50000020,
            "batchSize must be between 1 and 2000",
        );
    }
    let Some(query) = body["queryString"].as_str() else {
        return error(
            StatusCode::BAD_REQUEST,
            50000022,
            "Missing required field: queryString",
        );
    };
    let rows = run(&lock(&z.objects), query);
    match rows {
        Ok(rows) => batch_of(&z, rows, 0, batch),
        Err(message) => error(StatusCode::BAD_REQUEST, 50000020, &message),
    }
}

/// `POST /v1/action/queryMore`: the next batch of a ZOQL query.
pub(super) async fn query_more(State(z): State<Arc<Zuora>>, Write { body, .. }: Write) -> Response {
    let locator = body["queryLocator"].as_str().unwrap_or_default();
    let Some((rows, offset)) = lock(&z.locators).remove(locator) else {
        return error(StatusCode::BAD_REQUEST, 50000020, "invalid queryLocator");
    };
    batch_of(&z, rows, offset, ZOQL_BATCH)
}

/// Conditions one `where` clause may have.
const MAX_CONDITIONS: usize = 200;

/// The collection a ZOQL object's rows live in.
fn collection(object: &str) -> Option<&'static str> {
    Some(match object.to_ascii_lowercase().as_str() {
        "account" => "accounts",
        "subscription" => "subscriptions",
        "invoice" => "invoices",
        "payment" => "payments",
        "paymentmethod" => "payment-methods",
        "invoicepayment" => super::INVOICE_PAYMENTS,
        _ => return None,
    })
}

/// One comparison.
struct Condition {
    field: String,
    equal: bool,
    /// `None` for `null`.
    value: Option<String>,
}

/// The records `query` selects, projected to its fields; or why Zuora would refuse it.
pub(super) fn run(objects: &Indexed<Value>, query: &str) -> Result<Vec<Value>, String> {
    let rest = query
        .trim()
        .strip_prefix("select ")
        .ok_or("You have an error in your ZOQL syntax")?;
    let (fields, rest) = rest
        .split_once(" from ")
        .ok_or("You have an error in your ZOQL syntax")?;
    let fields: Vec<&str> = fields.split(',').map(str::trim).collect();
    if fields.iter().any(|f| f.is_empty() || *f == "*") {
        return Err("You have an error in your ZOQL syntax".to_owned());
    }
    let (object, clause) = match rest.split_once(" where ") {
        Some((object, clause)) => (object.trim(), Some(clause)),
        None => (rest.trim(), None),
    };
    let (name, rows) = collection(object)
        .and_then(|c| Some((c, objects.get(c)?)))
        .ok_or_else(|| format!("invalid object: {object}"))?;
    let groups = match clause {
        Some(clause) => parse_where(clause)?,
        None => vec![Vec::new()],
    };
    // When every group requires some field to equal a value (the connector's `A = 'x' or
    // A = 'y'` batches), only rows holding one of those values can match: the groups then
    // decide as they would over every row.
    let required: Option<Vec<(&str, &str)>> = groups
        .iter()
        .map(|group| {
            group.iter().find_map(|c| match (&c.value, c.equal) {
                (Some(value), true) => Some((c.field.as_str(), value.as_str())),
                _ => None,
            })
        })
        .collect();
    let candidates: Vec<&Value> = match required {
        Some(required) => {
            let mut positions: Vec<usize> = required
                .iter()
                .flat_map(|(field, value)| {
                    super::object_query::with_text(
                        objects,
                        name,
                        field,
                        std::iter::once((*value).to_owned()),
                    )
                })
                .collect();
            positions.sort_unstable();
            positions.dedup();
            positions.into_iter().map(|p| &rows[p]).collect()
        }
        _ => rows.iter().collect(),
    };
    Ok(candidates
        .into_iter()
        .filter(|row| {
            groups
                .iter()
                .any(|group| group.iter().all(|c| c.matches(row)))
        })
        .map(|row| project(row, &fields))
        .collect())
}

impl Condition {
    fn matches(&self, row: &Value) -> bool {
        let actual = super::object_query::field_of(row, &self.field);
        let equal = match (&self.value, actual) {
            (None, v) => v.is_null(),
            (Some(_), Value::Null) => false,
            (Some(want), v) => super::object_query::text(v).eq_ignore_ascii_case(want),
        };
        equal == self.equal
    }
}

/// The `where` clause as OR-ed groups of AND-ed conditions.
fn parse_where(clause: &str) -> Result<Vec<Vec<Condition>>, String> {
    let tokens = tokenize(clause)?;
    let mut groups = vec![Vec::new()];
    let mut count = 0;
    let mut i = 0;
    while i < tokens.len() {
        let field = tokens[i].clone();
        let op = tokens.get(i + 1).ok_or("incomplete condition")?;
        let value = tokens.get(i + 2).ok_or("incomplete condition")?;
        let equal = match op.as_str() {
            "=" => true,
            "!=" => false,
            other => return Err(format!("unsupported operator: {other}")),
        };
        let value = match value.strip_prefix('\'') {
            Some(quoted) => Some(quoted.to_owned()),
            None if value == "null" => None,
            None => Some(value.clone()),
        };
        count += 1;
        if count > MAX_CONDITIONS {
            return Err(format!(
                "A where clause may have at most {MAX_CONDITIONS} conditions"
            ));
        }
        groups.last_mut().ok_or("empty clause")?.push(Condition {
            field,
            equal,
            value,
        });
        i += 3;
        match tokens.get(i).map(String::as_str) {
            None => {}
            Some("and") => i += 1,
            Some("or") => {
                groups.push(Vec::new());
                i += 1;
            }
            Some(other) => return Err(format!("unexpected token: {other}")),
        }
    }
    Ok(groups)
}

/// Words, operators and quoted strings (a quoted string keeps its leading `'` as a marker).
fn tokenize(clause: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let mut chars = clause.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' | '\n' => {
                chars.next();
            }
            '(' | ')' => return Err("parentheses are not supported in ZOQL".to_owned()),
            '\'' => {
                chars.next();
                let mut value = String::from("'");
                loop {
                    match chars.next() {
                        Some('\\') => value.push(chars.next().ok_or("unterminated string")?),
                        Some('\'') => break,
                        Some(other) => value.push(other),
                        None => return Err("unterminated string".to_owned()),
                    }
                }
                tokens.push(value);
            }
            '=' | '!' | '<' | '>' => {
                let mut op = String::new();
                while let Some(&c) = chars.peek().filter(|c| matches!(c, '=' | '!' | '<' | '>')) {
                    op.push(c);
                    chars.next();
                }
                tokens.push(op);
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars
                    .peek()
                    .filter(|c| !matches!(c, ' ' | '\t' | '\n' | '=' | '!' | '<' | '>' | '\''))
                {
                    word.push(c);
                    chars.next();
                }
                if word == "in" || word == "IN" {
                    return Err("IN is not supported in ZOQL".to_owned());
                }
                tokens.push(word);
            }
        }
    }
    Ok(tokens)
}

/// The row's `fields`, named as the query wrote them; null fields left out.
fn project(row: &Value, fields: &[&str]) -> Value {
    let mut record = Map::new();
    for field in fields {
        let value = super::object_query::field_of(row, field);
        if !value.is_null() {
            record.insert((*field).to_owned(), value.clone());
        }
    }
    Value::Object(record)
}
