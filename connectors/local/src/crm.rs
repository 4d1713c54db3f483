//! [`Crm`] on the local store: CRM accounts, their contacts and support cases, as the embedded
//! stand-in for a CRM (`serve --demo`).

use crate::billing::numbered;
use crate::rows::Table;
use crate::statements::{local_impl, upsert};
use crate::{CoreResult, LocalError};
use partnergraph_core::ids::*;
use partnergraph_core::model::*;
use partnergraph_core::traits::Crm;
use partnergraph_core::write::derived_id;
use sea_orm::TransactionTrait;

local_impl! {
    impl Crm {
        reads {
            contacts_for_accounts(&[CrmAccountId]) -> Vec<Contact> by "account_id";
            cases(&[CaseId]) -> Vec<Case> by "id";
            cases_for_accounts(&[CrmAccountId]) -> Vec<Case> by "account_id";
        }
        account_lists {
            list_cases(CrmAccountId) -> Page<Case>;
        }

        writes {
            async fn create_crm_account(
                &self,
                key: &str,
                account: &NewCrmAccount,
            ) -> CoreResult<CrmAccount> {
                let new = account;
                let account = CrmAccount {
                    id: CrmAccountId::from(derived_id("crm", key)),
                    name: new.name.clone(),
                    parent_id: new.parent_id.clone(),
                    billing: new.billing.clone(),
                };
                // Both writes are idempotent, so a step resumed after a crash between them
                // completes it.
                let account = self.insert_if_absent(&account).await?;
                if let Some(contact) = &new.contact {
                    upsert(&self.db, &[contact.at(&account.id)]).await?;
                }
                Ok(account)
            }

            async fn save_contact(&self, contact: &Contact) -> CoreResult<()> {
                self.save(contact).await
            }

            async fn delete_crm_account(&self, id: &CrmAccountId) -> CoreResult<Removed> {
                let txn = self.db.begin().await.map_err(LocalError::from)?;
                let id = id.as_str();
                let removed = Removed {
                    contacts: Self::delete_rows(&txn, Table::Contacts, "account_id", id).await?,
                    cases: Self::delete_rows(&txn, Table::Cases, "account_id", id).await?,
                    ..Removed::default()
                };
                Self::delete_rows(&txn, Table::CrmAccounts, "id", id).await?;
                txn.commit().await.map_err(LocalError::from)?;
                Ok(removed)
            }

            async fn update_case(&self, desired: &Case) -> CoreResult<Case> {
                self.save(desired).await?;
                Ok(desired.clone())
            }

            async fn create_case(&self, key: &str, new: &NewCase) -> CoreResult<Case> {
                let (id, number) = numbered("case", key, 'C');
                let case = Case {
                    number,
                    id: CaseId::from(id),
                    account_id: new.account_id.clone(),
                    subject: new.subject.clone(),
                    description: new.description.clone(),
                    status: CaseStatus::New,
                    priority: new.priority,
                    created_at: chrono::Utc::now(),
                    comments: Vec::new(),
                };
                Ok(self.insert_if_absent(&case).await?)
            }
        }

    }
}
