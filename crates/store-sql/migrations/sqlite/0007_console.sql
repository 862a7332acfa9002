-- New Private App tokens waiting to be shown once in the console (POST/redirect/GET):
-- sealed under the server key, bound to the session, deleted when shown or expired.
create table console_reveals (
    id text primary key,
    account_id text not null references accounts (id) on delete cascade,
    session_hash text not null,
    private_app_id text not null,
    sealed text not null,
    expires_at bigint not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index console_reveals_expiry_idx on console_reveals (expires_at);
