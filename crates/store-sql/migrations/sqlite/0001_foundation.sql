-- Accounts, users, sessions, Private Apps, tokens, audit log.
-- Times are integer (bigint) milliseconds since the Unix epoch (UTC) on every backend.

create table accounts (
    id text primary key,
    name text not null,
    created_at bigint not null,
    updated_at bigint not null
);

create table users (
    id text primary key,
    account_id text not null references accounts (id) on delete cascade,
    email text not null,
    -- lower-cased email: emails are unique case-insensitively, across accounts
    email_key text not null,
    name text not null,
    password_hash text not null,
    role text not null check (role in ('admin', 'member')),
    active integer not null,
    created_at bigint not null,
    updated_at bigint not null,
    constraint users_email_key unique (email_key)
);
create index users_account_idx on users (account_id, created_at);

create table sessions (
    -- SHA-256 of the cookie value; the value itself is never stored
    id_hash text primary key,
    user_id text not null references users (id) on delete cascade,
    account_id text not null references accounts (id) on delete cascade,
    csrf_token text not null,
    created_at bigint not null,
    updated_at bigint not null,
    last_seen_at bigint not null
);
create index sessions_user_idx on sessions (user_id);

create table private_apps (
    id text primary key,
    account_id text not null references accounts (id) on delete cascade,
    name text not null,
    description text not null,
    scopes text not null,
    logo_id text,
    expires_in_days integer,
    current_token_id text not null,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index private_apps_account_idx on private_apps (account_id, created_at);

create table tokens (
    id text primary key,
    account_id text not null references accounts (id) on delete cascade,
    kind text not null,
    -- SHA-256 of the token; the token itself is never stored
    token_hash text not null,
    private_app_id text references private_apps (id) on delete cascade,
    user_id text references users (id) on delete cascade,
    created_at bigint not null,
    updated_at bigint not null,
    last_used_at bigint,
    expires_at bigint,
    revoked_at bigint,
    constraint tokens_hash_key unique (token_hash)
);
create index tokens_private_app_idx on tokens (private_app_id);
create index tokens_user_idx on tokens (user_id);

create table audit_log (
    id text primary key,
    account_id text not null references accounts (id) on delete cascade,
    actor text not null,
    action text not null,
    target text,
    created_at bigint not null,
    updated_at bigint not null
);
create index audit_log_account_idx on audit_log (account_id, created_at);
