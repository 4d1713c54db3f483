//! The external ids of demo records, in the shapes the real systems give them (Zuora's 32 hex
//! digits, Salesforce's 18 characters with their case-insensitivity suffix), derived from the
//! record's name so that the local store and the sandboxes seed the same world under the same ids.

/// The id a billing system gives the demo record named `name`: 32 lower-case hex digits, the
/// shape of Zuora's object ids. The demo's billing records and offers (which a billing catalog
/// holds as product rate plans) carry such ids, so the local store and the Zuora sandbox seed the
/// same world under the same ids and one test oracle serves both.
pub fn billing_id(name: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes())
        .simple()
        .to_string()
}

/// The id a CRM gives the demo record named `name`: Salesforce's 18-character shape, a
/// three-character key prefix (`001` Account, `003` Contact, `500` Case), twelve characters
/// that are unique per record, and the three-character suffix that makes the id case-insensitive.
/// The local store and the Salesforce sandbox seed the demo's CRM records under these ids.
pub fn crm_id(prefix: &str, name: &str) -> String {
    const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let hash = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).as_u128();
    let mut id: String = prefix.chars().take(3).collect();
    // The pod and reserved characters of real ids, then nine characters from the name.
    id.push_str("Dp0");
    id.extend((0..9).map(|i| BASE62[((hash >> (i * 6)) % 62) as usize] as char));
    salesforce_id_suffix(&id).map_or(id.clone(), |suffix| id + &suffix)
}

/// The three characters Salesforce appends to a 15-character id to make it case-insensitive:
/// one per five characters, encoding which of them are upper-case letters. `None` unless `id`
/// has 15 ASCII alphanumerics.
pub fn salesforce_id_suffix(id: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    let bytes = id.as_bytes();
    if bytes.len() != 15 || !bytes.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some(
        bytes
            .chunks(5)
            .map(|chunk| {
                let bits = chunk
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.is_ascii_uppercase())
                    .fold(0usize, |acc, (i, _)| acc | (1 << i));
                ALPHABET[bits] as char
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crm_ids_have_salesforce_shape_and_checksum() {
        // Salesforce's documented example: 0015000000Gv7qJ is 0015000000Gv7qJAAR.
        assert_eq!(
            salesforce_id_suffix("0015000000Gv7qJ").as_deref(),
            Some("AAR")
        );
        let id = crm_id("500", "case-0001");
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("500") && id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(salesforce_id_suffix(&id[..15]).as_deref(), Some(&id[15..]));
        assert_ne!(id, crm_id("500", "case-0002"));
    }
}
