//! The demo world's people, by the email a test signs in with: one constant each, so that a
//! test names who acts (`ANNA` grants, `OLGA` is refused) rather than spelling addresses.
//!
//! Who each one is (profile, organization, customer) is the demo data's to say; the
//! comments here only help a reader place them.

/// The platform administrator: sees and may do everything.
pub const ADMIN: &str = "admin@platform.example";
/// Acme Cloud's administrator (a partner, under the Northwind distributor).
pub const ANNA: &str = "anna@acme.example";
/// An Acme Cloud partner user: sells and serves Acme's customers.
pub const PAULA: &str = "paula@acme.example";
/// An Acme Cloud viewer: reads, writes nothing.
pub const VICTOR: &str = "victor@acme.example";
/// The Northwind distributor's administrator, above Acme.
pub const DANA: &str = "dana@northwind.example";
/// Globex Systems' administrator: another partner, under another distributor.
pub const OLGA: &str = "olga@globex.example";
/// Initech's customer administrator (an Acme customer).
pub const CARL: &str = "carl@initech.example";
/// An Initech customer user.
pub const INES: &str = "ines@initech.example";
/// A suspended Globex operator.
pub const SID: &str = "suspended@globex.example";
