-- OAuth 2.0: apps, grants (consent, or an app's own standing), consent
-- transactions, authorization codes; OAuth tokens live in `tokens`.

create table oauth_apps (
    id text primary key,
    account_id text not null references accounts (id) on delete cascade,
    client_id text not null,
    name text not null,
    description text not null,
    -- newline-separated, each checked at registration
    redirect_uris text not null,
    scopes text not null,
    visibility text not null check (visibility in ('private', 'public')),
    client_type text not null check (client_type in ('confidential', 'public')),
    require_pkce bigint not null,
    access_token_lifetime text not null check (access_token_lifetime in ('never', '1h', '24h')),
    -- the client secret sealed with AES-256-GCM under the server key, and its SHA-256
    secret_sealed text,
    secret_hash text,
    logo_id text,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null,
    constraint oauth_apps_client_id_key unique (client_id)
);
create index oauth_apps_account_idx on oauth_apps (account_id, created_at);

create table oauth_grants (
    id text primary key,
    -- whose data the grant reaches: the authorizing user's account
    account_id text not null references accounts (id) on delete cascade,
    app_id text not null references oauth_apps (id) on delete cascade,
    user_id text references users (id) on delete cascade,
    -- the user id, or 'app' for client_credentials: one grant per app and subject
    subject text not null,
    scopes text not null,
    created_at bigint not null,
    updated_at bigint not null,
    last_used_at bigint,
    revoked_at bigint,
    constraint oauth_grants_app_subject_key unique (app_id, subject)
);
create index oauth_grants_account_idx on oauth_grants (account_id, created_at);
create index oauth_grants_user_idx on oauth_grants (user_id);

create table oauth_consents (
    -- SHA-256 of the id in the consent form
    id_hash text primary key,
    session_hash text not null references sessions (id_hash) on delete cascade,
    user_id text not null references users (id) on delete cascade,
    app_id text not null references oauth_apps (id) on delete cascade,
    redirect_uri text not null,
    scopes text not null,
    state text,
    code_challenge text,
    created_at bigint not null,
    updated_at bigint not null,
    expires_at bigint not null
);
create index oauth_consents_expiry_idx on oauth_consents (expires_at);

create table oauth_codes (
    id text primary key,
    -- SHA-256 of the code; the code itself is never stored
    code_hash text not null,
    grant_id text not null references oauth_grants (id) on delete cascade,
    app_id text not null references oauth_apps (id) on delete cascade,
    user_id text not null references users (id) on delete cascade,
    account_id text not null references accounts (id) on delete cascade,
    redirect_uri text not null,
    scopes text not null,
    code_challenge text,
    created_at bigint not null,
    updated_at bigint not null,
    expires_at bigint not null,
    used_at bigint,
    constraint oauth_codes_hash_key unique (code_hash)
);
create index oauth_codes_expiry_idx on oauth_codes (expires_at);

alter table tokens add column grant_id text references oauth_grants (id) on delete cascade;
alter table tokens add column family_id text;
alter table tokens add column scopes text;
alter table tokens add column rotated_at bigint;
alter table tokens add column family_started_at bigint;
create index tokens_grant_idx on tokens (grant_id);
create index tokens_family_idx on tokens (family_id);
