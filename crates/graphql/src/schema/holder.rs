//! The GraphQL type of an account holder, an organization or a customer, in one macro: both
//! have the same billing and CRM fields, resolved alike by their
//! [`Accounts`](super::billing::Accounts) and described each for its own readers.

/// An [`object!`](crate::paging::object) `node` for an account holder (an organization or a
/// customer, `as` the [`AccountRef`](crate::inputs::AccountRef) variant naming it): its `id`, the holder's own fields,
/// then the billing and CRM fields every holder has, in this order, each resolved by the
/// holder's [`Accounts`](super::billing::Accounts) and described by the holder, whose readers the descriptions address.
macro_rules! holder_object {
    (impl $ty:ident as $me:path { $($own:tt)* }
    accounts {
        $(#[$balance:meta])* balance,
        $(#[$subscriptions:meta])* subscriptions,
        $(#[$invoices:meta])* invoices,
        $(#[$payments:meta])* payments,
        $(#[$payment_methods:meta])* payment_methods,
        $(#[$cases:meta])* cases,
    }) => {
        impl $ty {
            /// The holder's side in billing and CRM.
            fn accounts(&self) -> $crate::schema::billing::Accounts<'_> {
                $crate::schema::billing::Accounts {
                    external: &self.0.external,
                    me: $me(self.0.id.clone()),
                }
            }
        }

        $crate::paging::object! {
        node impl $ty {
            $($own)*
            $(#[$balance])*
            async fn balance(
                &self,
                ctx: &async_graphql::Context<'_>
            ) -> $crate::req::R<Option<$crate::schema::Money>> {
                self.accounts().balance(ctx).await
            }
            $(#[$subscriptions])*
            async fn subscriptions(
                &self,
                ctx: &async_graphql::Context<'_>
            ) -> $crate::req::R<Option<$crate::paging::Conn<$crate::schema::Subscription>>>
            where list(
                cost,
                args,
                filter: $crate::inputs::SubscriptionFilter,
                order_by: $crate::inputs::SubscriptionOrderField
            ) {
                self.accounts().subscriptions(ctx, args).await
            }
            $(#[$invoices])*
            async fn invoices(
                &self,
                ctx: &async_graphql::Context<'_>
            ) -> $crate::req::R<Option<$crate::paging::Conn<$crate::schema::Invoice>>>
            where list(
                cost,
                args,
                filter: $crate::inputs::InvoiceFilter,
                order_by: $crate::inputs::InvoiceOrderField
            ) {
                self.accounts().invoices(ctx, args).await
            }
            $(#[$payments])*
            async fn payments(
                &self,
                ctx: &async_graphql::Context<'_>
            ) -> $crate::req::R<Option<$crate::paging::Conn<$crate::schema::Payment>>>
            where list(cost, args, order_by: $crate::inputs::PaymentOrderField) {
                self.accounts().payments(ctx, args).await
            }
            $(#[$payment_methods])*
            async fn payment_methods(
                &self,
                ctx: &async_graphql::Context<'_>
            ) -> $crate::req::R<Option<Vec<$crate::schema::PaymentMethod>>> {
                self.accounts().payment_methods(ctx).await
            }
            $(#[$cases])*
            async fn cases(
                &self,
                ctx: &async_graphql::Context<'_>
            ) -> $crate::req::R<Option<$crate::paging::Conn<$crate::schema::Case>>>
            where list(
                cost,
                args,
                filter: $crate::inputs::CaseFilter,
                order_by: $crate::inputs::CaseOrderField
            ) {
                self.accounts().cases(ctx, args).await
            }
        }
        }
    };
}
pub(crate) use holder_object;
