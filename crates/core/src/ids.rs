//! Typed identifiers and the global, opaque node id.
//!
//! Each connector owns the shape of its ids (a UUID in the local store, a 32-hex id in Zuora, an
//! 18-character id in Salesforce), so domain ids are opaque strings with a type per entity: the
//! compiler keeps an invoice id from being used as a customer id. Clients never see these raw:
//! they see a [`GlobalId`] that also names the entity type.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident => $kind:ident),+ $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as the owning connector knows it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The client-facing global id of this entity.
            pub fn global(&self) -> GlobalId {
                GlobalId::new(NodeKind::$kind, self.0.clone())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }
    )+};
}

id_type! {
    /// Identifies an [`Organization`](crate::model::Organization) (distributor or partner).
    OrgId => Organization,
    /// Identifies an end [`Customer`](crate::model::Customer) account.
    CustomerId => Customer,
    /// Identifies a portal [`User`](crate::model::User).
    UserId => User,
    /// Identifies a [`Profile`](crate::model::Profile).
    ProfileId => Profile,
    /// Identifies an [`Offer`](crate::model::Offer) in the catalog.
    OfferId => Offer,
    /// Identifies a [`Subscription`](crate::model::Subscription) in billing.
    SubscriptionId => Subscription,
    /// Identifies an [`Invoice`](crate::model::Invoice) in billing.
    InvoiceId => Invoice,
    /// Identifies a [`Payment`](crate::model::Payment) in billing.
    PaymentId => Payment,
    /// Identifies a [`PaymentMethod`](crate::model::PaymentMethod) in billing.
    PaymentMethodId => PaymentMethod,
    /// Identifies a support [`Case`](crate::model::Case) in the CRM.
    CaseId => Case,
    /// Identifies an [`AuditEvent`](crate::model::AuditEvent).
    AuditEventId => AuditEvent,
    /// Identifies an account in the billing system (a Zuora account id, or the local store's).
    BillingAccountId => BillingAccount,
    /// Identifies an account in the CRM (a Salesforce Account id, or the local store's).
    CrmAccountId => CrmAccount,
}

/// Every entity type that can be fetched by global id through `node(id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// An organization.
    Organization,
    /// An end customer.
    Customer,
    /// A portal user.
    User,
    /// A permission profile.
    Profile,
    /// A catalog offer.
    Offer,
    /// A subscription.
    Subscription,
    /// An invoice.
    Invoice,
    /// A payment.
    Payment,
    /// A payment method.
    PaymentMethod,
    /// A support case.
    Case,
    /// An audit event.
    AuditEvent,
    /// A billing account (never a node itself; its id appears in external ids).
    BillingAccount,
    /// A CRM account (never a node itself; its id appears in external ids).
    CrmAccount,
}

impl NodeKind {
    /// Every kind, in declaration order: what an id's type name is parsed against, and what a
    /// check over all kinds walks.
    pub const ALL: [NodeKind; 13] = [
        NodeKind::Organization,
        NodeKind::Customer,
        NodeKind::User,
        NodeKind::Profile,
        NodeKind::Offer,
        NodeKind::Subscription,
        NodeKind::Invoice,
        NodeKind::Payment,
        NodeKind::PaymentMethod,
        NodeKind::Case,
        NodeKind::AuditEvent,
        NodeKind::BillingAccount,
        NodeKind::CrmAccount,
    ];

    /// The type name used inside global ids (and as the GraphQL type name).
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Organization => "Organization",
            NodeKind::Customer => "Customer",
            NodeKind::User => "User",
            NodeKind::Profile => "Profile",
            NodeKind::Offer => "Offer",
            NodeKind::Subscription => "Subscription",
            NodeKind::Invoice => "Invoice",
            NodeKind::Payment => "Payment",
            NodeKind::PaymentMethod => "PaymentMethod",
            NodeKind::Case => "Case",
            NodeKind::AuditEvent => "AuditEvent",
            NodeKind::BillingAccount => "BillingAccount",
            NodeKind::CrmAccount => "CrmAccount",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A client-facing id: the entity type and the connector's id, base64url-encoded so that clients
/// treat it as opaque and cannot forge a type by editing a prefix by accident.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GlobalId {
    /// What the id points at.
    pub kind: NodeKind,
    /// The connector's own id.
    pub local: String,
}

/// A global id that could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("malformed id")]
pub struct MalformedId;

impl GlobalId {
    /// A global id for `local` of type `kind`.
    pub fn new(kind: NodeKind, local: impl Into<String>) -> Self {
        Self {
            kind,
            local: local.into(),
        }
    }

    /// The opaque string given to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.kind.as_str(), self.local))
    }

    /// Decodes a client-supplied id; anything that is not one of ours is [`MalformedId`].
    pub fn decode(s: &str) -> Result<Self, MalformedId> {
        let bytes = URL_SAFE_NO_PAD.decode(s.trim()).map_err(|_| MalformedId)?;
        let text = String::from_utf8(bytes).map_err(|_| MalformedId)?;
        let (kind, local) = text.split_once(':').ok_or(MalformedId)?;
        let kind = NodeKind::parse(kind).ok_or(MalformedId)?;
        if local.is_empty() || local.len() > 128 || local.chars().any(char::is_control) {
            return Err(MalformedId);
        }
        Ok(Self::new(kind, local))
    }

    /// Decodes and insists on one type: a customer id passed where an invoice id is expected is
    /// malformed input, not a lookup miss.
    pub fn decode_as(s: &str, kind: NodeKind) -> Result<String, MalformedId> {
        let id = Self::decode(s)?;
        if id.kind == kind {
            Ok(id.local)
        } else {
            Err(MalformedId)
        }
    }
}

impl fmt::Display for GlobalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_reject_garbage() {
        let id = CustomerId::from("0191-abc").global();
        assert_eq!(GlobalId::decode(&id.encode()), Ok(id.clone()));
        assert_eq!(
            GlobalId::decode_as(&id.encode(), NodeKind::Customer),
            Ok("0191-abc".to_owned())
        );
        assert_eq!(
            GlobalId::decode_as(&id.encode(), NodeKind::Invoice),
            Err(MalformedId)
        );
        assert_eq!(GlobalId::decode("not base64!"), Err(MalformedId));
        assert_eq!(
            GlobalId::decode(&URL_SAFE_NO_PAD.encode("Nope:1")),
            Err(MalformedId)
        );
        assert_eq!(
            GlobalId::decode(&URL_SAFE_NO_PAD.encode("Customer:")),
            Err(MalformedId)
        );
    }
}
