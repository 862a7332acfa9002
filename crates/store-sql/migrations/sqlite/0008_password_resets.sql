-- One-time password reset links (SPEC S1): an admin hands one to a user.
-- Only the SHA-256 of the secret is stored; a link works once, until expires_at.
create table password_resets (
    token_hash text primary key,
    account_id text not null references accounts (id) on delete cascade,
    user_id text not null references users (id) on delete cascade,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null,
    expires_at bigint not null,
    used_at bigint
);
create index password_resets_user_idx on password_resets (user_id);
