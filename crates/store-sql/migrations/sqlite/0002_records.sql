-- Module records (contacts, tickets, calls), their change feed and idempotency keys.
-- One table per module with a column per field; list fields hold JSON arrays of strings.

create table contacts (
    id text primary key,
    account_id text not null references accounts (id) on delete cascade,
    version bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    first_name text,
    last_name text,
    primary_email text,
    email text,
    primary_phone_number text,
    phone_number text,
    address text,
    city text,
    state text,
    country text,
    postal_code text,
    customer_type text,
    account_number text,
    timezone text,
    source text,
    whatsapp text,
    facebook text,
    instagram text,
    twitter text,
    tags text,
    block_customer bigint,
    do_not_disturb bigint
);
-- the list order (newest first, ties by id) and the fields most filtered on
create index contacts_list_idx on contacts (account_id, created_at desc, id desc);
create index contacts_primary_email_idx on contacts (account_id, primary_email);
create index contacts_primary_phone_number_idx on contacts (account_id, primary_phone_number);
create index contacts_last_name_idx on contacts (account_id, last_name);
create index contacts_city_idx on contacts (account_id, city);
create index contacts_account_number_idx on contacts (account_id, account_number);

create table tickets (
    id text primary key,
    account_id text not null references accounts (id) on delete cascade,
    version bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    subject text not null,
    description text,
    status text not null,
    priority text not null,
    channel text,
    contact_id text,
    assignee_email text,
    tags text
);
create index tickets_list_idx on tickets (account_id, created_at desc, id desc);
create index tickets_status_idx on tickets (account_id, status);
create index tickets_contact_id_idx on tickets (account_id, contact_id);
create index tickets_assignee_email_idx on tickets (account_id, assignee_email);

create table calls (
    id text primary key,
    account_id text not null references accounts (id) on delete cascade,
    version bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    direction text not null,
    from_number text,
    to_number text,
    contact_id text,
    agent_email text,
    started_at text,
    ended_at text,
    duration_seconds bigint,
    disposition text,
    recording_url text,
    notes text
);
create index calls_list_idx on calls (account_id, created_at desc, id desc);
create index calls_contact_id_idx on calls (account_id, contact_id);
create index calls_agent_email_idx on calls (account_id, agent_email);
create index calls_started_at_idx on calls (account_id, started_at);

-- The change feed: seq is per (account, module) and handed out under a row
-- lock on change_counters, so changes commit in seq order.
create table change_counters (
    account_id text not null references accounts (id) on delete cascade,
    module text not null,
    last_seq bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (account_id, module)
);

create table record_changes (
    account_id text not null references accounts (id) on delete cascade,
    module text not null,
    seq bigint not null,
    record_id text not null,
    op text not null check (op in ('upsert', 'delete')),
    record text,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (account_id, module, seq)
);

create table idempotency_keys (
    account_id text not null references accounts (id) on delete cascade,
    module text not null,
    idem_key text not null,
    request_hash text not null,
    response text not null,
    created_at bigint not null,
    updated_at bigint not null,
    primary key (account_id, module, idem_key)
);
