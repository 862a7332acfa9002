-- Uploaded logos (Private Apps, OAuth apps), checked by decoding before they are stored.
create table logos (
    id text primary key,
    account_id text not null references accounts (id) on delete cascade,
    content_type text not null,
    bytes blob not null,
    created_at bigint not null,
    updated_at bigint not null
);
