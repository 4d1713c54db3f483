//! Authorization, decided in one place: who may see which record ([`read`]) and who may change
//! it ([`write`]). Every layer above core asks these modules and composes no rule of its own.

pub mod read;
pub mod write;
