//! partnergraph-salesforce: the CRM (accounts, contacts, support cases) over Salesforce's REST
//! API.
//!
//! Reads are batch-first: a DataLoader hands over the keys of a whole page and each becomes one
//! SOQL query with `WHERE … IN (…)` (split every 300 ids, every `nextRecordsUrl` followed), plus
//! cases' comments in the same query (a parent-child subquery), so a 50-customer page with its
//! cases costs one request, not one per customer.
//!
//! Ids are Salesforce's: a CRM account id is an Account id, a case id a Case id. Records the
//! portal creates carry its write key in the external id field `Partnergraph_Key__c` (on
//! Account, Contact and Case; a unique, case-insensitive text field the connected app's
//! permission set must grant), and are written by upsert on that field, so a resumed or retried
//! journal step finds the record it created instead of creating another. A new end customer's
//! Account and Contact are created in one Composite request with `allOrNone`.
//!
//! An Account the portal creates says what it stands for in the standard `Type` picklist
//! (`Customer`, `Channel Partner / Reseller` for a partner, `Distributor`: the org's picklist
//! must have these values, the first two being standard) and, when the holder has a billing
//! account, which one in two custom text fields the connected app's permission set must grant:
//! `Billing_Account_Id__c` (the Zuora account id) and `Billing_Account_Number__c` (its number),
//! so that a rep in Salesforce finds the billing side as Zuora's `crmId` finds the CRM side.

mod client;
pub mod soql;
mod wire;

pub use client::{Auth, SalesforceClient, SalesforceConfig, SalesforceError, Subrequest};

use async_trait::async_trait;
use client::{count_of, first_error, SubAnswer};
use partnergraph_core::filter::{CaseFilter, CaseOrderField};
use partnergraph_core::ids::*;
use partnergraph_core::model::*;
use partnergraph_core::paging::{select, Order, Page, PageRequest};
use partnergraph_core::traits::{AccountSet, Crm};
use partnergraph_core::write::derived_id;
use partnergraph_core::Result;
use serde_json::{json, Value};
use soql::{id_lists, is_id, quote};
use std::collections::{HashMap, HashSet};
use wire::*;

/// The external id field the portal's records carry.
const KEY_FIELD: &str = "Partnergraph_Key__c";
/// Subrequests per Composite request (Salesforce's limit).
const COMPOSITE_LIMIT: usize = 25;
/// The Account field holding the id of the holder's billing account.
const BILLING_ID_FIELD: &str = "Billing_Account_Id__c";
/// The Account field holding the number of the holder's billing account.
const BILLING_NUMBER_FIELD: &str = "Billing_Account_Number__c";

/// The Account `Type` of what an account stands for.
fn account_type(kind: CrmAccountKind) -> &'static str {
    match kind {
        CrmAccountKind::Customer => "Customer",
        CrmAccountKind::Partner => "Channel Partner / Reseller",
        CrmAccountKind::Distributor => "Distributor",
    }
}

/// Salesforce as partnergraph's CRM.
pub struct SalesforceCrm {
    client: SalesforceClient,
}

impl SalesforceCrm {
    /// A connector over `client`.
    pub fn new(client: SalesforceClient) -> Self {
        Self { client }
    }

    /// Every row of `object` whose `field` is one of `ids` (and that meets `and`, a SOQL
    /// condition of constants): one query per id list, none when no id is valid.
    async fn rows_in<T: serde::de::DeserializeOwned>(
        &self,
        object: &str,
        fields: &str,
        field: &str,
        ids: &[&str],
        and: &str,
    ) -> Result<Vec<T>> {
        let mut rows = Vec::new();
        for list in id_lists(ids.iter().copied()) {
            let soql = format!("SELECT {fields} FROM {object} WHERE {field} IN {list}{and}");
            rows.extend(self.client.query::<T>(&soql).await?);
        }
        Ok(rows)
    }

    /// Cases with their comments, which came in the cases' rows; those of a case whose
    /// comments Salesforce cut short are read in full (one more query for all such cases).
    async fn with_comments(&self, rows: Vec<CaseRow>) -> Result<Vec<Case>> {
        let cut: Vec<&str> = rows
            .iter()
            .filter(|r| !r.has_all_comments())
            .map(|r| r.id.as_str())
            .collect();
        let mut by_case = if cut.is_empty() {
            HashMap::new()
        } else {
            self.comments_of(&cut).await?
        };
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let rest = by_case.remove(id_key(&r.id));
                let mut case = r.case()?;
                if let Some(all) = rest {
                    case.comments = all;
                }
                Some(case)
            })
            .collect())
    }

    /// The comments of these cases, oldest first, by [`id_key`] of their case: one query.
    async fn comments_of(&self, cases: &[&str]) -> Result<HashMap<String, Vec<CaseComment>>> {
        let comments: Vec<CommentRow> = self
            .rows_in(
                "CaseComment",
                COMMENT_FIELDS,
                "ParentId",
                cases,
                &format!(" {COMMENT_ORDER}"),
            )
            .await?;
        let mut by_case: HashMap<String, Vec<CaseComment>> = HashMap::new();
        for c in comments {
            by_case
                .entry(id_key(&c.parent_id).to_owned())
                .or_default()
                .push(c.into());
        }
        Ok(by_case)
    }

    async fn case_rows(&self, field: &str, ids: &[&str], and: &str) -> Result<Vec<CaseRow>> {
        self.rows_in("Case", &case_select(), field, ids, and).await
    }

    /// Runs a Composite request and fails with its first real error if any subrequest failed.
    async fn all_or_none(&self, requests: Vec<Subrequest>) -> Result<Vec<SubAnswer>> {
        let answers = self.client.composite(true, requests).await?;
        if let Some(failed) = answers.iter().find(|a| a.http_status_code >= 400) {
            let (code, message) = answers
                .iter()
                .filter(|a| a.http_status_code >= 400)
                .find_map(|a| first_error(&a.body))
                .unwrap_or_else(|| (failed.http_status_code.to_string(), "refused".to_owned()));
            tracing::warn!(
                code,
                reference = failed.reference_id,
                "Salesforce composite request refused"
            );
            return Err(client::refusal(code, message).into());
        }
        Ok(answers)
    }
}

/// What identifies a record whichever of its 15- and 18-character ids names it.
fn id_key(id: &str) -> &str {
    id.get(..15).unwrap_or(id)
}

/// The id Salesforce returned for subrequest `reference`.
fn id_of(answers: &[SubAnswer], reference: &str) -> Result<String> {
    answers
        .iter()
        .find(|a| a.reference_id == reference)
        .and_then(|a| a.body.get("id").and_then(Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| SalesforceError::Decode(format!("composite {reference}")).into())
}

/// The `Partnergraph_Key__c` of the record a portal write creates: derived from the write's key,
/// so it fits a URL path segment whatever the key holds.
fn external_key(key: &str) -> String {
    derived_id("pg", key)
}

/// The URL of an upsert by the portal's external id.
fn upsert_url(object: &str, key: &str) -> String {
    format!("sobjects/{object}/{KEY_FIELD}/{key}")
}

fn contact_body(
    account: &str,
    first_name: &str,
    last_name: &str,
    email: &str,
    phone: Option<&str>,
) -> Value {
    json!({
        "AccountId": account,
        "FirstName": first_name,
        "LastName": last_name,
        "Email": email,
        "Phone": phone,
    })
}

fn invalid_id(what: &str) -> partnergraph_core::Error {
    partnergraph_core::Error::bad_input(what, "not a Salesforce id")
}

#[async_trait]
impl Crm for SalesforceCrm {
    async fn contacts_for_accounts(&self, ids: &[CrmAccountId]) -> Result<Vec<Contact>> {
        let ids: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        let rows: Vec<ContactRow> = self
            .rows_in("Contact", CONTACT_FIELDS, "AccountId", &ids, "")
            .await?;
        Ok(rows.into_iter().filter_map(ContactRow::contact).collect())
    }

    async fn cases(&self, ids: &[CaseId]) -> Result<Vec<Case>> {
        let ids: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        let rows = self.case_rows("Id", &ids, "").await?;
        self.with_comments(rows).await
    }

    async fn cases_for_accounts(&self, ids: &[CrmAccountId]) -> Result<Vec<Case>> {
        let ids: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        let rows = self.case_rows("AccountId", &ids, "").await?;
        self.with_comments(rows).await
    }

    async fn list_cases(
        &self,
        accounts: &AccountSet<CrmAccountId>,
        filter: &CaseFilter,
        order: Order<CaseOrderField>,
        page: &PageRequest,
    ) -> Result<Page<Case>> {
        // `open` is pushed down (IsClosed is what "closed" means for any status value); the
        // rest of the filter is applied to the mapped rows, so unknown picklist values filter
        // by their meaning.
        let open = match filter.open {
            Some(true) => "IsClosed = false",
            Some(false) => "IsClosed = true",
            None => "",
        };
        let rows = match accounts {
            AccountSet::All => {
                let condition = if open.is_empty() {
                    String::new()
                } else {
                    format!(" WHERE {open}")
                };
                self.client
                    .query::<CaseRow>(&format!("SELECT {} FROM Case{condition}", case_select()))
                    .await?
            }
            AccountSet::Only(ids) => {
                let ids: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
                let and = if open.is_empty() {
                    String::new()
                } else {
                    format!(" AND {open}")
                };
                self.case_rows("AccountId", &ids, &and).await?
            }
        };
        let cases = self.with_comments(rows).await?;
        Ok(select(
            cases,
            filter,
            order,
            page,
            chrono::Utc::now().date_naive(),
        ))
    }

    async fn create_crm_account(&self, key: &str, account: &NewCrmAccount) -> Result<CrmAccount> {
        if let Some(parent) = &account.parent_id {
            if !is_id(parent.as_str()) {
                return Err(invalid_id("parentId"));
            }
        }
        let external = external_key(key);
        let mut body = json!({
            "Name": account.name,
            "ParentId": account.parent_id.as_ref().map(|p| p.as_str()),
            "Type": account_type(account.kind),
        });
        // Left out without a link, so a retried upsert never clears one a rep has set since.
        if let Some(billing) = &account.billing {
            body[BILLING_ID_FIELD] = json!(billing.id.as_str());
            body[BILLING_NUMBER_FIELD] = json!(billing.number);
        }
        let mut requests = vec![Subrequest {
            method: "PATCH",
            url: upsert_url("Account", &external),
            reference_id: "account".to_owned(),
            body: Some(body),
        }];
        if let Some(contact) = &account.contact {
            let body = contact_body(
                "@{account.id}",
                &contact.first_name,
                &contact.last_name,
                &contact.email,
                contact.phone.as_deref(),
            );
            requests.push(Subrequest {
                method: "PATCH",
                url: upsert_url("Contact", &external),
                reference_id: "contact".to_owned(),
                body: Some(body),
            });
        }
        let answers = self.all_or_none(requests).await?;
        Ok(CrmAccount {
            id: CrmAccountId::from(id_of(&answers, "account")?),
            name: account.name.clone(),
            parent_id: account.parent_id.clone(),
            billing: account.billing.clone(),
        })
    }

    async fn save_contact(&self, contact: &Contact) -> Result<()> {
        if !is_id(contact.account_id.as_str()) {
            return Err(invalid_id("accountId"));
        }
        // The contact may have been created in Salesforce by a rep (no portal key): it is found
        // by account and email, and adopted.
        let existing: Vec<ContactRow> = self
            .client
            .query(&format!(
                "SELECT Id FROM Contact WHERE AccountId = {} AND Email = {} ORDER BY CreatedDate LIMIT 1",
                quote(contact.account_id.as_str()),
                quote(&contact.email),
            ))
            .await?;
        let body = contact_body(
            contact.account_id.as_str(),
            &contact.first_name,
            &contact.last_name,
            &contact.email,
            contact.phone.as_deref(),
        );
        let url = match existing.first() {
            Some(row) if is_id(&row.id) => format!("sobjects/Contact/{}", row.id),
            _ => upsert_url(
                "Contact",
                &external_key(&format!(
                    "{}:{}",
                    contact.account_id.as_str(),
                    contact.email.to_lowercase()
                )),
            ),
        };
        self.all_or_none(vec![Subrequest {
            method: "PATCH",
            url,
            reference_id: "contact".to_owned(),
            body: Some(body),
        }])
        .await?;
        Ok(())
    }

    async fn delete_crm_account(&self, id: &CrmAccountId) -> Result<Removed> {
        if !is_id(id.as_str()) {
            return Ok(Removed::default());
        }
        let quoted = quote(id.as_str());
        let count = |object: &str| {
            let soql = format!("SELECT COUNT() FROM {object} WHERE AccountId = {quoted}");
            format!(
                "query?{}",
                serde_urlencoded::to_string([("q", soql)]).unwrap_or_default()
            )
        };
        // One request: count what goes (Salesforce deletes an account's contacts and cases
        // with it), then delete.
        let answers = self
            .client
            .composite(
                false,
                vec![
                    Subrequest {
                        method: "GET",
                        url: count("Contact"),
                        reference_id: "contacts".to_owned(),
                        body: None,
                    },
                    Subrequest {
                        method: "GET",
                        url: count("Case"),
                        reference_id: "cases".to_owned(),
                        body: None,
                    },
                    Subrequest {
                        method: "DELETE",
                        url: format!("sobjects/Account/{}", id.as_str()),
                        reference_id: "account".to_owned(),
                        body: None,
                    },
                ],
            )
            .await?;
        let answer = |r: &str| answers.iter().find(|a| a.reference_id == r);
        match answer("account").map(|a| a.http_status_code) {
            Some(204 | 200) => Ok(Removed {
                contacts: answer("contacts").map(count_of).unwrap_or(0),
                cases: answer("cases").map(count_of).unwrap_or(0),
                ..Removed::default()
            }),
            // Already gone: deleting is idempotent.
            Some(404) => Ok(Removed::default()),
            _ => {
                let (code, message) = answer("account")
                    .and_then(|a| first_error(&a.body))
                    .unwrap_or_else(|| ("UNKNOWN".to_owned(), "delete refused".to_owned()));
                match client::refusal(code, message) {
                    // Deleted meanwhile (`ENTITY_IS_DELETED`): as good as done.
                    SalesforceError::NotFound => Ok(Removed::default()),
                    err => Err(err.into()),
                }
            }
        }
    }

    async fn update_case(&self, desired: &Case) -> Result<Case> {
        if !is_id(desired.id.as_str()) {
            return Err(partnergraph_core::UpstreamError::NotFound.into());
        }
        // Comments already in Salesforce (a retried update added them) are not added again.
        let present: HashSet<String> = self
            .comments_of(&[desired.id.as_str()])
            .await?
            .into_values()
            .flatten()
            .map(|c| c.id)
            .collect();
        let new: Vec<&CaseComment> = desired
            .comments
            .iter()
            .filter(|c| !present.contains(&c.id))
            .collect();
        if new.len() >= COMPOSITE_LIMIT {
            return Err(partnergraph_core::Error::bad_input(
                "comments",
                "too many new comments for one update",
            ));
        }
        let mut requests = vec![Subrequest {
            method: "PATCH",
            url: format!("sobjects/Case/{}", desired.id.as_str()),
            reference_id: "case".to_owned(),
            body: Some(json!({
                "Status": status_value(desired.status),
                "Priority": priority_value(desired.priority),
                "Description": desired.description,
            })),
        }];
        for (i, comment) in new.iter().enumerate() {
            requests.push(Subrequest {
                method: "POST",
                url: "sobjects/CaseComment".to_owned(),
                reference_id: format!("comment{i}"),
                body: Some(json!({
                    "ParentId": desired.id.as_str(),
                    "CommentBody": comment_body(comment),
                    "IsPublished": true,
                })),
            });
        }
        self.all_or_none(requests).await?;
        Ok(desired.clone())
    }

    async fn create_case(&self, key: &str, new: &NewCase) -> Result<Case> {
        if !is_id(new.account_id.as_str()) {
            return Err(invalid_id("accountId"));
        }
        // Upsert and read back in one request: the read returns the number and creation time
        // Salesforce gave the case.
        let answers = self
            .all_or_none(vec![
                Subrequest {
                    method: "PATCH",
                    url: upsert_url("Case", &external_key(key)),
                    reference_id: "case".to_owned(),
                    body: Some(json!({
                        "AccountId": new.account_id.as_str(),
                        "Subject": new.subject,
                        "Description": new.description,
                        "Priority": priority_value(new.priority),
                        "Origin": "Web",
                    })),
                },
                Subrequest {
                    method: "GET",
                    url: format!(
                        "sobjects/Case/@{{case.id}}?fields={}",
                        CASE_FIELDS.replace(' ', "")
                    ),
                    reference_id: "read".to_owned(),
                    body: None,
                },
            ])
            .await?;
        let read = answers
            .into_iter()
            .find(|a| a.reference_id == "read")
            .ok_or_else(|| SalesforceError::Decode("composite read".to_owned()))?;
        let row: CaseRow = serde_json::from_value(read.body)
            .map_err(|_| SalesforceError::Decode("composite read".to_owned()))?;
        row.case()
            .ok_or_else(|| SalesforceError::Decode("case without account".to_owned()).into())
    }
}
