//! [`Catalog`] on the local store: the offers partners sell, as the embedded stand-in for a
//! billing system's product catalog (`serve --demo`).

use crate::statements::{by_key_in, local_impl, upsert};
use crate::{CoreResult, LocalError};
use partnergraph_core::ids::OfferId;
use partnergraph_core::model::Offer;
use partnergraph_core::traits::Catalog;
use sea_orm::TransactionTrait;

local_impl! {
    impl Catalog {
        reads {
            offers(&[OfferId]) -> Vec<Offer> by "id";
        }
        account_lists {}
        writes {
            async fn publish_offer(&self, desired: &Offer) -> CoreResult<Offer> {
                let txn = self.db.begin().await.map_err(LocalError::from)?;
                let Some(mut offer) = by_key_in::<Offer>(&txn, desired.id.as_str()).await? else {
                    return Err(partnergraph_core::Error::NotFound);
                };
                offer.sales_channel = desired.sales_channel.clone();
                offer.eligible_partner_ids = desired.eligible_partner_ids.clone();
                offer.label = desired.label.clone();
                upsert(&txn, std::slice::from_ref(&offer)).await?;
                txn.commit().await.map_err(LocalError::from)?;
                Ok(offer)
            }
        }

        async fn all_offers(&self) -> CoreResult<Vec<Offer>> {
            Ok(self.all().await?)
        }
    }
}
