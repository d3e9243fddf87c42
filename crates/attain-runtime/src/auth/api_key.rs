//! Tenant-scoped API keys: `attain_<tenant id>_<key id>_<secret>`, hex throughout. The tenant id
//! inside the key lets the server look the key up under row-level security; only a SHA-256 hash
//! of the 256-bit secret is stored, which suffices for a random secret of that size.

use rand::RngExt;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A parsed API key presented by a caller.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub tenant_id: Uuid,
    pub key_id: Uuid,
    secret: [u8; 32],
}

/// A newly made key: its full text, shown once, and the hash to store.
pub struct ApiKeySecret {
    pub key: ApiKey,
    pub text: String,
    pub hash: Vec<u8>,
}

impl std::fmt::Debug for ApiKey {
    // The secret never appears in logs or debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("tenant_id", &self.tenant_id)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl ApiKey {
    pub const PREFIX: &'static str = "attain_";

    /// Makes a new random key for a tenant.
    pub fn generate(tenant_id: Uuid) -> ApiKeySecret {
        let key = ApiKey {
            tenant_id,
            key_id: Uuid::now_v7(),
            secret: rand::rng().random(),
        };
        let text = key.text();
        let hash = key.secret_hash();
        ApiKeySecret { key, text, hash }
    }

    pub fn parse(text: &str) -> Option<ApiKey> {
        let mut parts = text.strip_prefix(Self::PREFIX)?.split('_');
        let tenant_id = Uuid::try_parse(parts.next()?).ok()?;
        let key_id = Uuid::try_parse(parts.next()?).ok()?;
        let secret_hex = parts.next()?;
        if parts.next().is_some() || secret_hex.len() != 64 {
            return None;
        }
        let mut secret = [0u8; 32];
        for (i, byte) in secret.iter_mut().enumerate() {
            *byte = u8::from_str_radix(secret_hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(ApiKey {
            tenant_id,
            key_id,
            secret,
        })
    }

    /// The key as a caller presents it.
    pub fn text(&self) -> String {
        format!(
            "{}{}_{}_{}",
            Self::PREFIX,
            self.tenant_id.simple(),
            self.key_id.simple(),
            hex(&self.secret)
        )
    }

    pub fn secret_hash(&self) -> Vec<u8> {
        Sha256::digest(self.secret).to_vec()
    }

    /// Compares against a stored hash in constant time.
    pub fn matches(&self, stored_hash: &[u8]) -> bool {
        let hash = self.secret_hash();
        hash.len() == stored_hash.len() && hash.iter().zip(stored_hash).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back_and_match_their_hash() {
        let tenant = Uuid::now_v7();
        let made = ApiKey::generate(tenant);
        let parsed = ApiKey::parse(&made.text).expect("parses");
        assert_eq!(parsed, made.key);
        assert!(parsed.matches(&made.hash));
        assert!(!ApiKey::generate(tenant).key.matches(&made.hash));
    }

    #[test]
    fn malformed_keys_do_not_parse() {
        let made = ApiKey::generate(Uuid::now_v7());
        assert!(ApiKey::parse(&made.text[..made.text.len() - 1]).is_none());
        assert!(ApiKey::parse(&format!("{}_x", made.text)).is_none());
        assert!(ApiKey::parse("attain_nothex_nothex_00").is_none());
        assert!(ApiKey::parse(&made.text.replace("attain_", "atain_")).is_none());
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let made = ApiKey::generate(Uuid::now_v7());
        let secret_hex = made.text.rsplit('_').next().unwrap();
        assert!(!format!("{:?}", made.key).contains(secret_hex));
    }
}
