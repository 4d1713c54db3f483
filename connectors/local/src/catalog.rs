//! [`Catalog`] on the local store: the offers partners sell, as the embedded stand-in for a
//! billing system's product catalog (`serve --demo`).

use crate::statements::local_impl;
use crate::CoreResult;
use partnergraph_core::ids::OfferId;
use partnergraph_core::model::Offer;
use partnergraph_core::traits::Catalog;

local_impl! {
    impl Catalog {
        reads {
            offers(&[OfferId]) -> Vec<Offer> by "id";
        }
        account_lists {}
        writes {}

        async fn all_offers(&self) -> CoreResult<Vec<Offer>> {
            Ok(self.all().await?)
        }
    }
}
