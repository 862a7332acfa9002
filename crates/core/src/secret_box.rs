//! Secrets the server must be able to show again (OAuth client secrets,
//! SPEC S5.1) are stored encrypted with AES-256-GCM under the server key.
//! Each ciphertext is bound to its row by the associated data, so one row's
//! ciphertext cannot be moved into another.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

const NONCE_LEN: usize = 12;

/// The server key: 32 random bytes. `Debug` never prints it.
#[derive(Clone)]
pub struct ServerKey(Aes256Gcm);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(redacted)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the server key must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)")]
    BadKey,
    #[error("a stored secret could not be decrypted: was the server key changed?")]
    Decrypt,
}

impl ServerKey {
    /// A fresh random key, and its base64 form to save.
    pub fn generate() -> (ServerKey, String) {
        let key = Aes256Gcm::generate_key(OsRng);
        let text = STANDARD.encode(key);
        (ServerKey(Aes256Gcm::new(&key)), text)
    }

    /// Parse the base64 form (surrounding whitespace ignored).
    pub fn from_base64(text: &str) -> Result<ServerKey, KeyError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| KeyError::BadKey)?;
        Aes256Gcm::new_from_slice(&bytes)
            .map(ServerKey)
            .map_err(|_| KeyError::BadKey)
    }

    /// `base64(nonce ‖ ciphertext ‖ tag)`, bound to `context` (the row's id).
    pub fn seal(&self, plaintext: &str, context: &str) -> Result<String, KeyError> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .0
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| KeyError::Decrypt)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<String, KeyError> {
        let bytes = STANDARD.decode(sealed).map_err(|_| KeyError::Decrypt)?;
        if bytes.len() <= NONCE_LEN {
            return Err(KeyError::Decrypt);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self
            .0
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| KeyError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| KeyError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_with_the_same_key_and_context() {
        let (key, text) = ServerKey::generate();
        let sealed = key.seal("swb_cs_secret", "app1").unwrap();
        assert!(!sealed.contains("secret"));
        assert_eq!(key.open(&sealed, "app1").unwrap(), "swb_cs_secret");
        assert!(key.open(&sealed, "app2").is_err(), "bound to its row");
        let again = ServerKey::from_base64(&text).unwrap();
        assert_eq!(again.open(&sealed, "app1").unwrap(), "swb_cs_secret");
        let (other, _) = ServerKey::generate();
        assert!(other.open(&sealed, "app1").is_err());
        let mut tampered = STANDARD.decode(&sealed).unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(key.open(&STANDARD.encode(tampered), "app1").is_err());
        assert_ne!(key.seal("x", "a").unwrap(), key.seal("x", "a").unwrap());
    }

    #[test]
    fn rejects_keys_of_the_wrong_size() {
        assert!(ServerKey::from_base64("c2hvcnQ=").is_err());
        assert!(ServerKey::from_base64("not base64!").is_err());
    }
}
