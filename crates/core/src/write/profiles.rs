//! Custom profiles: named permission sets that organization and platform admins create and edit.
//! Who owns a profile, who may edit it and what it may hold is the write policy's
//! ([`crate::policy::write`]); this room validates the input and keeps the profile.

use super::{derived_id, text, Call, Writes, MAX_TEXT};
use crate::error::{Error, Result};
use crate::ids::ProfileId;
use crate::model::Profile;
use crate::permission::Permission;
use crate::policy::write::{self as policy, Write};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A profile to create (no id) or edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileInput {
    /// The custom profile to edit; a new one when absent.
    pub profile_id: Option<ProfileId>,
    /// Stable code, upper case (e.g. `BILLING_CLERK`); only for new profiles.
    pub code: Option<String>,
    /// Display name.
    pub name: String,
    /// What holders of the profile may do.
    pub permissions: BTreeSet<Permission>,
}

impl Writes {
    /// Creates or edits a custom profile. A new profile belongs to the caller's organization
    /// (the platform's, for platform users); only that owner's admins and platform admins may
    /// edit it, and a profile out of the caller's reach answers `NOT_FOUND`, like one that
    /// does not exist. Built-in profiles are fixed (the gateway restores them at start); copy
    /// one under a new code instead. Customer users manage no profiles.
    pub async fn save_profile(&self, call: Call<'_, ProfileInput>) -> Result<ProfileId> {
        let input = &call.input;
        self.journaled("saveProfile", &call, async |j| {
            let p = call.actor.principal;
            policy::permit(p, Write::SaveProfile)?;
            let owner = policy::profile_owner(p)?;
            policy::within_own_permissions(p, &input.permissions)?;
            let name = text("name", &input.name, MAX_TEXT)?;
            let profile = match &input.profile_id {
                Some(id) => {
                    let found = self.load_profile(id).await?;
                    let mut profile = policy::editable_profile(p, found)?;
                    profile.name = name;
                    profile.permissions = input.permissions.clone();
                    profile
                }
                None => {
                    let code = input
                        .code
                        .as_deref()
                        .ok_or_else(|| Error::bad_input("code", "a new profile needs a code"))?;
                    let code = profile_code(code)?;
                    let existing = self.c.directory.all_profiles().await?;
                    if policy::code_taken(&owner, &code, &existing) {
                        return Err(Error::Conflict(format!("the code {code} is taken")));
                    }
                    Profile {
                        id: ProfileId::from(derived_id("profile", &j.op.key)),
                        code,
                        name,
                        permissions: input.permissions.clone(),
                        owner,
                    }
                }
            };
            self.c.directory.save_profile(&profile).await?;
            self.audit_own(call.actor, "profile.save", profile.id.global(), None)
                .await;
            Ok(profile.id)
        })
        .await
    }
}

/// An upper-case profile code of letters, digits and underscores.
fn profile_code(code: &str) -> Result<String> {
    let code = code.trim().to_ascii_uppercase();
    let valid = !code.is_empty()
        && code.len() <= 40
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(code)
    } else {
        Err(Error::bad_input(
            "code",
            "a profile code is 1 to 40 letters, digits and underscores",
        ))
    }
}
