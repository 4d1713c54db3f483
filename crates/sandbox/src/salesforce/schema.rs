//! The sObject types the sandbox org knows: their fields, which of them a write may set, which
//! it must, their lookups, restricted picklists, external ids and child relationships, and the
//! fields Salesforce computes itself. Queries, reads and writes all ask this table, so a field
//! the org lacks is refused the same way everywhere.

use super::records::now;
use super::Record;
use serde_json::{json, Value};

/// What an sObject type holds and allows.
pub(super) struct Schema {
    /// The type's API name.
    pub(super) name: &'static str,
    /// The key prefix of its ids.
    pub(super) prefix: &'static str,
    /// Fields a read shows but no write may set (besides the audit fields every type has).
    read_only: &'static [&'static str],
    /// Fields a write may set.
    pub(super) writable: &'static [&'static str],
    /// Fields a create must set.
    pub(super) required: &'static [&'static str],
    /// Lookup fields and the type they point at.
    pub(super) lookups: &'static [(&'static str, &'static str)],
    /// Restricted picklists: the values each allows.
    pub(super) picklists: &'static [(&'static str, &'static [&'static str])],
    /// Fields upserts may match on.
    pub(super) external_ids: &'static [&'static str],
}

/// The values of the org's Account `Type` picklist, restricted so that a connector sending a
/// value the org lacks is refused: a new org's standard values, and `Customer` and
/// `Distributor`, which partnergraph's channel adds (its partners are `Channel Partner /
/// Reseller`).
pub(super) const ACCOUNT_TYPES: &[&str] = &[
    "Prospect",
    "Customer",
    "Customer - Direct",
    "Customer - Channel",
    "Channel Partner / Reseller",
    "Installation Partner",
    "Technology Partner",
    "Distributor",
    "Other",
];

/// The audit fields every type has.
const AUDIT: [&str; 5] = [
    "CreatedDate",
    "LastModifiedDate",
    "CreatedById",
    "IsDeleted",
    "SystemModstamp",
];

static SCHEMAS: [Schema; 5] = [
    Schema {
        name: "Account",
        prefix: "001",
        read_only: &["Id", "OwnerId"],
        writable: &[
            "Name",
            "ParentId",
            "Type",
            "Phone",
            "Website",
            "AccountNumber",
            "Partnergraph_Key__c",
            // The billing account of the same holder, as the portal links the two: text fields
            // (the Zuora account's 32-hex id and its number).
            "Billing_Account_Id__c",
            "Billing_Account_Number__c",
        ],
        required: &["Name"],
        lookups: &[
            ("ParentId", "Account"),
            ("OwnerId", "User"),
            ("CreatedById", "User"),
        ],
        picklists: &[("Type", ACCOUNT_TYPES)],
        external_ids: &["Partnergraph_Key__c"],
    },
    Schema {
        name: "Contact",
        prefix: "003",
        // Salesforce computes `Name` from the first and last names.
        read_only: &["Id", "Name", "OwnerId"],
        writable: &[
            "AccountId",
            "FirstName",
            "LastName",
            "Email",
            "Phone",
            "Title",
            "Partnergraph_Key__c",
        ],
        required: &["LastName"],
        lookups: &[
            ("AccountId", "Account"),
            ("OwnerId", "User"),
            ("CreatedById", "User"),
        ],
        picklists: &[],
        external_ids: &["Partnergraph_Key__c"],
    },
    Schema {
        name: "Case",
        prefix: "500",
        read_only: &["Id", "CaseNumber", "IsClosed", "ClosedDate", "OwnerId"],
        writable: &[
            "AccountId",
            "ContactId",
            "Subject",
            "Description",
            "Status",
            "Priority",
            "Origin",
            "Partnergraph_Key__c",
        ],
        required: &[],
        lookups: &[
            ("AccountId", "Account"),
            ("ContactId", "Contact"),
            ("OwnerId", "User"),
            ("CreatedById", "User"),
        ],
        picklists: &[
            ("Status", &["New", "Working", "Escalated", "Closed"]),
            ("Priority", &["High", "Medium", "Low"]),
            ("Origin", &["Phone", "Email", "Web"]),
        ],
        external_ids: &["Partnergraph_Key__c"],
    },
    Schema {
        name: "CaseComment",
        prefix: "00a",
        read_only: &["Id"],
        writable: &["ParentId", "CommentBody", "IsPublished"],
        required: &["ParentId"],
        lookups: &[("ParentId", "Case"), ("CreatedById", "User")],
        picklists: &[],
        external_ids: &[],
    },
    Schema {
        name: "User",
        prefix: "005",
        read_only: &["Id", "Username", "Email", "Name", "IsActive"],
        writable: &[],
        required: &[],
        lookups: &[("CreatedById", "User")],
        picklists: &[],
        external_ids: &[],
    },
];

/// Child relationships subqueries can name: parent type, relationship, child type, and the
/// child's lookup field.
const CHILD_RELATIONSHIPS: [(&str, &str, &str, &str); 3] = [
    ("Account", "Contacts", "Contact", "AccountId"),
    ("Account", "Cases", "Case", "AccountId"),
    ("Case", "CaseComments", "CaseComment", "ParentId"),
];

/// The type named `name`, case-insensitively.
pub(super) fn schema(name: &str) -> Option<&'static Schema> {
    SCHEMAS.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

impl Schema {
    /// Whether the type has `field` (an audit field included), case-insensitively.
    pub(super) fn has(&self, field: &str) -> bool {
        self.field(field).is_some()
    }

    /// The canonical spelling of `field`.
    pub(super) fn field(&self, field: &str) -> Option<&'static str> {
        self.all_fields().find(|f| f.eq_ignore_ascii_case(field))
    }

    /// The type's own fields (the audit fields aside).
    pub(super) fn fields(&self) -> impl Iterator<Item = &'static str> {
        self.read_only.iter().chain(self.writable).copied()
    }

    /// Every field, audit fields last: what a read without a field list shows.
    pub(super) fn all_fields(&self) -> impl Iterator<Item = &'static str> {
        self.fields().chain(AUDIT)
    }

    /// A child relationship by name (`CaseComments`): its canonical name, the child type, and
    /// the child's lookup field pointing here.
    pub(super) fn child_relationship(
        &self,
        name: &str,
    ) -> Option<(&'static str, &'static Schema, &'static str)> {
        CHILD_RELATIONSHIPS
            .iter()
            .find(|(parent, relationship, _, _)| {
                *parent == self.name && relationship.eq_ignore_ascii_case(name)
            })
            .and_then(|(_, relationship, child, lookup)| {
                Some((*relationship, schema(child)?, *lookup))
            })
    }

    /// The lookup a relationship name follows (`Parent` → `ParentId`, `CreatedBy` →
    /// `CreatedById`) and the type it points at.
    pub(super) fn relationship(&self, name: &str) -> Option<(&'static str, &'static str)> {
        self.lookups
            .iter()
            .find(|(f, _)| {
                f.strip_suffix("Id")
                    .is_some_and(|r| r.eq_ignore_ascii_case(name))
            })
            .copied()
    }

    /// Whether `field` holds ids (`Id` or a lookup).
    pub(super) fn is_id_field(&self, field: &str) -> bool {
        field.eq_ignore_ascii_case("Id")
            || self
                .lookups
                .iter()
                .any(|(f, _)| f.eq_ignore_ascii_case(field))
    }

    /// The schema a field path ends on, if every step of it exists.
    pub(super) fn path_schema(&'static self, path: &str) -> Option<&'static Schema> {
        match path.split_once('.') {
            None => self.has(path).then_some(self),
            Some((relationship, rest)) => {
                let (_, target) = self.relationship(relationship)?;
                schema(target)?.path_schema(rest)
            }
        }
    }

    /// The first of `fields` that names no field path of this type.
    pub(super) fn unknown<'a>(&'static self, fields: &'a [String]) -> Option<&'a String> {
        fields.iter().find(|f| self.path_schema(f).is_none())
    }
}

/// Fields Salesforce computes: a contact's `Name`, a case's `IsClosed` and `ClosedDate`.
pub(super) fn derive(schema: &Schema, record: &mut Record) {
    match schema.name {
        "Contact" => {
            let name = [record.get("FirstName"), record.get("LastName")]
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            record.insert("Name".to_owned(), json!(name));
        }
        "Case" => {
            let closed = record.get("Status").and_then(Value::as_str) == Some("Closed");
            let was_closed = record.get("ClosedDate").is_some_and(|d| !d.is_null());
            record.insert("IsClosed".to_owned(), json!(closed));
            if closed && !was_closed {
                record.insert("ClosedDate".to_owned(), json!(now()));
            } else if !closed {
                record.insert("ClosedDate".to_owned(), Value::Null);
            }
        }
        _ => {}
    }
}
