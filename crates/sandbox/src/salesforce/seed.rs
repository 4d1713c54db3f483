//! The demo world's CRM side as the org's records: the integration user, the accounts
//! (distributors, partners and their customers, each with the number and id of its billing
//! account), the contacts with the external id a previous sync by the connector
//! would have left, and the cases. Ids are the demo's, so the billing side's `crmId`s point at
//! records that exist here.

use super::records::DATETIME;
use super::schema::{derive, schema};
use super::{Org, Record};
use partnergraph_core::model::*;
use partnergraph_demo::{crm_id, DemoData};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Fills `org` with `demo`'s CRM records, all owned by the user `user_id`.
pub(super) fn seed(org: &mut Org, demo: &DemoData, user_id: &str, username: &str) {
    let stamp = |at: chrono::DateTime<chrono::Utc>| json!(at.format(DATETIME).to_string());
    let created = stamp(chrono::Utc::now());
    // A record as the org would hold it: audit fields and owner first, then `fields`, the
    // type's other fields null, and the fields Salesforce computes computed.
    let record = |object: &str, id: &str, fields: Value| -> Record {
        let mut r = Record::new();
        r.insert("Id".to_owned(), json!(id));
        r.insert("CreatedDate".to_owned(), created.clone());
        r.insert("LastModifiedDate".to_owned(), created.clone());
        r.insert("SystemModstamp".to_owned(), created.clone());
        r.insert("CreatedById".to_owned(), json!(user_id));
        r.insert("OwnerId".to_owned(), json!(user_id));
        r.insert("IsDeleted".to_owned(), json!(false));
        if let Value::Object(fields) = fields {
            r.extend(fields);
        }
        if let Some(s) = schema(object) {
            for f in s.fields() {
                r.entry(f.to_owned()).or_insert(Value::Null);
            }
            derive(s, &mut r);
        }
        r
    };
    let mut user = record(
        "User",
        user_id,
        json!({ "Username": username, "Email": username, "Name": "Integration User", "IsActive": true }),
    );
    user.remove("OwnerId");
    // An organization's account is its distributor's or partner's; every other is a customer's.
    let kinds: HashMap<&str, OrgKind> = demo
        .organizations
        .iter()
        .filter_map(|o| Some((o.external.crm.as_ref()?.as_str(), o.kind)))
        .collect();
    let account = |a: &CrmAccount| {
        let kind = match kinds.get(a.id.as_str()) {
            Some(OrgKind::Distributor) => "Distributor",
            Some(OrgKind::Partner) => "Channel Partner / Reseller",
            None => "Customer",
        };
        let parent = a.parent_id.as_ref().map(|p| p.as_str());
        let fields = json!({
            "Name": a.name, "ParentId": parent, "Type": kind,
            "Billing_Account_Id__c": a.billing.as_ref().map(|b| b.id.as_str()),
            "Billing_Account_Number__c": a.billing.as_ref().map(|b| b.number.as_str()),
        });
        record("Account", a.id.as_str(), fields)
    };
    let contact = |c: &Contact| {
        let key = format!("{}:{}", c.account_id.as_str(), c.email.to_lowercase());
        let fields = json!({
            "AccountId": c.account_id.as_str(), "FirstName": c.first_name,
            "LastName": c.last_name, "Email": c.email, "Phone": c.phone,
            "Partnergraph_Key__c": key,
        });
        record("Contact", &crm_id("003", &format!("contact-{key}")), fields)
    };
    let case = |c: &Case| {
        let fields = json!({
            "CaseNumber": c.number, "AccountId": c.account_id.as_str(), "Subject": c.subject,
            "Description": c.description, "Status": format!("{:?}", c.status),
            "Priority": format!("{:?}", c.priority), "Origin": "Web",
            "CreatedDate": stamp(c.created_at),
        });
        record("Case", c.id.as_str(), fields)
    };
    org.records.insert("User", vec![user]);
    org.records
        .insert("Account", demo.crm_accounts.iter().map(account).collect());
    org.records
        .insert("Contact", demo.contacts.iter().map(contact).collect());
    org.records
        .insert("Case", demo.cases.iter().map(case).collect());
    org.records.insert("CaseComment", Vec::new());
}
