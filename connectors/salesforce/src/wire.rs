//! Salesforce records as the REST API sends them, and their mapping to core's model. Unknown
//! fields (the `attributes` envelope, custom fields) are ignored; nullable fields are optional.

use chrono::{DateTime, Utc};
use partnergraph_core::ids::*;
use partnergraph_core::model::*;
use serde::Deserialize;

/// The fields read of a Contact.
pub const CONTACT_FIELDS: &str = "Id, AccountId, FirstName, LastName, Email, Phone";
/// The fields read of a Case.
pub const CASE_FIELDS: &str =
    "Id, CaseNumber, AccountId, Subject, Description, Status, Priority, IsClosed, CreatedDate";
/// The fields read of a CaseComment.
pub const COMMENT_FIELDS: &str = "Id, ParentId, CommentBody, CreatedDate, CreatedBy.Email";
/// The order comments are shown in.
pub const COMMENT_ORDER: &str = "ORDER BY CreatedDate, Id";

/// What a case query selects: the case's fields and, as a parent-child subquery, its comments,
/// so cases and their comments are one request.
pub fn case_select() -> String {
    format!("{CASE_FIELDS}, (SELECT {COMMENT_FIELDS} FROM CaseComments {COMMENT_ORDER})")
}

/// How the portal signs the comments it writes, since Salesforce records the integration user
/// as their author: `<body>\n\n— <author email> (portal comment <id>)`.
const SIGNATURE: &str = "\n\n— ";
const MARK: &str = " (portal comment ";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContactRow {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

impl ContactRow {
    /// The contact, if it belongs to an account (private contacts do not).
    pub fn contact(self) -> Option<Contact> {
        Some(Contact {
            account_id: CrmAccountId::from(self.account_id?),
            first_name: self.first_name.unwrap_or_default(),
            last_name: self.last_name.unwrap_or_default(),
            email: self.email.unwrap_or_default(),
            phone: self.phone,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CaseRow {
    pub id: String,
    #[serde(default)]
    case_number: Option<String>,
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    is_closed: Option<bool>,
    #[serde(default, deserialize_with = "datetime")]
    created_date: Option<DateTime<Utc>>,
    /// The comments subquery: `null` when the case has none.
    #[serde(default, rename = "CaseComments")]
    case_comments: Option<Children<CommentRow>>,
}

/// A parent-child subquery's rows in a parent record.
#[derive(Debug, Deserialize)]
pub struct Children<T> {
    /// False when Salesforce cut the rows short (they continue behind a locator).
    #[serde(default = "complete")]
    done: bool,
    #[serde(default = "Vec::new")]
    records: Vec<T>,
}

fn complete() -> bool {
    true
}

impl CaseRow {
    /// Whether the row carries all its comments (or was read without them).
    pub fn has_all_comments(&self) -> bool {
        self.case_comments.as_ref().is_none_or(|c| c.done)
    }

    /// The case with the comments its row carries, if it is about an account (cases without
    /// one are not the portal's).
    pub fn case(self) -> Option<Case> {
        let comments = self
            .case_comments
            .map(|c| c.records.into_iter().map(CaseComment::from).collect())
            .unwrap_or_default();
        // Status and priority are org-configurable picklists: values the portal does not know
        // are read by what they mean (closed or not; medium urgency).
        let status = match self.status.as_deref() {
            Some("New") => CaseStatus::New,
            Some("Working") => CaseStatus::Working,
            Some("Escalated") => CaseStatus::Escalated,
            Some("Closed") => CaseStatus::Closed,
            _ if self.is_closed == Some(true) => CaseStatus::Closed,
            _ => CaseStatus::Working,
        };
        let priority = match self.priority.as_deref() {
            Some("High") => CasePriority::High,
            Some("Low") => CasePriority::Low,
            _ => CasePriority::Medium,
        };
        Some(Case {
            id: CaseId::from(self.id),
            number: self.case_number.unwrap_or_default(),
            account_id: CrmAccountId::from(self.account_id?),
            subject: self.subject.unwrap_or_default(),
            description: self.description.unwrap_or_default(),
            status,
            priority,
            created_at: self.created_date.unwrap_or_default(),
            comments,
        })
    }
}

/// Salesforce's picklist value for a status.
pub fn status_value(s: CaseStatus) -> &'static str {
    match s {
        CaseStatus::New => "New",
        CaseStatus::Working => "Working",
        CaseStatus::Escalated => "Escalated",
        CaseStatus::Closed => "Closed",
    }
}

/// Salesforce's picklist value for a priority.
pub fn priority_value(p: CasePriority) -> &'static str {
    match p {
        CasePriority::High => "High",
        CasePriority::Medium => "Medium",
        CasePriority::Low => "Low",
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CommentRow {
    id: String,
    pub parent_id: String,
    #[serde(default)]
    comment_body: Option<String>,
    #[serde(default, deserialize_with = "datetime")]
    created_date: Option<DateTime<Utc>>,
    #[serde(default)]
    created_by: Option<UserRef>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserRef {
    #[serde(default)]
    email: Option<String>,
}

impl From<CommentRow> for CaseComment {
    fn from(r: CommentRow) -> Self {
        let text = r.comment_body.unwrap_or_default();
        let signed = text.rsplit_once(SIGNATURE).and_then(|(body, signature)| {
            let (author, rest) = signature.split_once(MARK)?;
            let id = rest.strip_suffix(')')?;
            Some((body.to_owned(), author.to_owned(), id.to_owned()))
        });
        let (body, author_email, id) = signed.unwrap_or_else(|| {
            // Written in Salesforce by an agent: its author is the Salesforce user.
            let author = r.created_by.and_then(|u| u.email).unwrap_or_default();
            (text, author, r.id)
        });
        CaseComment {
            id,
            at: r.created_date.unwrap_or_default(),
            author_email,
            body,
        }
    }
}

/// The `CommentBody` the portal writes for `comment`.
pub fn comment_body(comment: &CaseComment) -> String {
    format!(
        "{}{SIGNATURE}{}{MARK}{})",
        comment.body, comment.author_email, comment.id
    )
}

/// Salesforce's date-times: `2024-05-01T10:00:00.000+0000` (no colon in the offset).
fn datetime<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    DateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(&text))
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_comments_keep_their_author_and_id_through_salesforce() {
        let comment = CaseComment {
            id: "comment-1".to_owned(),
            at: Utc::now(),
            author_email: "paula@acme.example".to_owned(),
            body: "Line one\n\n— not a signature".to_owned(),
        };
        let row: CommentRow = serde_json::from_value(serde_json::json!({
            "attributes": {"type": "CaseComment"},
            "Id": "00aDp0000000001AAA", "ParentId": "500Dp0000000001AAA",
            "CommentBody": comment_body(&comment),
            "CreatedDate": "2026-11-23T10:00:00.000+0000",
            "CreatedBy": {"attributes": {"type": "User"}, "Email": "integration@partnergraph.example"}
        }))
        .expect("parses");
        let read = CaseComment::from(row);
        assert_eq!(
            (
                read.id.as_str(),
                read.author_email.as_str(),
                read.body.as_str()
            ),
            ("comment-1", "paula@acme.example", comment.body.as_str())
        );
    }

    #[test]
    fn agent_comments_are_attributed_to_their_salesforce_user() {
        let row: CommentRow = serde_json::from_value(serde_json::json!({
            "Id": "00aDp0000000002AAA", "ParentId": "500Dp0000000001AAA",
            "CommentBody": "We are on it.", "CreatedDate": null,
            "CreatedBy": {"Email": "agent@vendor.example"}
        }))
        .expect("parses");
        let read = CaseComment::from(row);
        assert_eq!(read.author_email, "agent@vendor.example");
        assert_eq!(read.id, "00aDp0000000002AAA");
    }

    #[test]
    fn unknown_picklist_values_are_read_by_meaning() {
        let row: CaseRow = serde_json::from_value(serde_json::json!({
            "Id": "500Dp0000000001AAA", "AccountId": "001Dp0000000001AAA",
            "Status": "Resolved by customer", "IsClosed": true, "Priority": "Urgent",
            "CreatedDate": "2026-11-23T10:00:00.000+0000", "Custom__c": 1,
            "CaseComments": null
        }))
        .expect("parses");
        assert!(row.has_all_comments());
        let case = row.case().expect("has an account");
        assert!(case.comments.is_empty());
        assert_eq!(
            (case.status, case.priority),
            (CaseStatus::Closed, CasePriority::Medium)
        );
    }
}
