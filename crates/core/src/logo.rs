//! Logos (SPEC S4.1): PNG, JPEG or WebP, at most 256 KiB and 1024 × 1024 px,
//! checked by decoding the image — never by file name or the client's
//! content type.

use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::model::audit::AuditEntry;
pub use crate::model::logo::{Logo, LogoOwner};
use crate::services::Services;
use image::{ImageFormat, ImageReader};
use std::io::Cursor;

pub const MAX_BYTES: usize = 256 * 1024;
pub const MAX_SIDE: u32 = 1024;

pub fn content_type_of(format: ImageFormat) -> Option<&'static str> {
    match format {
        ImageFormat::Png => Some("image/png"),
        ImageFormat::Jpeg => Some("image/jpeg"),
        ImageFormat::WebP => Some("image/webp"),
        _ => None,
    }
}

/// Check an uploaded image; returns its content type as decoded.
pub fn validate(bytes: &[u8]) -> Result<&'static str> {
    let invalid = |m: String| Error::invalid("logo", m);
    if bytes.is_empty() {
        return Err(invalid("the upload is empty".into()));
    }
    if bytes.len() > MAX_BYTES {
        return Err(invalid(format!("must be at most {} KiB", MAX_BYTES / 1024)));
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| invalid("could not be read".into()))?;
    let content_type = reader
        .format()
        .and_then(content_type_of)
        .ok_or_else(|| invalid("must be a PNG, JPEG or WebP image".into()))?;
    // Dimensions first, from the header: a decompression bomb is refused before decoding.
    let (w, h) = reader
        .into_dimensions()
        .map_err(|_| invalid("is not a valid image".into()))?;
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(invalid(format!(
            "must be at most {MAX_SIDE} × {MAX_SIDE} pixels (this one is {w} × {h})"
        )));
    }
    // Then decode the whole image: a valid header on junk is refused too.
    image::load_from_memory(bytes)
        .map_err(|_| invalid("is not a valid image (it does not decode)".into()))?;
    Ok(content_type)
}

impl LogoOwner {
    fn audit_prefix(self) -> &'static str {
        match self {
            LogoOwner::PrivateApp => "private_app",
            LogoOwner::OAuthApp => "oauth_app",
        }
    }
}

impl Services {
    async fn current_logo(
        &self,
        owner: LogoOwner,
        account_id: &str,
        app_id: &str,
    ) -> Result<Option<String>> {
        Ok(match owner {
            LogoOwner::PrivateApp => self.get_private_app(account_id, app_id).await?.app.logo_id,
            LogoOwner::OAuthApp => self.get_oauth_app(account_id, app_id).await?.app.logo_id,
        })
    }

    /// Store a new logo for an app, replacing (and deleting) its old one.
    pub async fn set_logo(
        &self,
        owner: LogoOwner,
        account_id: &str,
        actor: &str,
        app_id: &str,
        bytes: Vec<u8>,
    ) -> Result<String> {
        let content_type = validate(&bytes)?;
        let old = self.current_logo(owner, account_id, app_id).await?;
        let now = self.clock.now();
        let logo = Logo {
            id: new_id(),
            account_id: account_id.to_owned(),
            content_type,
            bytes,
            created_at: now,
        };
        let action = format!("{}.logo_set", owner.audit_prefix());
        let audit = AuditEntry::new(account_id, actor, &action, Some(app_id), now);
        self.store
            .replace_logo(
                owner,
                account_id,
                app_id,
                Some(&logo),
                old.as_deref(),
                &audit,
            )
            .await?;
        Ok(logo.id)
    }

    pub async fn remove_logo(
        &self,
        owner: LogoOwner,
        account_id: &str,
        actor: &str,
        app_id: &str,
    ) -> Result<()> {
        let old = self.current_logo(owner, account_id, app_id).await?;
        let now = self.clock.now();
        let action = format!("{}.logo_removed", owner.audit_prefix());
        let audit = AuditEntry::new(account_id, actor, &action, Some(app_id), now);
        self.store
            .replace_logo(owner, account_id, app_id, None, old.as_deref(), &audit)
            .await?;
        Ok(())
    }

    pub async fn get_logo(&self, id: &str) -> Result<Logo> {
        self.store
            .get_logo(id)
            .await?
            .ok_or(Error::NotFound("logo"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgba};

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img: ImageBuffer<Rgba<u8>, Vec<u8>> =
            ImageBuffer::from_pixel(w, h, Rgba([10, 20, 30, 255]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn accepts_real_images_and_refuses_the_rest() {
        assert_eq!(validate(&png(64, 64)).unwrap(), "image/png");
        assert!(validate(&png(1025, 10))
            .unwrap_err()
            .to_string()
            .contains("1024"));
        let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>";
        assert!(validate(svg).is_err());
        assert!(validate(b"<html><script>alert(1)</script></html>").is_err());
        let mut junk = png(8, 8)[..40].to_vec();
        junk.extend_from_slice(&[0u8; 100]);
        assert!(validate(&junk).is_err(), "a PNG header on junk");
        assert!(validate(&vec![0u8; MAX_BYTES + 1])
            .unwrap_err()
            .to_string()
            .contains("256 KiB"));
        assert!(validate(&[]).is_err());
    }
}
