//! Writes to end customers: create, update (name, email, main contact), deactivate and
//! reactivate, delete; and the lookups every other room uses to reach a customer
//! ([`Writes::visible_customer`]). Creating a customer is a saga (billing account, CRM account
//! and contact, directory record): it runs as an order without a subscription (`saga.rs`).

use super::audit::audit_action;
use super::{email_address, text, Actor, Call, Writes, MAX_TEXT};
use crate::error::{Error, Result};
use crate::ids::{CrmAccountId, CustomerId, OfferId, OrgId};
use crate::model::{Contact, Customer, CustomerStatus, Organization, Removed};
use crate::policy::write::{self as policy, Write};
use crate::write::{Order, OrderFor, OrderResult};
use serde::{Deserialize, Serialize};

/// A new end customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCustomer {
    /// The partner selling to it: required for distributor and platform callers, implied for
    /// partner callers.
    pub partner_id: Option<OrgId>,
    /// Display name.
    pub name: String,
    /// Main contact email.
    pub email: String,
    /// Main contact's first name.
    pub first_name: Option<String>,
    /// Main contact's last name.
    pub last_name: Option<String>,
}

/// Changes to a customer; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerChanges {
    /// The customer.
    pub customer_id: CustomerId,
    /// New display name.
    pub name: Option<String>,
    /// New main contact email.
    pub email: Option<String>,
    /// New details of the main contact person, in the CRM.
    pub contact: Option<ContactChange>,
}

/// Changes to a customer's main contact person; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactChange {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
}

/// What deleting a customer removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletion {
    /// The deleted customer's id.
    pub customer_id: CustomerId,
    /// Its name, for the confirmation.
    pub name: String,
    /// The records removed with it.
    pub removed: Removed,
}

impl Writes {
    /// Creates an end customer: billing account, CRM account and contact, directory record.
    pub async fn create_customer(&self, call: Call<'_, NewCustomer>) -> Result<Customer> {
        let call = call.map(|new| Order {
            customer: OrderFor::New(new),
            offer_id: OfferId::from(""),
            quantity: 0,
        });
        let result: OrderResult = self
            .journaled("createCustomer", &call, async |j| {
                self.run_order(call.actor, &call.input, false, j).await
            })
            .await?;
        self.customer(&result.customer_id).await
    }

    /// Changes a customer's name or contact email.
    pub async fn update_customer(&self, call: Call<'_, CustomerChanges>) -> Result<Customer> {
        let input = &call.input;
        let id = &input.customer_id;
        self.edit_customer("updateCustomer", &call, id, async |customer| {
            if let Some(name) = &input.name {
                customer.name = text("name", name, MAX_TEXT)?;
            }
            if let Some(email) = &input.email {
                customer.email = email_address("email", email)?;
            }
            if let Some(change) = &input.contact {
                let crm = customer.external.crm.clone().ok_or_else(|| {
                    Error::Conflict(
                        "the customer has no CRM account to keep a contact in".to_owned(),
                    )
                })?;
                let fallback = Contact {
                    account_id: crm.clone(),
                    first_name: String::new(),
                    last_name: customer.name.clone(),
                    email: customer.email.clone(),
                    phone: None,
                };
                self.update_contact(&crm, &fallback, change).await?;
            }
            Ok(())
        })
        .await
    }

    /// Runs `mutation` as a journaled edit of the customer `id`: the caller needs the
    /// permission to update customers and must reach the customer; `change` edits the record,
    /// which is then saved and audited.
    async fn edit_customer<I: Serialize>(
        &self,
        mutation: &str,
        call: &Call<'_, I>,
        id: &CustomerId,
        change: impl AsyncFnOnce(&mut Customer) -> Result<()>,
    ) -> Result<Customer> {
        let actor = call.actor;
        let id: CustomerId = self
            .journaled(mutation, call, async |_| {
                policy::permit(actor.principal, Write::UpdateCustomer)?;
                let mut customer = self.visible_customer(actor, id).await?;
                change(&mut customer).await?;
                self.c.directory.save_customer(&customer).await?;
                self.audit(actor, audit_action(mutation), &customer).await;
                Ok(customer.id)
            })
            .await?;
        self.customer(&id).await
    }

    /// Updates the main contact of the CRM account `crm`: the one with `fallback`'s email,
    /// else the first, else `fallback` is created.
    pub(super) async fn update_contact(
        &self,
        crm: &CrmAccountId,
        fallback: &Contact,
        change: &ContactChange,
    ) -> Result<()> {
        let contacts = self
            .c
            .crm
            .contacts_for_accounts(std::slice::from_ref(crm))
            .await?;
        let mut contact = contacts
            .iter()
            .find(|c| c.email.eq_ignore_ascii_case(&fallback.email))
            .or(contacts.first())
            .cloned()
            .unwrap_or_else(|| fallback.clone());
        if let Some(first) = &change.first_name {
            contact.first_name = text("contact.firstName", first, MAX_TEXT)?;
        }
        if let Some(last) = &change.last_name {
            contact.last_name = text("contact.lastName", last, MAX_TEXT)?;
        }
        if let Some(phone) = &change.phone {
            let phone = text("contact.phone", phone, 40)?;
            if !phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            {
                return Err(Error::bad_input(
                    "contact.phone",
                    "a phone number has digits, spaces and + - ( ) . only",
                ));
            }
            contact.phone = Some(phone);
        }
        self.c.crm.save_contact(&contact).await
    }

    /// Deactivates (`active = false`) or reactivates a customer. An inactive customer's users
    /// are refused at sign-in; its data stays.
    pub async fn set_customer_active(
        &self,
        call: Call<'_, CustomerId>,
        active: bool,
    ) -> Result<Customer> {
        let action = if active {
            "reactivateCustomer"
        } else {
            "deactivateCustomer"
        };
        let status = if active {
            CustomerStatus::Active
        } else {
            CustomerStatus::Inactive
        };
        self.edit_customer(action, &call, &call.input, async |customer| {
            customer.status = status;
            Ok(())
        })
        .await
    }

    /// Deletes a customer with all its data, in billing, CRM and the directory. Cannot be undone.
    pub async fn delete_customer(&self, call: Call<'_, CustomerId>) -> Result<Deletion> {
        let actor = call.actor;
        self.journaled("deleteCustomer", &call, async |_| {
            policy::permit(actor.principal, Write::DeleteCustomer)?;
            let customer = self.visible_customer(actor, &call.input).await?;
            let mut removed = Removed::default();
            if let Some(billing) = &customer.external.billing {
                removed = removed + self.c.billing.delete_billing_account(billing).await?;
            }
            if let Some(crm) = &customer.external.crm {
                removed = removed + self.c.crm.delete_crm_account(crm).await?;
            }
            removed = removed + self.c.directory.delete_customer(&customer.id).await?;
            self.audit(actor, "customer.delete", &customer).await;
            Ok(Deletion {
                customer_id: customer.id,
                name: customer.name,
                removed,
            })
        })
        .await
    }

    /// The partner a new customer is sold by, when the caller reaches it, and the customer's
    /// details checked and trimmed.
    pub(super) async fn validate_new_customer(
        &self,
        actor: Actor<'_>,
        new: &NewCustomer,
    ) -> Result<(Organization, NewCustomer)> {
        let name = text("name", &new.name, MAX_TEXT)?;
        let email = email_address("email", &new.email)?;
        let partner_id = policy::new_customer_partner(actor.principal, new.partner_id.as_ref())?;
        let found = self.load_org(&partner_id).await?;
        let partner = policy::selling_partner(actor.principal, found)?;
        let optional = |field: &str, v: &Option<String>| -> Result<Option<String>> {
            v.as_deref().map(|v| text(field, v, MAX_TEXT)).transpose()
        };
        Ok((
            partner.clone(),
            NewCustomer {
                partner_id: Some(partner.id),
                name,
                email,
                first_name: optional("firstName", &new.first_name)?,
                last_name: optional("lastName", &new.last_name)?,
            },
        ))
    }

    /// The customer with `id`; `NOT_FOUND` when there is none. No reach is checked: for
    /// re-reading what a write has just reached or created.
    pub(super) async fn customer(&self, id: &CustomerId) -> Result<Customer> {
        self.load_customer(id).await?.ok_or(Error::NotFound)
    }

    /// A customer the caller may see; anything else is `NOT_FOUND`.
    pub(super) async fn visible_customer(
        &self,
        actor: Actor<'_>,
        id: &CustomerId,
    ) -> Result<Customer> {
        let found = self.load_customer(id).await?;
        policy::reachable_customer(actor.principal, found)
    }
}
