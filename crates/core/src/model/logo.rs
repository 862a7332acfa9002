//! App logos, as stored.

use chrono::{DateTime, Utc};

#[derive(Clone)]
pub struct Logo {
    pub id: String,
    pub account_id: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for Logo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logo")
            .field("id", &self.id)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

/// Which kind of app a logo belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoOwner {
    PrivateApp,
    OAuthApp,
}
