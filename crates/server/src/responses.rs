//! The response cache: the answer to a query a user sent before, sent again byte for byte
//! while nothing it was made of can have changed, without parsing, planning or resolving it.
//!
//! A warm partner dashboard is some 3,000 resolved fields and 33 KB of JSON; the records behind
//! it are all in memory already, and building the answer from them again was nearly all of its
//! CPU. What makes reuse safe:
//!
//! - **Per principal.** The key holds the user, and the actor of a login-as with its reason, so
//!   an answer is only ever given to the identity it was made for; the request was authenticated
//!   as usual before the cache is asked (a logout or suspension refuses it first).
//! - **Versions.** An answer stands only while the store's version (which every write to the
//!   store moves on, profiles and permissions included) and the upstream cache's epoch (which
//!   every write through the gateway to Zuora or Salesforce moves on) are those it was made at.
//!   When either cannot be told (the store's read cache is off, or an upstream is read without
//!   the cache) nothing is kept.
//! - **Clean answers only.** An answer with an error or a stale record is not kept, nor one to a
//!   mutation or to an anonymous caller.
//! - **Age.** `response_cache.max_age_secs` bounds what it adds to the age of what it holds.

use async_graphql::Request;
use axum::body::Bytes;
use partnergraph_core::Principal;
use std::time::Duration;

/// The versions of everything an answer is made of: the store's and the upstream cache's.
pub(crate) type Versions = (u64, u64);

/// What an answer is the answer to.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    user: String,
    actor: Option<(String, String)>,
    query: String,
    operation: Option<String>,
    variables: String,
}

#[derive(Clone)]
struct Answer {
    body: Bytes,
    versions: Versions,
}

/// Answers kept, weighed by their bytes.
pub(crate) struct Responses {
    entries: moka::sync::Cache<Key, Answer>,
}

impl Responses {
    /// A cache of `max_bytes` of answers, each kept at most `max_age`.
    pub(crate) fn new(max_bytes: u64, max_age: Duration) -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &Key, answer: &Answer| {
                    let bytes = answer.body.len() + key.query.len() + key.variables.len() + 200;
                    u32::try_from(bytes).unwrap_or(u32::MAX)
                })
                .time_to_live(max_age)
                .build(),
        }
    }

    /// What `request` by `principal` is, if its answer may be kept: not for anonymous callers,
    /// nor for requests with extensions (whose meaning the cache cannot know).
    pub(crate) fn key(principal: &Principal, request: &Request) -> Option<Key> {
        if principal.is_anonymous() || !request.extensions.is_empty() {
            return None;
        }
        Some(Key {
            user: principal.user_id.0.clone(),
            actor: principal
                .impersonator
                .as_ref()
                .map(|i| (i.user_id.0.clone(), i.reason.clone())),
            query: request.query.clone(),
            operation: request.operation_name.clone(),
            variables: serde_json::to_string(&request.variables).ok()?,
        })
    }

    /// The answer kept for `key`, if it was made at `versions`.
    pub(crate) fn get(&self, key: &Key, versions: Versions) -> Option<Bytes> {
        let answer = self.entries.get(key)?;
        (answer.versions == versions).then_some(answer.body)
    }

    /// Keeps `body` as the answer for `key`, made at `versions`.
    pub(crate) fn keep(&self, key: Key, body: Bytes, versions: Versions) {
        self.entries.insert(key, Answer { body, versions });
    }

    /// Forgets every answer (benchmarks start cold with it).
    #[cfg(feature = "testing")]
    pub(crate) fn clear(&self) {
        self.entries.invalidate_all();
    }
}
