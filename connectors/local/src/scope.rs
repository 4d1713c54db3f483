//! Which rows a caller's [`Scope`] may see, as SQL conditions: the channel hierarchy
//! (organizations and their customers), operators and users by membership, audit events.
//!
//! Each function answers `None` when the scope sees nothing at all, so that the caller skips
//! the statement rather than running one that cannot match. The conditions only narrow what a
//! statement reads; core's [`select`](partnergraph_core::paging::select) still applies every
//! filter as core defines it.

use crate::rows::{self, Table};
use crate::statements::{eq, is_in};
use partnergraph_core::filter::CustomerFilter;
use partnergraph_core::model::Membership;
use partnergraph_core::Scope;
use sea_orm::sea_query::{Alias, Cond, Expr, Query, SelectStatement};

/// The condition selecting the customers a scope may see.
pub(crate) fn customers(scope: &Scope) -> Option<Cond> {
    match scope {
        Scope::All => Some(Cond::all()),
        Scope::Distributor(d) => Some(Cond::all().add(eq("distributor_id", d.as_str()))),
        Scope::Partner(p) => Some(Cond::all().add(eq("partner_id", p.as_str()))),
        Scope::Customer { id, .. } => Some(Cond::all().add(eq("id", id.as_str()))),
        Scope::Nothing => None,
    }
}

/// What of a customer filter SQL can test, as a condition every customer the filter passes
/// also passes: it only narrows what [`select`](partnergraph_core::paging::select) reads, which
/// still applies the whole filter as core defines it. A renewals page of a large distributor
/// reads its week, not its scope.
pub(crate) fn customer_narrowing(filter: &CustomerFilter) -> Cond {
    let mut condition = Cond::all();
    if let Some(partner) = &filter.partner_id {
        condition = condition.add(eq("partner_id", partner.as_str()));
    }
    if let Some(status) = filter.status.and_then(rows::customer_status) {
        condition = condition.add(eq("status", &status));
    }
    // ISO dates order as text; a customer without a term end passes neither bound.
    if let Some(before) = filter.expires_before {
        condition = condition.add(Expr::col(Alias::new("expires_on")).lt(before.to_string()));
    }
    if let Some(after) = filter.expires_after {
        condition = condition.add(Expr::col(Alias::new("expires_on")).gt(after.to_string()));
    }
    condition
}

/// The condition selecting the organizations a scope may see.
pub(crate) fn organizations(scope: &Scope) -> Option<Cond> {
    match scope {
        Scope::All => Some(Cond::all()),
        Scope::Distributor(d) => Some(
            Cond::any()
                .add(eq("id", d.as_str()))
                .add(eq("parent_id", d.as_str())),
        ),
        Scope::Partner(p) => Some(Cond::all().add(eq("id", p.as_str()))),
        Scope::Customer { .. } | Scope::Nothing => None,
    }
}

/// The organization ids a distributor or partner scope covers, as a subquery, so that
/// lists keyed by organization stay one statement.
fn org_ids(scope: &Scope) -> Option<SelectStatement> {
    let condition = organizations(scope)?;
    Some(
        Query::select()
            .column(Alias::new("id"))
            .from(Table::Organizations.alias())
            .cond_where(condition)
            .to_owned(),
    )
}

/// The condition selecting the operators (platform and organization users) a scope may see.
pub(crate) fn operators(scope: &Scope) -> Option<Cond> {
    match scope {
        Scope::All => Some(Cond::all().add(
            Expr::col(Alias::new("membership_kind")).is_in([rows::PLATFORM, rows::ORGANIZATION]),
        )),
        Scope::Distributor(_) | Scope::Partner(_) => org_ids(scope).map(|orgs| {
            Cond::all()
                .add(eq("membership_kind", rows::ORGANIZATION))
                .add(Expr::col(Alias::new("membership_id")).in_subquery(orgs))
        }),
        Scope::Customer { .. } | Scope::Nothing => None,
    }
}

/// The condition selecting the audit events a scope may see.
pub(crate) fn audit_events(scope: &Scope) -> Option<Cond> {
    match scope {
        Scope::All => Some(Cond::all()),
        Scope::Customer { id, .. } => Some(Cond::all().add(eq("customer_id", id.as_str()))),
        Scope::Nothing => None,
        Scope::Distributor(_) | Scope::Partner(_) => org_ids(scope)
            .map(|orgs| Cond::all().add(Expr::col(Alias::new("org_id")).in_subquery(orgs))),
    }
}

/// The condition selecting the users holding any of `memberships` (none for none).
pub(crate) fn memberships(memberships: &[Membership]) -> Cond {
    let mut condition = Cond::any();
    let mut orgs = Vec::new();
    let mut customers = Vec::new();
    for membership in memberships {
        match membership {
            Membership::Platform => {}
            Membership::Organization(o) => orgs.push(o.as_str()),
            Membership::Customer(c) => customers.push(c.as_str()),
        }
    }
    if memberships.contains(&Membership::Platform) {
        condition = condition.add(eq("membership_kind", rows::PLATFORM));
    }
    for (kind, ids) in [(rows::ORGANIZATION, orgs), (rows::CUSTOMER, customers)] {
        if !ids.is_empty() {
            condition = condition.add(
                Cond::all()
                    .add(eq("membership_kind", kind))
                    .add(is_in("membership_id", &ids)),
            );
        }
    }
    condition
}
