//! The sObject resources: `sobjects/{type}` (create), `sobjects/{type}/{id}` (read, update,
//! delete), `sobjects/{type}/{field}/{value}` (read and upsert by external id) and
//! `composite/sobjects/{type}` (Collections retrieve). Every write is validated as an org
//! validates it (unknown and read-only fields, restricted picklists, lookups to records that
//! exist, required fields), so a connector sending what Salesforce refuses is refused here too.

use super::records::{full_id, now};
use super::schema::{derive, schema, Schema};
use super::wire::Reply;
use super::{soql, Org, Record, Salesforce};
use crate::control::lock;
use axum::http::StatusCode;
use serde_json::{json, Map, Value};

impl Salesforce {
    /// `GET sobjects/{type}/{id}`: a record with the `fields` asked for, else every field.
    pub(super) fn retrieve(
        &self,
        version: &str,
        object: &str,
        id: &str,
        fields: Option<&str>,
    ) -> Reply {
        let Some(schema) = schema(object) else {
            return Reply::not_found();
        };
        let fields: Vec<String> = match fields {
            Some(f) => field_list(f),
            None => every_field(schema),
        };
        if let Some(bad) = schema.unknown(&fields) {
            return Reply::invalid_field(bad, schema.name);
        }
        let org = lock(&self.org);
        match org.find(schema, id) {
            Some(record) => Reply::json(
                StatusCode::OK,
                self.shape(&org, version, schema, record, &fields),
            ),
            None => Reply::not_found(),
        }
    }

    /// `GET /sobjects/{type}/{external id field}/{value}`.
    pub(super) fn by_external_id(
        &self,
        version: &str,
        object: &str,
        field: &str,
        value: &str,
    ) -> Reply {
        let Some(schema) = schema(object) else {
            return Reply::not_found();
        };
        if !schema
            .external_ids
            .iter()
            .any(|f| f.eq_ignore_ascii_case(field))
        {
            return Reply::no_external_id(field);
        }
        let org = lock(&self.org);
        let found = org.matching(schema, field, value);
        match found.as_slice() {
            [record] => Reply::json(
                StatusCode::OK,
                self.shape(&org, version, schema, record, &every_field(schema)),
            ),
            [] => Reply::not_found(),
            many => Reply::several(version, schema, many),
        }
    }

    /// `GET composite/sobjects/{type}?ids=…&fields=…`: the records in the order of `ids`,
    /// `null` for an id that names none.
    pub(super) fn collection(
        &self,
        version: &str,
        object: &str,
        ids: Option<&str>,
        fields: Option<&str>,
    ) -> Reply {
        let Some(schema) = schema(object) else {
            return Reply::not_found();
        };
        let (Some(ids), Some(fields)) = (ids, fields) else {
            return Reply::bad_request(
                "MISSING_ARGUMENT",
                "Both the ids and fields parameters are required",
            );
        };
        let fields = field_list(fields);
        if let Some(bad) = schema.unknown(&fields) {
            return Reply::invalid_field(bad, schema.name);
        }
        let org = lock(&self.org);
        let rows: Vec<Value> = ids
            .split(',')
            .map(|id| {
                org.find(schema, id.trim()).map_or(Value::Null, |r| {
                    self.shape(&org, version, schema, r, &fields)
                })
            })
            .collect();
        Reply::json(StatusCode::OK, Value::Array(rows))
    }

    /// `POST sobjects/{type}`.
    pub(super) fn create(&self, version: &str, object: &str, body: Option<Value>) -> Reply {
        let (schema, fields) = match written(object, body) {
            Ok(w) => w,
            Err(reply) => return reply,
        };
        let mut org = lock(&self.org);
        match self.insert(&mut org, schema, &fields) {
            Ok(id) => Reply::created(version, schema, &id, None),
            Err(reply) => reply,
        }
    }

    /// A new record of `schema` with `fields` and the values the org gives every new record.
    fn insert(
        &self,
        org: &mut Org,
        schema: &Schema,
        fields: &Map<String, Value>,
    ) -> Result<String, Reply> {
        if schema.writable.is_empty() {
            return Err(Reply::bad_request(
                "INVALID_TYPE_FOR_OPERATION",
                "entity type cannot be inserted",
            ));
        }
        let values = validate(org, schema, fields, true)?;
        let id = org.new_id(schema);
        let stamp = now();
        let mut record = Record::new();
        for f in schema.all_fields() {
            record.insert(f.to_owned(), Value::Null);
        }
        record.insert("Id".to_owned(), json!(id));
        record.insert("CreatedDate".to_owned(), json!(stamp));
        record.insert("LastModifiedDate".to_owned(), json!(stamp));
        record.insert("SystemModstamp".to_owned(), json!(stamp));
        record.insert("CreatedById".to_owned(), json!(self.user_id));
        record.insert("IsDeleted".to_owned(), json!(false));
        if schema.has("OwnerId") {
            record.insert("OwnerId".to_owned(), json!(self.user_id));
        }
        match schema.name {
            "Case" => {
                let next = org
                    .records
                    .get("Case")
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.get("CaseNumber")?.as_str()?.parse::<u64>().ok())
                    .max()
                    .unwrap_or(1000)
                    + 1;
                record.insert("CaseNumber".to_owned(), json!(format!("{next:08}")));
                record.insert("Status".to_owned(), json!("New"));
                record.insert("Priority".to_owned(), json!("Medium"));
            }
            "CaseComment" => {
                record.insert("IsPublished".to_owned(), json!(false));
            }
            _ => {}
        }
        record.extend(values);
        derive(schema, &mut record);
        org.records.entry(schema.name).or_default().push(record);
        Ok(id)
    }

    /// `PATCH sobjects/{type}/{id}`.
    pub(super) fn update(&self, object: &str, id: &str, body: Option<Value>) -> Reply {
        let (schema, fields) = match written(object, body) {
            Ok(w) => w,
            Err(reply) => return reply,
        };
        let mut org = lock(&self.org);
        match modify(&mut org, schema, id, &fields) {
            Ok(()) => Reply::no_content(),
            Err(reply) => reply,
        }
    }

    /// `PATCH sobjects/{type}/{field}/{value}`: updates the one record the external id (or `Id`)
    /// names, creates one if none does, and refuses if several do.
    pub(super) fn upsert(
        &self,
        version: &str,
        object: &str,
        field: &str,
        value: &str,
        body: Option<Value>,
    ) -> Reply {
        let (schema, fields) = match written(object, body) {
            Ok(w) => w,
            Err(reply) => return reply,
        };
        let Some(key) = schema
            .external_ids
            .iter()
            .chain(["Id"].iter())
            .find(|f| f.eq_ignore_ascii_case(field))
        else {
            return Reply::no_external_id(field);
        };
        let mut org = lock(&self.org);
        let found = org.matching(schema, key, value);
        let matches: Vec<String> = found
            .iter()
            .filter_map(|r| r.get("Id")?.as_str().map(str::to_owned))
            .collect();
        match matches.as_slice() {
            [] => {
                let mut fields = fields;
                if *key != "Id" {
                    fields.insert((*key).to_owned(), json!(value));
                }
                match self.insert(&mut org, schema, &fields) {
                    Ok(id) => Reply::created(version, schema, &id, Some(true)),
                    Err(reply) => reply,
                }
            }
            [id] => match modify(&mut org, schema, id, &fields) {
                Ok(()) => Reply::json(
                    StatusCode::OK,
                    json!({ "id": id, "success": true, "errors": [], "created": false }),
                ),
                Err(reply) => reply,
            },
            _ => Reply::several(version, schema, &found),
        }
    }

    /// Deletes a record and what Salesforce deletes with it: an account's contacts and cases,
    /// a case's comments.
    pub(super) fn delete(&self, object: &str, id: &str) -> Reply {
        let Some(schema) = schema(object) else {
            return Reply::not_found();
        };
        let mut org = lock(&self.org);
        let Some(id) = org
            .find(schema, id)
            .and_then(|r| r.get("Id")?.as_str().map(str::to_owned))
        else {
            return Reply::error(
                StatusCode::NOT_FOUND,
                "ENTITY_IS_DELETED",
                "entity is deleted",
                &[],
            );
        };
        let mut doomed = vec![(schema.name, id)];
        let mut i = 0;
        while i < doomed.len() {
            let (kind, parent) = doomed[i].clone();
            let children: &[(&str, &str)] = match kind {
                "Account" => &[("Contact", "AccountId"), ("Case", "AccountId")],
                "Case" => &[("CaseComment", "ParentId")],
                _ => &[],
            };
            for (child, link) in children {
                for r in org.records.get(child).into_iter().flatten() {
                    if r.get(*link).and_then(Value::as_str) == Some(parent.as_str()) {
                        if let Some(cid) = r.get("Id").and_then(Value::as_str) {
                            doomed.push((child, cid.to_owned()));
                        }
                    }
                }
            }
            i += 1;
        }
        for (kind, id) in doomed {
            if let Some(rows) = org.records.get_mut(kind) {
                rows.retain(|r| r.get("Id").and_then(Value::as_str) != Some(id.as_str()));
            }
        }
        Reply::no_content()
    }
}

/// Changes the record `id` names to `fields`, as an update does.
fn modify(
    org: &mut Org,
    schema: &Schema,
    id: &str,
    fields: &Map<String, Value>,
) -> Result<(), Reply> {
    let values = validate(org, schema, fields, false)?;
    let Some(record) = org.find_mut(schema, id) else {
        return Err(Reply::not_found());
    };
    record.extend(values);
    record.insert("LastModifiedDate".to_owned(), json!(now()));
    derive(schema, record);
    Ok(())
}

/// Checks and normalises the fields of a write; `Err` is Salesforce's answer.
fn validate(
    org: &Org,
    schema: &Schema,
    fields: &Map<String, Value>,
    creating: bool,
) -> Result<Record, Reply> {
    let mut out = Record::new();
    for (name, value) in fields {
        if name == "attributes" {
            continue;
        }
        let Some(canonical) = schema.field(name) else {
            return Err(Reply::bad_request(
                "INVALID_FIELD",
                &format!("No such column '{name}' on sobject of type {}", schema.name),
            ));
        };
        // Each refusal from here on is about this one field.
        let refuse = |code: &str, message: &str| {
            Err(Reply::error(
                StatusCode::BAD_REQUEST,
                code,
                message,
                &[canonical],
            ))
        };
        if !schema.writable.contains(&canonical) {
            return refuse(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                &format!("Unable to create/update fields: {canonical}. Please check the security settings of this field and verify that it is read/write for your profile or permission set."),
            );
        }
        if let Some((_, allowed)) = schema.picklists.iter().find(|(f, _)| *f == canonical) {
            if let Some(v) = value.as_str().filter(|v| !allowed.contains(v)) {
                return refuse(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    &format!("{canonical}: bad value for restricted picklist field: {v}"),
                );
            }
        }
        if let Some((_, target)) = schema.lookups.iter().find(|(f, _)| *f == canonical) {
            if let Some(id) = value.as_str() {
                if !soql::is_id(id) {
                    return refuse(
                        "MALFORMED_ID",
                        &format!("{canonical}: id value of incorrect type: {id}"),
                    );
                }
                if super::schema::schema(target)
                    .and_then(|t| org.find(t, id))
                    .is_none()
                {
                    return refuse("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id");
                }
                out.insert(canonical.to_owned(), json!(full_id(id)));
                continue;
            }
        }
        out.insert(canonical.to_owned(), value.clone());
    }
    if creating {
        let missing: Vec<&str> = schema
            .required
            .iter()
            .filter(|f| {
                out.get(**f)
                    .is_none_or(|v| v.is_null() || v.as_str() == Some(""))
            })
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(Reply::error(
                StatusCode::BAD_REQUEST,
                "REQUIRED_FIELD_MISSING",
                &format!("Required fields are missing: [{}]", missing.join(", ")),
                &missing,
            ));
        }
    }
    Ok(out)
}

/// The type and fields of a write, or Salesforce's answer to a write without them.
fn written(
    object: &str,
    body: Option<Value>,
) -> Result<(&'static Schema, Map<String, Value>), Reply> {
    let schema = schema(object).ok_or_else(Reply::not_found)?;
    match body {
        Some(Value::Object(fields)) => Ok((schema, fields)),
        _ => Err(Reply::json_required()),
    }
}

/// A `fields` parameter's names.
fn field_list(fields: &str) -> Vec<String> {
    fields.split(',').map(|f| f.trim().to_owned()).collect()
}

/// Every field of `schema`: what a read shows when it names none.
fn every_field(schema: &Schema) -> Vec<String> {
    schema.all_fields().map(str::to_owned).collect()
}
