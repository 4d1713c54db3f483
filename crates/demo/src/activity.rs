//! What has happened in the demo world: support cases in the CRM and a few audit events, so that
//! the case and audit pages are not empty on first start.

use crate::cast::CASE_SUBJECTS;
use crate::ids::crm_id;
use crate::world::Generator;
use partnergraph_core::ids::{AuditEventId, CaseId, OrgId};
use partnergraph_core::model::{
    AuditEvent, AuditOutcome, Case, CasePriority, CaseStatus, ExternalIds,
};
use partnergraph_core::permission::BuiltInProfile;

impl Generator {
    pub(crate) fn cases(&mut self, external: &ExternalIds, index: usize, initech: bool) {
        let Some(account_id) = external.crm.clone() else {
            return;
        };
        let count = if initech { 3 } else { index % 4 };
        for k in 0..count {
            self.next_case += 1;
            let seed = index + k * 7;
            self.data.cases.push(Case {
                id: CaseId(crm_id("500", &format!("case-{:04}", self.next_case))),
                number: format!("{:08}", 1000 + self.next_case),
                account_id: account_id.clone(),
                subject: CASE_SUBJECTS[seed % CASE_SUBJECTS.len()].to_owned(),
                description: format!(
                    "{} — reported by the customer's administrator; see the portal for details.",
                    CASE_SUBJECTS[seed % CASE_SUBJECTS.len()]
                ),
                status: [
                    CaseStatus::New,
                    CaseStatus::Working,
                    CaseStatus::Escalated,
                    CaseStatus::Closed,
                ][seed % 4],
                priority: [CasePriority::Low, CasePriority::Medium, CasePriority::High][seed % 3],
                created_at: self.instant((seed % 90) as i64),
                comments: Vec::new(),
            });
        }
    }

    pub(crate) fn audit_events(&mut self) {
        let user = |email: &str| {
            self.data
                .users
                .iter()
                .find(|u| u.email == email)
                .map(|u| u.id.clone())
        };
        let initech = self
            .data
            .customers
            .iter()
            .find(|c| c.name == "Initech")
            .map(|c| c.id.clone());
        let paula = user("paula@acme.example");
        let events = [
            (
                1,
                user("admin@platform.example"),
                "admin@platform.example",
                "user.activate",
                paula.as_ref().map(|u| u.global().encode()),
                Some("org-acme"),
                None,
            ),
            (
                2,
                paula.clone(),
                "paula@acme.example",
                "customer.update",
                initech.as_ref().map(|c| c.global().encode()),
                Some("org-acme"),
                initech.clone(),
            ),
            (
                3,
                user("carl@initech.example"),
                "carl@initech.example",
                "case.create",
                initech.as_ref().map(|c| c.global().encode()),
                Some("org-acme"),
                initech.clone(),
            ),
            (
                4,
                user("olga@globex.example"),
                "olga@globex.example",
                "user.suspend",
                user("suspended@globex.example").map(|u| u.global().encode()),
                Some("org-globex"),
                None,
            ),
            (
                5,
                user("dana@northwind.example"),
                "dana@northwind.example",
                "profile.update",
                Some(BuiltInProfile::Viewer.id().global().encode()),
                Some("org-northwind"),
                None,
            ),
        ];
        for (n, actor, email, action, target, org, customer) in events {
            self.data.audit_events.push(AuditEvent {
                id: AuditEventId(format!("audit-{n:04}")),
                at: self.instant(10 - n),
                actor_id: actor,
                actor_email: email.to_owned(),
                on_behalf_of: None,
                action: action.to_owned(),
                target: target.unwrap_or_default(),
                outcome: AuditOutcome::Success,
                request_id: format!("demo-{n:04}"),
                org_id: org.map(OrgId::from),
                customer_id: customer,
            });
        }
    }
}
