//! Accounts (tenants), users, roles, sign-up and sign-in.

pub use crate::model::account::{Account, Role, User};
pub use crate::password::{NewPassword, MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS};

use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::model::audit::AuditEntry;
use crate::password::{dummy_hash, hash_password, verify_password};
use crate::services::Services;
use crate::store::{Constraint, StoreError};
use secrecy::SecretString;

/// An email address as users type it, checked and with its case-folded key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Email> {
        let s = raw.trim();
        let ok = s.len() <= 254
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if ok {
            Ok(Email(s.to_owned()))
        } else {
            Err(Error::invalid(
                field,
                "must be an email address like name@example.com",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The unique key: emails are unique case-insensitively.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

pub struct SignUp {
    pub company: String,
    pub name: String,
    pub email: Email,
    pub password: NewPassword,
}

pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub password: NewPassword,
    pub role: Role,
}

/// Checks a display name or company name: trimmed, non-empty, bounded.
pub fn parse_name(field: &str, raw: &str, max_chars: usize) -> Result<String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    // Counted as sent, like the API document's maxLength, before trimming.
    if raw.chars().count() > max_chars {
        return Err(Error::invalid(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(s.to_owned())
}

fn email_taken(e: StoreError) -> Error {
    match e {
        StoreError::Unique(Constraint::UserEmail) => Error::Conflict {
            code: "email_taken",
            message: "a user with this email already exists".into(),
        },
        other => other.into(),
    }
}

fn last_admin() -> Error {
    Error::Conflict {
        code: "last_admin",
        message: "this is the account's last active admin; make another user admin first".into(),
    }
}

impl Services {
    /// Create an account and its first admin.
    pub async fn sign_up(&self, input: SignUp) -> Result<(Account, User)> {
        let now = self.clock.now();
        let account = Account {
            id: new_id(),
            name: input.company,
            created_at: now,
        };
        let user = User {
            id: new_id(),
            account_id: account.id.clone(),
            email: input.email.as_str().to_owned(),
            name: input.name,
            password_hash: hash_password(input.password).await?,
            role: Role::Admin,
            active: true,
            created_at: now,
            updated_at: now,
        };
        let audit = AuditEntry::new(
            &account.id,
            &format!("user:{}", user.id),
            "account.created",
            Some(&account.id),
            now,
        );
        self.store
            .create_account_with_admin(&account, &user, &audit)
            .await
            .map_err(email_taken)?;
        Ok((account, user))
    }

    /// Check email and password, with throttling per email and per client IP.
    /// The error never says whether the email exists.
    pub async fn sign_in(
        &self,
        email: &str,
        password: SecretString,
        client_ip: &str,
    ) -> Result<User> {
        let key = email.trim().to_lowercase();
        let now = self.clock.now();
        self.sign_in_throttle.check(&key, client_ip, now)?;
        let user = self.store.find_user_by_email(&key).await?;
        let stored = user
            .as_ref()
            .map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
        let password_ok = verify_password(password, stored).await;
        match user {
            Some(u) if password_ok && u.active => {
                self.sign_in_throttle.succeeded(&key);
                let actor = format!("user:{}", u.id);
                self.audit(AuditEntry::new(
                    &u.account_id,
                    &actor,
                    "user.signed_in",
                    Some(&u.id),
                    now,
                ))
                .await;
                Ok(u)
            }
            _ => {
                let failures = self.sign_in_throttle.failed(&key, client_ip, now);
                // An unknown email belongs to no account: nothing to record it in.
                if let Some(u) = &user {
                    let entry = AuditEntry::new(
                        &u.account_id,
                        "anonymous",
                        "user.sign_in_failed",
                        Some(&u.id),
                        now,
                    );
                    self.audit(entry).await;
                    // The failure that locks the email: once per window
                    // (the S9.1 `security.signin_failures` event).
                    if failures == self.sign_in_throttle.max_per_email {
                        let entry = AuditEntry::new(
                            &u.account_id,
                            "anonymous",
                            "user.sign_in_failures",
                            Some(&u.id),
                            now,
                        );
                        self.audit(entry).await;
                    }
                }
                Err(Error::Unauthenticated(
                    "the email or password is not correct".into(),
                ))
            }
        }
    }

    pub async fn create_user(&self, account_id: &str, actor: &str, input: NewUser) -> Result<User> {
        let now = self.clock.now();
        let user = User {
            id: new_id(),
            account_id: account_id.to_owned(),
            email: input.email.as_str().to_owned(),
            name: input.name,
            password_hash: hash_password(input.password).await?,
            role: input.role,
            active: true,
            created_at: now,
            updated_at: now,
        };
        let audit = AuditEntry::new(account_id, actor, "user.created", Some(&user.id), now);
        self.store
            .insert_user(&user, &audit)
            .await
            .map_err(email_taken)?;
        Ok(user)
    }

    pub async fn list_users(&self, account_id: &str) -> Result<Vec<User>> {
        Ok(self.store.list_users(account_id).await?)
    }

    pub async fn get_user(&self, account_id: &str, user_id: &str) -> Result<User> {
        self.store
            .get_user(account_id, user_id)
            .await?
            .ok_or(Error::NotFound("user"))
    }

    /// Change a user's role or active flag. Deactivation ends the user's
    /// sessions and revokes their tokens. The last active admin cannot be
    /// demoted or deactivated (the account would have nobody to manage it).
    pub async fn update_user(
        &self,
        account_id: &str,
        actor: &str,
        user_id: &str,
        role: Option<Role>,
        active: Option<bool>,
    ) -> Result<User> {
        let mut user = self.get_user(account_id, user_id).await?;
        let was_active_admin = user.active && user.role == Role::Admin;
        let was_active = user.active;
        if let Some(r) = role {
            user.role = r;
        }
        if let Some(a) = active {
            user.active = a;
        }
        let still_active_admin = user.active && user.role == Role::Admin;
        if was_active_admin
            && !still_active_admin
            && self.store.count_active_admins(account_id).await? <= 1
        {
            return Err(last_admin());
        }
        let now = self.clock.now();
        user.updated_at = now;
        let action = match active {
            Some(false) => "user.deactivated",
            Some(true) if !was_active => "user.reactivated",
            _ => "user.updated",
        };
        let audit = AuditEntry::new(account_id, actor, action, Some(&user.id), now);
        // The count above can race with another admin's change; the store
        // checks again inside its transaction and refuses to leave no admin.
        self.store
            .update_user(&user, now, &audit)
            .await
            .map_err(|e| match e {
                StoreError::LastAdmin => last_admin(),
                other => other.into(),
            })?;
        Ok(user)
    }

    pub async fn list_accounts(&self) -> Result<Vec<Account>> {
        Ok(self.store.list_accounts().await?)
    }

    /// Change the account's (company) name.
    pub async fn rename_account(&self, account_id: &str, actor: &str, name: String) -> Result<()> {
        let now = self.clock.now();
        let audit = AuditEntry::new(account_id, actor, "account.renamed", Some(account_id), now);
        if self
            .store
            .rename_account(account_id, &name, now, &audit)
            .await?
        {
            Ok(())
        } else {
            Err(Error::NotFound("account"))
        }
    }

    pub async fn get_account(&self, id: &str) -> Result<Account> {
        self.store
            .get_account(id)
            .await?
            .ok_or(Error::NotFound("account"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_parsing() {
        assert_eq!(
            Email::parse("email", " Ann@Example.com ").unwrap().key(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "@x.com",
            "ann@",
            "a b@x.com",
            "a@b@c",
            "a@.com",
            "a@x.",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn password_length_rules() {
        assert!(NewPassword::parse("password", "123456789".into()).is_err());
        assert!(NewPassword::parse("password", "1234567890".into()).is_ok());
        assert!(NewPassword::parse("password", "x".repeat(1025)).is_err());
    }
}
