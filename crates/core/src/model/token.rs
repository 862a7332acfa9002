//! Token format (SPEC S3): `<prefix><43 base62 chars: 256 bits><6 base62 chars: CRC32>`.
//!
//! The checksum lets us reject a mistyped or made-up token without a database
//! read; only the SHA-256 of a token is ever stored, and stored hashes are
//! compared in constant time.

use rand::distributions::Alphanumeric;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// Random characters per token: 43 × log2(62) ≈ 256.03 bits.
pub const RANDOM_LEN: usize = 43;
/// Checksum characters: 62^6 > 2^32, so any CRC32 fits.
pub const CHECKSUM_LEN: usize = 6;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    PrivateApp,
    OAuthAccess,
    OAuthRefresh,
    ClientSecret,
}

impl TokenKind {
    pub const ALL: [TokenKind; 4] = [
        TokenKind::PrivateApp,
        TokenKind::OAuthAccess,
        TokenKind::OAuthRefresh,
        TokenKind::ClientSecret,
    ];

    /// NEVER CHANGE these: secret scanners and every issued token depend on them.
    pub fn prefix(self) -> &'static str {
        match self {
            TokenKind::PrivateApp => "swb_pat_",
            TokenKind::OAuthAccess => "swb_at_",
            TokenKind::OAuthRefresh => "swb_rt_",
            TokenKind::ClientSecret => "swb_cs_",
        }
    }

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::PrivateApp => "private_app",
            TokenKind::OAuthAccess => "oauth_access",
            TokenKind::OAuthRefresh => "oauth_refresh",
            TokenKind::ClientSecret => "client_secret",
        }
    }

    pub fn from_db(s: &str) -> Option<TokenKind> {
        TokenKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A token in clear. Exists only between creation and the response that shows it,
/// and between a request header and its hash. `Debug` never prints it.
#[derive(Clone)]
pub struct PlainToken {
    kind: TokenKind,
    text: String,
}

impl fmt::Debug for PlainToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PlainToken({}…redacted)", self.kind.prefix())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenFormatError {
    #[error("the token has no known prefix")]
    UnknownPrefix,
    #[error("the token has the wrong length or characters")]
    Malformed,
    #[error("the token's checksum does not match (mistyped or truncated?)")]
    BadChecksum,
}

impl PlainToken {
    /// A fresh token of this kind from a CSPRNG.
    pub fn generate(kind: TokenKind) -> PlainToken {
        // ThreadRng: a ChaCha CSPRNG seeded (and reseeded) from the OS, without
        // a system call per character.
        let random: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(RANDOM_LEN)
            .map(char::from)
            .collect();
        let mut text = String::with_capacity(kind.prefix().len() + RANDOM_LEN + CHECKSUM_LEN);
        text.push_str(kind.prefix());
        text.push_str(&random);
        text.push_str(&checksum(&random));
        PlainToken { kind, text }
    }

    /// Check prefix, shape and checksum. No I/O: this runs before any lookup.
    pub fn parse(text: &str) -> Result<PlainToken, TokenFormatError> {
        let kind = TokenKind::ALL
            .into_iter()
            .find(|k| text.starts_with(k.prefix()))
            .ok_or(TokenFormatError::UnknownPrefix)?;
        let body = &text[kind.prefix().len()..];
        if body.len() != RANDOM_LEN + CHECKSUM_LEN
            || !body.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(TokenFormatError::Malformed);
        }
        let (random, check) = body.split_at(RANDOM_LEN);
        if checksum(random).as_bytes().ct_eq(check.as_bytes()).into() {
            Ok(PlainToken {
                kind,
                text: text.to_owned(),
            })
        } else {
            Err(TokenFormatError::BadChecksum)
        }
    }

    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The secret itself, for the one response that shows it.
    pub fn expose(&self) -> &str {
        &self.text
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.text)
    }
}

/// CRC32 (IEEE) of the random part, in base62 (`0-9A-Za-z`), left-padded with `0` to 6.
pub fn checksum(random: &str) -> String {
    let mut n = crc32fast::hash(random.as_bytes());
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// SHA-256 of a token (or a session id), hex-encoded: what the database stores.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenHash(String);

impl TokenHash {
    pub fn of(secret: &str) -> TokenHash {
        TokenHash(format!("{:x}", Sha256::digest(secret.as_bytes())))
    }

    /// A hash read back from storage.
    pub fn from_stored(hex: String) -> TokenHash {
        TokenHash(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Constant-time equality, for comparing a stored hash with a computed one.
    pub fn ct_eq(&self, other: &TokenHash) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // By characters: a stored value is not guaranteed to be ASCII hex.
        let start: String = self.0.chars().take(8).collect();
        write!(f, "TokenHash({start}…)")
    }
}

/// A random opaque secret that is not a token (session ids, CSRF tokens):
/// 32 base62 characters ≈ 190 bits.
pub fn random_secret() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_tokens_have_the_documented_shape() {
        for kind in TokenKind::ALL {
            let t = PlainToken::generate(kind);
            let text = t.expose();
            assert!(text.starts_with(kind.prefix()));
            assert_eq!(text.len(), kind.prefix().len() + 49);
            assert_eq!(PlainToken::parse(text).unwrap().kind(), kind);
        }
    }

    /// Found by the token_parse fuzz target: the checksum covers the body,
    /// not the prefix, so a changed prefix parses as another kind. The store
    /// never knows that text (its hash differs), so it is refused as unknown.
    #[test]
    fn a_changed_prefix_parses_as_another_kind_with_another_hash() {
        let t = PlainToken::generate(TokenKind::OAuthRefresh);
        let swapped = t.expose().replacen("swb_rt_", "swb_at_", 1);
        let parsed = PlainToken::parse(&swapped).unwrap();
        assert_eq!(parsed.kind(), TokenKind::OAuthAccess);
        assert!(parsed.hash() != t.hash());
    }

    #[test]
    fn checksum_matches_a_hand_computed_value() {
        // crc32("") = 0 -> "000000"; crc32("a") = 0xe8b7be43 = 3904355907
        assert_eq!(checksum(""), "000000");
        let mut n: u64 = 3_904_355_907;
        let mut digits = Vec::new();
        while n > 0 {
            digits.push(BASE62[(n % 62) as usize] as char);
            n /= 62;
        }
        let expected: String = digits.iter().rev().collect();
        assert_eq!(checksum("a"), format!("{expected:0>6}"));
    }

    #[test]
    fn rejects_unknown_prefix_wrong_length_and_bad_chars() {
        let good = PlainToken::generate(TokenKind::PrivateApp)
            .expose()
            .to_owned();
        assert_eq!(
            PlainToken::parse(&good.replacen("swb_pat_", "swb_xyz_", 1)).unwrap_err(),
            TokenFormatError::UnknownPrefix
        );
        assert_eq!(
            PlainToken::parse(&good[..good.len() - 1]).unwrap_err(),
            TokenFormatError::Malformed
        );
        let mut bad = good.clone();
        bad.replace_range(10..11, "-");
        assert_eq!(
            PlainToken::parse(&bad).unwrap_err(),
            TokenFormatError::Malformed
        );
        assert_eq!(
            PlainToken::parse("").unwrap_err(),
            TokenFormatError::UnknownPrefix
        );
    }

    #[test]
    fn debug_never_prints_the_secret() {
        let t = PlainToken::generate(TokenKind::OAuthAccess);
        let shown = format!("{t:?}");
        assert!(!shown.contains(&t.expose()[8..]));
        assert!(!format!("{:?}", t.hash()).contains(&t.hash().as_str()[10..]));
    }

    #[test]
    fn debug_of_a_non_ascii_stored_hash_does_not_panic() {
        // Found by fuzz/fuzz_targets/token_parse.rs: byte 8 fell inside a 'ß'.
        let h = TokenHash::from_stored("abcdefgßh".into());
        assert_eq!(format!("{h:?}"), "TokenHash(abcdefgß…)");
    }

    #[test]
    fn hash_is_sha256_hex() {
        // sha256("abc")
        assert_eq!(
            TokenHash::of("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(TokenHash::of("x").ct_eq(&TokenHash::of("x")));
        assert!(!TokenHash::of("x").ct_eq(&TokenHash::of("y")));
    }

    proptest! {
        /// Any single-character change in the random part or checksum is caught.
        #[test]
        fn checksum_rejects_every_single_char_mutation(pos in 0usize..49, replacement in "[0-9A-Za-z]") {
            let t = PlainToken::generate(TokenKind::PrivateApp);
            let text = t.expose();
            let idx = 8 + pos;
            let original = &text[idx..idx + 1];
            prop_assume!(original != replacement);
            let mut mutated = text.to_owned();
            mutated.replace_range(idx..idx + 1, &replacement);
            prop_assert!(PlainToken::parse(&mutated).is_err());
        }

        /// Parsing arbitrary text never panics, and accepts only well-formed tokens.
        #[test]
        fn parse_never_panics(s in "\\PC{0,80}") {
            if let Ok(t) = PlainToken::parse(&s) {
                prop_assert_eq!(t.expose(), s.as_str());
            }
        }

        /// A well-formed random part with its checksum always parses.
        #[test]
        fn any_random_part_with_its_checksum_parses(random in "[0-9A-Za-z]{43}") {
            let text = format!("swb_rt_{random}{}", checksum(&random));
            prop_assert_eq!(PlainToken::parse(&text).unwrap().kind(), TokenKind::OAuthRefresh);
        }
    }
}
